"""The filer's XBRL tags against the parsed tables of the real inline-XBRL filings in the corpus.

Issue 15's bar: on the Home Depot 10-Q and the Texas Instruments 10-K at least 99% of the tagged
numbers that sit in a parsed table are linked to their cell and agree, and every remaining one is
named here with its reason. Today none remain; `EXPECTED_EXCEPTIONS` is where one would be named.
The parser regressions below are the bugs the cross-check exposed, each pinned to its cell.
"""

from datetime import date

import pytest

from filingqa.ingest.model import Scale, Unit
from filingqa.ingest.pipeline import load_filing

XBRL_FILINGS = ["homedepot-10q-2023-07-30.htm", "txn-10k-2023.htm", "ibm-10k-2023.htm"]
# Tagged numbers in parsed tables, and of those printed in a row's label or a range cell
# ("Notes due 2063 at 5.05%", "65% – 80%"), linked to the row rather than to a value cell.
IN_TABLES = {"homedepot-10q-2023-07-30.htm": (420, 8), "txn-10k-2023.htm": (1354, 58), "ibm-10k-2023.htm": (60, 0)}
# Tagged numbers in parsed tables that are not linked, or disagree: {(filing, fact id): reason}.
EXPECTED_EXCEPTIONS: dict[tuple[str, str], str] = {}


@pytest.fixture(scope="module")
def filings(corpus_dir):
    return {name: load_filing(corpus_dir / name) for name in XBRL_FILINGS}


def row(filing, label, table_title=None, line=None):
    for t in filing.tables:
        for r in t.rows:
            if r.label == label and (table_title is None or table_title.lower() in t.title.lower()) and (line is None or r.line == line):
                return t, r
    raise AssertionError(f"no row {label!r}")


@pytest.mark.parametrize("name", XBRL_FILINGS)
def test_every_tagged_number_in_a_table_is_linked_and_agrees(filings, name):
    cover = filings[name].xbrl
    exceptions = {(name, u.id): u.reason for u in cover.unlinked}
    for t in filings[name].tables:
        for r in t.rows:
            for ref in [*r.xbrl, *r.text_xbrl]:
                if ref is not None and not ref.agrees:
                    exceptions[(name, ref.id)] = f"line {r.line} {r.label!r}: {ref.problem}"
    assert exceptions == {k: v for k, v in EXPECTED_EXCEPTIONS.items() if k[0] == name}
    assert (cover.in_tables, cover.in_text) == IN_TABLES[name]
    assert cover.agree / cover.in_tables >= 0.99
    assert cover.linked == cover.agree + cover.disagree


def test_home_depot_cells_carry_the_filers_concepts(filings):
    hd = filings["homedepot-10q-2023-07-30.htm"]
    table, net_sales = row(hd, "Net sales", "STATEMENTS OF EARNINGS")
    fact = table.fact(net_sales, 0)
    assert fact.value == 42916 and fact.scale == Scale.MILLIONS
    assert fact.xbrl.concept == "us-gaap:RevenueFromContractWithCustomerExcludingAssessedTax"
    assert fact.xbrl.agrees and fact.xbrl.period_end == date(2023, 7, 30) and fact.xbrl.period_start == date(2023, 5, 1)
    # An equity statement's component is the context's dimension member.
    table, dividends = row(hd, "Cash dividends", "STOCKHOLDERS' EQUITY")
    ref = dividends.xbrl[0]
    assert ref.concept == "us-gaap:DividendsCommonStockCash" and ref.dimensions == {"us-gaap:StatementEquityComponentsAxis": "us-gaap:RetainedEarningsMember"}
    # Tags printed inside a label are linked to the row: par value, shares authorized and issued.
    _, common = row(hd, "Common stock, par value $0.05; authorized: 10,000 shares; issued: 1,796 shares at July 30, 2023 and 1,794 shares at January 29, 2023; outstanding: 1,001 shares at July 30, 2023 and 1,016 shares at January 29, 2023")
    assert {ref.concept for ref in common.text_xbrl} == {
        "us-gaap:CommonStockParOrStatedValuePerShare",
        "us-gaap:CommonStockSharesAuthorized",
        "us-gaap:CommonStockSharesIssued",
        "us-gaap:CommonStockSharesOutstanding",
    }


