"""The answer engine, stage by stage, against real filings, the real model and a real Chroma store."""

from datetime import date

import pytest

from filingqa.app.engine.derived import Operation, compute, read_operation
from filingqa.app.engine.question import analyse, classify, parse_period
from filingqa.ingest.fiscal import FiscalCalendar
from filingqa.ingest.model import Fact, Period, Scale, Unit

JUNE = FiscalCalendar(end_month=6, end_day=30)
SEPTEMBER = FiscalCalendar(end_month=9, end_day=25)
RETAIL = FiscalCalendar(end_month=2, end_day=3, named_by_start=True)


# -- period grammar in the filer's calendar -----------------------------------------------------


@pytest.mark.parametrize(
    "question, calendar, end, months",
    [
        ("revenues in the fiscal 2005 second quarter", JUNE, date(2004, 12, 31), 3),
        ("net loss for the first half of fiscal 2005", JUNE, date(2004, 12, 31), 6),
        ("net sales for Q1 fiscal 2011", SEPTEMBER, date(2010, 12, 25), 3),
        ("gross profit for the fiscal 2024 third quarter", RETAIL, date(2024, 11, 3), 3),
        ("operating income for the first thirty-nine weeks of fiscal 2024", RETAIL, date(2024, 11, 3), 9),
    ],
)
def test_fiscal_periods_resolve_in_the_filers_calendar(question, calendar, end, months):
    pq = parse_period(question, calendar)
    assert pq.months == months
    assert abs((pq.window - end).days) <= 7


def test_explicit_dates_and_weeks():
    pq = parse_period("net sales for the thirteen weeks ended November 2, 2024", RETAIL)
    assert pq.exact == [date(2024, 11, 2)] and pq.months == 3 and pq.weeks == 13


def test_balance_questions_are_instants():
    assert parse_period("cash held at the end of the quarter (November 2, 2024)", RETAIL).instant
    assert parse_period("total assets as of June 30, 2004", JUNE).instant


def test_year_ago_is_relative():
    assert parse_period("net income in the year-ago quarter", SEPTEMBER).prior


@pytest.mark.parametrize(
    "question, kind",
    [
        ("What were total revenues for the three months ended December 31, 2004?", "figure"),
        ("How many diluted shares were used in computing EPS?", "figure"),
        ("By what percentage did net income grow year over year?", "derived"),
        ("What was the gross margin (gross profit as a percentage of net sales)?", "derived"),
        ("Who is the chairman and CEO?", "narrative"),
        ("What diluted EPS did the company guide to for next quarter?", "narrative"),
        ("What basic per-share amount is shown for the cumulative effect of change in accounting principle?", "figure"),
    ],
)
def test_question_kinds(question, kind):
    assert classify(question) == kind


# -- derived formulas, exact ----------------------------------------------------------------------


def _fact(value: float, text: str, scale=Scale.THOUSANDS, end=date(2004, 12, 31), label="x") -> Fact:
    return Fact(table="t1", table_title="", label=label, column="", column_index=0, period=Period(end=end, months=3), value=value, text=text, unit=Unit.USD, scale=scale, line=1)


def test_growth_formula_is_exact_and_shown():
    result = compute(Operation("growth", ["revenues"], True), [_fact(9047, "9,047"), _fact(5164, "5,164")])
    assert float(result.value) == 75.19 and result.formula == "(9047 / 5164 - 1) * 100"


def test_difference_has_no_float_noise():
    result = compute(Operation("change", ["sales"], False), [_fact(2224.3, "2,224.3", Scale.MILLIONS), _fact(2302.4, "2,302.4", Scale.MILLIONS)])
    assert str(result.value) == "-78.1"


def test_sum_brings_operands_to_one_scale():
    result = compute(Operation("sum", ["a", "b"], False), [_fact(1.5, "1.5", Scale.MILLIONS), _fact(250, "250", Scale.THOUSANDS)])
    assert float(result.value) == 1750 and result.scale == Scale.THOUSANDS


