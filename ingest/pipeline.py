"""ingest: bytes of a filing in, a parsed Filing out. No storage, no model, no network."""

from __future__ import annotations

import hashlib
from pathlib import Path

from filingqa.ingest.errors import EmptyFile, FileTooLarge, IngestError
from filingqa.ingest.fiscal import read_calendar, resolve_fiscal_columns
from filingqa.ingest.loaders import load_text
from filingqa.ingest.model import Filing
from filingqa.ingest.sections import find_sections
from filingqa.ingest.tables import extract_tables, find_raw_tables
from filingqa.ingest.tables.parse import date_change_columns

DEFAULT_MAX_BYTES = 100 * 1024 * 1024


def filing_id(data: bytes) -> str:
    """The filing's id: a hash of its bytes, so the same file always gets the same id."""
    return hashlib.sha256(data).hexdigest()[:16]


def parse_filing(data: bytes, name: str, max_bytes: int = DEFAULT_MAX_BYTES) -> Filing:
    if not data:
        raise EmptyFile(name, "the file is empty")
    if len(data) > max_bytes:
        raise FileTooLarge(name, f"the file is {len(data) / 1e6:.1f} MB; the limit is {max_bytes / 1e6:.0f} MB")
    loaded = load_text(data, name)
    if not any(line.strip() for line in loaded.lines):
        raise EmptyFile(name, "no readable text in the file")
    raws = find_raw_tables(loaded)
    tables = extract_tables(loaded, raws)
    calendar = read_calendar(loaded.lines, tables)
    resolve_fiscal_columns(tables, calendar)
    for table in tables:
        date_change_columns(table.columns)
    return Filing(
        id=filing_id(data),
        name=name,
        format=loaded.format,
        company=loaded.company,
        form=loaded.form,
        date=loaded.date,
        fiscal_year_end=calendar.key(),
        documents=loaded.documents,
        sections=find_sections(loaded.lines, loaded.documents, raws),
        lines=loaded.lines,
        tables=tables,
        pages=loaded.pages,
    )


def load_filing(path: str | Path, max_bytes: int = DEFAULT_MAX_BYTES) -> Filing:
    path = Path(path)
    return parse_filing(read_filing(path, max_bytes), path.name, max_bytes=max_bytes)


def read_filing(path: str | Path, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """A file's bytes; a file over `max_bytes` is refused before it is read."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise IngestError(str(path), f"cannot read the file ({exc.strerror or exc})") from exc
    if size > max_bytes:
        raise FileTooLarge(path.name, f"the file is {size / 1e6:.1f} MB; the limit is {max_bytes / 1e6:.0f} MB")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise IngestError(str(path), f"cannot read the file ({exc.strerror or exc})") from exc
