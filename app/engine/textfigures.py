"""Figures that only the text states: "cash used in operating activities was $62,000".

Worked examples (pinned by tests):
    "$62,000"                       -> 62000, units, USD
    "$12.0 million"                 -> 12.0, millions, USD
    "16.24 million iPhones"         -> 16.24, millions, number
    "$457,000 and $353,000, respectively" for 2004 and 2003 -> the first for 2004
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from filingqa.ingest.model import Scale, Unit
from filingqa.ingest.periods import find_years

_AMOUNT = re.compile(
    r"(?P<neg>\()?(?P<cur>\$)\s?(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(?:\s*(?P<scale>thousand|million|billion)s?\b)?\)?"
    r"|(?<![\w$.,])(?P<num2>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)\s*(?P<pct>%|percent\b)"
    r"|(?<![\w$.,])(?P<num3>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)\s+(?P<scale3>thousand|million|billion)s?\b",
    re.IGNORECASE,
)
_SCALES = {"thousand": Scale.THOUSANDS, "million": Scale.MILLIONS, "billion": Scale.BILLIONS}


@dataclass
class TextAmount:
    value: float
    scale: Scale
    unit: Unit
    start: int
    end: int
    text: str


def amounts_in(text: str) -> list[TextAmount]:
    out = []
    for m in _AMOUNT.finditer(text):
        if m["num"] is not None:
            value = float(m["num"].replace(",", ""))
            scale = _SCALES[m["scale"].lower()] if m["scale"] else Scale.UNITS
            if m["neg"] and m.group(0).endswith(")"):
                value = -value
            unit = Unit.USD
        elif m["num2"] is not None:
            value, scale, unit = float(m["num2"].replace(",", "")), Scale.UNITS, Unit.PERCENT
        else:
            value = float(m["num3"].replace(",", ""))
            scale, unit = _SCALES[m["scale3"].lower()], Unit.NUMBER
        out.append(TextAmount(value, scale, unit, m.start(), m.end(), m.group(0).strip()))
    return out


def pick_amount(sentence: str, keywords: list[str], year: int | None, unit: Unit | None) -> TextAmount | None:
    """The amount the question asks for: by "respectively" order when the sentence pairs amounts
    with years, else the amount nearest after the question's words."""
    amounts = [a for a in amounts_in(sentence) if unit is None or a.unit == unit or (unit == Unit.USD and a.unit == Unit.USD)]
    if not amounts:
        return None
    lower = sentence.lower()
    resp = lower.find("respectively")
    if resp > 0 and year is not None:
        group = [a for a in amounts if a.end <= resp]
        years = list(dict.fromkeys(y for y in find_years(sentence[:resp]) if not any(a.start <= sentence.find(str(y)) < a.end for a in group)))
        group = group[-len(years):] if years and len(group) >= len(years) else group
        if year in years and len(group) == len(years):
            return group[years.index(year)]
    positions = [m.end() for w in keywords for m in re.finditer(re.escape(w[:5]), lower)]
    if not positions:
        return amounts[0]
    anchor = max(positions) if len(positions) < 4 else sorted(positions)[len(positions) // 2]

    def distance(a: TextAmount) -> float:
        d = a.start - anchor
        return d if d >= 0 else -d * 1.5  # amounts after the words are more often theirs

    return min(amounts, key=distance)
