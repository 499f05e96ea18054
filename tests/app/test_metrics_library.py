"""A worked example per library metric, over cells read by hand from the dev filings (metrics_cells.py).

Each test asks the question in words, reads it with the library, computes it with a resolver over
the real cells, and checks the inputs used (line, fiscal year), the exact value and the formula.
Expected values are computed by hand from the printed figures (shown in each test).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from metrics_cells import APPLE, APPLE_SCALES, EBAY, FEDEX, ORACLE, TI, Cells

from filingqa.app.engine import metrics
from filingqa.app.engine.metrics import library
from filingqa.ingest.model import Scale

APPLE_CELLS = Cells(APPLE, APPLE_SCALES)
TI_CELLS = Cells(TI)
EBAY_CELLS = Cells(EBAY)


def ask(cells: Cells, question: str) -> metrics.Result:
    result = metrics.answer(question, cells)
    assert result is not None, f"not read as a metric question: {question}"
    assert result.ok, result.reason
    return result


def used(result: metrics.Result) -> list[tuple[int, int]]:
    return [u.input.source for u in result.inputs]


def close(value: Decimal, expected: str, places: int = 4) -> bool:
    return abs(value - Decimal(expected)) < Decimal(1).scaleb(-places)


def test_gross_profit_is_the_printed_row():
    r = ask(APPLE_CELLS, "What was Apple's gross profit in fiscal 2019?")
    assert (r.value, r.unit, r.scale, used(r)) == (Decimal(98392), "USD", Scale.MILLIONS, [(1512, 2019)])


def test_gross_profit_without_its_row_is_revenue_less_cost_of_revenue_and_says_so():
    # The 3M case: a filing that prints cost of sales but no gross profit row.
    r = ask(APPLE_CELLS.without("gross_profit"), "What was Apple's gross profit in fiscal 2019?")
    assert r.value == Decimal(260174 - 161782)  # 98,392
    assert used(r) == [(1506, 2019), (1511, 2019)]
    assert r.formula == "260,174 - 161,782 = 98,392"
    assert "no gross profit row" in r.notes[0] and "total revenues - total cost of revenues" in r.notes[0]


def test_gross_margin():
    r = ask(APPLE_CELLS, "What was Apple's gross margin in FY2019?")
    assert close(r.value, "37.8178")  # 98,392 / 260,174 = 37.8178%
    assert (r.rounded, r.unit, used(r)) == (Decimal("37.8"), "percent", [(1512, 2019), (1506, 2019)])
    assert r.formula == "98,392 / 260,174 * 100 = 37.8178"


def test_gross_margin_without_gross_profit_row_uses_cost_of_sales():
    r = ask(APPLE_CELLS.without("gross_profit"), "What was the gross margin in 2019?")
    assert close(r.value, "37.8178")
    assert r.formula == "(260,174 - 161,782) / 260,174 * 100 = 37.8178"


def test_operating_margin():
    r = ask(APPLE_CELLS, "What was Apple's operating margin in FY2019?")
    assert close(r.value, "24.5720")  # 63,930 / 260,174
    assert used(r) == [(1519, 2019), (1506, 2019)]


def test_net_margin():
    r = ask(APPLE_CELLS, "What was Apple's net profit margin in FY2019?")
    assert close(r.value, "21.2381")  # 55,256 / 260,174
    assert used(r) == [(1523, 2019), (1506, 2019)]


def test_ebit_falls_back_to_operating_income():
    r = ask(TI_CELLS, "What was TI's EBIT in 2023?")
    assert (r.value, used(r)) == (Decimal(7331), [(477, 2023)])
    assert "computed as operating income" in r.notes[0]


def test_ebitda_adds_cash_flow_d_and_a():
    r = ask(APPLE_CELLS, "What was Apple's EBITDA in fiscal 2019?")
    assert r.value == Decimal(63930 + 12547)  # 76,477, the dev set's apple-10k-2019-014
    assert used(r) == [(1519, 2019), (1675, 2019)]
    assert r.formula == "63,930 + 12,547 = 76,477"


def test_ebitda_with_depreciation_and_amortization_printed_apart():
    r = ask(Cells(ORACLE), "What was Oracle's EBITDA in fiscal 2019?")
    assert r.value == Decimal(13535 + 1230 + 1689)  # 16,454
    assert used(r) == [(3256, 2019), (3370, 2019), (3371, 2019)]
    assert r.formula == "13,535 + (1,230 + 1,689) = 16,454"


def test_free_cash_flow_takes_capex_as_an_outflow_and_answers_in_billions():
    r = ask(APPLE_CELLS, "What was Apple's free cash flow in FY2019? Answer in USD billions to two decimal places.")
    # 69,391 - 10,495 (printed "(10,495)") = 58,896 million
    assert (r.value, r.rounded, r.scale) == (Decimal("58.896"), Decimal("58.90"), Scale.BILLIONS)
    assert r.formula == "69,391 - 10,495 = 58,896 million = 58.896 billion"
    assert [u.value for u in r.inputs] == [Decimal(69391), Decimal(10495)]
    assert r.inputs[1].input.value == Decimal(-10495)  # the cell as printed stays as printed


def test_operating_cash_flow_margin():
    r = ask(APPLE_CELLS, "What was Apple's operating cash flow margin in FY2019?")
    assert close(r.value, "26.6710")  # 69,391 / 260,174


def test_free_cash_flow_margin():
    r = ask(APPLE_CELLS, "What was Apple's free cash flow margin in FY2019?")
    assert close(r.value, "22.6372")  # (69,391 - 10,495) / 260,174
    assert used(r) == [(1698, 2019), (1707, 2019), (1506, 2019)]


def test_debt_ratio():
    r = ask(APPLE_CELLS, "What was Apple's debt ratio at the end of FY2019?")
    assert close(r.value, "0.7327") and used(r) == [(1603, 2019), (1588, 2019)]  # 248,028 / 338,516


def test_working_capital():
    r = ask(APPLE_CELLS, "What was Apple's working capital at the end of fiscal 2019?")
    assert (r.value, used(r)) == (Decimal(162819 - 105718), [(1581, 2019), (1597, 2019)])


def test_current_ratio():
    r = ask(TI_CELLS, "What was TI's current ratio at the end of 2023?")
    assert close(r.value, "4.5548") and r.rounded == Decimal("4.55") and r.unit == "ratio"  # 15,122 / 3,320


def test_quick_ratio():
    r = ask(TI_CELLS, "What was TI's quick ratio at the end of 2023?")
    assert close(r.value, "3.1211")  # (2,964 + 5,611 + 1,787) / 3,320
    assert used(r) == [(520, 2023), (521, 2023), (522, 2023), (545, 2023)]


def test_cash_ratio():
    r = ask(TI_CELLS, "What was TI's cash ratio at the end of 2023?")
    assert close(r.value, "2.5828")  # (2,964 + 5,611) / 3,320


def test_operating_cash_flow_ratio():
    r = ask(APPLE_CELLS, "What was Apple's operating cash flow ratio for FY2019?")
    assert close(r.value, "0.6564") and r.rounded == Decimal("0.66")  # 69,391 / 105,718


def test_debt_to_equity_sums_short_and_long_term_debt():
    r = ask(EBAY_CELLS, "What was eBay's debt-to-equity ratio at the end of 2018?")
    assert close(r.value, "1.4697")  # (1,546 + 7,685) / 6,281, the dev set's ebay-10k-2018-018
    assert used(r) == [(2573, 2018), (2580, 2018), (2590, 2018)]


def test_net_debt():
    r = ask(EBAY_CELLS, "What was eBay's net debt at the end of 2018?")
    assert r.value == Decimal(1546 + 7685 - 2202)  # 7,029


def test_interest_coverage():
    r = ask(TI_CELLS, "What was TI's interest coverage ratio in 2023?")
    assert close(r.value, "20.7677")  # 7,331 / 353
    assert used(r) == [(477, 2023), (479, 2023)]


def test_return_on_assets_uses_average_total_assets():
    r = ask(TI_CELLS, "What was TI's return on assets in 2023?")
    assert close(r.value, "21.8621")  # 6,510 / ((27,207 + 32,348) / 2)
    assert used(r) == [(482, 2023), (537, 2022), (537, 2023)]
    assert r.formula == "6,510 / ((27,207 + 32,348) / 2) * 100 = 21.8621"


def test_return_on_assets_fedex():
    r = ask(Cells(FEDEX), "What was FedEx's return on assets in fiscal 2023?")
    assert close(r.value, "4.5883")  # 3,972 / ((85,994 + 87,143) / 2), the dev set's fedex-10k-2023-018


def test_return_on_equity():
    r = ask(EBAY_CELLS, "What was eBay's return on equity in 2018?")
    assert close(r.value, "35.3105")  # 2,530 / ((8,049 + 6,281) / 2), the dev set's ebay-10k-2018-019


def test_asset_turnover():
    r = ask(TI_CELLS, "What was TI's asset turnover in 2023?")
    assert close(r.value, "0.5883")  # 17,519 / 29,777.5


def test_fixed_asset_turnover():
    r = ask(APPLE_CELLS, "What was Apple's fixed asset turnover in FY2019?")
    assert close(r.value, "6.6133")  # 260,174 / ((41,304 + 37,378) / 2) = 260,174 / 39,341
    assert used(r) == [(1506, 2019), (1585, 2018), (1585, 2019)]


def test_inventory_turnover():
    r = ask(TI_CELLS, "What was TI's inventory turnover in 2023?")
    assert close(r.value, "1.9242")  # 6,500 / ((2,757 + 3,999) / 2)


def test_days_inventory_outstanding():
    r = ask(TI_CELLS, "What were TI's days inventory outstanding in 2023?")
    assert close(r.value, "189.6877") and r.unit == "days" and r.rounded == Decimal("189.7")  # 365 * 3,378 / 6,500


def test_days_sales_outstanding():
    r = ask(TI_CELLS, "What were TI's days sales outstanding in 2023?")
    assert close(r.value, "38.3564")  # 365 * ((1,895 + 1,787) / 2) / 17,519


def test_days_payable_outstanding():
    r = ask(TI_CELLS, "What was TI's DPO in 2023?")
    assert close(r.value, "46.4112")  # 365 * ((851 + 802) / 2) / 6,500


def test_cash_conversion_cycle():
    r = ask(TI_CELLS, "What was TI's cash conversion cycle in 2023?")
    assert close(r.value, "181.6329")  # 189.6877 + 38.3564 - 46.4112
    assert r.unit == "days"


def test_capex_as_a_percentage_of_revenue():
    r = ask(TI_CELLS, "What was TI's capex as a percentage of revenue in 2023?")
    assert close(r.value, "28.9457")  # 5,071 / 17,519
    assert used(r) == [(587, 2023), (470, 2023)]


def test_effective_tax_rate():
    r = ask(APPLE_CELLS, "What was Apple's effective tax rate in fiscal 2019?")
    assert close(r.value, "15.9438")  # 10,481 / 65,737


def test_effective_tax_rate_reads_a_benefit_first_label():
    # eBay prints "Income tax benefit (provision)  (190)": a provision of 190, not a benefit.
    r = ask(EBAY_CELLS, "What was eBay's effective tax rate in 2018?")
    assert close(r.value, "6.9904") and r.rounded == Decimal("7.0")  # 190 / 2,718
    assert r.inputs[0].value == Decimal(190)


def test_dividend_payout_ratio():
    r = ask(TI_CELLS, "What was TI's dividend payout ratio in 2023?")
    assert r.value == Decimal(70)  # 4,557 / 6,510 = 0.7 exactly


def test_year_over_year_growth():
    r = ask(APPLE_CELLS, "What was Apple's year-over-year growth in total net sales in fiscal 2019?")
    assert close(r.value, "-2.0411")  # 260,174 / 265,595 - 1
    assert used(r) == [(1506, 2019), (1506, 2018)]


def test_cagr():
    r = ask(APPLE_CELLS, "What was Apple's revenue CAGR from FY2017 to FY2019?")
    assert close(r.value, "6.5350")  # (260,174 / 229,234) ^ (1/2) - 1
    assert r.formula == "((260,174 / 229,234) ^ (1 / 2) - 1) * 100 = 6.535"


def test_multi_year_average():
    r = ask(APPLE_CELLS, "What was Apple's three-year average gross margin for FY2017 through FY2019?")
    # (88,186 / 229,234 + 101,839 / 265,595 + 98,392 / 260,174) / 3 = (38.4698 + 38.3441 + 37.8178) / 3
    assert close(r.value, "38.2104")
    assert r.name == "3-year average gross margin"
    assert [y for _, y in used(r)] == [2017, 2017, 2018, 2018, 2019, 2019]


def test_segment_share_of_total():
    cells = Cells({**APPLE, "greater china": ("Greater China", 1058, {2019: "43,678"})}, APPLE_SCALES)
    r = ask(cells, "What share of Apple's total net sales came from Greater China in fiscal 2019?")
    assert close(r.value, "16.7880")  # 43,678 / 260,174
    assert used(r) == [(1058, 2019), (1506, 2019)]


def test_per_share_multiplies_out_mixed_scales():
    # Free cash flow in millions over diluted shares in thousands.
    r = ask(APPLE_CELLS, "What was Apple's free cash flow per share in fiscal 2019?")
    assert close(r.value, "12.6688")  # 58,896,000,000 / 4,648,913,000
    assert r.unit == "USD/share"
    assert r.formula == "(69,391 million - 10,495 million) / 4,648,913 thousand = 12.6688"


def test_every_metric_in_the_issue_is_in_the_library():
    lib = library.load()
    wanted = {
        "gross_profit", "gross_margin", "operating_margin", "net_margin", "ebit", "ebitda", "free_cash_flow",
        "working_capital", "current_ratio", "quick_ratio", "cash_ratio", "debt_to_equity", "net_debt",
        "interest_coverage", "roa", "roe", "asset_turnover", "fixed_asset_turnover", "inventory_turnover", "dio",
        "dso", "dpo", "cash_conversion_cycle", "capex_to_revenue", "effective_tax_rate", "dividend_payout_ratio",
        "yoy_growth", "cagr", "share_of_total", "per_share",
    }  # fmt: skip
    assert wanted <= set(lib.metrics)


@pytest.mark.parametrize("key", sorted(library.load().metrics))
def test_every_metric_is_named_by_its_own_names(key):
    lib = library.load()
    for name in lib.metrics[key].names:
        assert lib.metric_named(name).key == key, name


def test_a_bad_library_is_refused_naming_the_problem(tmp_path):
    bad = tmp_path / "library.yaml"
    bad.write_text("concepts:\n  revenue: {phrases: [revenue], statement: income, period: duration}\nmetrics:\n  m: {names: [m], formula: 'revenue / nothing', unit: ratio}\n")
    with pytest.raises(ValueError, match="'nothing'"):
        library.load(bad)
