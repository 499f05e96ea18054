"""Scoring one answer against one question: the pass rules of FORMAT.md, and nothing looser.

Four outcomes, because they call for different fixes: a `wrong_figure` is a number stated as fact that is
not the filing's (the failure that matters most); `abstained` is a refusal where the filing has the answer;
`missed` is an answer without the expected content (no figure, or none of the narrative strings).
"""

from __future__ import annotations

import math
import re
import unicodedata
from enum import Enum

from filingqa.app.engine.model import Answer, Figure
from filingqa.app.evaluation.evalset import SCALES, DerivedExpect, EvalQuestion, FigureExpect

# Only float noise is forgiven when no tolerance is given: 9047 thousands vs 9047000.0000000001 units.
_REL_EPS = 1e-9

# Words by which a question itself names a negative direction; then the magnitude alone also passes.
# "used" counts only about cash ("cash used", "used in investing activities"), not "shares used in computing EPS".
_DIRECTION = re.compile(
    r"\b(?:loss(?:es)?|decrease[ds]?|decline[ds]?|outflows?|paid|pay(?:s|ing)?|payments?|"
    r"purchase[ds]?|repurchase[ds]?|spen[dt]|spending|spends)\b"
    r"|\bcash\s+(?:\w+\s+){0,3}used\b|\bused\s+(?:in|by|for)\s+(?:\w+\s+){0,2}activities\b",
    re.IGNORECASE,
)
# Labels that name both directions ("net income (loss)", "income or loss", "increase (decrease)",
# "(gain) loss") leave the sign open, so they are removed before looking for a direction word.
_NEUTRAL = re.compile(
    r"\(?\b(?:income|earnings|gains?|profits?|increase[ds]?|inc)\b\)?\s*(?:/|\bor\b|\band\b)?\s*"
    r"\(?\s*\b(?:loss(?:es)?|decrease[ds]?|dec)\b\s*\)?"
    r"|\(?\b(?:loss(?:es)?|decrease[ds]?)\b\)?\s*(?:/|\bor\b|\band\b)?\s*\(?\s*\b(?:income|earnings|gains?|profits?|increase[ds]?)\b\s*\)?",
    re.IGNORECASE,
)
_SPACES = re.compile(r"\s+")

_UNIT_ALIASES: dict[str, str] = {
    "%": "percent",
    "pct": "percent",
    "percentage": "percent",
    "$": "usd",
    "us$": "usd",
    "dollars": "usd",
    "usd per share": "usd/share",
    "$/share": "usd/share",
    "$ per share": "usd/share",
    "dollars per share": "usd/share",
    "share": "shares",
}


class Outcome(str, Enum):
    PASS = "pass"
    WRONG_FIGURE = "wrong_figure"
    ABSTAINED = "abstained"
    MISSED = "missed"


def names_direction(question: str) -> bool:
    """True when the question says which way the amount goes (a loss, cash used, a decrease, an outflow)."""
    return _DIRECTION.search(_NEUTRAL.sub(" ", question)) is not None


def _unit(unit: str) -> str:
    key = _SPACES.sub(" ", unit.strip().casefold())
    return _UNIT_ALIASES.get(key, key)


def _text(text: str) -> str:
    """Case-, width- and spacing-insensitive form for substring tests (NBSP from HTML filings is a space)."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", text).casefold()).strip()


def tolerance_of(expect: FigureExpect | DerivedExpect) -> float:
    """Absolute tolerance in the expectation's own scale.

    A figure is exact unless told otherwise. A derived value without a tolerance may differ by half a
    unit of the last decimal place it is written with (38.5 -> 0.05, 59707 -> 0.5): that is what
    rounding the computed value to the written precision allows.
    """
    if expect.tolerance is not None:
        return expect.tolerance
    if isinstance(expect, FigureExpect):
        return 0.0
    return 0.5 * 10.0 ** (-expect.places)


def figure_matches(question: EvalQuestion, figure: Figure) -> bool:
    """The figure, multiplied out by its scale, equals the expected number × scale within tolerance × scale."""
    expect = question.expect
    assert isinstance(expect, (FigureExpect, DerivedExpect))
    if _unit(figure.unit) != _unit(expect.unit):
        return False
    got_factor = SCALES.get(figure.scale.strip().casefold())
    if got_factor is None or not math.isfinite(figure.value):
        return False
    want_factor = SCALES[expect.scale or "units"]
    got, want = figure.value * got_factor, expect.number * want_factor
    if names_direction(question.question):
        got, want = abs(got), abs(want)
    allowed = tolerance_of(expect) * want_factor + _REL_EPS * max(abs(got), abs(want))
    return abs(got - want) <= allowed


def score(question: EvalQuestion, answer: Answer) -> Outcome:
    """Score one answer by the rule for the question's kind."""
    if question.kind == "unanswerable":
        if answer.figures:
            return Outcome.WRONG_FIGURE
        return Outcome.PASS if answer.abstained else Outcome.MISSED
    if answer.abstained:
        return Outcome.ABSTAINED
    if question.kind == "narrative":
        text = _text(answer.answer)
        wanted = question.expect.any_of  # type: ignore[union-attr]
        return Outcome.PASS if any(_text(s) in text for s in wanted) else Outcome.MISSED
    if not answer.figures:
        return Outcome.MISSED
    return Outcome.PASS if figure_matches(question, answer.figures[0]) else Outcome.WRONG_FIGURE


def _number(value: float) -> str:
    return f"{int(value):,}" if float(value).is_integer() else f"{value:,}"


def _clip(text: str, width: int = 80) -> str:
    text = _SPACES.sub(" ", text).strip()
    return text if len(text) <= width else text[: width - 1] + "…"


def _expected(question: EvalQuestion) -> str:
    expect = question.expect
    if isinstance(expect, (FigureExpect, DerivedExpect)):
        tol = tolerance_of(expect)
        scale = expect.scale or "units"
        within = f" ±{_number(tol)}" if tol else ""
        sign = " (either sign)" if names_direction(question.question) else ""
        return f"{_number(expect.number)}{within} {scale} {expect.unit}{sign}"
    if question.kind == "narrative":
        return "one of " + ", ".join(repr(s) for s in expect.any_of)  # type: ignore[union-attr]
    return "an abstention and no figure"


def _got(question: EvalQuestion, answer: Answer) -> str:
    if answer.figures and question.kind != "narrative":
        fig = answer.figures[0]
        return f"{_number(fig.value)} {fig.scale} {fig.unit} ({_clip(fig.label, 40)})"
    if answer.abstained:
        prefix = "abstained: "
    elif question.kind in ("figure", "derived"):
        prefix = "no figure: "
    else:
        prefix = ""
    return f"{prefix}{_clip(answer.answer)!r}"


def describe(question: EvalQuestion, answer: Answer) -> str:
    """One line for a report: what the set expected and what the answer gave."""
    return f"expected {_expected(question)}; got {_got(question, answer)}"
