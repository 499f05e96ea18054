"""PDF loader: text with column positions kept, like `pdftotext -layout`, and every phrase's box.

Financial tables in a PDF are only positioned glyphs, so the text must keep columns apart for the
text-table segmenter. Glyphs are read with their boxes through PDFium (pypdfium2; see
`pdf_chars`, which also groups them into words), grouped into lines and words, and words into phrases (a gap under ~0.8 em is a word
space). Only phrases are placed by x, at least two spaces apart: one space inside text and two or
more between columns, as in `pdftotext -layout` output. Placing every *word* by x instead collapses
a statement's columns to single spaces at a coarse grid and spreads ordinary words apart at a fine
one.

Each placed phrase keeps its box on its page (`LoadedText.pages`), so a cited cell can be shown
on the rendered page.
"""

from __future__ import annotations

import re
import statistics
import threading
import time
import zlib

from filingqa.ingest.errors import EmptyFile, FileTooLarge, IngestError
from filingqa.ingest.loaders.pdf_chars import Word, page_words
from filingqa.ingest.loaders.text import clean_line, cover_facts
from filingqa.ingest.model import Document, Format, LoadedText, PdfPage

PHRASE_GAP_EM = 0.8  # a gap narrower than this (in font sizes) is a space inside a phrase
COLUMN_SCALE = 0.85  # columns per median glyph width, below 1 so narrow-letter labels rarely overflow
LINE_GAP_EM = 0.8  # a vertical gap wider than this adds one blank line
MAX_COLUMN = 1000  # a hostile x coordinate must not make a gigabyte of spaces
# The work is bounded by what the file makes us do, not by a page count (a 10-K with its exhibits
# runs past 500 pages): the glyphs read in all and the wall time spent reading them.
MAX_CHARS = 20_000_000  # a 550-page 10-K has about 2.5 million
MAX_SECONDS = 600.0
# A compressed stream that inflates to gigabytes (a "zip bomb" PDF) is refused before PDFium
# inflates it: the streams are measured first, with bounded decompression.
MAX_STREAM_INFLATED = 64 * 1024 * 1024  # far above any page's content stream or embedded font
MAX_TOTAL_INFLATED = 512 * 1024 * 1024
_STREAM_START = re.compile(rb"stream\r?\n")
_CONTROL = re.compile("[\x00-\x1f\x7f\x85\u2028\u2029]")
# PDFium is not thread-safe, and the API parses uploads in worker threads.
_PDFIUM_LOCK = threading.Lock()


def load_pdf(data: bytes, name: str, max_seconds: float = MAX_SECONDS, max_chars: int = MAX_CHARS) -> LoadedText:
    """Every page's layout text as one 'MAIN' document; encrypted/corrupt PDFs raise IngestError."""
    import pypdfium2 as pdfium  # imported here: the other formats never need PDFium

    check_inflation(data, name)
    lines: list[str] = []
    pages: list[PdfPage] = []
    deadline = time.monotonic() + max_seconds
    read = 0
    with _PDFIUM_LOCK:
        try:
            pdf = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as exc:
            raise IngestError(name, _reason(exc)) from exc
        try:
            for number in range(1, len(pdf) + 1):
                if time.monotonic() > deadline:
                    raise FileTooLarge(name, f"reading the PDF's text took more than {max_seconds:.0f} s (stopped at page {number} of {len(pdf)})")
                width, height, words, widths = page_words(pdf, number - 1)
                read += len(widths)
                if read > max_chars:
                    raise FileTooLarge(name, f"the PDF has more than {max_chars:,} characters of text (at page {number} of {len(pdf)})")
                page_lines, boxes = _page_lines(words, widths)
                if not page_lines:
                    continue
                if lines:
                    lines.append("")
                start = len(lines) + 1
                lines.extend(page_lines)
                pages.append(
                    PdfPage(
                        number=number,
                        width=round(width, 1),
                        height=round(height, 1),
                        line_start=start,
                        line_end=len(lines),
                        boxes=[(start + offset, *box) for offset, box in boxes],
                    )
                )
        except IngestError:
            raise
        except Exception as exc:  # PDFium reports damage in many ways on hostile input; all mean "unreadable"
            raise IngestError(name, _reason(exc)) from exc
        finally:
            pdf.close()
    if not lines:
        raise EmptyFile(name, "the PDF has no text layer (a scanned image?); run OCR on it first")
    company, form, when = cover_facts(lines)
    return LoadedText(
        format=Format.PDF,
        lines=lines,
        documents=[Document(type="MAIN", filename=name, line_start=1, line_end=len(lines))],
        company=company,
        form=form,
        date=when,
        pages=pages,
    )


