"""Find tables in plain text (EDGAR text documents, text converted from PDF) and cut rows into cells.

Text has no table markup, so a table is recognised by its rows: a label followed by cells that are
all amounts. Cells are separated by tabs or by runs of two or more spaces; each keeps its character
offsets so the parser can stack header cells over the value columns they sit above. Tab-separated
lines (PDF converters that emit tabs) use the field index as position instead, since tab widths
say nothing about where a cell was printed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from filingqa.ingest.model import RawCell, RawRow, RawTable
from filingqa.ingest.numbers import PERIOD_CELL, MalformedNumber, is_currency_only, parse_amount

_TOKEN = re.compile(r"\S+")
_CELL_SPLIT = re.compile(r"\S(?:.*?\S)?(?=\s{2,}|$)")
YEAR_CELL = re.compile(r"^\(?(19|20)\d{2}\)?(?:\*+|\(\w\))?$")
# "Dec 31, 2022", "December 25, 2010", "July 3,": a date heading a column.
_DATE_CELL = re.compile(
    r"^(?:as of\s+)?(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2}\s*,?\s*(?:(?:19|20)\d{2})?\s*(?:\(\w\))?$", re.IGNORECASE
)
_SGML_TAG = re.compile(r"^\s*</?(TABLE|CAPTION|S|C|FN|PAGE)>\s*$", re.IGNORECASE)
# "------  ------", "=====": underlines under a column, never content.
_RULE_LINE = re.compile(r"^[\s\-=_.\u2014\u2013]*[\-=_\u2014\u2013]{3,}[\s\-=_.\u2014\u2013]*$")
_PROSE_END = re.compile(r"[.;:!?]\"?\s*$")
# Lines that open a new statement even without a header row of their own.
TITLE_WORDS = re.compile(
    r"\b(balance sheets?|statements? of|income statements?|financial position|"
    r"results of operations|selected financial|supplemental|reconciliation|segment information)\b",
    re.IGNORECASE,
)
SCALE_HINT = re.compile(r"\b(in|dollars|amounts)\b[^.]{0,30}\b(thousands|millions|billions)\b", re.IGNORECASE)
MAX_GAP_LINES = 4  # non-row lines a table may hold between rows (captions, wrapped labels)
MAX_HEADER_LINES = 8


@dataclass
class LineInfo:
    kind: str  # "blank" | "row" | "years" | "text"
    cells: list[RawCell]


def split_cells(line: str) -> list[RawCell]:
    """Cut one text line into positioned cells."""
    cells = []
    if "\t" in line:
        for i, field in enumerate(line.split("\t")):
            text = field.strip()
            if text:
                for a, b in _split_amount_run(text):
                    cells.append(RawCell(text=text[a:b], start=i, end=i + 1))
        return cells
    for m in _CELL_SPLIT.finditer(line):
        for a, b in _split_amount_run(m.group(0)):
            cells.append(RawCell(text=m.group(0)[a:b], start=m.start() + a, end=m.start() + b))
    return cells


def _split_amount_run(text: str) -> list[tuple[int, int]]:
    """Offsets of the amounts in "10.054 0.054" or "$ 3,886 $ 8,155", which single spaces separate.

    Only a cell made wholly of amounts is split: a label such as "Fiscal 2004" stays whole.
    """
    whole = [(0, len(text))]
    tokens = [(m.start(), m.end()) for m in _TOKEN.finditer(text)]
    if len(tokens) < 2:
        return whole
    groups: list[list[int]] = []  # [start, end] of each amount
    pending: int | None = None  # start of a "$" or "(" waiting for its number
    for a, b in tokens:
        tok = text[a:b]
        if is_currency_only(tok) or tok == "(":
            pending = a if pending is None else pending
            continue
        if tok in {"%", ")", ")%", "%)"} and groups and pending is None:
            groups[-1][1] = b
            continue
        start = pending if pending is not None else a
        try:
            amount = parse_amount(text[start:b])
        except MalformedNumber:
            return whole
        if amount is None:
            return whole
        groups.append([start, b])
        pending = None
    if pending is not None and groups and is_currency_only(text[pending:].strip()):
        groups.append([pending, len(text.rstrip())])  # "69 % $": the "$" belongs to the next column
        pending = None
    if pending is not None or len(groups) < 2:
        return whole
    return [(a, b) for a, b in groups]


def _is_value_cell(text: str) -> bool:
    if is_currency_only(text):
        return True
    try:
        return parse_amount(text) is not None
    except MalformedNumber:
        return True


def classify(line: str) -> LineInfo:
    if not line.strip() or _SGML_TAG.match(line) or _RULE_LINE.match(line):
        return LineInfo("blank", [])
    cells = split_cells(line)
    if not cells:
        return LineInfo("blank", [])
    values = cells[1:] if not _is_value_cell(cells[0].text) else cells
    label = cells[0].text if values is not cells else ""
    if label and len(label) > 150:
        return LineInfo("text", cells)
    if is_year_header([c.text for c in values]):
        return LineInfo("years", cells)
    if values and all(_is_value_cell(c.text) for c in values):
        amounts = [c for c in values if not is_currency_only(c.text)]
        if amounts:
            return LineInfo("row", cells)
    return LineInfo("text", cells)


def is_year_header(texts: list[str]) -> bool:
    """ "2004  2003  2004  2003" or "2023  2022  Inc/ (Dec)": years over columns, maybe with words.

    No other amount may stand among them: a row of real figures is never a header.
    """
    years = 0
    for text in texts:
        if YEAR_CELL.match(text.replace(" ", "")) or PERIOD_CELL.match(text.strip()) or _DATE_CELL.match(text.strip()):
            years += 1
        elif is_currency_only(text):
            continue
        elif _is_value_cell(text):
            return False
    return years > 0


def _is_prose(line: str) -> bool:
    stripped = line.strip()
    return len(stripped) > 90 and bool(_PROSE_END.search(stripped)) or len(stripped.split()) > 25


def find_text_tables(lines: list[str], first_line: int = 1, last_line: int | None = None, document: str | None = None) -> list[RawTable]:
    """Find the tables among lines[first_line-1 : last_line] (1-based, inclusive)."""
    last_line = last_line or len(lines)
    infos = {n: classify(lines[n - 1]) for n in range(first_line, last_line + 1)}
    tables: list[RawTable] = []
    n = first_line
    prev_end = first_line - 1
    while n <= last_line:
        if infos[n].kind != "row":
            n += 1
            continue
        # Grow the body: rows, with short gaps of captions or wrapped labels between them.
        body_start, body_end = n, n
        gap_text = 0
        m = n + 1
        while m <= last_line:
            info = infos[m]
            if info.kind == "row":
                body_end = m
                gap_text = 0
            elif info.kind == "years":
                break  # a new header row: the next table starts here
            elif info.kind == "text":
                text = lines[m - 1]
                # A caption ending in a colon ("CASH FLOWS FROM OPERATING ACTIVITIES:") opens a
                # section of the same statement; a title without one opens a new table.
                if _is_prose(text) or (TITLE_WORDS.search(text) and not text.rstrip().endswith(":") and m > body_end + 1):
                    break
                gap_text += 1
                if gap_text > MAX_GAP_LINES:
                    break
            m += 1
        # Rows of amounts immediately under a header belong to it: walk up over header lines.
        head = body_start
        steps = 0
        while head - 1 > prev_end and steps < MAX_HEADER_LINES:
            info = infos[head - 1]
            text = lines[head - 2]
            if info.kind == "row":
                break
            if info.kind == "text" and (_is_prose(text) or (not _is_header_line(info, text) and TITLE_WORDS.search(text) and not text.rstrip().endswith(":"))):
                break  # a caption ending in a colon ("CASH FLOWS FROM OPERATING ACTIVITIES:") is inside
            head -= 1
            steps += 1
        # The header zone starts at its first line that places cells over the value columns.
        head = _first_header_line(infos, lines, head, body_start)
        rows = [RawRow(line=k, cells=infos[k].cells) for k in range(head, body_end + 1) if infos[k].kind != "blank"]
        data_rows = sum(1 for k in range(body_start, body_end + 1) if infos[k].kind == "row")
        if data_rows >= 2 or (data_rows == 1 and any(infos[k].kind == "years" for k in range(head, body_start))):
            grid = "tab" if any("\t" in lines[k - 1] for k in range(body_start, body_end + 1)) else "text"
            tables.append(RawTable(line_start=head, line_end=body_end, rows=rows, grid=grid, document=document))
            prev_end = body_end
        n = body_end + 1
    return tables


def _is_header_line(info: LineInfo, text: str) -> bool:
    """A line that labels columns: its cells stand right of the label column, or it holds years."""
    if info.kind == "years":
        return True
    if not info.cells:
        return False
    stripped = text.strip()
    # A statement title, a stated scale or a page number is never a column header, however
    # far right it is centred.
    if (TITLE_WORDS.search(stripped) or SCALE_HINT.search(stripped)) and len(info.cells) == 1 or stripped.isdigit():
        return False
    if "\t" in text:
        return text.startswith("\t") or len(info.cells) > 1
    first = info.cells[0]
    return first.start >= 25 or len(info.cells) > 1


def _first_header_line(infos: dict[int, LineInfo], lines: list[str], head: int, body_start: int) -> int:
    for k in range(head, body_start):
        if infos[k].kind == "blank":
            continue
        if _is_header_line(infos[k], lines[k - 1]):
            return k
    return body_start
