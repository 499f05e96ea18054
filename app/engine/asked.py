"""The form a question asks its answer in: a scale ("answer in USD billions"), decimal places
("rounded to two decimal places"), percent or ratio.

The figure itself stays exact: a conversion between scales is a power of ten, done in Decimal, so
8,738 million is 8.738 billion exactly; rounding is only for the text a person reads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from filingqa.ingest.model import Scale

_SCALE_WORD = {"thousand": Scale.THOUSANDS, "thousands": Scale.THOUSANDS, "million": Scale.MILLIONS, "millions": Scale.MILLIONS,
               "billion": Scale.BILLIONS, "billions": Scale.BILLIONS, "mn": Scale.MILLIONS, "bn": Scale.BILLIONS, "k": Scale.THOUSANDS}
# "in millions", "in USD billions", "in $ millions", "in billions of dollars", "answer in US$ thousands", "(in millions)"
_SCALE = re.compile(
    r"\bin\s+(?:units\s+of\s+)?(?:(?:usd|us\$|\$|u\.s\.\s+dollars?|dollars?)\s*)?(?P<w>thousands?|millions?|billions?|mn|bn)\b(?!\s+(?:of\s+)?(?:square|shares|units|barrels|tons|customers|employees|people|feet|sq))",
    re.IGNORECASE,
)
_NUMBER_WORDS = {"zero": 0, "no": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
_PLACES = re.compile(r"\b(?:round(?:ed)?|to)\s+(?:your\s+answer\s+)?(?:to\s+)?(?:the\s+nearest\s+)?(?P<n>\d|zero|no|one|two|three|four|five|six)\s+decimal(?:\s+places?|\s+points?)?\b", re.IGNORECASE)
_WHOLE = re.compile(r"\bround(?:ed)?\s+to\s+(?:the\s+nearest\s+)?(?:whole\s+(?:number|dollar)|integer)\b", re.IGNORECASE)
_PERCENT = re.compile(r"\bin\s+(?:units\s+of\s+)?percent(?:s|age)?\b|\bas\s+a\s+percent(?:age)?\b|\bin\s+%|\bpercent(?:age)?\b|%", re.IGNORECASE)


# Instructions about the answer's form, which name no line item: taken out before the question's
# words are matched to rows ("Answer in USD billions, rounded to two decimal places").
_INSTRUCTIONS = re.compile(
    r"(?:please\s+)?(?:answer|respond|give\s+(?:the|your)\s+answer|express\s+(?:it|the\s+answer|your\s+answer|the\s+result))\s+(?:in|as|to)\b[^.?;]*"
    r"|,?\s*(?:and\s+)?round(?:ed|ing)?\s+(?:your\s+answer\s+|it\s+|the\s+(?:answer|result)\s+)?(?:to|off)\b[^.?;,]*"
    r"|,?\s*(?:to|with)\s+(?:\d|zero|no|one|two|three|four)\s+decimal(?:\s+places?|\s+points?)?"
    r"|\bin\s+(?:units\s+of\s+)?percents?(?:age)?\b|\bin\s+%",
    re.IGNORECASE,
)


def without_instructions(question: str) -> str:
    """The question less what it says about the answer's form (scale, rounding, percent)."""
    text = _INSTRUCTIONS.sub(" ", question)
    return _SCALE.sub(" ", text)


@dataclass(frozen=True)
class AskedForm:
    scale: Scale | None = None  # the scale money (or counts) should be given in
    places: int | None = None  # decimal places for the text
    percent: bool = False  # a ratio asked as a percentage


def read_form(question: str) -> AskedForm:
    m = _SCALE.search(question)
    scale = _SCALE_WORD[m["w"].lower()] if m else None
    places = None
    p = _PLACES.search(question)
    if p:
        n = p["n"].lower()
        places = int(n) if n.isdigit() else _NUMBER_WORDS[n]
    elif _WHOLE.search(question):
        places = 0
    return AskedForm(scale=scale, places=places, percent=bool(_PERCENT.search(question)))


def convert(value: float | Decimal, from_scale: Scale, to_scale: Scale) -> Decimal:
    """The same amount in another scale, exactly (a power of ten)."""
    return Decimal(str(value)) * Decimal(from_scale.factor) / Decimal(to_scale.factor)


def rounded(value: Decimal, places: int | None) -> Decimal:
    if places is None:
        return value
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def plain_number(value: Decimal) -> str:
    """A Decimal with thousands separators and no exponent or trailing zeros of its own making."""
    text = format(value.normalize(), "f") if value == value.to_integral() or "E" in str(value.normalize()) else format(value, "f")
    whole, _, frac = text.partition(".")
    sign = "-" if whole.startswith("-") else ""
    whole = whole.lstrip("-")
    return f"{sign}{int(whole):,}" + (f".{frac}" if frac else "")
