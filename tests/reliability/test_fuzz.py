"""Issue 7.6: property-based (hypothesis) tests of the number/period grammar, the table parser and the
API request models: they never crash, and the table parser never invents a value (every fact's value
is spelled by some cell of the input; a dash spells 0).
"""

from __future__ import annotations

import calendar
import datetime as dt
from decimal import Decimal

import httpx
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from filingqa.ingest.model import Format, LoadedText
from filingqa.ingest.numbers import MalformedNumber, parse_amount
from filingqa.ingest.periods import find_dates, find_durations, find_month_days, find_years
from filingqa.ingest.tables import extract_tables, find_raw_tables
from filingqa.ingest.tables.segment import find_text_tables, split_cells

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NUMBERISH = st.text(alphabet=st.sampled_from(list("0123456789,.$()%-\u2014\u2013 _*/abcdemnptsBK\u00a0\\")), max_size=30)


# -- the number grammar ----------------------------------------------------------------------
@FUZZ
@given(st.one_of(NUMBERISH, st.text(max_size=40)))
@example("(2,646")
@example("$ (0.09)")
@example("1" * 5000)
def test_parse_amount_returns_an_amount_none_or_malformed_never_anything_else(text: str) -> None:
    try:
        amount = parse_amount(text)
    except MalformedNumber:
        return
    if amount is not None:
        assert float(amount.decimal) == amount.value
        assert amount.dash == (amount.decimal == 0 and not any(ch.isdigit() for ch in text))


def _spell(value: Decimal, places: int, style: str, commas: bool) -> str:
    digits = f"{abs(value):,.{places}f}" if commas else f"{abs(value):.{places}f}"
    if value >= 0:
        return {"plain": digits, "dollar": f"$ {digits}", "tight-dollar": f"${digits}", "percent": f"{digits}%", "paren": digits, "minus": digits}[style]
    return {"plain": f"({digits})", "dollar": f"$ ({digits})", "tight-dollar": f"$({digits})", "percent": f"({digits})%", "paren": f"({digits})", "minus": f"-{digits}"}[style]


@FUZZ
@given(
    st.decimals(min_value=Decimal("-999999999999"), max_value=Decimal("999999999999"), allow_nan=False, allow_infinity=False, places=2),
    st.integers(0, 2),
    st.sampled_from(["plain", "dollar", "tight-dollar", "percent", "paren", "minus"]),
    st.booleans(),
)
def test_a_printed_amount_parses_to_exactly_its_value(value: Decimal, places: int, style: str, commas: bool) -> None:
    value = value.quantize(Decimal(1).scaleb(-places))
    text = _spell(value, places, style, commas)
    amount = parse_amount(text)
    assert amount is not None and amount.decimal == value, (text, amount)
    assert amount.percent == (style == "percent") and amount.currency == ("dollar" in style)


@FUZZ
@given(st.sampled_from(["\u2014", "\u2013", "-", "_", "$ \u2014", "\u2014%", "--"]))
def test_a_dash_is_zero(text: str) -> None:
    amount = parse_amount(text)
    assert amount is not None and amount.value == 0 and amount.dash


# -- the period grammar ----------------------------------------------------------------------
@FUZZ
@given(st.text(max_size=120))
def test_the_period_grammar_never_crashes(text: str) -> None:
    for found in (find_dates(text), find_durations(text), find_month_days(text), find_years(text)):
        assert isinstance(found, list)
    for when, start, end in find_dates(text):
        assert 0 <= start < end <= len(text) and isinstance(when, dt.date)


@FUZZ
@given(st.integers(1900, 2099), st.integers(1, 12), st.integers(1, 31), st.sampled_from(["full", "abbr"]), st.sampled_from([3, 6, 9, 12]))
def test_a_spelled_date_and_duration_read_back_exactly(year: int, month: int, day: int, style: str, months: int) -> None:
    name = calendar.month_name[month] if style == "full" else calendar.month_abbr[month] + "."
    words = {3: "Three", 6: "Six", 9: "Nine", 12: "Twelve"}[months]
    text = f"{words} Months Ended {name} {day}, {year}"
    valid = day <= calendar.monthrange(year, month)[1]
    assert [d for d, _, _ in find_dates(text)] == ([dt.date(year, month, day)] if valid else [])
    assert [d.months for d in find_durations(text)][:1] == [months]


# -- the table parser ------------------------------------------------------------------------
LABELS = ["Net sales", "Cost of sales", "Gross profit", "Research and development", "Total operating expenses", "Net income (loss)", "Basic", "Diluted", "Cash", "Total assets", "Note 3", "Item 2004"]
VALUE_CELLS = st.one_of(
    st.integers(-10**9, 10**9).map(lambda n: f"{n:,}" if n >= 0 else f"({-n:,})"),
    st.integers(-10**6, 10**6).map(lambda n: f"$ {n:,}" if n >= 0 else f"$ ({-n:,})"),
    st.decimals(min_value=-1000, max_value=1000, places=2, allow_nan=False, allow_infinity=False).map(lambda d: f"{d:.2f}" if d >= 0 else f"({-d:.2f})"),
    st.decimals(min_value=0, max_value=100, places=1, allow_nan=False, allow_infinity=False).map(lambda d: f"{d:.1f}%"),
    st.sampled_from(["\u2014", "-", "\u2013", "n/a", "", "$ \u2014"]),
    st.text(alphabet=st.sampled_from(list("0123456789,.()$-% ")), min_size=1, max_size=9).map(str.strip),  # damaged cells
)


