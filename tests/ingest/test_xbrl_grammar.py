"""The inline-XBRL grammar: transformation formats, contexts, units, tags in cells, dei facts.

Unit tests of single functions on small inputs written here; the real filings are in
test_xbrl_corpus.py.
"""

from datetime import date
from decimal import Decimal

import pytest

from filingqa.ingest.loaders.html import merge_cells, parse_html, render_html
from filingqa.ingest.model import Column, Row, Scale, Table, Unit
from filingqa.ingest.xbrl.formats import FormatError, fact_value, number_words, read_date, read_month_day, read_number
from filingqa.ingest.xbrl.link import check_cell, unit_kind
from filingqa.ingest.xbrl.model import XbrlContext, XbrlFact, XbrlInstance
from filingqa.ingest.xbrl.read import read_inline, read_instance


@pytest.mark.parametrize(
    "shown, fmt, expected",
    [
        ("1,234.5", "ixt:num-dot-decimal", Decimal("1234.5")),
        ("1,234", "ixt:numdotdecimal", Decimal("1234")),  # TR2 name
        ("0.05", "ixt:num-dot-decimal", Decimal("0.05")),
        ("1.234,5", "ixt:num-comma-decimal", Decimal("1234.5")),
        ("\u2014", "ixt:fixed-zero", Decimal(0)),
        ("no", "ixt:fixed-zero", Decimal(0)),  # TR4 fixed-zero: zero whatever it prints
        ("-", "ixt:zerodash", Decimal(0)),
        ("three", "ixt-sec:numwordsen", Decimal(3)),
        ("none", "ixt-sec:numwordsen", Decimal(0)),
        ("twenty-five", "ixt-sec:numwordsen", Decimal(25)),
        ("1234.50", None, Decimal("1234.50")),
    ],
)
def test_read_number_by_format(shown, fmt, expected):
    assert read_number(shown, fmt) == expected


@pytest.mark.parametrize(
    "shown, fmt",
    [("1,2,3", "ixt:num-dot-decimal"), ("5", "ixt:zerodash"), ("eleventy", "ixt-sec:numwordsen"), ("12", "ixt:num-roman")],
)
def test_unreadable_or_unknown_formats_raise(shown, fmt):
    with pytest.raises(FormatError):
        read_number(shown, fmt)


def test_scale_and_sign_make_the_fact_value():
    assert fact_value("467", "ixt:num-dot-decimal", 6, "-") == Decimal("-467000000")
    assert fact_value("12.5", "ixt:num-dot-decimal", -2, None) == Decimal("0.125")


def test_number_words():
    assert number_words("one hundred and six") == 106
    assert number_words("two thousand") == 2000


@pytest.mark.parametrize("text, expected", [("--12-31", "12-31"), ("1/28", "01-28"), ("December 31", "12-31"), ("Dec. 31", "12-31"), ("13/40", None)])
def test_month_day(text, expected):
    assert read_month_day(text) == expected


def test_dates():
    assert read_date("July 30, 2023") == date(2023, 7, 30)
    assert read_date("2023-07-30") == date(2023, 7, 30)
    assert read_date("07/30/2023") == date(2023, 7, 30)


