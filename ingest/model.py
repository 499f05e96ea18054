"""The domain types passed along the pipeline: a loaded Filing, its Tables and their typed Facts.

Every stage after loading speaks in these types; nothing downstream sees HTML, PDF objects or SGML.
Line numbers are 1-based positions in `Filing.lines`, the filing's normalised text: for text and
PDF-converted filings that is the file's own text, for HTML it is the rendered text (one line per
block element, one line per table row), so a citation points at something a person can read.
"""

from __future__ import annotations

import datetime as dt
from enum import Enum

from pydantic import BaseModel, Field

from filingqa.ingest.xbrl.model import Dei, XbrlCoverage, XbrlInstance, XbrlRef


class Scale(str, Enum):
    """The multiplier a table states for its amounts ("in thousands")."""

    UNITS = "units"
    THOUSANDS = "thousands"
    MILLIONS = "millions"
    BILLIONS = "billions"

    @property
    def factor(self) -> int:
        return {"units": 1, "thousands": 10**3, "millions": 10**6, "billions": 10**9}[self.value]


class Unit(str, Enum):
    USD = "USD"
    USD_PER_SHARE = "USD/share"
    SHARES = "shares"
    PERCENT = "percent"
    NUMBER = "number"  # counts that are neither money nor shares: stores, employees, units sold
    RATIO = "ratio"
    KWH = "kWh"


class Format(str, Enum):
    """What a file is, detected from its content (never from its name)."""

    EDGAR_SUBMISSION = "edgar-submission"  # SGML full-submission .txt, or a bare <DOCUMENT> wrapper
    HTML = "html"
    PDF = "pdf"
    TEXT = "text"  # plain text, including text converted from PDF


# ---------------------------------------------------------------------------------------------
# What a loader produces: text lines, documents, and (for structured formats) raw table grids.
# ---------------------------------------------------------------------------------------------


class Document(BaseModel):
    """One document of a filing: the 8-K itself, an EX-99.1 press release, a PDF's text."""

    type: str = Field(description="EDGAR document type, e.g. '8-K', 'EX-99.1'; 'MAIN' when the file has no wrapper")
    filename: str | None = None
    description: str | None = None
    line_start: int
    line_end: int


class Section(BaseModel):
    """A heading and the lines it governs, so chunks and citations can name where they are."""

    title: str
    line_start: int
    line_end: int
    document: str | None = None


class RawCell(BaseModel):
    """One cell as the source lays it out, before any typing.

    `start`/`end` place the cell horizontally in its row, in the table's own coordinates: grid
    columns for HTML (end exclusive, colspan expanded), character offsets for aligned text. The
    parser uses them to put header cells over the value columns they span.
    """

    text: str
    start: int
    end: int
    xbrl: str | None = Field(default=None, description="id of the inline-XBRL fact the cell prints (its first, outermost tag)")


class RawRow(BaseModel):
    line: int
    cells: list[RawCell]
    xbrl: list[str] = Field(default=[], description="ids of every tagged number in the row, label cells included")


class RawTable(BaseModel):
    """A table region as found in the source: rows of positioned cells, with its source lines."""

    line_start: int
    line_end: int
    rows: list[RawRow]
    grid: str = Field(description="'html' when positions are grid columns, 'text' when character offsets, 'tab' when tab fields")
    document: str | None = None
    continues: bool = Field(default=False, description="a second header block of the table above, split off")


PhraseBox = tuple[int, int, int, float, float, float, float]
"""(line, start, end, x0, top, x1, bottom): a phrase placed on `line` at character offsets
start..end (end exclusive), and its box in points from the top-left of the page."""


class PdfPage(BaseModel):
    """One PDF page that has text: which lines it became and where each placed phrase sits on it,
    so a cited cell (line, character offsets) can be boxed on the rendered page."""

    number: int = Field(description="1-based page number in the PDF")
    width: float = Field(description="points, the page's crop box, as a rendered page shows it")
    height: float
    line_start: int
    line_end: int
    boxes: list[PhraseBox] = []

    def box(self, line: int, start: int = 0, end: int | None = None) -> tuple[float, float, float, float] | None:
        """The union box (x0, top, x1, bottom) of the phrases on `line` overlapping start..end."""
        hits = [b for b in self.boxes if b[0] == line and b[1] < (end if end is not None else 1 << 30) and b[2] > start]
        if not hits:
            return None
        return min(b[3] for b in hits), min(b[4] for b in hits), max(b[5] for b in hits), max(b[6] for b in hits)


def page_of(pages: list[PdfPage], line: int) -> PdfPage | None:
    """The page that `line` (1-based) of a PDF's text came from; None for the blank line between pages."""
    return next((page for page in pages if page.line_start <= line <= page.line_end), None)


