"""Loaders on the real corpus filings: each test is named after the filing and checks real content."""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from filingqa.ingest.detect import detect_format
from filingqa.ingest.errors import EmptyFile, IngestError, UnsupportedFormat
from filingqa.ingest.loaders import load_text
from filingqa.ingest.loaders.html import merge_cells, render_html
from filingqa.ingest.model import Format, LoadedText
from filingqa.ingest.sections import find_sections, is_heading

UUENCODE_LINE = re.compile(r"^M[\x20-\x60]{60}$")
SGML_MARKUP = re.compile(r"</?(?:TABLE|S|C|CAPTION|PAGE|FN|DOCUMENT|TEXT|TYPE|SEC-HEADER)>", re.I)


@lru_cache(maxsize=None)
def _load(path: Path) -> LoadedText:
    return load_text(path.read_bytes(), path.name)


@pytest.fixture
def load(corpus_dir):
    def loader(name: str) -> LoadedText:
        return _load(corpus_dir / name)

    return loader


def rows_with(loaded: LoadedText, label: str):
    return [row for table in loaded.raw_tables for row in table.rows if row.cells and row.cells[0].text == label]


def cell(row, text: str):
    return next(c for c in row.cells if c.text == text)


# ---------------------------------------------------------------------------------------------
# Every corpus file: format, timing-independent invariants.
# ---------------------------------------------------------------------------------------------

EXPECTED_FORMATS = {
    "abvc-8k-2025-04-15.txt": Format.EDGAR_SUBMISSION,
    "alcoa-10q-2018-06-30.htm": Format.EDGAR_SUBMISSION,
    "amazon-8k-1998-08-12.txt": Format.EDGAR_SUBMISSION,
    "apple-8k-2011-01-18.txt": Format.EDGAR_SUBMISSION,
    "buckle-8k-ex99-2024-11-22.htm": Format.EDGAR_SUBMISSION,
    "homedepot-10q-2023-07-30.htm": Format.HTML,
    "immunogen-8k-2005-02-03.txt": Format.TEXT,
    "intel-8k-ex99-2023-01-26-pdf.txt": Format.TEXT,
    "intel-8k-ex99-2023-01-26.pdf": Format.PDF,
    "mcdonalds-8k-ex99-2023-04-25-pdf.txt": Format.TEXT,
    "mcdonalds-8k-ex99-2023-04-25.pdf": Format.PDF,
    "sears-8k-2004-07-22.txt": Format.EDGAR_SUBMISSION,
    "southern-8k-2005-01-25.txt": Format.EDGAR_SUBMISSION,
}


@pytest.mark.parametrize("name", sorted(EXPECTED_FORMATS))
def test_corpus_file_format_and_invariants(load, corpus_dir, name):
    assert detect_format((corpus_dir / name).read_bytes(), name) is EXPECTED_FORMATS[name]
    loaded = load(name)
    assert loaded.format is EXPECTED_FORMATS[name]
    lines = loaded.lines
    assert lines and lines[0].strip() and lines[-1].strip()
    # Every consumer must count lines the same way, whatever it splits on.
    assert "\n".join(lines).splitlines() == lines
    # Documents are ordered, non-overlapping and inside the text.
    previous_end = 0
    for doc in loaded.documents:
        assert previous_end < doc.line_start <= doc.line_end <= len(lines)
        previous_end = doc.line_end
    # A raw row's line is the rendered row: its cells joined by two spaces, in order.
    for table in loaded.raw_tables:
        assert table.grid == "html"
        assert table.line_start == table.rows[0].line and table.line_end == table.rows[-1].line
        for row in table.rows:
            assert lines[row.line - 1] == "  ".join(c.text for c in row.cells)
            assert all(c.text and c.start < c.end for c in row.cells)
            assert all(a.end <= b.start for a, b in zip(row.cells, row.cells[1:]))


# ---------------------------------------------------------------------------------------------
# EDGAR submissions
# ---------------------------------------------------------------------------------------------


