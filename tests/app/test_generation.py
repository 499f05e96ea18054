"""The guard on optional LLM phrasing: a generated number must be printed in the cited passages."""

from filingqa.app.engine.generation import numbers_in, numbers_supported
from filingqa.prompts import load


def test_numbers_are_compared_without_separators():
    assert numbers_in("revenue of $9,047 thousand and 4:30 p.m.") == {"9047", "4", "30"}


def test_a_number_the_passages_print_is_supported():
    assert numbers_supported("Revenues were $9,047 thousand.", ["Total revenues  9,047  5,164"])


def test_an_invented_or_rounded_number_is_not():
    assert not numbers_supported("Revenues were about $9.0 million.", ["Total revenues  9,047  5,164"])


def test_the_prompt_template_names_its_slots():
    text = load("narrative")
    assert "{question}" in text and "{passages}" in text
