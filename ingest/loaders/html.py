"""Render EDGAR HTML / inline XBRL to readable lines and raw table grids.

Downstream stages never see HTML: they get one line per block element (so a citation points at
a sentence a person can find) and, for every table that holds data, a grid of positioned cells
(so the table parser can put header cells over the value columns they span).

EDGAR HTML is machine-made and has quirks this module absorbs once, here:
- Workiva and Donnelley put the `$` of an amount in its own cell, and the `)` of a negative
  (or the `%` of a ratio) in the next cell: those pieces are merged back onto their number.
- Layout tables (one cell of text, footnote tables with no second column) are plain text.
- Inline XBRL carries a hidden `ix:header` block of machine facts, which is not text to show;
  its tags are read beside the text (`filingqa.ingest.xbrl.read`): the `dei:` facts give the
  company, form and period, and each table cell records the id of the fact it prints.
The walk is iterative (no recursion limit), and cells analysed are capped so hostile input
(millions of cells, huge colspans, deep nesting) costs bounded time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from lxml import etree

from filingqa.ingest.errors import EmptyFile, IngestError
from filingqa.ingest.loaders.text import cover_facts, decode_bytes
from filingqa.ingest.model import Document, Format, LoadedText, RawCell, RawRow, RawTable
from filingqa.ingest.xbrl.model import XbrlInstance
from filingqa.ingest.xbrl.read import read_inline

MAX_CELLS = 200_000  # table cells analysed per document; beyond this tables render as plain text
MAX_TABLE_NESTING = 6  # tables nested deeper than this are plain text
MAX_COLSPAN = 1000  # the HTML spec's own limit
MAX_ROWSPAN = 100  # far above any real filing; bounds the rowspan bookkeeping
MAX_ACTIVE_ROWSPANS = 1000  # rowspans beyond this many open at once are ignored

BLOCK_TAGS = frozenset(
    "address article aside blockquote body caption center dd details dir div dl dt fieldset figcaption figure "
    "footer form h1 h2 h3 h4 h5 h6 header hr html li main menu nav ol p page section summary table tbody "
    "tfoot thead tr ul".split()
)
CELL_TAGS = frozenset({"td", "th"})
SKIP_TAGS = frozenset({"script", "style", "head", "title", "noscript", "template", "ix:header", "object", "svg"})

_WHITESPACE = re.compile(r"[\s\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_INVISIBLE = re.compile("[\u200b-\u200d\u2060\ufeff\u00ad\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x85\u2028\u2029]")
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none", re.I)
# Workiva separates "2." from "NET SALES" with a padded span, not a space.
_INDENT_STYLE = re.compile(r"(?:padding|margin)-left\s*:\s*(?!0(?:\.0*)?(?:pt|px|em|in|%)?\s*(?:;|$))[\d.]", re.I)
_LEADING_INT = re.compile(r"\s*(\d{1,6})")
_PARSER_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")  # lxml refuses these in str input
_XML_DECLARATION = re.compile(r"\A\s*<\?xml[^>]*\?>", re.I)
_CURRENCY_ONLY = re.compile(r"[$€£¥]|US\$|C\$")
_CLOSER_ONLY = re.compile(r"\)|%|\)%|%\)|\)\s*%|%\s*\)")
_AMOUNT_START = re.compile(r"[(\-\u2013\u2014.]?\s*\d|[-\u2013\u2014]+$|\(\s*[-\u2013\u2014]")  # what a `$` can prefix
_AMOUNT_END = re.compile(r"(?:\d|\(\s*\d[\d,.]*|[-\u2013\u2014])\s*\)?$")  # what a `)`/`%` can close


def _collapse(text: str) -> str:
    return _WHITESPACE.sub(" ", _INVISIBLE.sub("", text)).strip()


def _is_skipped(el) -> bool:
    """Elements whose content is never text for a reader: scripts, iXBRL headers, hidden blocks."""
    if el.tag in SKIP_TAGS:
        return True
    style = el.get("style")
    return bool(style and _HIDDEN_STYLE.search(style))


def _is_indented(el) -> bool:
    style = el.get("style")
    return bool(style and _INDENT_STYLE.search(style))


def _int_attr(el, name: str, limit: int) -> int:
    match = _LEADING_INT.match(el.get(name) or "")
    return max(1, min(int(match.group(1)), limit)) if match else 1


@dataclass
class RenderedHtml:
    lines: list[str]
    raw_tables: list[RawTable]
    company: str | None = None
    form: str | None = None
    date: date | None = None
    xbrl: XbrlInstance | None = None


@dataclass
class _Renderer:
    lines: list[str] = field(default_factory=list)
    tables: list[RawTable] = field(default_factory=list)
    cells_left: int = MAX_CELLS
    anchors: dict = field(default_factory=dict)  # page element -> id of the XBRL fact it prints
    _buf: list[str] = field(default_factory=list)
    _text_seen: int = 0  # count of non-blank text pieces, to spot empty (spacer) blocks

    # --- line assembly --------------------------------------------------------------------

    def add(self, text: str | None) -> None:
        if text:
            self._buf.append(text)
            if not text.isspace():
                self._text_seen += 1

    def flush(self) -> bool:
        """End the current line; returns whether it had any text."""
        if not self._buf:
            return False
        line = _collapse("".join(self._buf))
        self._buf.clear()
        if line:
            self.lines.append(line)
        return bool(line)

    def blank(self) -> None:
        if self.lines and self.lines[-1]:
            self.lines.append("")

    # --- the walk -------------------------------------------------------------------------

    def render(self, root) -> None:
        walker = etree.iterwalk(root, events=("start", "end"))
        block_marks: list[tuple[int, int]] = []
        data_tables: set = set()  # tables already emitted whole (holding them keeps their proxies stable)
        table_depth = 0
        for event, el in walker:
            tag = el.tag
            if not isinstance(tag, str):
                continue
            if event == "start":
                if _is_skipped(el):
                    walker.skip_subtree()
                    continue
                if tag == "table":
                    table_depth += 1
                    if self._try_data_table(el, table_depth):
                        data_tables.add(el)
                        walker.skip_subtree()
                        continue
                if tag == "pre":
                    self._pre(el)
                    walker.skip_subtree()
                    continue
                if tag in BLOCK_TAGS:
                    self.flush()
                    block_marks.append((self._text_seen, len(self.lines)))
                elif tag == "br":
                    if not self.flush():
                        self.blank()
                elif tag in CELL_TAGS or _is_indented(el):
                    self.add(" ")
                self.add(el.text)
            else:
                if tag == "table":
                    table_depth -= 1
                    if el in data_tables:
                        data_tables.discard(el)
                        self.add(el.tail)
                        continue
                if tag in BLOCK_TAGS and block_marks and not _is_skipped(el):
                    self.flush()
                    seen, n_lines = block_marks.pop()
                    if tag == "table" or (seen == self._text_seen and n_lines == len(self.lines)):
                        self.blank()  # a spacer paragraph, or the end of a table
                elif tag in CELL_TAGS:
                    self.add(" ")
                self.add(el.tail)
        self.flush()
        while self.lines and not self.lines[-1]:
            self.lines.pop()

    def _pre(self, el) -> None:
        """Preformatted text (old filings put text tables in <pre>): keep its line layout."""
        self.flush()
        self.blank()
        text = _flat_text(el, keep_layout=True)
        for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
            self.lines.append(_INVISIBLE.sub("", raw.replace("\u00a0", " ")).rstrip())
        while self.lines and not self.lines[-1]:
            self.lines.pop()
        self.blank()

    # --- tables ---------------------------------------------------------------------------

    def _try_data_table(self, table, depth: int) -> bool:
        """Emit `table` as rows + RawTable if it holds data; False means walk it as layout."""
        if depth > MAX_TABLE_NESTING or self.cells_left <= 0:
            return False
        rows = _table_rows(table)
        grid_rows: list[list[RawCell]] = []
        row_tags: list[list[str]] = []  # every tagged number in each row, label cells included
        occupied: list[list[int]] = []  # [start, end, rows_left] from rowspans above
        for tr in rows:
            cells = []
            col = 0
            taken = _merged_spans(occupied)
            k = 0
            for td in tr:
                if not isinstance(td.tag, str) or td.tag not in CELL_TAGS:
                    continue
                self.cells_left -= 1
                if self.cells_left <= 0:
                    return False
                while k < len(taken) and taken[k][1] <= col:
                    k += 1
                if k < len(taken) and taken[k][0] <= col:  # a cell from a row above spans down here
                    col = taken[k][1]
                span = _int_attr(td, "colspan", MAX_COLSPAN)
                rowspan = _int_attr(td, "rowspan", MAX_ROWSPAN)
                text = _flat_text(td)
                tags = [self.anchors[n] for n in td.iter() if n in self.anchors] if self.anchors else []
                cells.append((text, col, col + span, rowspan, tags))
                col += span
            for slot in occupied:
                slot[2] -= 1
            occupied = [slot for slot in occupied if slot[2] > 0]
            for _, start, end, rowspan, _ in cells:
                if rowspan > 1 and len(occupied) < MAX_ACTIVE_ROWSPANS:
                    occupied.append([start, end, rowspan - 1])
            grid_rows.append(merge_cells([(text, start, end, tags[0] if tags else None) for text, start, end, _, tags in cells]))
            row_tags.append([t for *_, tags in cells for t in tags])
        if not any(len(row) >= 2 for row in grid_rows):
            return False

        self.flush()
        self.blank()
        caption = next((c for c in table if isinstance(c.tag, str) and c.tag == "caption"), None)
        if caption is not None and (caption_text := _flat_text(caption)):
            self.lines.append(caption_text)
        raw_rows = []
        for cells, tags in zip(grid_rows, row_tags):
            if not cells:
                continue
            self.lines.append("  ".join(cell.text for cell in cells))
            raw_rows.append(RawRow(line=len(self.lines), cells=cells, xbrl=tags))
        self.tables.append(RawTable(line_start=raw_rows[0].line, line_end=raw_rows[-1].line, rows=raw_rows, grid="html"))
        self.blank()
        return True


def _table_rows(table) -> list:
    """The table's own <tr>s (directly or via thead/tbody/tfoot), not those of nested tables."""
    rows = []
    for child in table:
        tag = child.tag
        if tag == "tr":
            rows.append(child)
        elif tag in ("thead", "tbody", "tfoot"):
            rows.extend(tr for tr in child if tr.tag == "tr")
    return rows