def test_apple_8k_submission_documents_and_header(load):
    apple = load("apple-8k-2011-01-18.txt")
    assert [d.type for d in apple.documents] == ["8-K", "EX-99.1", "EX-99.2"]
    assert [d.filename for d in apple.documents] == ["d8k.htm", "dex991.htm", "dex992.htm"]
    assert apple.documents[1].description.startswith("TEXT OF PRESS RELEASE")
    assert (apple.company, apple.form, apple.date) == ("APPLE INC", "8-K", date(2011, 1, 18))
    assert not any("PRIVACY-ENHANCED" in line or "<SEC-HEADER>" in line for line in apple.lines)


def test_apple_net_sales_row_is_positioned_under_its_header(load):
    apple = load("apple-8k-2011-01-18.txt")
    row = rows_with(apple, "Net sales")[0]
    assert [c.text for c in row.cells] == ["Net sales", "$26,741", "$15,683"]
    amount = cell(row, "$26,741")
    assert (amount.start, amount.end) == (2, 4)  # the `$` cell and the number cell, merged
    table = next(t for t in apple.raw_tables if row in t.rows)
    assert table.document == "EX-99.1"
    header = next(r for r in table.rows if any(c.text == "December 25, 2010" for c in r.cells))
    period = cell(header, "December 25, 2010")  # "December&nbsp;25,<br>2010" in the source
    assert (period.start, period.end) == (amount.start, amount.end)
    ex991 = apple.documents[1]
    assert ex991.line_start <= row.line <= ex991.line_end


def test_apple_data_sheet_keeps_negative_percent_as_printed(load):
    apple = load("apple-8k-2011-01-18.txt")
    americas = rows_with(apple, "Americas")[0]
    assert "- 7%" in [c.text for c in americas.cells]  # the source prints "-&nbsp;7%"


def test_abvc_skips_uuencoded_binaries_and_xbrl(load):
    abvc = load("abvc-8k-2025-04-15.txt")
    assert [d.type for d in abvc.documents] == ["8-K", "EX-99.1"]
    assert (abvc.company, abvc.form, abvc.date) == ("ABVC BIOPHARMA, INC.", "8-K", date(2025, 4, 15))
    assert not [line for line in abvc.lines if UUENCODE_LINE.match(line)]
    joined = "\n".join(abvc.lines)
    for marker in ("begin 644", "xbrli:", "xs:schema", "link:", "FilingSummary", "toggleNextSibling", "\"nsprefix\""):
        assert marker not in joined
    assert "ABVC BioPharma Announces 2024 Financial Results" in abvc.lines
    total = rows_with(abvc, "Total")[0]
    assert [c.text for c in total.cells] == ["Total", "$702,000", "$18,298,000"]


def test_sears_pem_wrapper_removed_text_tables_kept(load):
    sears = load("sears-8k-2004-07-22.txt")
    assert [d.type for d in sears.documents] == ["8-K", "EX-99"]
    assert (sears.company, sears.form, sears.date) == ("SEARS ROEBUCK & CO", "8-K", date(2004, 7, 22))
    joined = "\n".join(sears.lines)
    assert "PRIVACY-ENHANCED" not in joined and "Proc-Type" not in joined and "MIC-Info" not in joined
    assert "                    -LIFO      $4,945   $4,881    $4,728" in sears.lines
    assert sears.raw_tables == []  # text tables are found later, by the table segmenter


def test_southern_sgml_table_tags_dropped_and_pem_dashes_unescaped(load):
    southern = load("southern-8k-2005-01-25.txt")
    assert [d.type for d in southern.documents] == ["8-K"] + [f"EX-99.0{i}" for i in range(1, 7)]
    # Seven filers; Southern Co's CIK (92122) prefixes the accession number 0000092122-05-000042.
    assert southern.company == "SOUTHERN CO"
    assert not [line for line in southern.lines if SGML_MARKUP.search(line)]
    retail = next(line for line in southern.lines if line.startswith("Retail Business  "))
    assert retail.endswith("$ 1,153")
    # PEM escaped "- Excluding..." as "- - Excluding...", shifting the row two columns right.
    excluding = next(line for line in southern.lines if line.startswith("- Excluding One-Time Items"))
    revenues = next(line for line in southern.lines if line.startswith("Operating Revenues  "))
    assert len(excluding) == len(revenues) == 97
    ex9902 = southern.documents[2]
    assert ex9902.line_start <= southern.lines.index(retail) + 1 <= ex9902.line_end


