"""Section-aware chunks of a filing's text, each with the exact line range it covers.

Chunks never split a line, so every retrieved passage cites whole, real lines. A chunk stays inside
one section (and so one document), and a table region is kept as a chunk of its own so prose
retrieval is not drowned in digits.
"""

from __future__ import annotations

import hashlib

from pydantic import BaseModel

from filingqa.ingest.model import Filing

TARGET_WORDS = 160
MAX_LINE_CHARS = 2000  # a single enormous line is cut, so one chunk cannot swallow a document


class Chunk(BaseModel):
    id: str
    filing_id: str
    text: str
    line_start: int
    line_end: int
    section: str | None = None
    document: str | None = None
    is_table: bool = False


def _chunk_id(filing_id: str, text: str, line_start: int) -> str:
    return hashlib.sha256(f"{filing_id}\x00{line_start}\x00{text}".encode()).hexdigest()[:24]


def chunk_filing(filing: Filing) -> list[Chunk]:
    table_lines: dict[int, int] = {}  # line -> end line of the table starting there
    in_table: set[int] = set()
    for t in filing.tables:
        start = max(1, t.line_start - 2)
        table_lines[start] = t.line_end
        in_table.update(range(start, t.line_end + 1))

    sections = sorted(filing.sections, key=lambda s: s.line_start)
    section_at: dict[int, tuple[str | None, str | None]] = {}
    for s in sections:
        for n in range(s.line_start, s.line_end + 1):
            section_at[n] = (s.title, s.document)
    doc_at = {}
    for d in filing.documents:
        for n in range(d.line_start, d.line_end + 1):
            doc_at[n] = d.type

    chunks: list[Chunk] = []
    buf: list[int] = []
    words = 0

    def flush(is_table: bool = False) -> None:
        nonlocal buf, words
        lines = [n for n in buf if filing.lines[n - 1].strip()]
        if lines:
            text = "\n".join(filing.lines[n - 1][:MAX_LINE_CHARS] for n in range(lines[0], lines[-1] + 1)).strip()
            section, document = section_at.get(lines[0], (None, doc_at.get(lines[0])))
            chunks.append(
                Chunk(
                    id=_chunk_id(filing.id, text, lines[0]),
                    filing_id=filing.id,
                    text=text,
                    line_start=lines[0],
                    line_end=lines[-1],
                    section=section,
                    document=document or doc_at.get(lines[0]),
                    is_table=is_table,
                )
            )
        buf, words = [], 0

    n = 1
    total = len(filing.lines)
    while n <= total:
        if n in table_lines:
            flush()
            end = table_lines[n]
            buf = list(range(n, end + 1))
            flush(is_table=True)
            n = end + 1
            continue
        if buf and (section_at.get(n) != section_at.get(buf[-1]) or doc_at.get(n) != doc_at.get(buf[-1])):
            flush()
        line = filing.lines[n - 1]
        buf.append(n)
        words += len(line.split())
        if words >= TARGET_WORDS and (not line.strip() or line.rstrip().endswith((".", ":", '"', "”"))):
            flush()
        elif words >= TARGET_WORDS * 2:
            flush()
        n += 1
    flush()
    return chunks
