"""PDF loader: text with column positions kept, like `pdftotext -layout`.

Financial tables in a PDF are only positioned words, so the text must keep columns apart for
the text-table segmenter. pdfplumber's own `extract_text(layout=True)` places every *word* at
x / x_density: with the default density the columns of a statement collapse to single spaces
("$ 2,224.3 $ 2,302.4 $ (78.1)"), and with a finer density ordinary words drift apart
("NET  INCOME   AND"). So words are first joined into phrases (gap under ~0.8 em is a word
space), and only phrases are placed by x, at least two spaces apart. That keeps one space
inside text and two or more between columns, as in `pdftotext -layout` output.
"""

from __future__ import annotations

import io
import re
import statistics
import zlib

from filingqa.ingest.errors import EmptyFile, FileTooLarge, IngestError
from filingqa.ingest.loaders.text import clean_line, cover_facts
from filingqa.ingest.model import Document, Format, LoadedText

MAX_PAGES = 500
PHRASE_GAP_EM = 0.8  # a gap narrower than this (in font sizes) is a space inside a phrase
COLUMN_SCALE = 0.85  # columns per median glyph width, below 1 so narrow-letter labels rarely overflow
LINE_GAP_EM = 0.8  # a vertical gap wider than this adds one blank line
MAX_COLUMN = 1000  # a hostile x coordinate must not make a gigabyte of spaces
# A compressed stream that inflates to gigabytes (a "zip bomb" PDF) would be inflated in memory by
# pdfminer; the streams are measured first, with bounded decompression, and such a file refused.
MAX_STREAM_INFLATED = 64 * 1024 * 1024  # far above any page's content stream or embedded font
MAX_TOTAL_INFLATED = 512 * 1024 * 1024
_STREAM_START = re.compile(rb"stream\r?\n")


def load_pdf(data: bytes, name: str) -> LoadedText:
    """Every page's layout text as one 'MAIN' document; encrypted/corrupt PDFs raise IngestError."""
    import pdfplumber  # imported here: it pulls in pdfminer, which the other formats never need

    check_inflation(data, name)
    lines: list[str] = []
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            pages = pdf.pages
            if len(pages) > MAX_PAGES:
                raise FileTooLarge(name, f"the PDF has {len(pages)} pages; at most {MAX_PAGES} can be loaded")
            for page in pages:
                page_lines = _page_lines(page)
                page.close()  # frees the page's cached layout objects
                if page_lines:
                    if lines:
                        lines.append("")
                    lines.extend(page_lines)
    except IngestError:
        raise
    except Exception as exc:  # pdfminer raises many types on hostile input; all mean "unreadable"
        raise IngestError(name, _reason(exc)) from exc
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
            continue  # not Flate data (or damaged): pdfminer decides what to make of it
        if size > MAX_STREAM_INFLATED:
            raise FileTooLarge(name, f"a compressed stream in the PDF inflates to more than {MAX_STREAM_INFLATED >> 20} MB (a decompression bomb?)")
        total += size
        if total > MAX_TOTAL_INFLATED:
            raise FileTooLarge(name, f"the PDF's compressed streams inflate to more than {MAX_TOTAL_INFLATED >> 20} MB")


def _reason(exc: Exception) -> str:
    # pdfplumber wraps pdfminer's errors (PdfminerException(PDFPasswordIncorrect())), so look
    # at the whole chain and the wrapped arguments, not just the outer type.
    parts, seen = [], exc
    for _ in range(5):
        if seen is None:
            break
        parts.append(f"{type(seen).__name__} {seen!r}")
        parts.extend(repr(arg) for arg in getattr(seen, "args", ()))
        seen = seen.__cause__ or seen.__context__
    text = " ".join(parts).lower()
    if "password" in text or "encrypt" in text:
        return "the PDF is encrypted (password-protected); save an unprotected copy and upload that"
    return f"the PDF is damaged or not a PDF pdfplumber can read ({type(exc).__name__})"


def _page_lines(page) -> list[str]:
    words = page.extract_words(x_tolerance=1.5, y_tolerance=3, keep_blank_chars=False, extra_attrs=["size"])
    words = [w for w in words if w["text"].strip()]
    if not words:
        return []
    widths = [c["x1"] - c["x0"] for c in page.chars if c["text"].strip() and c["x1"] > c["x0"]]
    col_width = max(statistics.median(widths) * COLUMN_SCALE, 0.5) if widths else 4.0
    left = min(w["x0"] for w in words)
    size = statistics.median(w["size"] for w in words) or 10.0

    rows: list[dict] = []
    for word in sorted(words, key=lambda w: (w["top"], w["x0"])):
        middle = (word["top"] + word["bottom"]) / 2
        row = next((r for r in reversed(rows[-3:]) if r["top"] <= middle <= r["bottom"]), None)
        if row is None:
            rows.append({"top": word["top"], "bottom": word["bottom"], "words": [word]})
        else:
            row["words"].append(word)

    out: list[str] = []
    previous_bottom = None
    for row in sorted(rows, key=lambda r: r["top"]):
        if previous_bottom is not None and row["top"] - previous_bottom > LINE_GAP_EM * size and out and out[-1]:
            out.append("")
        previous_bottom = row["bottom"]
        out.append(clean_line(_place(sorted(row["words"], key=lambda w: w["x0"]), left, col_width)))
    return out


def _place(words: list[dict], left: float, col_width: float) -> str:
    line = ""
    last = None
    for word in words:
        if last is not None and word["x0"] - last["x1"] <= PHRASE_GAP_EM * (last["size"] or 10.0):
            line += " " + word["text"]
        else:
            column = min(round((word["x0"] - left) / col_width), MAX_COLUMN)
            if line:
                column = max(column, len(line) + 2)
            line = line.ljust(column) + word["text"]
        last = word
    return line
