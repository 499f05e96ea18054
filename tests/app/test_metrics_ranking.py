"""Ranking rows: segments, product categories and current liabilities of apple-10k-2019.pdf."""

from __future__ import annotations

from decimal import Decimal

import pytest

from filingqa.app.engine.metrics.ranking import Candidate, RankQuery, rank, read_ranking


def rows(table: dict[str, tuple[str, ...]], total: str | None = None) -> list[Candidate]:
    out = []
    for name, values in table.items():
        out.append(Candidate(name, {y: Decimal(v.replace(",", "")) for y, v in zip((2019, 2018, 2017), values)}, is_total=name == total))
    return out


# Net sales by reportable segment, MD&A table t5, lines 1056-1061 (USD millions).
SEGMENTS = rows({
    "Americas": ("116,914", "112,093", "96,600"),
    "Europe": ("60,288", "62,420", "54,938"),
    "Greater China": ("43,678", "51,942", "44,764"),
    "Japan": ("21,506", "21,733", "17,733"),
    "Rest of Asia Pacific": ("17,788", "17,407", "15,199"),
    "Total net sales": ("260,174", "265,595", "229,234"),
})  # fmt: skip
# Net sales by category, table t4, lines 1004-1009.
CATEGORIES = rows({
    "iPhone": ("142,381", "164,888", "139,337"),
    "Mac": ("25,740", "25,198", "25,569"),
    "iPad": ("21,280", "18,380", "18,802"),
    "Wearables, Home and Accessories": ("24,482", "17,381", "12,826"),
    "Services": ("46,291", "39,748", "32,700"),
    "Total net sales": ("260,174", "265,595", "229,234"),
})  # fmt: skip
# Current liabilities, balance sheet t15, lines 1592-1597 (September 28, 2019 and September 29, 2018).
CURRENT_LIABILITIES = rows({
    "Accounts payable": ("46,236", "55,888"),
    "Other current liabilities": ("37,720", "33,327"),
    "Deferred revenue": ("5,522", "5,966"),
    "Commercial paper": ("5,980", "11,964"),
    "Term debt": ("10,260", "8,784"),
    "Total current liabilities": ("105,718", "115,929"),
}, total="Total current liabilities")  # fmt: skip


def test_largest_percentage_decline_by_segment():
    q = read_ranking("Which of Apple's reportable segments had the largest percentage decline in net sales in fiscal 2019?")
    assert q == RankQuery("pct_change", "asc", "net sales")
    r = rank(SEGMENTS, q, 2019, 2018)
    assert r.winner.candidate.name == "Greater China" and r.runner_up.candidate.name == "Europe"
    assert abs(r.winner.score - Decimal("-15.9100")) < Decimal("0.0001")  # (43,678 - 51,942) / 51,942
    assert abs(r.runner_up.score - Decimal("-3.4156")) < Decimal("0.0001")  # (60,288 - 62,420) / 62,420
    assert [c.name for c, _ in r.excluded] == ["Total net sales"]  # a total by its label, even unflagged


def test_most_revenue_by_product_category():
    q = read_ranking("Which product category brought in the most revenue?")
    assert (q.by, q.direction) == ("value", "desc")
    r = rank(CATEGORIES, q, 2019)
    assert (r.winner.candidate.name, r.winner.value, r.runner_up.candidate.name) == ("iPhone", Decimal(142381), "Services")
    assert r.text() == "iPhone (142,381), ahead of Services (46,291)."


def test_biggest_current_liability_excludes_the_total():
    q = read_ranking("What is the biggest item among current liabilities?")
    r = rank(CURRENT_LIABILITIES, q, 2019)
    assert (r.winner.candidate.name, r.runner_up.candidate.name) == ("Accounts payable", "Other current liabilities")
    assert all(x.candidate.name != "Total current liabilities" for x in r.ordered)


def test_fastest_growing_segment():
    q = read_ranking("Which geographic segment grew fastest in 2018?")
    assert (q.by, q.direction) == ("pct_change", "desc")
    r = rank(SEGMENTS, q, 2018, 2017)
    # Japan 21,733 / 17,733 - 1 = 22.56%; Americas 112,093 / 96,600 - 1 = 16.04%
    assert (r.winner.candidate.name, r.runner_up.candidate.name) == ("Japan", "Americas")


def test_largest_dollar_increase_and_smallest_value():
    r = rank(CATEGORIES, read_ranking("Which product category had the largest increase in net sales in 2019?"), 2019, 2018)
    assert r.winner.candidate.name == "Wearables, Home and Accessories" and r.winner.score == Decimal(24482 - 17381)
    r = rank(CATEGORIES, read_ranking("Which product category had the smallest net sales in 2019?"), 2019)
    assert (r.winner.candidate.name, r.runner_up.candidate.name) == ("iPad", "Wearables, Home and Accessories")


def test_rows_without_the_period_are_excluded_with_a_reason():
    r = rank(CURRENT_LIABILITIES, RankQuery("pct_change", "desc"), 2019, 2017)
    assert r.winner is None and all("2017" in why or "total" in why for _, why in r.excluded)


def test_change_rankings_need_the_prior_period():
    with pytest.raises(ValueError, match="prior period"):
        rank(SEGMENTS, RankQuery("change", "desc"), 2019)


def test_questions_that_are_not_rankings():
    assert read_ranking("What was Apple's gross margin in FY2019?") is None
    assert read_ranking("Which audit firm issued the opinion on Apple's fiscal 2019 financial statements?") is None


def test_highest_segment_operating_margin_pairs_income_and_revenue_rows():
    from filingqa.app.engine.metrics.ranking import ratio_rows

    # fedex-10k-2023.pdf: segment operating income (MD&A, lines 2489-2491) and segment revenue
    # (Note 14, lines 5653-5655), fiscal 2023, USD millions.
    income = [Candidate("FedEx Express segment", {2023: Decimal(1064)}), Candidate("FedEx Ground segment", {2023: Decimal(3140)}),
              Candidate("FedEx Freight segment", {2023: Decimal(1925)})]  # fmt: skip
    revenue = [Candidate("Total FedEx Express segment", {2023: Decimal(42743)}), Candidate("FedEx Ground segment", {2023: Decimal(33507)}),
               Candidate("FedEx Freight segment", {2023: Decimal(9632)}), Candidate("FedEx Services segment", {2023: Decimal(301)})]  # fmt: skip
    q = read_ranking("Which FedEx reportable segment had the highest operating margin in fiscal 2023?")
    assert (q.by, q.direction, q.subject) == ("value", "desc", "operating margin")
    r = rank(ratio_rows(income, revenue), q, 2023)
    # Freight 1,925 / 9,632 = 19.99%; Ground 3,140 / 33,507 = 9.37%; Express 1,064 / 42,743 = 2.49%
    assert [x.candidate.name for x in r.ordered] == ["FedEx Freight segment", "FedEx Ground segment", "FedEx Express segment"]
    assert abs(r.winner.value - Decimal("19.9855")) < Decimal("0.0001")
