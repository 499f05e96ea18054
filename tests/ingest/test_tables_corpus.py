"""Every corpus filing parses, and a spot check per format matches what the filing prints.

Each test is named after its filing; the values are the filing's own (read off the document).
"""

from datetime import date

import pytest

from filingqa.ingest.model import Scale, Unit
from filingqa.ingest.pipeline import load_filing

CORPUS = [
    "abvc-8k-2025-04-15.txt",
    "alcoa-10q-2018-06-30.htm",
    "amazon-8k-1998-08-12.txt",
    "apple-8k-2011-01-18.txt",
    "buckle-8k-ex99-2024-11-22.htm",
    "homedepot-10q-2023-07-30.htm",
    "immunogen-8k-2005-02-03.txt",
    "intel-8k-ex99-2023-01-26-pdf.txt",
    "intel-8k-ex99-2023-01-26.pdf",
    "mcdonalds-8k-ex99-2023-04-25-pdf.txt",
    "mcdonalds-8k-ex99-2023-04-25.pdf",
    "sears-8k-2004-07-22.txt",
    "southern-8k-2005-01-25.txt",
]


@pytest.fixture(scope="module")
def filings(corpus_dir):
    return {name: load_filing(corpus_dir / name) for name in CORPUS}


def rows(filing, label):
    return [(t, r) for t in filing.tables for r in t.rows if r.label.lower() == label.lower()]


def cell(filing, label, end, months=None):
    """The value of `label` in the first table that has a column for that period."""
    for t, r in rows(filing, label):
        for c, v in zip(t.columns, r.values):
            if c.period_end == end and c.months == months and c.kind == "value" and v is not None:
                return v, t.columns[r.values.index(v)], r
    raise AssertionError(f"no {label} for {end} ({months} months)")


@pytest.mark.parametrize("name", CORPUS)
def test_every_corpus_file_parses_into_tables(filings, name):
    filing = filings[name]
    assert filing.tables, name
    for fact in filing.facts():
        assert fact.line >= 1 and filing.line(fact.line).strip()


def test_apple_full_submission_html(filings):
    f = filings["apple-8k-2011-01-18.txt"]
    assert cell(f, "Net sales", date(2010, 12, 25), 3)[0] == 26741
    value, _, row = cell(f, "Total liabilities", date(2010, 9, 25))
    assert value == 27392 and row.scale == Scale.MILLIONS
    eps = [r for _, r in rows(f, "Diluted") if r.unit == Unit.USD_PER_SHARE][0]
    shares = [r for _, r in rows(f, "Diluted") if r.unit == Unit.SHARES][0]
    assert eps.values[0] == 6.43 and (shares.values[0], shares.scale) == (933154, Scale.THOUSANDS)  # "shares ... in thousands"


def test_apple_data_sheet_fiscal_quarter_columns(filings):
    f = filings["apple-8k-2011-01-18.txt"]
    (t, r), *_ = rows(f, "iPad and Related Products and Services")
    by_label = {c.label: v for c, v in zip(t.columns, r.values)}
    q1_revenue = next(v for label, v in by_label.items() if "Q1 2011" in label and "Revenue" in label)
    assert q1_revenue == 4608
    col = next(c for c in t.columns if "Q1 2011" in c.label and "Revenue" in c.label)
    assert col.period_end == date(2010, 12, 25) and col.scale == Scale.MILLIONS  # "Revenue $M", dated by the fiscal calendar


def test_buckle_workiva_html(filings):
    f = filings["buckle-8k-ex99-2024-11-22.htm"]
    value, col, row = cell(f, "SALES, Net of returns and allowances", date(2024, 11, 2), 3)
    assert value == 293618 and col.weeks == 13 and row.scale == Scale.THOUSANDS
    assert f.fiscal_year_end == "02-03"


def test_homedepot_inline_xbrl(filings):
    f = filings["homedepot-10q-2023-07-30.htm"]
    assert cell(f, "Net sales", date(2023, 7, 30), 6)[0] == 80173
    assert cell(f, "Total assets", date(2023, 1, 29))[0] == 76445


def test_alcoa_donnelley_html_notes_take_the_documents_scale(filings):
    f = filings["alcoa-10q-2018-06-30.htm"]
    assert cell(f, "Total assets", date(2017, 12, 31))[0] == 17447
    assert all(t.scale == Scale.MILLIONS for t in f.tables if "Inventories" in t.title)
    assert f.fiscal_year_end == "12-31"


def test_sears_pem_wrapped_plain_text(filings):
    f = filings["sears-8k-2004-07-22.txt"]
    value, col, _ = cell(f, "Total revenues", date(2004, 7, 3), 6)
    assert value == 16575 and col.weeks == 26
    basic = [r for _, r in rows(f, "Cumulative effect of change in accounting principle") if r.unit == Unit.USD_PER_SHARE]
    assert basic and basic[0].values[2] == -3.86  # nested under "EARNINGS/ (LOSS) PER COMMON SHARE" / "Basic"


def test_southern_sgml_tables_with_month_year_headers(filings):
    f = filings["southern-8k-2005-01-25.txt"]
    assert cell(f, "Operating Revenues", date(2004, 12, 31), 12)[0] == 11903  # "12 Months Ended December 2004"
    shares = rows(f, "Average Shares Outstanding (in millions)")[0][1]
    assert (shares.unit, shares.scale) == (Unit.SHARES, Scale.MILLIONS)


def test_amazon_text_statements_with_rules_and_dashes(filings):
    f = filings["amazon-8k-1998-08-12.txt"]
    assert cell(f, "Total net revenues", date(1997, 12, 31), 12)[0] == 1216355
    assert cell(f, "Net cash used in operating activities", date(1997, 12, 31), 12)[0] == -3883963
    assert not any("---" in r.label for t in f.tables for r in t.rows)


def test_abvc_release_table_in_full_submission(filings):
    f = filings["abvc-8k-2025-04-15.txt"]
    assert any(r.values == [702000, 18298000] for _, r in rows(f, "Total"))


@pytest.mark.parametrize("name", ["mcdonalds-8k-ex99-2023-04-25-pdf.txt", "mcdonalds-8k-ex99-2023-04-25.pdf"])
def test_mcdonalds_text_and_pdf_agree(filings, name):
    f = filings[name]
    assert cell(f, "TOTAL REVENUES", date(2023, 3, 31), 3)[0] == 5897.8
    change = [c for t, r in rows(f, "Sales by Company-operated restaurants") for c, v in zip(t.columns, r.values) if c.kind == "change" and v == -78.1]
    assert change and change[0].period_end == date(2023, 3, 31)  # "Inc/ (Dec)" reports on the current quarter


@pytest.mark.parametrize("name", ["intel-8k-ex99-2023-01-26-pdf.txt", "intel-8k-ex99-2023-01-26.pdf"])
def test_intel_text_and_pdf_agree(filings, name):
    f = filings[name]
    assert cell(f, "Net revenue", date(2022, 12, 31), 12)[0] == 63054
    summary = rows(f, "Revenue ($B)")[0][1]
    assert (summary.unit, summary.scale, summary.values[0]) == (Unit.USD, Scale.BILLIONS, 14.0)  # a scale in the label


def test_intel_change_columns_speak_for_the_current_quarter(filings):
    f = filings["intel-8k-ex99-2023-01-26-pdf.txt"]
    t, r = rows(f, "Revenue ($B)")[0]
    vs = [(c, v) for c, v in zip(t.columns, r.values) if c.kind == "change"]
    assert vs[0][1] == -32 and vs[0][0].unit == Unit.PERCENT and vs[0][0].period_end == date(2022, 12, 31)  # "down 32%"
