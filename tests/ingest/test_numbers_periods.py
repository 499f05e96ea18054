"""Worked examples of the number and period grammar, one per rule, plus property tests."""

from datetime import date

import pytest
from hypothesis import given, strategies as st

from filingqa.ingest.numbers import MalformedNumber, parse_amount
from filingqa.ingest.periods import find_dates, find_durations, parse_date


@pytest.mark.parametrize(
    "cell, value",
    [
        ("$(0.09)", -0.09),
        ("(2,646)", -2646),
        ("$ 5,897.8", 5897.8),
        ("9,047", 9047),
        ("\\$ 11,285", 11285),  # a Markdown-escaped dollar sign from a PDF converter
        ("12.6 %", 12.6),
        ("(3)%", -3),
        ("—", 0),
        ("–", 0),
        ("-", 0),
        ("_", 0),  # OCR's reading of a dash
        ("$ -", 0),
    ],
)
def test_amounts(cell, value):
    assert parse_amount(cell).value == value


def test_percent_is_flagged():
    assert parse_amount("12.6 %").percent and not parse_amount("12.6").percent


@pytest.mark.parametrize("cell", ["n/m", "NM", "N/A", "", "Revenues"])
def test_blanks_are_not_zeros(cell):
    assert parse_amount(cell) is None


@pytest.mark.parametrize("cell", ["F 1C4", "(F_4F0)", "1C4"])
def test_ocr_damage_is_malformed_not_a_value(cell):
    with pytest.raises(MalformedNumber):
        parse_amount(cell)


@pytest.mark.parametrize(
    "text, months, weeks",
    [
        ("Three Months Ended December 31, 2004", 3, None),
        ("13 weeks ended November 2, 2024", 3, 13),
        ("Thirty-Nine Weeks Ended", 9, 39),
        ("Six Months Ended December 31,", 6, None),
        ("Year Ended December 31, 2022", 12, None),
        ("Quarters Ended March 31,", 3, None),
    ],
)
def test_durations(text, months, weeks):
    d = find_durations(text)[0]
    assert (d.months, d.weeks) == (months, weeks)


def test_three_and_six_months_names_both():
    assert [d.months for d in find_durations("For the three and six months ended December 31, 2004")] == [3, 6]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("13 weeks ended November 2, 2024", date(2024, 11, 2)),
        ("Dec. 25, 2010", date(2010, 12, 25)),
        ("As of June 30, 2004", date(2004, 6, 30)),
        ("2024-11-02", date(2024, 11, 2)),
    ],
)
def test_dates(text, expected):
    assert parse_date(text) == expected


def test_impossible_dates_are_not_dates():
    assert find_dates("February 30, 2004") == []


@given(st.text(max_size=40))
def test_parse_amount_never_crashes(text):
    try:
        parse_amount(text)
    except MalformedNumber:
        pass


@given(st.text(max_size=80))
def test_period_grammar_never_crashes(text):
    find_durations(text)
    find_dates(text)


def test_amount_grammar_does_not_backtrack_over_long_space_runs():
    # salesforce-10k-2023: a header line "4 <100 spaces> Fiscal Year Ended January 31,"
    # reached parse_amount whole and took 13 s; the spaces in the grammar are possessive now.
    import time

    from filingqa.ingest.numbers import parse_amount

    started = time.perf_counter()
    assert parse_amount("4" + " " * 120 + "Fiscal Year Ended January 31,") is None
    assert time.perf_counter() - started < 0.5
    assert parse_amount("$ (78.1) %").value == -78.1
