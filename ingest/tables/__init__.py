"""The deterministic table parser: raw table regions in, typed Tables out."""

from __future__ import annotations

import bisect
import re

from filingqa.ingest.model import LoadedText, RawRow, RawTable, Table
from filingqa.ingest.numbers import MalformedNumber, is_currency_only, parse_amount
from filingqa.ingest.periods import find_dates, find_durations, find_month_days
from filingqa.ingest.tables.parse import parse_table
from filingqa.ingest.tables.segment import find_text_tables, is_year_header

CONTEXT_LINES = 60
_SCALE_WORD = re.compile(r"thousand|million|billion", re.IGNORECASE)
_PAGE_LABEL = re.compile(r"^(item|part|note|signatures|exhibits?)\b|form 10-[qk]|table of contents", re.IGNORECASE)  # how far above a table its title and stated scale may sit


def find_raw_tables(loaded: LoadedText) -> list[RawTable]:
    """Structural tables from the loader, plus tables found in the text that no structure covers."""
    covered: set[int] = set()
    for raw in loaded.raw_tables:
        covered.update(range(raw.line_start, raw.line_end + 1))
    found = list(loaded.raw_tables)
    # Text tables are searched in each stretch of lines that no structural table covers.
    start = None
    for n in range(1, len(loaded.lines) + 2):
        inside = n <= len(loaded.lines) and n not in covered
        if inside and start is None:
            start = n
        elif not inside and start is not None:
            found.extend(find_text_tables(loaded.lines, start, n - 1, document=_document_at(loaded, start)))
            start = None
    found.sort(key=lambda t: t.line_start)
    return [piece for raw in found for piece in split_header_blocks(raw)]


def _row_kind(row: RawRow) -> str:
    """'data' (holds amounts), 'header' (names periods over columns) or 'label' (a caption)."""
    cells = [c.text.strip() for c in row.cells if c.text.strip()]
    rest = cells[1:]
    for text in rest:
        if is_currency_only(text):
            continue
        try:
            amount = parse_amount(text)
        except MalformedNumber:
            return "data"
        if amount is not None and not is_year_header([text]):
            return "data"
    if rest and is_year_header(rest):
        return "header"
    periodic = [t for t in rest if find_durations(t) or find_dates(t) or find_month_days(t)]
    return "header" if len(periodic) >= 2 else "label"


def split_header_blocks(raw: RawTable) -> list[RawTable]:
    """A table that opens a second header block after its data (Alcoa's "Six months ended June 30,"
    under the quarter's rows) is two tables: each block's columns are its own."""
    pieces: list[list[RawRow]] = [[]]
    seen_data = False
    for row in raw.rows:
        kind = _row_kind(row)
        if kind == "header" and seen_data:
            pieces.append([])
            seen_data = False
        pieces[-1].append(row)
        seen_data = seen_data or kind == "data"
    if len(pieces) == 1:
        return [raw]
    # Header rows above the first block that name no period ("Alcoa Corporation | Noncontrolling
    # interest | Total") head the later blocks too.
    groups = []
    for row in pieces[0]:
        kind = _row_kind(row)
        if kind == "data":
            break
        if kind == "label" and len([c for c in row.cells if c.text.strip()]) >= 2:
            groups.append(row)
    pieces = [pieces[0]] + [groups + rows for rows in pieces[1:]]
    return [
        RawTable(line_start=min(r.line for r in rows), line_end=max(r.line for r in rows), rows=rows, grid=raw.grid, document=raw.document, continues=i > 0)
        for i, rows in enumerate(pieces)
        if rows
    ]


def _document_at(loaded: LoadedText, line: int) -> str | None:
    for doc in loaded.documents:
        if doc.line_start <= line <= doc.line_end:
            return doc.type
    return None


def extract_tables(loaded: LoadedText, raws: list[RawTable] | None = None) -> list[Table]:
    tables: list[Table] = []
    statements = _scale_statements(loaded)
    for raw in raws if raws is not None else find_raw_tables(loaded):
        context = _context(loaded, raw, tables)
        if raw.continues and tables:
            # The split-off block has no title of its own: it is the table above, continued.
            context = [tables[-1].title + " (continued)", *[c for c in context if _SCALE_WORD.search(c)][-1:]]
        table = parse_table(raw, context, table_id=f"t{len(tables) + 1}", document_scale=_document_scale(loaded, raw, statements))
        if table is not None and not is_navigation(table):
            tables.append(table)
    return tables


_SCALE_STATEMENT = re.compile(r"\b(?:dollars|amounts|\$)\s+in\s+(?:thousands|millions|billions)\b|\(in\s+(?:thousands|millions|billions)\b", re.IGNORECASE)


def _scale_statements(loaded: LoadedText) -> list[int]:
    """Line numbers that state a scale, in order: read once, so each table's look-up is a bisect."""
    return [n for n, line in enumerate(loaded.lines, start=1) if len(line) < 400 and _SCALE_STATEMENT.search(line)]


def _document_scale(loaded: LoadedText, raw: RawTable, statements: list[int]) -> str | None:
    """The nearest statement of scale anywhere above the table in its document."""
    first = 1
    for doc in loaded.documents:
        if doc.line_start <= raw.line_start <= doc.line_end:
            first = doc.line_start
    k = bisect.bisect_left(statements, raw.line_start) - 1
    if k >= 0 and statements[k] >= first:
        return loaded.lines[statements[k] - 1]
    return None


def is_navigation(table: Table) -> bool:
    """A table of contents or a page footer ("Item 2. ... 36", "Form 10-Q  1"): page numbers, not facts."""
    if len(table.columns) != 1 or table.columns[0].period_end or table.columns[0].months:
        return False
    values = [r.values[0] for r in table.rows]
    if any(v is None or v < 0 or v != int(v) or v > 2000 for v in values):
        return False
    return values == sorted(values) and (len(values) == 1 or any(_PAGE_LABEL.search(r.label) for r in table.rows))


def _context(loaded: LoadedText, raw: RawTable, previous: list[Table]) -> list[str]:
    """The lines above a table (nearest last), not reaching into another document."""
    first = max(1, raw.line_start - CONTEXT_LINES)
    for doc in loaded.documents:
        if doc.line_start <= raw.line_start <= doc.line_end:
            first = max(first, doc.line_start)
    lines = loaded.lines[first - 1 : raw.line_start - 1]
    # The title sits between this table and the one before; the scale may sit above both.
    if previous and previous[-1].line_end >= first:
        cut = previous[-1].line_end - first + 1
        # Not the previous table's own rows: "Intrinsic value (billions)" is that row's scale.
        row_lines = {r.line for r in previous[-1].rows} | {r.line for r in previous[-1].rejected_rows}
        above_prev = [
            line
            for n, line in enumerate(lines[:cut], start=first)
            if n not in row_lines and ("thousand" in line.lower() or "million" in line.lower() or "billion" in line.lower())
        ]
        return above_prev[-2:] + lines[cut:]
    return lines
