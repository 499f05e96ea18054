"""Worked examples of the text-figure grammar: amounts a sentence states, and which one a question asks for."""

from datetime import date

from filingqa.app.engine.textfigures import amounts_in, pick_amount
from filingqa.app.engine.vocabulary import content_words
from filingqa.ingest.model import Scale, Unit


def one(text):
    (a,) = amounts_in(text)
    return a.value, a.scale, a.unit


def test_amount_grammar():
    assert one("was $62,000 for") == (62000, Scale.UNITS, Unit.USD)
    assert one("the $12.0 million upfront payment") == (12.0, Scale.MILLIONS, Unit.USD)
    assert one("or $0.67 per share,") == (0.67, Scale.UNITS, Unit.USD_PER_SHARE)
    assert one("sold 16.24 million iPhones") == (16.24, Scale.MILLIONS, Unit.NUMBER)
    assert one("improved to $(0.42).") == (-0.42, Scale.UNITS, Unit.USD)
    assert one("decreased 0.7 percent from") == (0.7, Scale.UNITS, Unit.PERCENT)


def test_a_count_needs_its_noun_and_a_year_is_never_one():
    assert [a.value for a in amounts_in("it operated 445 stores in 2024")] == [445]


def test_respectively_pairs_amounts_with_years():
    s = "Included in other income for the three months ended December 31, 2004 and 2003 was interest income of $457,000 and $353,000, respectively."
    assert pick_amount(s, content_words("interest income"), 2004, None).value == 457000
    assert pick_amount(s, content_words("interest income"), 2003, None).value == 353000


def test_a_stated_date_picks_its_amount():
    s = "issued and outstanding; 50,773,796 shares at November 2, 2024, 50,445,186 shares at February 3, 2024"
    assert pick_amount(s, content_words("shares outstanding"), 2024, Unit.SHARES, when=date(2024, 2, 3)).value == 50445186


def test_the_asked_years_amount_is_the_one_told_of_it():
    s = "Net income was $75, or $0.39 per diluted share, in the 2018 second quarter compared with $75, or $0.40 per share, in the 2017 second quarter."
    assert pick_amount(s, content_words("diluted eps"), 2017, Unit.USD_PER_SHARE).value == 0.40


def test_dollars_before_percentages_when_no_unit_is_asked():
    s = "Online sales increased 1.1 percent to $46.6 million for the 13-week fiscal quarter"
    a = pick_amount(s, content_words("online sales"), None, None)
    assert (a.value, a.scale) == (46.6, Scale.MILLIONS)


def test_a_change_is_not_the_level():
    s = "Adjusted EBITDA for this segment climbed $411 in the quarter to $638"
    assert pick_amount(s, content_words("adjusted ebitda"), None, None).value == 638


def test_from_to_by_the_filings_current_year():
    s = "Basic and diluted loss per share improved significantly from $(1.80) to $(0.42), reflecting a 77% improvement."
    kw = content_words("basic diluted loss per share")
    assert pick_amount(s, kw, 2024, Unit.USD_PER_SHARE, current_year=2024).value == -0.42
    assert pick_amount(s, kw, 2023, Unit.USD_PER_SHARE, current_year=2024).value == -1.80