def _merged_spans(occupied: list[list[int]]) -> list[list[int]]:
    """The column ranges rowspans from above occupy in this row, sorted and merged."""
    merged: list[list[int]] = []
    for start, end, _ in sorted(occupied):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return merged


def merge_cells(cells: list[tuple]) -> list[RawCell]:
    """Put split amounts back together and drop empty cells (the rest keep their positions).

    `$` joins the next non-empty cell to its right; `)`, `%`, `)%`, `%)` join the previous one,
    which repairs Workiva's `(1,234` + `)` and `12.5` + `%`. Both only when the neighbour is an
    amount: a header row can have a lone `$` over the dollar column next to "% of Net Sales".
    Each cell is (text, start, end) or (text, start, end, xbrl fact id); a merged cell keeps
    its number's fact id.
    """
    out: list[list] = []
    pending: list | None = None  # a currency sign waiting for its amount
    for text, start, end, *rest in cells:
        tag = rest[0] if rest else None
        if not text:
            continue
        if _CURRENCY_ONLY.fullmatch(text):
            if pending is not None:
                out.append(pending)
            pending = [text, start, end, tag]
            continue
        if _CLOSER_ONLY.fullmatch(text) and pending is None and out and _AMOUNT_END.search(out[-1][0]):
            out[-1][0] += text.replace(" ", "")
            out[-1][2] = max(out[-1][2], end)
            out[-1][3] = out[-1][3] or tag
            continue
        if pending is not None:
            if _AMOUNT_START.match(text):
                text, start, tag = pending[0] + text, pending[1], tag or pending[3]
            else:
                out.append(pending)
            pending = None
        out.append([text, start, end, tag])
    if pending is not None:
        out.append(pending)
    return [RawCell(text=text, start=start, end=end, xbrl=tag) for text, start, end, tag in out]