@pytest.mark.parametrize(
    "question, kind, operands",
    [
        ("What was the gross margin (gross profit as a percentage of net sales) for the quarter?", "ratio", ["gross profit", "net sales"]),
        ("What were total liabilities (current plus long-term) as of December 31, 2004?", "sum", ["current liabilities", "long-term liabilities"]),
        ("What was working capital (total current assets minus total current liabilities)?", "difference", ["total current assets", "total current liabilities"]),
        (
            "What was the combined total of cash and cash equivalents, short-term and long-term marketable securities?",
            "sum",
            ["cash and cash equivalents", "short-term marketable securities", "long-term marketable securities"],
        ),
    ],
)
def test_operations_are_read_from_the_question(question, kind, operands):
    op = read_operation(question)
    assert op.kind == kind and [o.strip() for o in op.operands] == operands


# -- the whole chain on the founding filing -------------------------------------------------------


@pytest.fixture(scope="module")
def immunogen(tmp_path_factory, embeddings, corpus_dir):
    from filingqa.app.service import FilingService
    from filingqa.app.settings import Settings

    service = FilingService(Settings(data_dir=str(tmp_path_factory.mktemp("engine"))))
    service.store.embeddings = service.engine.embeddings = embeddings
    report = service.ingest_file(corpus_dir / "immunogen-8k-2005-02-03.txt")
    return service, report.id


def test_figure_answer_cites_its_cell(immunogen):
    service, fid = immunogen
    a = service.answer("What were total revenues for the three months ended December 31, 2004?", fid)
    fig = a.figures[0]
    assert (a.kind.value, fig.value, fig.scale, fig.unit) == ("figure", 9047, "thousands", "USD")
    assert fig.source.line == 156 and fig.source.row == "Total revenues" and fig.verified
    assert fig.period.end == date(2004, 12, 31) and fig.period.months == 3


def test_synonyms_meet_labels(immunogen):
    service, fid = immunogen
    a = service.answer("How much profit or loss did ImmunoGen make in the six months ended December 31, 2004?", fid)
    assert a.figures and a.figures[0].value == -4680


def test_fiscal_phrasing_on_the_real_filing(immunogen):
    service, fid = immunogen
    a = service.answer("What was the net loss in the second quarter of fiscal 2005?", fid)
    assert a.figures[0].value == -2209


def test_derived_answer_shows_formula_and_inputs(immunogen):
    service, fid = immunogen
    a = service.answer("By how much did total revenues grow year over year in the three months ended December 31, 2004, in percent?", fid)
    assert a.kind.value == "derived"
    assert a.figures[0].formula == "(9047 / 5164 - 1) * 100" and a.figures[0].value == 75.19
    assert {f.value for f in a.figures[1:]} == {9047, 5164}


def test_text_figure_from_a_sentence(immunogen):
    service, fid = immunogen
    a = service.answer("How much cash was used in operating activities in the first half of fiscal 2005?", fid)
    assert (a.figures[0].value, a.figures[0].scale) == (62000, "units")
    assert a.citations[0].line_start == 94


def test_abstains_on_a_period_the_filing_lacks(immunogen):
    service, fid = immunogen
    a = service.answer("What were total revenues for the full fiscal year ended June 30, 2004?", fid)
    assert a.abstained and not a.figures
    assert "Total revenues" in a.answer  # says what the filing does hold nearby


def test_abstains_on_a_topic_the_filing_lacks(immunogen):
    service, fid = immunogen
    for q in ("How many employees does ImmunoGen have?", "What was ImmunoGen's closing stock price on February 3, 2005?"):
        a = service.answer(q, fid)
        assert a.abstained and not a.figures, q


def test_narrative_answer_is_the_filings_sentence(immunogen):
    service, fid = immunogen
    a = service.answer("Which antigen is targeted by the huN901-DM1 compound?", fid)
    assert "CD56" in a.answer and a.citations[0].line_start == 108


def test_figure_answers_need_one_query_embedding(immunogen):
    service, fid = immunogen
    before = service.store.embeddings.embedded_texts
    service.answer("What was other income, net for the six months ended December 31, 2004?", fid)
    assert service.store.embeddings.embedded_texts - before <= 1