def test_amazon_page_tags_dropped_balance_sheet_aligned(load):
    amazon = load("amazon-8k-1998-08-12.txt")
    assert [d.type for d in amazon.documents] == ["8-K", "EX-23.1"]
    assert (amazon.company, amazon.date) == ("AMAZON COM INC", date(1998, 8, 12))
    assert not [line for line in amazon.lines if SGML_MARKUP.search(line)]
    cash = next(line for line in amazon.lines if line.strip().startswith("Cash and equivalents"))
    other = next(line for line in amazon.lines if line.strip().startswith("Other current assets"))
    assert cash.endswith("$ 1,576,716       $ 2,415,200")
    assert other.endswith("77,036            16,187")
    assert len(cash) == len(other)  # right-aligned columns survive
    assert "--------------------------------------------------------------------------------" in amazon.lines


def test_buckle_wrapper_exhibit_dollar_cells_merged(load):
    buckle = load("buckle-8k-ex99-2024-11-22.htm")
    assert [d.type for d in buckle.documents] == ["EX-99.1"]
    assert buckle.documents[0].filename == "bke20241122-8kexhibit.htm"
    assert buckle.form == "EX-99.1"  # the wrapper's <TYPE>; a bare exhibit names no company
    assert not any("<TYPE>" in line or "<TEXT>" in line for line in buckle.lines)
    sales = rows_with(buckle, "SALES, Net of returns and allowances")[0]
    assert [c.text for c in sales.cells][1:] == ["$293,618", "$303,457", "$838,490", "$878,719"]
    header = next(r for t in buckle.raw_tables for r in t.rows if r.cells[0].text == "November 2, 2024")
    first = cell(sales, "$293,618")
    assert header.cells[0].start <= first.start < first.end <= header.cells[0].end
    depreciation = rows_with(buckle, "Less accumulated depreciation and amortization")[0]
    assert [c.text for c in depreciation.cells][1:] == ["(365,241)", "(360,200)", "(359,367)"]


def test_alcoa_10q_wrapper_negative_numbers_rejoined(load):
    alcoa = load("alcoa-10q-2018-06-30.htm")
    assert [d.type for d in alcoa.documents] == ["10-Q"]
    assert (alcoa.company, alcoa.form, alcoa.date) == ("ALCOA CORPORATION", "10-Q", date(2018, 6, 30))
    other = rows_with(alcoa, "Other expenses (income), net (O)")[0]
    assert [c.text for c in other.cells][1:] == ["9", "28", "30", "(51)"]  # "(51" + ")" in the source
    comprehensive = rows_with(alcoa, "Comprehensive (loss) income")[0]
    assert [c.text for c in comprehensive.cells][1:4] == ["$(362)", "$72", "$(4)"]
    assert len(alcoa.raw_tables) > 50


# ---------------------------------------------------------------------------------------------
# Standalone HTML (inline XBRL)
# ---------------------------------------------------------------------------------------------


def test_homedepot_hidden_ixbrl_header_dropped(load):
    hd = load("homedepot-10q-2023-07-30.htm")
    joined = "\n".join(hd.lines)
    for hidden in ("us-gaap:CommonStockMember", "iso4217:USD", "xbrli:shares", "0000354950"):
        assert hidden not in joined
    assert (hd.company, hd.form, hd.date) == ("HOME DEPOT, INC.", "10-Q", date(2023, 7, 30))  # from dei: facts
    assert hd.documents[0].type == "MAIN"


def test_homedepot_balance_sheet_rows(load):
    hd = load("homedepot-10q-2023-07-30.htm")
    cash = rows_with(hd, "Cash and cash equivalents")[0]
    assert [c.text for c in cash.cells] == ["Cash and cash equivalents", "$2,814", "$2,757"]
    loss = rows_with(hd, "Accumulated other comprehensive loss")[0]
    assert [c.text for c in loss.cells][1:] == ["(467)", "(718)"]
    # A header row's lone `$` (the dollar column) must not swallow "% of Net Sales".
    header = next(r for t in hd.raw_tables for r in t.rows if r.cells[0].text == "dollars in millions")
    assert [c.text for c in header.cells][1:3] == ["$", "% of Net Sales"]
    comparable = rows_with(hd, "Comparable sales (% change)")[0]
    assert [c.text for c in comparable.cells][1:3] == ["(2.0)%", "5.8%"]


