"""The PDF loader (PDFium): column fidelity on real 10-K PDFs, page numbers and phrase boxes, and
work bounded by glyphs and time rather than by a page count."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import pytest

from filingqa.ingest.errors import FileTooLarge
from filingqa.ingest.loaders import load_text
from filingqa.ingest.loaders.pdf import load_pdf
from filingqa.ingest.model import LoadedText, page_of
from filingqa.ingest.pipeline import parse_filing

AMOUNTS = re.compile(r"[\d,.]+")


@lru_cache(maxsize=None)
def _load(path: Path) -> LoadedText:
    return load_text(path.read_bytes(), path.name)


@pytest.fixture
def apple_2019(corpus_dir) -> LoadedText:
    return _load(corpus_dir / "apple-10k-2019.pdf")


def test_apple_10k_income_statement_keeps_its_columns_and_page(apple_2019):
    # PDF p32 of the 10-K: the Consolidated Statements of Operations.
    n, line = next((n, line) for n, line in enumerate(apple_2019.lines, 1) if re.match(r" +Total net sales {20,}260,174", line))
    assert re.fullmatch(r" +Total net sales {2,}260,174 {2,}265,595 {2,}229,234", line)
    page = page_of(apple_2019.pages, n)
    assert page.number == 32 and (page.width, page.height) == (612.0, 792.0)
    # Each amount is its own placed phrase; its box is on the page, in reading order, on one baseline.
    boxes = [page.box(n, m.start(), m.end()) for m in AMOUNTS.finditer(line)]
    assert len(boxes) == 3 and all(b is not None for b in boxes)
    assert all(0 < x0 < x1 <= page.width and 0 < top < bottom <= page.height for x0, top, x1, bottom in boxes)
    assert [b[0] for b in boxes] == sorted(b[0] for b in boxes)
    assert len({round(b[3]) for b in boxes}) == 1
    label = page.box(n, 0, line.index("sales") + 5)
    assert label[2] < boxes[0][0]  # the label ends left of the first amount


def test_apple_10k_pages_cover_the_text_in_order(apple_2019):
    pages = apple_2019.pages
    assert [p.number for p in pages] == sorted({p.number for p in pages}) and pages[0].number == 1
    assert pages[-1].line_end == len(apple_2019.lines)
    for before, after in zip(pages, pages[1:]):
        assert before.line_end + 2 == after.line_start  # one blank line between pages
        assert apple_2019.lines[before.line_end] == ""
    for page in pages[:5]:
        for line, start, end, *_ in page.boxes:
            assert page.line_start <= line <= page.line_end
            assert apple_2019.lines[line - 1][start:end].strip()


def test_parsed_filing_carries_pages_but_the_store_dump_does_not(corpus_dir):
    filing = parse_filing((corpus_dir / "mcdonalds-8k-ex99-2023-04-25.pdf").read_bytes(), "mcdonalds.pdf")
    assert [p.number for p in filing.pages] == [1, 2, 3, 4]
    assert "pages" not in filing.model_dump()


def test_salesforce_10k_revenue_row_has_its_columns(corpus_dir):
    sfdc = _load(corpus_dir / "salesforce-10k-2023.pdf")
    rows = [line for line in sfdc.lines if line.strip().startswith("Total revenues  ")]
    assert any(re.search(r"31,352 {2,}\$? *26,492", line) for line in rows), rows


# ---------------------------------------------------------------------------------------------
# Made-up PDFs: many pages, and the bounds that replace the page cap.
# ---------------------------------------------------------------------------------------------


def _many_page_pdf(pages: int) -> bytes:
    """A PDF of `pages` pages, each with its own content stream: a heading and one table row."""
    objects: list[bytes] = [b"<< /Type /Catalog /Pages 2 0 R >>", b""]
    font = 3
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    kids = []
    for k in range(1, pages + 1):
        stream = b"BT /F1 10 Tf 72 720 Td (Page %d of the exhibits) Tj ET BT /F1 10 Tf 72 690 Td (Net sales) Tj 300 0 Td (%d) Tj 100 0 Td (%d) Tj ET" % (k, 1000 + k, 2000 + k)
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
        content = len(objects)
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %d 0 R /Resources << /Font << /F1 %d 0 R >> >> >>" % (content, font))
        kids.append(b"%d 0 R" % len(objects))
    objects[1] = b"<< /Type /Pages /Kids [" + b" ".join(kids) + b"] /Count %d >>" % pages
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


@lru_cache(maxsize=1)
def _six_hundred_pages() -> bytes:
    return _many_page_pdf(600)


def test_a_pdf_of_600_pages_loads_whole():
    # A 10-K with its exhibits runs past 500 pages (PepsiCo FY2021: 549); none may be refused for that.
    loaded = load_pdf(_six_hundred_pages(), "long.pdf")
    assert [p.number for p in loaded.pages] == list(range(1, 601))
    last = loaded.pages[-1]
    assert loaded.lines[last.line_start - 1] == "Page 600 of the exhibits"
    assert re.fullmatch(r"Net sales {2,}1600 {2,}2600", loaded.lines[last.line_end - 1])


def test_glyph_and_time_bounds_refuse_with_a_reason():
    data = _six_hundred_pages()
    with pytest.raises(FileTooLarge, match=r"long.pdf: the PDF has more than 5,000 characters of text \(at page \d+ of 600\)"):
        load_pdf(data, "long.pdf", max_chars=5000)
    with pytest.raises(FileTooLarge, match=r"long.pdf: reading the PDF's text took more than 0 s \(stopped at page \d+ of 600\)"):
        load_pdf(data, "long.pdf", max_seconds=0.0)