PAGE = """<html><body>
<div style="display:none"><ix:header><ix:hidden>
<ix:nonNumeric name="dei:EntityRegistrantName" contextRef="D">ACME <ix:exclude>(old name)</ix:exclude>CORP</ix:nonNumeric>
<ix:nonNumeric name="dei:DocumentType" contextRef="D">10-K</ix:nonNumeric>
<ix:nonNumeric name="dei:CurrentFiscalYearEndDate" contextRef="D">--06-30</ix:nonNumeric>
<ix:nonNumeric name="dei:DocumentFiscalYearFocus" contextRef="D">2024</ix:nonNumeric>
<ix:nonNumeric name="dei:EntityCentralIndexKey" contextRef="D">0000012345</ix:nonNumeric>
<ix:nonFraction name="us-gaap:Goodwill" contextRef="I" unitRef="usd" scale="6" decimals="-6" id="h1">9</ix:nonFraction>
</ix:hidden><ix:resources>
<xbrli:context id="D"><xbrli:entity><xbrli:identifier scheme="http://www.sec.gov/CIK">0000012345</xbrli:identifier></xbrli:entity>
<xbrli:period><xbrli:startDate>2023-07-01</xbrli:startDate><xbrli:endDate>2024-06-30</xbrli:endDate></xbrli:period></xbrli:context>
<xbrli:context id="I"><xbrli:entity><xbrli:identifier scheme="http://www.sec.gov/CIK">0000012345</xbrli:identifier>
<xbrli:segment><xbrldi:explicitMember dimension="us-gaap:StatementBusinessSegmentsAxis">acme:RocketsMember</xbrldi:explicitMember></xbrli:segment></xbrli:entity>
<xbrli:period><xbrli:instant>2024-06-30</xbrli:instant></xbrli:period></xbrli:context>
<xbrli:unit id="usd"><xbrli:measure>iso4217:USD</xbrli:measure></xbrli:unit>
<xbrli:unit id="eps"><xbrli:divide><xbrli:unitNumerator><xbrli:measure>iso4217:USD</xbrli:measure></xbrli:unitNumerator>
<xbrli:unitDenominator><xbrli:measure>xbrli:shares</xbrli:measure></xbrli:unitDenominator></xbrli:divide></xbrli:unit>
</ix:resources></ix:header></div>
<p>Hidden header text never shows.</p>
<table>
<tr><td>Fiscal year ended June 30,</td><td>2024</td></tr>
<tr><td>Net loss</td><td>$</td><td>(<ix:nonFraction name="us-gaap:NetIncomeLoss" contextRef="D" unitRef="usd" scale="6" sign="-" format="ixt:num-dot-decimal" id="f1">1,234</ix:nonFraction></td><td>)</td></tr>
<tr><td>Goodwill</td><td><span style="-sec-ix-hidden:h1">nine</span></td></tr>
<tr><td>Dividends</td><td><ix:nonFraction name="us-gaap:DividendsDeclaredPerShare" contextRef="D" unitRef="eps" format="ixt:num-dot-decimal" id="f2"><ix:nonFraction name="us-gaap:DividendsPaidPerShare" contextRef="D" unitRef="eps" format="ixt:num-dot-decimal" id="f3">0.50</ix:nonFraction></ix:nonFraction></td></tr>
</table></body></html>"""


def test_read_inline_contexts_units_facts_and_dei():
    instance, anchors = read_inline(parse_html(PAGE))
    assert instance.contexts["D"].start == date(2023, 7, 1) and instance.contexts["D"].end == date(2024, 6, 30)
    assert instance.contexts["I"].instant == date(2024, 6, 30)
    assert instance.contexts["I"].dimensions == {"us-gaap:StatementBusinessSegmentsAxis": "acme:RocketsMember"}
    assert instance.units == {"usd": "iso4217:USD", "eps": "iso4217:USD/xbrli:shares"}
    loss = instance.facts["f1"]
    assert (loss.concept, loss.value, loss.printed_negative, loss.scale) == ("us-gaap:NetIncomeLoss", -1234e6, True, 6)
    assert instance.facts["f2"].nested == ["f3"]  # the same number, a second concept
    assert instance.facts["h1"].hidden
    # The displayed elements that print facts: the outer tag of each number, and the element a
    # -sec-ix-hidden style points at for a hidden fact.
    assert sorted(anchors.values()) == ["f1", "f2", "h1"]
    dei = instance.dei
    assert (dei.company, dei.form, dei.fiscal_year_end, dei.fiscal_year_focus, dei.cik) == ("ACME CORP", "10-K", "06-30", 2024, "12345")


def test_rendered_cells_carry_their_fact_ids_and_the_header_stays_hidden():
    rendered = render_html(PAGE)
    assert not any("old name" in line or "10-K" in line for line in rendered.lines)
    cells = {c.text: c.xbrl for row in rendered.raw_tables[0].rows for c in row.cells}
    assert cells["$(1,234)"] == "f1"  # "$", "(1,234" and ")" merged, keeping the number's tag
    assert cells["nine"] == "h1" and cells["0.50"] == "f2"
    assert rendered.company == "ACME CORP" and rendered.xbrl.dei.form == "10-K"


def test_merge_cells_keeps_the_tag_of_the_number():
    merged = merge_cells([("$", 0, 1, None), ("(5", 1, 2, "f9"), (")", 2, 3, None)])
    assert [(c.text, c.xbrl) for c in merged] == [("$(5)", "f9")]