# ---------------------------------------------------------------------------------------------
# Plain text and PDF
# ---------------------------------------------------------------------------------------------


def test_immunogen_text_cover_page_facts_and_tabs(load, corpus_dir):
    immunogen = load("immunogen-8k-2005-02-03.txt")
    assert (immunogen.company, immunogen.form, immunogen.date) == ("ImmunoGen, Inc.", "8-K", date(2005, 2, 3))
    raw_lines = (corpus_dir / "immunogen-8k-2005-02-03.txt").read_text("utf-8").split("\n")
    assert immunogen.lines[134] == raw_lines[134] == "Cash and marketable securities\t\\$\t93,335\t\\$\t94,610\t"
    assert immunogen.lines[:50] == [line.rstrip(" ") for line in raw_lines[:50]]


def test_mcdonalds_pdf_layout_keeps_columns(load):
    mcd = load("mcdonalds-8k-ex99-2023-04-25.pdf")
    assert [d.type for d in mcd.documents] == ["MAIN"]
    total = next(line for line in mcd.lines if "TOTAL REVENUES" in line)
    assert re.search(r"TOTAL REVENUES {2,}5,897\.8 {2,}5,665\.6 {2,}232\.2 {2,}4$", total.strip())
    joined = "\n".join(mcd.lines)
    assert "McDONALD'S REPORTS FIRST QUARTER 2023 RESULTS" in joined
    assert "\n\n\n\n" not in joined  # pdfplumber's page-end padding is gone
    assert all(line == line.rstrip() for line in mcd.lines)


def test_intel_pdf_income_statement(load):
    intel = load("intel-8k-ex99-2023-01-26.pdf")
    revenue = next(line for line in intel.lines if line.strip().startswith("Net revenue  "))
    assert re.search(r"\$ +14,042 +\$ +20,528 +\$ +63,054 +\$ +79,024$", revenue)
    assert "\n\n\n\n" not in "\n".join(intel.lines)


def test_pdf_converted_text_is_plain_text(load):
    mcd = load("mcdonalds-8k-ex99-2023-04-25-pdf.txt")
    assert mcd.format is Format.TEXT
    assert any("5,897.8" in line for line in mcd.lines)


# ---------------------------------------------------------------------------------------------
# Errors and detection on made-up input
# ---------------------------------------------------------------------------------------------


def _tiny_pdf(encrypted: bool) -> bytes:
    """A one-page PDF; `encrypted` adds a standard security handler whose user password is not empty."""
    stream = b"BT /F1 12 Tf 72 720 Td (Net sales 26,741) Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    if encrypted:
        objects.append(b"<< /Filter /Standard /V 1 /R 2 /O <" + b"11" * 32 + b"> /U <" + b"22" * 32 + b"> /P -4 >>")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    trailer = b"<< /Size %d /Root 1 0 R" % (len(objects) + 1)
    if encrypted:
        trailer += b" /Encrypt %d 0 R /ID [<%s> <%s>]" % (len(objects), b"33" * 16, b"33" * 16)
    out += b"trailer\n" + trailer + b" >>\nstartxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def test_tiny_pdf_loads():
    loaded = load_text(_tiny_pdf(encrypted=False), "tiny.pdf")
    assert loaded.format is Format.PDF and loaded.lines == ["Net sales 26,741"]


def test_encrypted_pdf_says_so():
    with pytest.raises(IngestError, match="encrypted"):
        load_text(_tiny_pdf(encrypted=True), "locked.pdf")


def test_corrupt_pdf_raises_ingest_error():
    with pytest.raises(IngestError, match="corrupt.pdf: the PDF is damaged"):
        load_text(b"%PDF-1.7\n1 0 obj <<>> garbage", "corrupt.pdf")


