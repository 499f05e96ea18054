"""Plain-text loader, plus the decoding and cover-page helpers every loader shares.

Plain text keeps the file's own lines (so a cited line number is the line a person sees in the
file); the only changes are `\\r\\n` normalisation and removing control characters that some
readers treat as line breaks (form feed, vertical tab, NEL...), which would otherwise make two
consumers count lines differently. Tabs are kept: the text-table segmenter uses them.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from filingqa.ingest.errors import EmptyFile
from filingqa.ingest.model import Document, Format, LoadedText

# Characters that str.splitlines() treats as line breaks, or that are plain junk, other than
# \t and \n. Removing them makes `"\n".join(lines).splitlines()` give back exactly `lines`.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f\x85\u2028\u2029]")

_MONTH_DATE = re.compile(
    r"\b(January|February|March|April|May|June|July|August|September|October|November|December|"
    r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.?\s+(\d{1,2}),?\s+(\d{4})\b",
    re.IGNORECASE,
)
_FORM_LINE = re.compile(r"^\s*FORM\s+(8-K|10-Q|10-K|20-F|40-F|6-K|S-1|S-4|DEF 14A|10-KT|10-QT|8-K/A|10-K/A|10-Q/A)\b", re.I)
_EXACT_NAME = re.compile(r"\(\s*Exact name of (?:the )?registrant as specified in (?:its|their) charters?\s*\)", re.I)
_DATE_OF_REPORT = re.compile(r"Date of (?:Report|report)\b[^:]*:?\s*(.*)", re.I)
_PERIOD_ENDED = re.compile(r"for the (?:quarterly period|fiscal year|transition period) ended:?\s*(.*)", re.I)

COVER_SCAN_LINES = 150  # the cover page is at the start; never scan a whole 10-K for it


def decode_bytes(data: bytes) -> str:
    """Decode filing bytes without ever failing.

    UTF-8 first (ASCII is a subset); else cp1252, which is what old EDGAR text and Windows-made
    HTML mostly are; cp1252 leaves five bytes undefined, so latin-1 is the last resort.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    for encoding in ("utf-8", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def clean_line(line: str) -> str:
    """Drop control characters and trailing spaces; keep every tab (empty trailing cells of a
    tab-separated table are still cells) and the leading alignment."""
    return _CONTROL.sub("", line).rstrip(" ")


def split_lines(text: str) -> list[str]:
    """Split on \\n only (after normalising \\r\\n and lone \\r), cleaning each line."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = [clean_line(line) for line in text.split("\n")]
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


def parse_date(text: str) -> date | None:
    """'February 3, 2005', 'Feb. 3 2005', '20050203' or '2005-02-03' -> date; else None."""
    text = text.strip()
    match = _MONTH_DATE.search(text)
    if match:
        month = match.group(1)[:3].title()
        try:
            return datetime.strptime(f"{month} {match.group(2)} {match.group(3)}", "%b %d %Y").date()
        except ValueError:
            return None
    for pattern, width in (("%Y%m%d", 8), ("%Y-%m-%d", 10)):
        try:
            return datetime.strptime(text[:width], pattern).date()
        except ValueError:
            continue
    return None


def cover_facts(lines: list[str]) -> tuple[str | None, str | None, date | None]:
    """Company, form and date as an SEC cover page states them, from the first lines.

    Cover pages are formulaic: "FORM 8-K", "Date of Report (Date of earliest event reported):
    <date>" (or "For the quarterly period ended <date>"), and the registrant's name on the
    line above "(Exact name of registrant as specified in its charter)".
    """
    company = form = None
    when = None
    head = lines[:COVER_SCAN_LINES]
    for i, line in enumerate(head):
        if form is None and (m := _FORM_LINE.match(line)):
            form = m.group(1).upper()
        if when is None and ((m := _DATE_OF_REPORT.search(line)) or (m := _PERIOD_ENDED.search(line))):
            rest = m.group(1) or ""
            when = parse_date(rest)
            if when is None:  # the date is often on the line above or below the label
                for j in (i - 1, i + 1, i - 2):
                    if 0 <= j < len(head) and (when := parse_date(head[j])):
                        break
        if company is None and _EXACT_NAME.search(line):
            before = line[: _EXACT_NAME.search(line).start()].strip()
            if before:
                company = before
            else:
                for j in range(i - 1, max(i - 4, -1), -1):
                    if head[j].strip():
                        company = re.sub(r"\s+", " ", head[j].strip()).strip("* ")
                        break
    return company or None, form, when


def load_plain_text(data: bytes, name: str) -> LoadedText:
    """A text file (including text converted from a PDF) as one 'MAIN' document."""
    lines = split_lines(decode_bytes(data))
    if not any(line.strip() for line in lines):
        raise EmptyFile(name, "the file has no readable text")
    company, form, when = cover_facts(lines)
    return LoadedText(
        format=Format.TEXT,
        lines=lines,
        documents=[Document(type="MAIN", filename=name, line_start=1, line_end=len(lines))],
        company=company,
        form=form,
        date=when,
    )