def check_inflation(data: bytes, name: str) -> None:
    """Refuse a PDF whose compressed (Flate) streams inflate beyond the limits, before any is inflated
    whole: each stream is decompressed with a cap on its output, so this costs bounded memory."""
    total = 0
    for match in _STREAM_START.finditer(data):
        start = match.end()
        end = data.find(b"endstream", start)
        if end < 0:
            end = len(data)
        inflater = zlib.decompressobj()
        try:
            size = len(inflater.decompress(data[start:end], MAX_STREAM_INFLATED + 1))
        except zlib.error:
            continue  # not Flate data (or damaged): PDFium decides what to make of it
        if size > MAX_STREAM_INFLATED:
            raise FileTooLarge(name, f"a compressed stream in the PDF inflates to more than {MAX_STREAM_INFLATED >> 20} MB (a decompression bomb?)")
        total += size
        if total > MAX_TOTAL_INFLATED:
            raise FileTooLarge(name, f"the PDF's compressed streams inflate to more than {MAX_TOTAL_INFLATED >> 20} MB")


def _reason(exc: Exception) -> str:
    # PDFium names the failure in the message ("Failed to load document (PDFium: Incorrect
    # password error)"); look at the whole chain, not just the outer exception.
    parts, seen = [], exc
    for _ in range(5):
        if seen is None:
            break
        parts.append(f"{type(seen).__name__} {seen!r}")
        seen = seen.__cause__ or seen.__context__
    text = " ".join(parts).lower()
    if "password" in text or "encrypt" in text or "security" in text:
        return "the PDF is encrypted (password-protected); save an unprotected copy and upload that"
    detail = str(exc).strip() or type(exc).__name__
    return f"the PDF is damaged or not a PDF PDFium can read ({detail})"


# ---------------------------------------------------------------------------------------------
# Layout: glyphs -> lines -> words -> phrases placed by x.
# ---------------------------------------------------------------------------------------------

def _page_lines(words: list[Word], widths: list[float]) -> tuple[list[str], list[tuple[int, tuple]]]:
    """A page's lines, and for each placed phrase (line offset, (start, end, x0, top, x1, bottom))."""
    if not words:
        return [], []
    col_width = max(statistics.median(widths) * COLUMN_SCALE, 0.5) if widths else 4.0
    left = min(w[1] for w in words)
    size = statistics.median(w[5] for w in words) or 10.0

    rows: list[list] = []  # [top, bottom, words]
    for word in sorted(words, key=lambda w: (w[2], w[1])):
        middle = (word[2] + word[4]) / 2
        row = next((r for r in reversed(rows[-3:]) if r[0] <= middle <= r[1]), None)
        if row is None:
            rows.append([word[2], word[4], [word]])
        else:
            row[2].append(word)

    out: list[str] = []
    boxes: list[tuple[int, tuple]] = []
    previous_bottom = None
    for top, bottom, row_words in sorted(rows, key=lambda r: r[0]):
        if previous_bottom is not None and top - previous_bottom > LINE_GAP_EM * size and out and out[-1]:
            out.append("")
        previous_bottom = bottom
        line, phrases = _place(sorted(row_words, key=lambda w: w[1]), left, col_width)
        boxes.extend((len(out), phrase) for phrase in phrases)
        out.append(clean_line(line))
    return out, boxes


def _place(words: list[Word], left: float, col_width: float) -> tuple[str, list[tuple]]:
    """The row's text with phrases placed by x, and each phrase's (start, end, x0, top, x1, bottom)."""
    line = ""
    phrases: list[list] = []
    last = None
    for word in words:
        text = _CONTROL.sub("", word[0])
        if last is not None and word[1] - last[3] <= PHRASE_GAP_EM * (last[5] or 10.0) and phrases:
            line += " " + text
            phrase = phrases[-1]
            phrase[1] = len(line)
            phrase[2], phrase[3] = min(phrase[2], word[1]), min(phrase[3], word[2])
            phrase[4], phrase[5] = max(phrase[4], word[3]), max(phrase[5], word[4])
        else:
            column = min(round((word[1] - left) / col_width), MAX_COLUMN)
            if line:
                column = max(column, len(line) + 2)
            line = line.ljust(column) + text
            phrases.append([column, len(line), word[1], word[2], word[3], word[4]])
        last = word
    return line, [(p[0], p[1], round(p[2], 1), round(p[3], 1), round(p[4], 1), round(p[5], 1)) for p in phrases]