def _flat_text(el, keep_layout: bool = False) -> str:
    """The text of `el` on one line (block boundaries become spaces), skipping hidden content."""
    parts: list[str] = []
    walker = etree.iterwalk(el, events=("start", "end"))
    for event, node in walker:
        tag = node.tag
        if not isinstance(tag, str):
            continue
        if event == "start":
            if _is_skipped(node):
                walker.skip_subtree()
                continue
            if tag == "br" or (tag in BLOCK_TAGS and node is not el) or tag in CELL_TAGS or _is_indented(node):
                parts.append("\n" if keep_layout and tag == "br" else " ")
            parts.append(node.text or "")
        else:
            if node is el:
                break
            if tag in BLOCK_TAGS or tag in CELL_TAGS:
                parts.append(" ")
            parts.append(node.tail or "")
    text = "".join(parts)
    return text if keep_layout else _collapse(text)


def parse_html(text: str):
    """Parse HTML or XHTML text into an lxml tree; None when there is no markup to speak of."""
    text = _XML_DECLARATION.sub("", text, count=1)
    text = _PARSER_UNSAFE.sub(" ", text)
    if not text.strip():
        return None
    # Plain etree elements: lxml.html's element-class lookup costs ~10% of the walk on big docs.
    parser = etree.HTMLParser(remove_comments=True, remove_pis=True, recover=True)
    try:
        return etree.fromstring(text, parser=parser)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        return None


def render_html(text: str) -> RenderedHtml:
    """Lines and raw tables for one HTML document's text (line numbers start at 1)."""
    root = parse_html(text)
    if root is None:
        return RenderedHtml(lines=[], raw_tables=[])
    instance, anchors = read_inline(root)
    renderer = _Renderer(anchors=anchors)
    renderer.render(root)
    dei = instance.dei if instance is not None else None
    return RenderedHtml(
        lines=renderer.lines,
        raw_tables=renderer.tables,
        company=dei.company if dei else None,
        form=dei.form if dei else None,
        date=dei.period_end if dei else None,
        xbrl=instance,
    )


def load_html(data: bytes, name: str) -> LoadedText:
    """A standalone HTML / inline-XBRL file as one 'MAIN' document."""
    rendered = render_html(decode_bytes(data))
    if not any(rendered.lines):
        raise EmptyFile(name, "the HTML has no readable text")
    company, form, when = cover_facts(rendered.lines)
    try:
        return LoadedText(
            format=Format.HTML,
            lines=rendered.lines,
            documents=[Document(type="MAIN", filename=name, line_start=1, line_end=len(rendered.lines))],
            raw_tables=rendered.raw_tables,
            company=rendered.company or company,
            form=rendered.form or form,
            date=rendered.date or when,
            xbrl=rendered.xbrl,
        )
    except ValueError as exc:  # pydantic validation: should not happen, but never leak it
        raise IngestError(name, f"could not build the document model: {exc}") from exc