@pytest.mark.parametrize("data", [b"", b"   \n\t\r\n  ", b"\xef\xbb\xbf  \n"])
def test_empty_file_raises_empty_file(data):
    with pytest.raises(EmptyFile, match="^blank.txt: "):
        load_text(data, "blank.txt")


def test_random_bytes_are_unsupported():
    noise = bytes((i * 7919 + 13) % 256 for i in range(4096))
    with pytest.raises(UnsupportedFormat, match="noise.bin: .*binary"):
        load_text(noise, "noise.bin")


@pytest.mark.parametrize(
    "data, what",
    [(b"PK\x03\x04" + b"\x00" * 100, "ZIP"), (b"\x89PNG\r\n\x1a\n" + b"\x00" * 50, "PNG"), (b"\xff\xd8\xff\xe0" + b"x" * 50, "JPEG")],
)
def test_known_binaries_are_named(data, what):
    with pytest.raises(UnsupportedFormat, match=what):
        detect_format(data, "upload.htm")


def test_xml_that_is_not_html_is_unsupported():
    with pytest.raises(UnsupportedFormat, match="XML"):
        detect_format(b'<?xml version="1.0"?>\n<xbrl xmlns="http://www.xbrl.org/2003/instance"></xbrl>', "x.xml")


@pytest.mark.parametrize(
    "data, expected",
    [
        (b"junk%PDF-1.4\n", Format.PDF),
        (b"-----BEGIN PRIVACY-ENHANCED MESSAGE-----\nProc-Type: 2001,MIC-CLEAR\n\n<SEC-DOCUMENT>x\n", Format.EDGAR_SUBMISSION),
        (b"\n<SEC-HEADER>0001\n", Format.EDGAR_SUBMISSION),
        (b"<DOCUMENT>\n<TYPE>EX-99.1\n<TEXT>\n<html></html>", Format.EDGAR_SUBMISSION),
        (b'<?xml version="1.0"?><!-- Workiva --><html xmlns="http://www.w3.org/1999/xhtml"><body/></html>', Format.HTML),
        (b"<div><p>Net sales rose</p></div>", Format.HTML),
        (b"<TABLE>\n<S>    <C>\nRevenue      100\n</TABLE>\n", Format.TEXT),  # SGML table tags, not HTML
        (b"Net sales were $26.7 billion.\r\n", Format.TEXT),
        (b"Caf\xe9 sales \x96 up 5%\n", Format.TEXT),
    ],
)
def test_detect_format_from_content(data, expected):
    assert detect_format(data, "named-wrongly.pdf") is expected


def test_text_decoding_never_fails_and_normalises_line_ends():
    loaded = load_text(b"Caf\xe9 \x93sales\x94\r\nline\x0ctwo\r\n\tindented\n", "old.txt")  # cp1252
    assert loaded.lines == ["Caf\xe9 \u201csales\u201d", "linetwo", "\tindented"]


def test_html_renderer_blocks_hidden_and_nested_tables():
    rendered = render_html(
        "<html><body><div style='display: none'>SECRET</div><p>One&nbsp;two<br>three</p>"
        "<table><tr><td>Only one cell of layout text</td></tr></table>"
        "<table><tr><td>Revenue</td><td>$</td><td>1,234</td><td>(5</td><td>)</td></tr>"
        "<tr><td>Inner</td><td><table><tr><td>a</td><td>b</td></tr></table></td></tr></table></body></html>"
    )
    assert rendered.lines == ["One two", "three", "Only one cell of layout text", "", "Revenue  $1,234  (5)", "Inner  a b"]
    assert len(rendered.raw_tables) == 1
    row = rendered.raw_tables[0].rows[0]
    assert [(c.text, c.start, c.end) for c in row.cells] == [("Revenue", 0, 1), ("$1,234", 1, 3), ("(5)", 3, 5)]


def test_html_rowspan_and_colspan_positions():
    rendered = render_html(
        "<table><tr><td rowspan=2>A</td><td colspan=2>2024</td></tr><tr><td>Q1</td><td>Q2</td></tr></table>"
    )
    rows = rendered.raw_tables[0].rows
    assert [(c.text, c.start, c.end) for c in rows[0].cells] == [("A", 0, 1), ("2024", 1, 3)]
    assert [(c.text, c.start, c.end) for c in rows[1].cells] == [("Q1", 1, 2), ("Q2", 2, 3)]


