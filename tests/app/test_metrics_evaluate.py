"""Exact evaluation: missing inputs, "not a useful metric", scales, signs, units, exact cell parsing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from metrics_cells import APPLE, APPLE_SCALES, TI, Cells

from filingqa.app.engine import metrics
from filingqa.app.engine.metrics import Input, evaluate, exact_value, input_from_fact, library
from filingqa.app.engine.metrics.expr import BinOp, Num, PeriodRef, Term
from filingqa.ingest.model import Fact, Period, Scale, Unit

LIB = library.load()


def test_missing_input_is_named_and_nothing_is_substituted():
    # A bank has no inventory: DIO must abstain, naming both balances it lacks.
    cells = Cells(TI).without("inventory")
    r = metrics.answer("What were the days inventory outstanding in 2023?", cells)
    assert r.status == "missing" and r.value is None and r.rounded is None
    assert {(t.concept, t.period.fiscal_year) for t in r.missing} == {("inventory", 2022), ("inventory", 2023)}
    assert "inventories (FY2022, FY2023)" in r.reason and "substitute" in r.reason
    asked = [t.phrases for t in cells.asked if t.concept == "inventory"]
    assert asked and all("inventories" in p for p in asked)  # asked for inventory, nothing near it


def test_every_missing_input_is_named_not_just_the_first():
    cells = Cells(TI).without("total_current_assets", "total_current_liabilities")
    r = metrics.answer("What was TI's current ratio at the end of 2023?", cells)
    assert [t.concept for t in r.missing] == ["total_current_assets", "total_current_liabilities"]


def test_not_a_useful_metric_when_the_question_allows_it():
    q = "What is the company's FY2023 inventory turnover ratio? If inventory turnover ratio is not a useful metric for this company, say so and explain why."
    r = metrics.answer(q, Cells(TI).without("inventory"))
    assert r.status == "not_meaningful"
    assert r.reason.startswith("Inventory turnover ratio is not a useful metric for this company")
    assert "inventories" in r.reason
    # With the line items present, the same question computes.
    assert metrics.answer(q, Cells(TI)).ok


def test_an_alternative_is_tried_only_when_the_concept_itself_is_missing():
    cells = Cells(APPLE, APPLE_SCALES)
    r = metrics.answer("What was Apple's gross margin in FY2019?", cells)
    assert r.notes == [] and [t.concept for t in cells.asked] == ["gross_profit", "revenue"]


def test_a_missing_alternative_input_reports_the_concept():
    cells = Cells(APPLE, APPLE_SCALES).without("gross_profit", "cost_of_revenue")
    r = metrics.answer("What was Apple's gross margin in FY2019?", cells)
    assert r.status == "missing" and [t.concept for t in r.missing] == ["gross_profit"]
    # Only the denominator's revenue is reported; the failed alternative's own lookup is dropped.
    assert [u.input.source for u in r.inputs] == [(1506, 2019)]


def test_division_by_zero_is_undefined_not_an_error():
    cells = Cells({"inventory": ("Inventories", 1, {2023: "—", 2022: "—"}), "cost_of_revenue": ("Cost of sales", 2, {2023: "100"})})
    r = metrics.answer("What was the inventory turnover in 2023?", cells)
    assert r.status == "undefined" and "division by zero" in r.reason


def test_money_scales_are_multiplied_out_and_a_money_ratio_is_scale_free():
    def resolve(term):
        if term.phrase == "a":
            return Input(Decimal("1.5"), Scale.BILLIONS, "USD", "A")
        return Input(Decimal("500"), Scale.MILLIONS, "USD", "B")

    total = evaluate(BinOp("+", Term("a"), Term("b")), resolve)
    assert (total.value, total.scale, total.unit) == (Decimal(2000), Scale.MILLIONS, "USD")
    assert total.formula == "1.5 billion + 500 million = 2,000"
    ratio = evaluate(BinOp("/", Term("a"), Term("b")), resolve)
    assert (ratio.value, ratio.unit, ratio.scale) == (Decimal(3), "ratio", None)


def test_adding_money_to_shares_is_refused():
    def resolve(term):
        return Input(Decimal(1), Scale.UNITS, "shares" if term.phrase == "b" else "USD", term.phrase)

    r = evaluate(BinOp("+", Term("a"), Term("b")), resolve)
    assert r.status == "undefined" and "different units" in r.reason


def test_a_ratio_metric_refuses_money_inputs_that_do_not_cancel():
    r = evaluate(BinOp("*", Term("a"), Num(Decimal(2))), lambda t: Input(Decimal(5), Scale.MILLIONS, "USD", "A"), unit="percent")
    assert r.status == "error" and "percent" in r.reason


def test_percent_inputs_are_fractions():
    r = evaluate(BinOp("*", Term("rate"), Term("base")), lambda t: Input(Decimal("21"), Scale.UNITS, "percent", "Rate") if t.phrase == "rate" else Input(Decimal(200), Scale.MILLIONS, "USD", "Base"))
    assert (r.value, r.unit) == (Decimal(42), "USD")


def test_exact_value_reads_the_printed_text():
    assert exact_value("(1,923)", -1923.0) == Decimal(-1923)
    assert exact_value("37.8%", 37.8) == Decimal("37.8")
    assert exact_value("—", 0.0) == Decimal(0)
    assert exact_value("$ 0.1", 0.1) == Decimal("0.1")  # not the float 0.1000000000000000055...
    assert exact_value(None, 2.5) == Decimal("2.5")


def test_input_from_fact_keeps_the_fact_as_source():
    fact = Fact(
        table="t15", table_title="CONSOLIDATED BALANCE SHEETS", label="Accounts payable", column="September 28, 2019",
        column_index=0, period=Period(end=date(2019, 9, 28)), value=46236.0, text="46,236", unit=Unit.USD,
        scale=Scale.MILLIONS, line=1592,
    )  # fmt: skip
    inp = input_from_fact(fact)
    assert (inp.value, inp.scale, inp.unit_name, inp.label, inp.source) == (Decimal(46236), Scale.MILLIONS, "USD", "Accounts payable", fact)


def test_resolve_is_asked_once_per_cell_and_gets_single_period_terms():
    cells = Cells(TI)
    metrics.answer("What was TI's cash conversion cycle in 2023?", cells)
    assert all(t.how == "value" and len(t.periods) == 1 for t in cells.asked)
    assert len(cells.asked) == len(set(cells.asked))  # cost of revenue serves DIO and DPO: asked once


def test_terms_carry_what_the_resolver_needs():
    cells = Cells(TI)
    metrics.answer("What was TI's return on assets in 2023?", cells)
    income, opening, closing = cells.asked
    assert (income.concept, income.statement, income.instant, income.period) == ("net_income", "income", False, PeriodRef(fiscal_year=2023))
    assert (opening.concept, opening.statement, opening.instant, opening.period.fiscal_year) == ("total_assets", "balance", True, 2022)
    assert closing.period.fiscal_year == 2023


def test_result_text_shows_the_rounded_value_and_the_formula():
    r = metrics.answer("What was TI's dividend payout ratio in 2023? Round to one decimal place.", Cells(TI))
    assert r.text() == "Dividend payout ratio was 70.0% (4,557 / 6,510 * 100 = 70)."
    r = metrics.answer("What was Apple's free cash flow in FY2019?", Cells(APPLE, APPLE_SCALES))
    assert r.shown() == "$58,896 million"


def test_nil_inventory_is_not_a_useful_metric_when_the_question_allows_it():
    cells = Cells({**TI, "inventory": ("Inventories", 526, {2023: "—", 2022: "—"})})
    r = metrics.answer("What were the days inventory outstanding in 2023? If DIO is not a useful metric for this company, say so.", cells)
    assert r.status == "not_meaningful" and "nil inventories" in r.reason


def test_result_figure_holds_the_exact_value_with_the_input_period():
    fact = Fact(
        table="t18", table_title="CONSOLIDATED STATEMENTS OF CASH FLOWS", label="Cash generated by operating activities",
        column="ended September 28, 2019", column_index=0, period=Period(end=date(2019, 9, 28), months=12), value=69391.0,
        text="69,391", unit=Unit.USD, scale=Scale.MILLIONS, line=1698, verified=True,
    )  # fmt: skip
    liabilities = fact.model_copy(update={"label": "Total current liabilities", "value": 105718.0, "text": "105,718", "line": 1597, "period": Period(end=date(2019, 9, 28))})
    cells = {"operating_cash_flow": fact, "total_current_liabilities": liabilities}
    r = metrics.answer("What is Apple's FY2019 operating cash flow ratio? Round to two decimal places.", lambda t: input_from_fact(cells[t.concept]))
    fig = metrics.result_figure(r)
    assert (fig.value, fig.unit, fig.scale, fig.verified) == (float(Decimal(69391) / Decimal(105718)), "ratio", "units", True)
    assert fig.formula == "69,391 / 105,718 = 0.6564" and fig.period.end == date(2019, 9, 28) and fig.period.months == 12