def test_read_instance_document():
    xml = """<?xml version="1.0"?><xbrl xmlns="http://www.xbrl.org/2003/instance" xmlns:dei="http://xbrl.sec.gov/dei/2024"
    xmlns:us-gaap="http://fasb.org/us-gaap/2024" xmlns:iso4217="http://www.xbrl.org/2003/iso4217">
    <context id="c"><entity><identifier scheme="http://www.sec.gov/CIK">0000000042</identifier></entity><period><instant>2024-12-31</instant></period></context>
    <unit id="USD"><measure>iso4217:USD</measure></unit>
    <dei:EntityRegistrantName contextRef="c">Example Inc.</dei:EntityRegistrantName>
    <dei:DocumentType contextRef="c">8-K</dei:DocumentType>
    <us-gaap:Cash contextRef="c" unitRef="USD" decimals="-3" id="x1">-1500000</us-gaap:Cash>
    </xbrl>"""
    instance = read_instance(xml)
    assert instance.dei.company == "Example Inc." and instance.dei.form == "8-K"
    assert instance.facts["x1"].concept == "us-gaap:Cash" and instance.facts["x1"].value == -1.5e6
    assert instance.contexts["c"].entity == "42"
    assert read_instance("<schema/>") is None


def test_unit_kinds():
    assert [unit_kind(m) for m in ("iso4217:USD", "xbrli:shares", "iso4217:USD/xbrli:shares", "xbrli:pure", "hd:segment")] == [
        "money",
        "shares",
        "per-share",
        "pure",
        "count",
    ]


def _table(value: float, text: str, scale: Scale, end: date, months: int | None) -> tuple[Table, Row]:
    row = Row(label="Net loss", unit=Unit.USD, scale=scale, values=[value], texts=[text], line=1)
    table = Table(id="t1", title="", scale=scale, line_start=1, line_end=1, columns=[Column(label="2024", period_end=end, months=months)], rows=[row])
    return table, row


def _instance(ctx: XbrlContext) -> XbrlInstance:
    fact = XbrlFact(id="f1", concept="us-gaap:NetIncomeLoss", context=ctx.id, unit="usd", scale=6, sign="-", shown="1,234", value=-1234e6, printed_negative=True)
    return XbrlInstance(contexts={ctx.id: ctx}, units={"usd": "iso4217:USD"}, facts={"f1": fact})


YEAR = XbrlContext(id="D", start=date(2023, 7, 1), end=date(2024, 6, 30))


def test_check_agrees_with_the_tag():
    table, row = _table(-1234, "(1,234)", Scale.MILLIONS, date(2024, 6, 30), 12)
    ref = check_cell(table, row, 0, _instance(YEAR).facts["f1"], _instance(YEAR))
    assert ref.agrees and ref.period_checked and not ref.negated and ref.problem is None


@pytest.mark.parametrize(
    "value, scale, end, months, problem",
    [
        (-1234, Scale.THOUSANDS, date(2024, 6, 30), 12, "scale"),  # the stated scale is wrong
        (1234, Scale.MILLIONS, date(2024, 6, 30), 12, "sign"),  # the parenthesis was lost
        (-1243, Scale.MILLIONS, date(2024, 6, 30), 12, "value"),
        (-1234, Scale.MILLIONS, date(2023, 6, 30), 12, "period"),
        (-1234, Scale.MILLIONS, date(2024, 6, 30), 3, "period"),
    ],
)
def test_check_reports_each_kind_of_disagreement(value, scale, end, months, problem):
    table, row = _table(value, "x", scale, end, months)
    ref = check_cell(table, row, 0, _instance(YEAR).facts["f1"], _instance(YEAR))
    assert ref.agrees is False and ref.problem.startswith(problem)
    assert row.values == [value]  # reported, never resolved


def test_an_opening_balance_may_sit_in_a_duration_column():
    opening = XbrlContext(id="O", instant=date(2023, 6, 30))
    table, row = _table(-1234, "(1,234)", Scale.MILLIONS, date(2024, 6, 30), 12)
    ref = check_cell(table, row, 0, _instance(opening).facts["f1"], _instance(opening))
    assert ref.agrees and ref.instant
