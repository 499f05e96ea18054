"""The deterministic table parser: raw table regions in, typed Tables out."""

from __future__ import annotations

from filingqa.ingest.model import LoadedText, RawTable, Table
from filingqa.ingest.tables.parse import parse_table
from filingqa.ingest.tables.segment import find_text_tables

CONTEXT_LINES = 60  # how far above a table its title and stated scale may sit


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
    return found


def _document_at(loaded: LoadedText, line: int) -> str | None:
    for doc in loaded.documents:
        if doc.line_start <= line <= doc.line_end:
            return doc.type
    return None


def extract_tables(loaded: LoadedText, raws: list[RawTable] | None = None) -> list[Table]:
    tables: list[Table] = []
    for raw in raws if raws is not None else find_raw_tables(loaded):
        context = _context(loaded, raw, tables)
        table = parse_table(raw, context, table_id=f"t{len(tables) + 1}")
        if table is not None:
            tables.append(table)
    return tables


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
        above_prev = [line for line in lines[:cut] if "thousand" in line.lower() or "million" in line.lower() or "billion" in line.lower()]
        return above_prev[-2:] + lines[cut:]
    return lines
