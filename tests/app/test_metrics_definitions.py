"""Definitions stated in questions, and the rest of the question: metric, periods, rounding, unit."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from metrics_cells import APPLE, APPLE_SCALES, EBAY, TI, Cells

from filingqa.app.engine import metrics
from filingqa.app.engine.metrics import library, read_question
from filingqa.app.engine.metrics.definition import read_definition
from filingqa.app.engine.metrics.expr import BinOp, Mean, Num, PeriodRef, Term, terms
from filingqa.app.engine.metrics.grammar import GrammarError, parse
from filingqa.ingest.model import Scale

LIB = library.load()
FY = lambda y: PeriodRef(fiscal_year=y)  # noqa: E731


def describe(t: Term) -> tuple:
    return (t.phrase, t.concept, t.how, tuple(p.describe() for p in t.periods), t.instant)


def test_fixed_asset_turnover_definition():
    expr, percent = read_definition("FY2019 revenue / (average PP&E between FY2018 and FY2019)", LIB)
    assert not percent
    assert isinstance(expr, BinOp) and expr.op == "/"
    assert [describe(t) for t in terms(expr)] == [
        ("revenue", "revenue", "value", ("FY2019",), False),
        ("PP&E", "ppe_net", "average", ("FY2018", "FY2019"), True),
    ]


def test_dpo_definition():
    text = "365 * (average accounts payable between FY2016 and FY2017) / (FY2017 COGS + change in inventory between FY2016 and FY2017)"
    expr, _ = read_definition(text, LIB)
    # (365 * avg AP) / (COGS + change in inventory): * and / associate left.
    assert expr.op == "/" and expr.left.op == "*" and expr.left.left == Num(Decimal(365), "365")
    assert expr.right.op == "+"
    assert [describe(t) for t in terms(expr)] == [
        ("accounts payable", "accounts_payable", "average", ("FY2016", "FY2017"), True),
        ("COGS", "cost_of_revenue", "value", ("FY2017",), False),
        ("inventory", "inventory", "change", ("FY2016", "FY2017"), True),
    ]


def test_dpo_definition_computes_with_apple_cells():
    cells = Cells({**APPLE, "inventory": ("Inventories", 1578, {2019: "4,106", 2018: "3,956"})}, APPLE_SCALES)
    q = ("What is Apple's FY2019 DPO? DPO is defined as: 365 * (average accounts payable between FY2018 and FY2019) / "
         "(FY2019 COGS + change in inventory between FY2018 and FY2019). Round your answer to two decimal places.")  # fmt: skip
    r = metrics.answer(q, cells)
    # 365 * ((55,888 + 46,236) / 2) / (161,782 + (4,106 - 3,956)) = 365 * 51,062 / 161,932
    assert abs(r.value - Decimal("115.0954")) < Decimal("0.0001")
    assert (r.rounded, r.unit, r.name) == (Decimal("115.10"), "days", "days payable outstanding")
    assert r.formula == "365 * ((55,888 + 46,236) / 2) / (161,782 + (4,106 - 3,956)) = 115.0954"


def test_three_year_average_of_a_stated_ratio():
    q = ("What is Apple's 3-year average operating margin for FY2017 through FY2019 (simple average of the three "
         "annual operating income / total net sales ratios)? Round to one decimal place.")  # fmt: skip
    mq = read_question(q)
    assert mq.source == "definition" and isinstance(mq.expr, Mean) and len(mq.expr.items) == 3
    assert [t.period.fiscal_year for t in mq.terms] == [2017, 2017, 2018, 2018, 2019, 2019]
    r = metrics.compute(mq, Cells(APPLE))
    # (61,344 / 229,234 + 70,898 / 265,595 + 63,930 / 260,174) / 3 = 26.0088%, the dev set's apple-10k-2019-019
    assert abs(r.value - Decimal("26.0088")) < Decimal("0.0001") and r.rounded == Decimal("26.0")


def test_three_year_average_of_a_library_metric_from_a_dash_range():
    mq = read_question("What is TI's three-year average capex as a % of revenue from FY2021 - FY2023?")
    assert isinstance(mq.expr, Mean) and mq.years == (2021, 2022, 2023)
    assert [(t.concept, t.period.fiscal_year) for t in mq.terms] == [
        ("capital_expenditures", 2021), ("revenue", 2021), ("capital_expenditures", 2022),
        ("revenue", 2022), ("capital_expenditures", 2023), ("revenue", 2023),
    ]  # fmt: skip


def test_n_year_average_counts_back_from_the_asked_year():
    mq = read_question("What was eBay's 3-year average operating margin as of FY2018?")
    assert mq.years == (2016, 2017, 2018)


def test_as_a_percent_of():
    expr, percent = read_definition("capital expenditures as a % of revenue", LIB)
    assert percent and expr.op == "/" and [t.concept for t in terms(expr)] == ["capital_expenditures", "revenue"]


def test_word_operators_and_glosses():
    expr, _ = read_definition("cash from operations minus capital expenditures (payments for PP&E)", LIB)
    ocf, capex = terms(expr)
    assert expr.op == "-" and ocf.concept == "operating_cash_flow"
    assert capex.concept == "capital_expenditures" and capex.phrases[:2] == ("capital expenditures", "payments for PP&E")
    assert capex.sign == "magnitude"


def test_parenthesis_inside_a_label():
    expr, _ = read_definition("the income tax provision (benefit) divided by income (loss) before income taxes", LIB)
    tax, pretax = terms(expr)
    assert (tax.phrase, tax.concept) == ("income tax provision (benefit)", "income_tax")
    assert (pretax.phrase, pretax.concept) == ("income (loss) before income taxes", "pretax_income")


def test_statement_hint_applies_to_both_items():
    expr, _ = read_definition("operating income plus depreciation plus amortization of intangible assets (both from the cash flow statement)", LIB)
    assert [(t.concept, t.statement) for t in terms(expr)] == [
        ("operating_income", "income"), ("depreciation", "cash_flow"), ("amortization", "cash_flow"),
    ]  # fmt: skip


def test_year_end_times_constant_and_hyphenated_words():
    expr, _ = read_definition("year-end accounts payable / total cost of sales x 365", LIB)
    ap, cogs = terms(expr)
    assert (ap.phrase, ap.instant, cogs.concept) == ("accounts payable", True, "cost_of_revenue")
    assert expr.op == "*" and expr.right == Num(Decimal(365), "365")
    expr, _ = read_definition("(short-term debt + long-term debt) / total stockholders' equity", LIB)
    assert [t.concept for t in terms(expr)] == ["short_term_debt", "long_term_debt", "total_equity"]


def test_average_of_two_dated_balances():
    expr, _ = read_definition("net income / average of the May 31, 2023 and May 31, 2022 total assets", LIB)
    _, assets = terms(expr)
    assert assets.how == "average" and [p.end for p in assets.periods] == [date(2022, 5, 31), date(2023, 5, 31)]
    expr, _ = read_definition("net income over the average of the 2018 and 2017 year-end total stockholders' equity", LIB)
    assert describe(terms(expr)[1]) == ("total stockholders' equity", "total_equity", "average", ("FY2017", "FY2018"), True)


def test_grammar_errors_name_the_problem():
    with pytest.raises(GrammarError, match="ends where"):
        parse("revenue /", lambda t, g: Term(t))
    with pytest.raises(GrammarError, match=r"expected '\)'"):
        parse("(revenue / assets", lambda t, g: Term(t))


# --- the rest of the question -------------------------------------------------------------------


def test_a_stated_definition_wins_over_the_library():
    # The library's DIO averages inventory; this question defines it on the year-end balance.
    q = "What were TI's days inventory outstanding at the end of 2023, defined as year-end inventories / annual cost of revenue x 365? Round to one decimal place."
    mq = read_question(q)
    assert mq.source == "definition" and mq.name == "days inventory outstanding" and mq.unit == "days"
    r = metrics.compute(mq, Cells(TI))
    assert r.rounded == Decimal("224.6")  # 3,999 / 6,500 * 365 = 224.5592, the dev set's txn-10k-2023-019
    assert [u.input.source for u in r.inputs] == [(526, 2023), (471, 2023)]


def test_definition_with_dates_and_the_fiscal_year():
    q = ("What was eBay's quick ratio at December 31, 2018? Quick ratio is defined as: (cash and cash equivalents + "
         "short-term investments + accounts receivable, net) / total current liabilities. Round to two decimal places.")  # fmt: skip
    mq = read_question(q)
    assert mq.period == PeriodRef(end=date(2018, 12, 31)) and mq.decimals == 2 and mq.unit == "ratio"
    r = metrics.compute(mq, Cells(EBAY, by_date={date(2018, 12, 31): 2018}))
    assert r.rounded == Decimal("1.26")  # (2,202 + 2,713 + 712) / 4,454 = 1.2634


@pytest.mark.parametrize(
    "question, decimals, scale",
    [
        ("What was the gross margin in FY2019? Round your answer to two decimal places.", 2, None),
        ("What was the gross margin in FY2019, in units of percents and round to one decimal place?", 1, None),
        ("What was Apple's free cash flow in FY2019? Answer in USD millions.", None, Scale.MILLIONS),
        ("What was Apple's free cash flow in FY2019? Answer in USD billions to two decimal places.", 2, Scale.BILLIONS),
        ("What was the current ratio in 2023? Round to the nearest hundredth.", 2, None),
        ("What were the days sales outstanding in 2023, to the nearest whole number?", 0, None),
        ("What was the current ratio in 2023?", 2, None),  # the library's usual rounding
        ("What was Apple's free cash flow in FY2019, to the nearest billion?", 0, Scale.BILLIONS),
    ],
)
def test_rounding_and_scale_asked(question, decimals, scale):
    mq = read_question(question)
    assert (mq.decimals, mq.scale) == (decimals, scale)


def test_rounding_is_half_up_on_the_exact_value():
    cells = Cells({"revenue": ("Revenue", 1, {2023: "200"}), "gross_profit": ("Gross profit", 2, {2023: "49.25"})})
    r = metrics.answer("What was the gross margin in 2023? Round to one decimal place.", cells)
    assert (r.value, r.rounded, r.shown()) == (Decimal("24.625"), Decimal("24.6"), "24.6%")
    r = metrics.answer("What was the gross margin in 2023? Round to two decimal places.", cells)
    assert r.rounded == Decimal("24.63")  # half up, not banker's 24.62


def test_percent_versus_ratio_as_asked():
    assert read_question("What was TI's current ratio at the end of 2023?").unit == "ratio"
    assert read_question("What was TI's current ratio at the end of 2023, as a percentage?").unit == "percent"
    assert read_question("What was TI's gross margin in 2023, as a ratio?").unit == "ratio"
    assert read_question("What was TI's dividend payout ratio in 2023?").unit == "percent"
    r = metrics.answer("What was TI's current ratio at the end of 2023, as a percentage?", Cells(TI))
    assert r.rounded == Decimal("455.48")


def test_gross_margin_in_dollars_is_gross_profit():
    mq = read_question("What was TI's gross margin in 2023? Answer in USD millions.")
    assert mq.metric.key == "gross_profit" and mq.unit == "USD"


@pytest.mark.parametrize(
    "question",
    [
        "What was Apple's top line in FY2019? Answer in USD billions, rounded to two decimal places.",
        "What was Apple's diluted EPS in the prior fiscal year, FY2018?",
        "How much did Apple spend on capex in FY2019, per the cash flow statement?",
        "Which audit firm issued the opinion on Apple's fiscal 2019 financial statements?",
        "Which of Apple's reportable segments had the largest percentage decline in net sales in fiscal 2019?",
        "What was IBM's total allowance for credit losses (current plus noncurrent) at December 31, 2023?",
        "How much did sales by Company-operated restaurants change year over year in dollars in Q1 2023?",
    ],
)
def test_questions_that_are_not_metric_questions(question):
    assert read_question(question) is None


def test_growth_questions_name_their_line_item():
    mq = read_question("By what percentage did eBay's net revenues grow year over year in 2018?")
    assert mq.metric.key == "yoy_growth" and [(t.concept, t.period.fiscal_year) for t in mq.terms] == [("revenue", 2018), ("revenue", 2017)]
    mq = read_question("What was Salesforce's year-over-year revenue growth in FY2023?")
    assert [t.phrase for t in mq.terms] == ["revenue", "revenue"]


def test_a_question_with_no_year_leaves_the_period_to_the_engine():
    mq = read_question("What is the company's return on assets?")
    assets = mq.terms[1]
    assert [p.offset for p in assets.periods] == [-1, 0] and not any(p.bound for p in assets.periods)


def test_quarter_questions_carry_the_quarter():
    mq = read_question("What was the gross margin for the third quarter of fiscal 2024?")
    assert (mq.period.fiscal_year, mq.period.quarter, mq.period.months) == (2024, 3, 3)


def test_average_of_a_line_item_over_a_span():
    mq = read_question("What was Apple's average revenue over FY2017-FY2019?")
    assert mq.years == (2017, 2018, 2019) and [t.period.fiscal_year for t in mq.terms] == [2017, 2018, 2019]
    r = metrics.compute(mq, Cells(APPLE))
    assert abs(r.value - Decimal("251667.6667")) < Decimal("0.0001")  # (229,234 + 265,595 + 260,174) / 3


def test_growth_of_a_library_metric():
    mq = read_question("What was Apple's EBITDA growth in 2019?")
    assert mq.name == "year-over-year growth in EBITDA"
    r = metrics.compute(mq, Cells(APPLE))
    # (63,930 + 12,547) / (70,898 + 10,903) - 1 = 76,477 / 81,801 - 1 = -6.5085%
    assert abs(r.value - Decimal("-6.5085")) < Decimal("0.0001")


def test_return_on_average_assets_is_not_a_multi_year_average():
    mq = read_question("What was TI's return on average total assets in 2023?")
    assert mq.years == () and mq.metric.key == "roa"


def test_a_definition_made_of_metrics_the_question_also_defines():
    q = ("What is TI's FY2023 cash conversion cycle (CCC)? CCC is defined as: DIO + DSO - DPO. "
         "DIO is defined as: 365 * (average inventory between FY2022 and FY2023) / (FY2023 COGS). Round to one decimal place.")  # fmt: skip
    mq = read_question(q)
    assert mq.name == "cash conversion cycle" and mq.unit == "days"
    assert [t.concept for t in mq.terms] == ["inventory", "cost_of_revenue", "accounts_receivable", "revenue", "accounts_payable", "cost_of_revenue"]
    r = metrics.compute(mq, Cells(TI))
    assert r.rounded == Decimal("181.6")  # 189.6877 + 38.3564 - 46.4112, as the library's CCC


def test_a_name_longer_than_the_librarys_is_not_that_metric():
    mq = read_question("What is TI's FY2023 free cash flow conversion rate, defined as free cash flow / net income?")
    assert mq.metric is None and mq.unit == "percent"
    r = metrics.compute(mq, Cells(TI))
    assert abs(r.value - Decimal("20.7220")) < Decimal("0.0001")  # (6,420 - 5,071) / 6,510 = 1,349 / 6,510


def test_total_over_a_span_of_years():
    mq = read_question("What is the FY2022 - FY2023 total D&A (depreciation and amortization) as shown in cash flow statement for TI? Answer in USD millions.")
    assert [(t.concept, t.period.fiscal_year) for t in mq.terms] == [("depreciation_amortization", 2022), ("depreciation_amortization", 2023)]


def test_percent_margin_of_a_line_item():
    r = metrics.answer("What is the FY2023 COGS % margin for Texas Instruments?", Cells(TI))
    assert abs(r.value - Decimal("37.1026")) < Decimal("0.0001")  # 6,500 / 17,519


def test_change_between_two_dates_uses_both_dates():
    mq = read_question("How much did cash and cash equivalents increase between February 3, 2024 and November 2, 2024?")
    assert [t.period.end for t in mq.terms] == [date(2024, 11, 2), date(2024, 2, 3)]


def test_a_percent_metric_asked_as_a_ratio_is_not_rounded_as_a_percent():
    r = metrics.answer("What was TI's gross margin in 2023, as a ratio?", Cells(TI))
    assert (r.unit, r.rounded) == ("ratio", Decimal("0.6290"))  # 11,019 / 17,519 = 0.628974


def test_year_end_balances_asked_replace_the_librarys_average():
    mq = read_question("What were TI's days sales outstanding (DSO) for FY2023, using year-end accounts receivable?")
    assert [(t.concept, t.how, t.period.fiscal_year) for t in mq.terms] == [("accounts_receivable", "value", 2023), ("revenue", "value", 2023)]
    r = metrics.compute(mq, Cells(TI))
    assert abs(r.value - Decimal("37.2313")) < Decimal("0.0001")  # 365 * 1,787 / 17,519 = 652,255 / 17,519


def test_ratio_of_one_item_to_another():
    mq = read_question("What is the ratio of TI's long-term debt to total stockholders' equity at the end of FY2023?")
    r = metrics.compute(mq, Cells(TI))
    assert (r.unit, r.rounded) == ("ratio", Decimal("0.63"))  # 10,624 / 16,897 = 0.6287


def test_use_clause_is_a_definition():
    mq = read_question("What is TI's FY2023 EBITDA? Use operating profit plus depreciation.")
    assert mq.source == "definition" and [t.concept for t in mq.terms] == ["operating_income", "depreciation"]


def test_times_100_in_a_definition_means_percent_not_a_hundredfold():
    r = metrics.answer("What was TI's net margin in 2023, defined as net income / revenue * 100?", Cells(TI))
    assert (r.unit, r.rounded) == ("percent", Decimal("37.2"))  # 6,510 / 17,519 = 37.16%


def test_over_a_period_is_not_division():
    expr, _ = read_definition("FY2019 COGS / average inventory over FY2018 and FY2019", LIB)
    cogs, inventory = terms(expr)
    assert expr.op == "/" and inventory.how == "average" and [p.fiscal_year for p in inventory.periods] == [2018, 2019]
    expr, _ = read_definition("net income over total assets", LIB)
    assert expr.op == "/"


def test_a_metric_the_library_does_not_know_gets_its_units_rounding():
    mq = read_question("What is TI's FY2023 working capital ratio? Working capital ratio is defined as total current assets divided by total current liabilities.")
    assert (mq.metric, mq.unit, mq.decimals) == (None, "ratio", 4)
    assert metrics.compute(mq, Cells(TI)).rounded == Decimal("4.5548")  # 15,122 / 3,320
