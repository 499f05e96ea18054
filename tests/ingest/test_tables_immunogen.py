"""The founding filing, cell by cell: both tables of the ImmunoGen 8-K (PDF-converted text, OCR noise)."""

from datetime import date

import pytest

from filingqa.ingest.model import Scale, Unit
from filingqa.ingest.pipeline import load_filing


@pytest.fixture(scope="module")
def filing(corpus_dir):
    return load_filing(corpus_dir / "immunogen-8k-2005-02-03.txt")


def _table(filing, word):
    return next(t for t in filing.tables if word in t.title.upper())


BALANCE = {
    "Cash and marketable securities": (93335, 94610),
    "Other assets": (22022, 28020),
    "Total assets": (115357, 122630),
    "Current liabilities": (8691, 11285),
    "Long term portion of deferred revenue and other long term liabilities": (14174, 14208),
    "Stockholders' equity": (92492, 97137),
    "Total liabilities and stockholders' equity": (115357, 122630),
}

OPERATIONS = {
    "Research and development support": (4066, 3886, 8155, 5094),
    "License fees and milestone payments": (1034, 1051, 2576, 1697),
    "Clinical materials reimbursement": (3637, 227, 6503, 2176),
    "Development fees": (310, 0, 820, 87),
    "Total revenues": (9047, 5164, 18054, 9054),
    "Cost of clinical materials reimbursed": (3042, 227, 5536, 1986),
    "Research and development": (6617, 5195, 14472, 9966),
    "General and administrative": (2034, 1412, 3527, 3246),
    "Total operating expenses": (11693, 6834, 23535, 15198),
    "Loss from operations": (-2646, -1670, -5481, -6144),
    "Other income, net": (456, 347, 824, 706),
    "Loss before income taxes": (-2190, -1323, -4657, -5438),
    "Income tax expense": (19, 10, 23, 21),
    "Net loss": (-2209, -1333, -4680, -5459),
    "Basic and diluted net loss per common share": (-0.05, -0.03, -0.11, -0.13),
    "Basic and diluted weighted average common shares outstanding": (40800, 40598, 40795, 40593),
}


def test_two_tables_in_thousands(filing):
    assert len(filing.tables) == 2
    assert all(t.scale == Scale.THOUSANDS for t in filing.tables)


def test_balance_sheet_columns_including_the_header_the_conversion_lost(filing):
    t = _table(filing, "BALANCE")
    assert [(c.period_end, c.months) for c in t.columns] == [(date(2004, 12, 31), None), (date(2004, 6, 30), None)]


def test_balance_sheet_every_cell(filing):
    t = _table(filing, "BALANCE")
    assert {r.label: tuple(r.values) for r in t.rows} == BALANCE
    assert all(r.unit == Unit.USD and r.scale == Scale.THOUSANDS for r in t.rows)


def test_operations_columns(filing):
    t = _table(filing, "OPERATIONS")
    assert [(c.period_end, c.months) for c in t.columns] == [
        (date(2004, 12, 31), 3),
        (date(2003, 12, 31), 3),
        (date(2004, 12, 31), 6),
        (date(2003, 12, 31), 6),
    ]


def test_operations_every_cell(filing):
    t = _table(filing, "OPERATIONS")
    assert {r.label: tuple(r.values) for r in t.rows} == OPERATIONS


def test_units_and_scales_per_row(filing):
    rows = {r.label: r for r in _table(filing, "OPERATIONS").rows}
    eps = rows["Basic and diluted net loss per common share"]
    shares = rows["Basic and diluted weighted average common shares outstanding"]
    assert (eps.unit, eps.scale) == (Unit.USD_PER_SHARE, Scale.UNITS)
    assert (shares.unit, shares.scale) == (Unit.SHARES, Scale.THOUSANDS)
    assert (rows["Net loss"].unit, rows["Net loss"].scale) == (Unit.USD, Scale.THOUSANDS)


def test_ocr_underscore_is_a_nil(filing):
    rows = {r.label: r for r in _table(filing, "OPERATIONS").rows}
    assert rows["Development fees"].values[1] == 0
    assert rows["Development fees"].texts[1] == "_"


def test_the_two_garbled_rows_are_rejected_with_reasons(filing):
    t = _table(filing, "OPERATIONS")
    rejected = {r.line: r.reason for r in t.rejected_rows}
    assert set(rejected) == {155, 166}
    assert "F 1C4" in rejected[155]
    assert "(F_4F0)" in rejected[166]
    # and nothing they spell became a fact
    values = {f.value for f in filing.facts()}
    assert 0.047 not in values and 2.2 not in values


def test_totals_verify_their_components(filing):
    rows = {r.label: r for t in filing.tables for r in t.rows}
    for label in ("Total revenues", "Research and development support", "Total operating expenses", "Total assets", "Net loss"):
        assert rows[label].verified, label


def test_source_lines(filing):
    rows = {r.label: r for t in filing.tables for r in t.rows}
    assert rows["Total revenues"].line == 156
    assert filing.line(156).startswith("Total revenues")
    assert rows["Cash and marketable securities"].line == 135


def test_fiscal_year_ends_june_30(filing):
    assert filing.fiscal_year_end == "06-30"
