"""Turn the bytes of any filing into a `LoadedText`: lines, documents, raw tables, header facts.

The format is detected from the content (see `filingqa.ingest.detect`), never from the name,
and every failure a user can fix surfaces as an `IngestError` naming the file and the reason.
"""

from __future__ import annotations

from filingqa.ingest.detect import detect_format
from filingqa.ingest.model import Format, LoadedText

__all__ = ["load_text"]


def load_text(data: bytes, name: str) -> LoadedText:
    """Load any supported filing file; raises IngestError (or a subclass) when it cannot."""
    data = _from_utf16(data)
    match detect_format(data, name):
        case Format.PDF:
            from filingqa.ingest.loaders.pdf import load_pdf

            return load_pdf(data, name)
        case Format.EDGAR_SUBMISSION:
            from filingqa.ingest.loaders.sgml import load_submission

            return load_submission(data, name)
        case Format.HTML:
            from filingqa.ingest.loaders.html import load_html

            return load_html(data, name)
        case Format.TEXT:
            from filingqa.ingest.loaders.text import load_plain_text

            return load_plain_text(data, name)


def _from_utf16(data: bytes) -> bytes:
    """Text saved as UTF-16 with its byte-order mark ("Unicode" in Windows editors) as UTF-8, so it
    reads like any other text rather than as binary (its NUL bytes)."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return data.decode("utf-16").encode("utf-8")
        except UnicodeDecodeError:
            return data  # not UTF-16 after all: detection says what it is
    return data