def test_dei_cover_facts_set_the_filing(filings, corpus_dir):
    hd = filings["homedepot-10q-2023-07-30.htm"]
    assert (hd.company, hd.form, hd.date, hd.fiscal_year_end) == ("HOME DEPOT, INC.", "10-Q", date(2023, 7, 30), "01-28")
    assert (hd.dei.cik, hd.dei.fiscal_year_focus, hd.dei.fiscal_period_focus, hd.dei.trading_symbol) == ("354950", 2023, "Q2", "HD")
    txn = filings["txn-10k-2023.htm"]
    assert (txn.company, txn.form, txn.fiscal_year_end, txn.dei.fiscal_period_focus) == ("TEXAS INSTRUMENTS INCORPORATED", "10-K", "12-31", "FY")
    ibm = filings["ibm-10k-2023.htm"]
    assert (ibm.dei.cik, ibm.dei.form, ibm.dei.fiscal_year_focus) == ("51143", "10-K", 2023)
    # The ABVC submission's XBRL documents: its 8-K page's dei tags and the extracted instance.
    abvc = load_filing(corpus_dir / "abvc-8k-2025-04-15.txt")
    assert (abvc.dei.company, abvc.dei.cik, abvc.dei.form, abvc.dei.period_end, abvc.dei.trading_symbol) == (
        "ABVC BIOPHARMA, INC.",
        "1173313",
        "8-K",
        date(2025, 4, 15),
        "ABVC",
    )
    assert abvc.xbrl is None  # no numeric facts, so nothing to link
    assert [d.type for d in abvc.documents] == ["8-K", "EX-99.1"]  # the XBRL documents are not text


def test_hidden_header_stays_out_of_the_text(filings):
    text = "\n".join(filings["txn-10k-2023.htm"].lines)
    assert "http://fasb.org/us-gaap/2023#OtherAssetsNoncurrent" not in text  # an ix:hidden fact
    assert "xbrli" not in text and "iso4217" not in text


# --- the parser bugs the tags exposed ---------------------------------------------------------


def test_share_counts_in_a_shares_in_millions_table(filings):
    hd = filings["homedepot-10q-2023-07-30.htm"]
    for label in ("Shares at beginning of period", "Repurchases of common stock", "Shares at end of period"):
        _, r = row(hd, label, "number of shares")
        assert r.unit == Unit.SHARES and r.scale == Scale.MILLIONS, label
    _, r = row(hd, "Effect of potentially dilutive securities")  # 1,000 + 3 = 1,003 weighted shares
    assert r.unit == Unit.SHARES


def test_a_component_that_adds_up_to_a_dollar_total_is_dollars(filings):
    # "Shares issued under employee stock plans, net" in the equity statement: 12,584 + 154 + 104 = 12,842.
    _, r = row(filings["homedepot-10q-2023-07-30.htm"], "Shares issued under employee stock plans, net", "STOCKHOLDERS' EQUITY", line=223)
    assert r.unit == Unit.USD and r.values == [154, 135, 35, -19]


def test_txn_percent_columns_and_rows(filings):
    txn = filings["txn-10k-2023.htm"]
    table, us = row(txn, "United States", "Geographic area")
    assert [table.fact(us, i).unit for i in range(2)] == [Unit.USD, Unit.PERCENT]  # $5,814 and 33%
    table, fdii = row(txn, "Foreign derived intangible income")  # "%" only on the first and last rows
    assert table.fact(fdii, 0).unit == Unit.PERCENT and fdii.values[0] == -6.8
    _, vol = row(txn, "Expected volatility")  # under "Weighted average assumptions used:", not shares
    assert vol.unit == Unit.PERCENT


def test_txn_eps_computation_rows_are_dollars(filings):
    txn = filings["txn-10k-2023.htm"]
    _, rsus = row(txn, "Income allocated to RSUs", "Computation and reconciliation")
    assert (rsus.unit, rsus.scale) == (Unit.USD, Scale.MILLIONS)
    _, diluted = row(txn, "Income allocated to common stock for diluted EPS")
    assert (diluted.unit, diluted.scale, diluted.values[0]) == (Unit.USD, Scale.MILLIONS, 6477)


def test_txn_scales_of_their_own(filings):
    txn = filings["txn-10k-2023.htm"]
    _, intrinsic = row(txn, "Intrinsic value (billions)")
    assert intrinsic.scale == Scale.BILLIONS
    # The table under it states no scale; the option table's "(billions)" row is not its scale.
    table, balance = row(txn, "Balance, January 1", "treasury shares")
    assert table.scale == Scale.MILLIONS and balance.unit == Unit.SHARES


def test_txn_ranges_years_and_maturities(filings):
    txn = filings["txn-10k-2023.htm"]
    _, buildings = row(txn, "Buildings and improvements")  # "5 – 40" years is a range, not OCR damage
    assert buildings.values == [None, 5549, 4154] and buildings.texts[0] == "5 – 40"
    table, leases = row(txn, "Lease payments")  # "2024 ... Thereafter Total" over seven values
    assert leases.values == [94, 77, 69, 60, 52, 378, 730]
    # A 2023 10-K's "2024" column is when a payment falls due, not a period the filing reports.
    assert [c.period_end for c in table.columns] == [None] * 7 and table.columns[0].label == "2024"


def test_ibm_schedule_rows_named_by_year(filings):
    ibm = filings["ibm-10k-2023.htm"]
    table, r = row(ibm, "2022", line=615)
    assert r.section == "Allowance For Inventory Losses" and r.values == [633, 162, -148, -15, 631]
    assert r.xbrl[0].concept == "us-gaap:ValuationAllowancesAndReservesBalance" and r.xbrl[0].agrees