class LoadedText(BaseModel):
    """A loader's whole output: the normalised text and what the source's structure told us."""

    format: Format
    lines: list[str]
    documents: list[Document] = []
    raw_tables: list[RawTable] = Field(
        default=[], description="tables the source's structure delimits (HTML); text tables are found later"
    )
    company: str | None = None
    form: str | None = None
    date: dt.date | None = None
    xbrl: XbrlInstance | None = Field(default=None, description="the filer's XBRL tags, when the filing has them")
    pages: list[PdfPage] = Field(default=[], description="PDF only: each page with text and its phrase boxes")


# ---------------------------------------------------------------------------------------------
# What the table parser produces.
# ---------------------------------------------------------------------------------------------


class Period(BaseModel):
    """A reporting period: an instant (balance sheet, months None) or a duration ending on `end`."""

    end: dt.date | None = None
    months: int | None = None
    weeks: int | None = None

    @property
    def is_instant(self) -> bool:
        return self.months is None and self.weeks is None


class Column(BaseModel):
    label: str
    period_end: dt.date | None = None
    months: int | None = None
    weeks: int | None = None
    kind: str = Field(default="value", description="'value', or 'change' for the changes a table prints beside its periods")
    unit: Unit | None = Field(default=None, description="set when the column fixes its cells' unit (a % column, a per-share group)")
    scale: Scale | None = Field(default=None, description="set when the column header states its own scale ('Revenue $M', 'Units K')")
    fiscal_year: int | None = Field(default=None, description="'Q4 2022', 'FY 2022': resolved to period_end with the filer's calendar")
    fiscal_quarter: int | None = None

    @property
    def period(self) -> Period:
        return Period(end=self.period_end, months=self.months, weeks=self.weeks)


class Row(BaseModel):
    label: str
    unit: Unit
    scale: Scale
    values: list[float | None]
    line: int
    verified: bool = False
    is_total: bool = False
    section: str | None = Field(default=None, description="the caption rows above it, e.g. 'Revenues:'")
    texts: list[str | None] = Field(default=[], description="each value as the filing prints it")
    xbrl: list[XbrlRef | None] = Field(default=[], description="the filer's tag on each value cell, aligned with values; [] when none")
    text_xbrl: list[XbrlRef] = Field(default=[], description="tags on numbers the row prints but the parser does not read as values (in its label, or a range cell)")


class RejectedRow(BaseModel):
    line: int
    text: str
    reason: str


class Table(BaseModel):
    id: str
    title: str
    scale: Scale
    line_start: int
    line_end: int
    columns: list[Column]
    rows: list[Row]
    rejected_rows: list[RejectedRow] = []
    document: str | None = None

    def fact(self, row: Row, i: int) -> "Fact | None":
        """The typed fact in row `row`, column `i`; None for an empty cell."""
        value = row.values[i] if i < len(row.values) else None
        if value is None:
            return None
        col = self.columns[i]
        unit = col.unit or row.unit
        return Fact(
            table=self.id,
            table_title=self.title,
            label=row.label,
            section=row.section,
            column=col.label,
            column_index=i,
            column_kind=col.kind,
            period=col.period,
            value=value,
            text=row.texts[i] if i < len(row.texts) else None,
            unit=unit,
            scale=Scale.UNITS if col.unit in (Unit.PERCENT, Unit.USD_PER_SHARE) else (col.scale or row.scale),
            line=row.line,
            verified=row.verified,
            xbrl=row.xbrl[i] if i < len(row.xbrl) else None,
        )

    def facts(self) -> list["Fact"]:
        return [f for row in self.rows for i in range(len(self.columns)) if (f := self.fact(row, i)) is not None]


class Fact(BaseModel):
    """One typed cell: the unit of truth every figure answer is built from."""

    table: str
    table_title: str
    label: str
    section: str | None = None
    column: str
    column_index: int
    column_kind: str = "value"
    period: Period
    value: float
    text: str | None = None
    unit: Unit
    scale: Scale
    line: int
    verified: bool = False
    xbrl: XbrlRef | None = Field(default=None, description="the filer's tag on this cell: concept, context, dimensions, agrees")


class Filing(BaseModel):
    """A loaded, parsed filing: what the store keeps and the answer engine reads."""

    id: str = Field(description="content hash of the file's bytes")
    name: str
    format: Format
    company: str | None = None
    form: str | None = None
    date: dt.date | None = None
    fiscal_year_end: str | None = Field(default=None, description="'MM-DD' of the filer's fiscal year end, when the filing shows it")
    documents: list[Document] = []
    sections: list[Section] = []
    lines: list[str]
    tables: list[Table] = []
    dei: Dei | None = Field(default=None, description="the cover facts the filer tags in XBRL, when it does")
    xbrl: XbrlCoverage | None = Field(default=None, description="how the filer's XBRL tags met the parsed tables")
    # Not stored (excluded from the dump the store writes): only a freshly parsed PDF carries them.
    pages: list[PdfPage] = Field(default=[], exclude=True, description="PDF only: pages, their lines and phrase boxes")

    def facts(self) -> list[Fact]:
        return [fact for table in self.tables for fact in table.facts()]

    def line(self, number: int) -> str:
        return self.lines[number - 1] if 1 <= number <= len(self.lines) else ""