@pytest.mark.parametrize(
    "cells, expected",
    [
        ([("$", 0, 1), ("(1,234", 1, 2), (")", 2, 3)], [("$(1,234)", 0, 3)]),
        ([("12.5", 0, 1), ("%", 1, 2)], [("12.5%", 0, 2)]),
        ([("(2.0", 0, 1), (")%", 1, 2)], [("(2.0)%", 0, 2)]),
        ([("$", 0, 1), ("", 1, 2), ("—", 2, 3)], [("$—", 0, 3)]),
        ([("$", 0, 1), ("% of Net Sales", 1, 2)], [("$", 0, 1), ("% of Net Sales", 1, 2)]),
        ([("Label", 0, 1), ("", 1, 2), ("7", 2, 3)], [("Label", 0, 1), ("7", 2, 3)]),
    ],
)
def test_merge_cells(cells, expected):
    assert [(c.text, c.start, c.end) for c in merge_cells(cells)] == expected


def test_hostile_html_is_bounded():
    huge_spans = "<table>" + ("<tr>" + "<td colspan=99999 rowspan=99999>1</td>" * 50 + "</tr>") * 300 + "</table>"
    rendered = render_html(huge_spans)
    assert len(rendered.lines) == 300
    deep = "<div>" * 5000 + "x" + "</div>" * 5000
    render_html(deep)  # libxml2 caps the depth; the walk itself never recurses


# ---------------------------------------------------------------------------------------------
# Sections
# ---------------------------------------------------------------------------------------------


def test_apple_sections(load):
    apple = load("apple-8k-2011-01-18.txt")
    sections = find_sections(apple.lines, apple.documents, apple.raw_tables)
    titles = {(s.document, s.title) for s in sections}
    assert ("EX-99.1", "UNAUDITED CONDENSED CONSOLIDATED BALANCE SHEETS") in titles
    assert ("8-K", "SIGNATURE") in titles
    for section in sections:
        doc = next(d for d in apple.documents if d.type == section.document)
        assert doc.line_start <= section.line_start <= section.line_end <= doc.line_end
    balance = next(s for s in sections if s.title.endswith("BALANCE SHEETS"))
    assert "Total assets  $86,742  $75,183" in apple.lines[balance.line_start - 1 : balance.line_end]


def test_immunogen_sections(load):
    immunogen = load("immunogen-8k-2005-02-03.txt")
    titles = [s.title for s in find_sections(immunogen.lines, immunogen.documents)]
    assert "ITEM 2.02 RESULTS OF OPERATIONS AND FINANCIAL CONDITION" in titles
    assert "Company Update" in titles


@pytest.mark.parametrize(
    "line, heading",
    [
        ("CONSOLIDATED BALANCE SHEETS", True),
        ("Management Commentary", True),
        ("Item 2.02 Results of Operations and Financial Condition.", True),
        ("Net sales  $26,741  $15,683", False),
        ("The Company posted record revenue of $26.74 billion.", False),
        ("January 18, 2011", False),
        ("Selling and", False),
        ("1 Infinite Loop, Cupertino, CA 95014", False),
    ],
)
def test_is_heading(line, heading):
    assert is_heading(line) is heading


# ---------------------------------------------------------------------------------------------
# Robustness
# ---------------------------------------------------------------------------------------------

PREFIXES = [
    b"",
    b"%PDF-1.4\n",
    b"<html><body><table><tr><td>",
    b"<DOCUMENT>\n<TYPE>EX-99.1\n<TEXT>\n",
    b"-----BEGIN PRIVACY-ENHANCED MESSAGE-----\n\n<SEC-DOCUMENT>\n<SEC-HEADER>\nCONFORMED PERIOD OF REPORT:\t",
    b'<?xml version="1.0"?>',
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(prefix=st.sampled_from(PREFIXES), body=st.binary(max_size=2000))
def test_load_text_only_raises_ingest_errors(prefix, body):
    try:
        loaded = load_text(prefix + body, "fuzz")
    except IngestError:
        return
    assert loaded.lines and "\n".join(loaded.lines).splitlines() == loaded.lines
