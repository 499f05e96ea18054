"""ingest: bytes of a filing in, a parsed Filing out. No storage, no model, no network."""

from __future__ import annotations

import hashlib
from pathlib import Path

from filingqa.ingest.errors import EmptyFile, FileTooLarge, IngestError
from filingqa.ingest.fiscal import read_calendar, resolve_fiscal_columns, undate_future_years
from filingqa.ingest.loaders import load_text
from filingqa.ingest.model import Filing
from filingqa.ingest.sections import find_sections
from filingqa.ingest.tables import extract_tables, find_raw_tables
from filingqa.ingest.tables.parse import date_change_columns
from filingqa.ingest.xbrl.link import link_tables

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
    dei = loaded.xbrl.dei if loaded.xbrl is not None and not loaded.xbrl.dei.empty() else None
    calendar = read_calendar(loaded.lines, tables, dei_year_end=dei.fiscal_year_end if dei else None)
    resolve_fiscal_columns(tables, calendar)
    if dei is not None and dei.period_end is not None:
        undate_future_years(tables, dei.period_end)
    for table in tables:
        date_change_columns(table.columns)
    # After the columns are dated: the check compares each tagged cell's period with its column's.
    coverage = link_tables(tables, raws, loaded.xbrl)
    # The dei cover facts are the filer's own attested statement of who, what form and when.
    return Filing(
        id=filing_id(data),
        name=name,
        format=loaded.format,
        company=(dei and dei.company) or loaded.company,
        form=(dei and dei.form) or loaded.form,
        date=(dei and dei.period_end) or loaded.date,
        fiscal_year_end=calendar.key(),
        dei=dei,
        xbrl=coverage,
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