@st.composite
def text_tables(draw) -> tuple[list[str], list[str]]:
    """Lines of an aligned text table (a title, a year header, rows of amounts) and every cell printed."""
    columns = draw(st.integers(1, 4))
    width = draw(st.integers(12, 18))
    years = draw(st.lists(st.integers(1995, 2030), min_size=columns, max_size=columns))
    lines = [draw(st.sampled_from(["CONSOLIDATED STATEMENTS OF OPERATIONS", "(in thousands)", "Selected data", ""]))]
    if draw(st.booleans()):
        lines.append(" " * 30 + "Three Months Ended December 31,")
    lines.append(" " * 30 + "".join(str(y).rjust(width) for y in years))
    cells: list[str] = [str(y) for y in years]
    for _ in range(draw(st.integers(1, 8))):
        label = draw(st.one_of(st.sampled_from(LABELS), st.text(alphabet=st.characters(codec="ascii", categories=["L", "N", "Zs", "P"]), max_size=25).map(str.strip)))
        values = draw(st.lists(VALUE_CELLS, min_size=1, max_size=columns))
        cells.append(label)
        cells.extend(values)
        lines.append(label.ljust(30)[:30] + "".join(v.rjust(width) for v in values))
        if draw(st.integers(0, 5)) == 0:
            lines.append("")
    return lines, cells


def _spelled_values(lines: list[str], cells: list[str]) -> set[float]:
    """Every value some cell or token of the input spells (a dash spells 0)."""
    texts = set(cells)
    for line in lines:
        texts.update(c.text for c in split_cells(line))
        texts.update(line.split())
    out = set()
    for text in texts:
        try:
            amount = parse_amount(text)
        except MalformedNumber:
            continue
        if amount is not None:
            out.add(amount.value)
    return out


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text_tables())
def test_the_table_parser_never_crashes_and_never_invents_a_value(table: tuple[list[str], list[str]]) -> None:
    lines, cells = table
    loaded = LoadedText(format=Format.TEXT, lines=lines)
    raws = find_raw_tables(loaded)
    assert [r.line_start for r in raws] == sorted(r.line_start for r in raws)
    tables = extract_tables(loaded, raws)
    spelled = _spelled_values(lines, cells)
    for t in tables:
        for fact in t.facts():
            assert fact.value in spelled, (fact.value, fact.text, lines)
            assert 1 <= fact.line <= len(lines)
            if fact.text:  # the printed text it came from is on the line it cites
                assert fact.text.replace(" ", "") in lines[fact.line - 1].replace(" ", ""), (fact.text, lines[fact.line - 1])


@FUZZ
@given(st.lists(st.text(alphabet=st.sampled_from(list("0123456789,.()$-% \tabcNetsal\u2014")), max_size=60), max_size=12))
def test_the_segmenter_never_crashes_on_arbitrary_lines(lines: list[str]) -> None:
    for raw in find_text_tables(lines):
        assert 1 <= raw.line_start <= raw.line_end <= len(lines)
        for row in raw.rows:
            assert raw.line_start <= row.line <= raw.line_end


# -- the API request models ------------------------------------------------------------------
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
ANSWER_BODIES = st.one_of(
    JSON,
    st.fixed_dictionaries({"question": JSON, "filing": JSON}),
    st.fixed_dictionaries({"question": st.text(max_size=2100), "filing": st.text(max_size=210)}),
)
CHAT_BODIES = st.one_of(
    JSON,
    st.fixed_dictionaries({"messages": st.lists(st.fixed_dictionaries({"role": st.sampled_from(["user", "system", "assistant", ""]) | JSON, "content": JSON}), max_size=3)}, optional={"model": JSON, "stream": JSON, "filing": JSON}),
)


@FUZZ
@given(ANSWER_BODIES)
def test_the_answer_request_model_validates_or_says_why(body) -> None:
    from filingqa.app.api.routes import AnswerRequest

    try:
        request = AnswerRequest.model_validate(body)
    except ValidationError as exc:
        assert exc.errors()
        return
    assert 1 <= len(request.question) <= 2000 and request.question == request.question.strip() and request.question
    assert 1 <= len(request.filing) <= 200 and request.filing == request.filing.strip()


@FUZZ
@given(CHAT_BODIES)
def test_the_chat_request_model_validates_or_says_why(body) -> None:
    from filingqa.app.api.errors import ApiError
    from filingqa.app.api.openai_compat import ChatRequest, last_question

    try:
        request = ChatRequest.model_validate(body)
    except ValidationError as exc:
        assert exc.errors()
        return
    try:
        question = last_question(request)
    except ApiError as exc:
        assert exc.status_code == 422 and exc.error.startswith("invalid request")
        return
    assert question and question == question.strip()


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(body=st.one_of(ANSWER_BODIES, st.fixed_dictionaries({"question": st.text(min_size=1, max_size=200), "filing": st.just("SAMPLE")})))
def test_the_live_answer_endpoint_answers_every_body_with_json(rel_api: httpx.Client, rel_sample: str, body) -> None:
    if isinstance(body, dict) and body.get("filing") == "SAMPLE":
        body = {**body, "filing": rel_sample}
    r = rel_api.post("/v1/answer", json=body)
    assert r.status_code in (200, 404, 422), (body, r.status_code, r.text[:300])
    data = r.json()
    if r.status_code == 200:
        assert data["kind"] in ("figure", "derived", "narrative", "abstain")
    else:
        assert set(data) == {"error", "detail"}
