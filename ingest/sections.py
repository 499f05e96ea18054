"""Find section headings in a filing's lines, so chunks and citations can say where they are.

Filings in every format share the same visual convention: a heading is a short line on its
own, in ALL CAPS ("CONSOLIDATED BALANCE SHEETS"), Title Case ("Management Commentary") or an
item number ("ITEM 2.02 Results of Operations..."), with ordinary text after it. That is all
this module looks for; it deliberately knows nothing of any one form's outline.

A run of heading-like lines ("UNITED STATES" / "SECURITIES AND EXCHANGE COMMISSION" / "FORM
8-K") is a title block, not a section: only its last line starts the section. Lines that are
table rows (two spaces between cells in rendered HTML, column gaps in text) are never headings.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from filingqa.ingest.model import Document, RawTable, Section

MAX_HEADING_CHARS = 80
MIN_LETTERS = 3
MIN_LETTER_SHARE = 0.6  # letters among non-space characters
TITLE_CASE_SHARE = 0.8  # share of significant words that must be capitalised

_ITEM = re.compile(r"^(?:ITEM|Item)\s+\d{1,2}[A-Z]?(?:\.\d{2})?\b")
_PART = re.compile(r"^PART\s+[IV]+\b", re.I)
_COLUMN_GAP = re.compile(r"\S(?: {2,}|\t)\S")
_WORD = re.compile(r"[A-Za-z][A-Za-z'’&\-]*")
_NUMBERED = re.compile(r"^(?:\d{1,2}|[A-Z])\.\s*[A-Z]")  # "2. NET SALES", "B. Segments"
_DATE_ONLY = re.compile(
    r"^(?:Date:?\s*)?(?:January|February|March|April|May|June|July|August|September|October|November|December)"
    r"\s+\d{1,2},?\s+\d{4}$",
    re.I,
)
_PAGE_FURNITURE = re.compile(r"^(?:table of contents|page \d+|\d+|[ivxlc]+|- ?\d+ ?-)$", re.I)
_SMALL_WORDS = frozenset(
    "a an and as at but by for from in into of on or per the to vs with without under over upon than".split()
)


def find_sections(
    lines: list[str], documents: list[Document], raw_tables: Iterable[RawTable] = ()
) -> list[Section]:
    """Sections over 1-based line numbers; each runs to the next heading or its document's end.

    `raw_tables` is optional: when given, their row lines are never headings (a table header
    row such as "Three Months Ended" looks exactly like a Title Case heading).
    """
    table_lines = {row.line for table in raw_tables for row in table.rows}
    spans = [(doc.line_start, doc.line_end, doc.type) for doc in documents] or [(1, len(lines), None)]
    sections: list[Section] = []
    for start, end, doc_type in spans:
        headings = _headings(lines, max(start, 1), min(end, len(lines)), table_lines)
        for i, (number, title) in enumerate(headings):
            stop = headings[i + 1][0] - 1 if i + 1 < len(headings) else end
            while stop > number and not lines[stop - 1].strip():
                stop -= 1
            sections.append(Section(title=title, line_start=number, line_end=max(stop, number), document=doc_type))
    return sections


def _headings(lines: list[str], start: int, end: int, table_lines: set[int]) -> list[tuple[int, str]]:
    """(line number, title) of each heading between `start` and `end` inclusive."""
    found: list[tuple[int, str]] = []
    pending: tuple[int, str] | None = None  # last heading-like line, waiting for body text
    for number in range(start, end + 1):
        text = lines[number - 1].strip()
        if not text:
            continue
        if number not in table_lines and is_heading(text):
            if pending is not None and pending[1].endswith(":"):
                found.append(pending)  # "Contacts:" announces what follows; it is never a title-block line
            pending = (number, re.sub(r"\s+", " ", text))
            continue
        if pending is not None:
            found.append(pending)
            pending = None
    return found


def is_heading(text: str) -> bool:
    """A short line that reads as a title: ITEM n, ALL CAPS, or Title Case without a final period."""
    text = text.strip()
    if len(text) > MAX_HEADING_CHARS or _COLUMN_GAP.search(text) or _PAGE_FURNITURE.match(text):
        return False
    if _ITEM.match(text) or _PART.match(text):
        return True
    if text.endswith((".", ",", ";")) or text[0] in "(•●·-–—*$" or _DATE_ONLY.match(text):
        return False
    if text[0].isdigit() and not _NUMBERED.match(text):
        return False  # an address, a figure, a page number
    words = _WORD.findall(text)
    letters = sum(len(word) for word in words)
    if letters < MIN_LETTERS or letters < MIN_LETTER_SHARE * len(text.replace(" ", "")):
        return False  # mostly numbers or punctuation: a figure, a date line, a table row
    if words[-1].lower() in _SMALL_WORDS:
        return False  # "Selling and" / "...Act of 1934, the": a wrapped line, not a title
    if text.upper() == text:
        return True
    significant = [word for word in words if word.lower() not in _SMALL_WORDS]
    if not significant or not words[0][0].isupper():
        return False
    capitalised = sum(1 for word in significant if word[0].isupper())
    return capitalised >= TITLE_CASE_SHARE * len(significant)
