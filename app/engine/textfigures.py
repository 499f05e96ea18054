"""Figures that only the text states: "cash used in operating activities was $62,000".

Worked examples (pinned by tests):
    "$62,000"                       -> 62000, units, USD
    "$12.0 million"                 -> 12.0, millions, USD
    "$0.67 per share"               -> 0.67, units, USD/share
    "16.24 million iPhones"         -> 16.24, millions, number
    "445 stores"                    -> 445, units, number (a count of the noun that follows)
    "$457,000 and $353,000, respectively" for 2004 and 2003 -> the first for 2004
    "50,773,796 shares at November 2, 2024, 50,445,186 shares at February 3, 2024" -> by the date
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import date

from filingqa.app.engine.vocabulary import stem
from filingqa.ingest.model import Scale, Unit
from filingqa.ingest.periods import find_dates, find_years

_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_AMOUNT = re.compile(
    rf"(?P<neg>\()?(?P<cur>\\?\$)\s?(?P<neg2>\()?(?P<num>{_NUM})(?:\s*(?P<scale>thousand|million|billion)s?\b)?\)?(?P<per>\s*(?:per|a)\s+(?:diluted\s+|basic\s+|common\s+)*share)?"
    rf"|(?<![\w$.,])(?P<num2>{_NUM})\s*(?P<pct>%|percent\b)"
    rf"|(?<![\w$.,])(?P<num3>{_NUM})\s+(?P<scale3>thousand|million|billion)s?\b(?:\s+(?P<noun3>[a-z][\w-]*))?"
    rf"|(?P<noun5>[a-z][\w-]*)\s+count\s+of\s+(?P<num5>{_NUM})"
    rf"|(?<![\w$.,/-])(?P<num4>{_NUM})(?![\w.,/-]|\s*(?:%|percent))(?:\s+(?P<noun4>(?:[a-z][\w-]*\s+){{0,2}}[a-z][\w-]*))?",
    re.IGNORECASE,
)
_SHARE = stem("shares")
_FROM_TO = re.compile(r"\bfrom\s+\(?\\?\$?\s?\(?[\d.,]+\)?(?:\s*(?:thousand|million|billion))?\s+(?:in\s+\w+\s+)?to\s+\(?\\?\$?\s?\(?[\d.,]+\)?", re.IGNORECASE)
_CHANGE_BEFORE = re.compile(r"\b(climbed|rose|increased|decreased|declined|fell|grew|improved|dropped|up|down|increase of|decrease of|change of|growth of|by)\s*(?:by\s*)?(?:approximately\s*|about\s*)?$")
_SCALES = {"thousand": Scale.THOUSANDS, "million": Scale.MILLIONS, "billion": Scale.BILLIONS}


@dataclass
class TextAmount:
    value: float
    scale: Scale
    unit: Unit
    start: int
    end: int
    text: str
    nouns: tuple[str, ...] = ()  # for counts: the words after the number ("retail stores")


def amounts_in(text: str) -> list[TextAmount]:
    out = []
    for m in _AMOUNT.finditer(text):
        if m["num"] is not None:
            value = float(m["num"].replace(",", ""))
            scale = _SCALES[m["scale"].lower()] if m["scale"] else Scale.UNITS
            if (m["neg"] or m["neg2"]) and m.group(0).rstrip().endswith(")"):
                value = -value
            unit = Unit.USD_PER_SHARE if m["per"] else Unit.USD
            out.append(TextAmount(value, scale, unit, m.start(), m.end(), m.group(0).strip()))
        elif m["num2"] is not None:
            out.append(TextAmount(float(m["num2"].replace(",", "")), Scale.UNITS, Unit.PERCENT, m.start(), m.end(), m.group(0).strip()))
        elif m["num3"] is not None:
            nouns = (stem(m["noun3"].lower()),) if m["noun3"] else ()
            out.append(TextAmount(float(m["num3"].replace(",", "")), _SCALES[m["scale3"].lower()], Unit.NUMBER, m.start(), m.end(), m.group(0).strip(), nouns))
        elif m["num5"] is not None:
            nouns = (stem(m["noun5"].lower()),)
            out.append(TextAmount(float(m["num5"].replace(",", "")), Scale.UNITS, Unit.NUMBER, m.start("num5"), m.end(), m.group("num5"), nouns))
        else:
            nouns = tuple(stem(w) for w in (m["noun4"] or "").lower().split())
            if not nouns or _is_year(m["num4"]):
                continue  # a bare number names a count only with its noun ("445 stores"); never a year
            unit = Unit.SHARES if nouns[0] == _SHARE else Unit.NUMBER
            out.append(TextAmount(float(m["num4"].replace(",", "")), Scale.UNITS, unit, m.start(), m.end(), m.group(0).strip(), nouns))
    return out


def _is_year(text: str) -> bool:
    return bool(re.fullmatch(r"(19|20)\d{2}", text))


def pick_amount(
    sentence: str, keywords: list[str], year: int | None, unit: Unit | None, when: date | None = None, asks_change: bool = False, current_year: int | None = None,
    when_days: int = 0,
) -> TextAmount | None:
    """The amount the question asks for.

    Candidates are those of the asked unit: a count's noun must be one the question names; with
    no unit asked, dollar amounts come before percentages and per-share amounts. Among them: the
    one a stated date or "respectively" pairs with the asked period, else the one nearest the
    asked year's mention, else the one nearest the question's rarest word (`keywords` come
    rarest first).
    """
    found = amounts_in(sentence)
    wanted = set(keywords)
    if unit == Unit.NUMBER:
        amounts = [a for a in found if a.unit == Unit.NUMBER and wanted & set(a.nouns)]
        amounts += [a for a in found if a.unit == Unit.SHARES]
    elif unit == Unit.USD_PER_SHARE:
        # "loss per share improved from $(1.80) to $(0.42)": the sentence names the per-share item
        # before its amounts; small dollar amounts there are per share.
        amounts = [a for a in found if a.unit == unit] or [
            dataclasses.replace(a, unit=Unit.USD_PER_SHARE) for a in found if a.unit == Unit.USD and a.scale == Scale.UNITS and abs(a.value) < 1000
        ]
    elif unit is not None:
        amounts = [a for a in found if a.unit == unit]
    else:
        amounts = [a for a in found if a.unit == Unit.USD] or [a for a in found if a.unit == Unit.NUMBER and wanted & set(a.nouns)]
    if not amounts:
        return None
    lower = sentence.lower()
    if when is not None:
        # "50,773,796 shares at November 2, 2024, 50,445,186 shares at February 3, 2024": the
        # amount just before the asked date (the nearest the sentence names, within `when_days`:
        # a fiscal year-end asked by name is known to within a 52/53-week year's drift).
        dated = sorted((abs((d - when).days), start) for d, start, _ in find_dates(sentence) if abs((d - when).days) <= when_days)
        for _, start in dated[:1]:
            before = [a for a in amounts if a.start < start and start - a.start < 60]
            if before:
                return before[-1]
    resp = lower.find("respectively")
    if resp > 0 and year is not None:
        group = [a for a in amounts if a.end <= resp]
        years = list(dict.fromkeys(y for y in find_years(sentence[:resp]) if not any(a.start <= sentence.find(str(y)) < a.end for a in group)))
        group = group[-len(years):] if years and len(group) >= len(years) else group
        if year in years and len(group) == len(years):
            return group[years.index(year)]
    if not asks_change:
        # "climbed $411", "an increase of $720": a change, not the level asked for.
        levels = [a for a in amounts if not _CHANGE_BEFORE.search(lower[max(0, a.start - 25) : a.start])]
        amounts = levels or amounts
    if year is not None:
        # "$0.39 ... in the 2018 second quarter compared with $0.40 ... in the 2017 second
        # quarter": the amount told of the asked year is the one nearest its mention.
        asked = [m.start() for m in re.finditer(str(year), sentence)]
        # Only when another year is told with its own amount is the sentence a comparison.
        others = [
            m.start()
            for m in re.finditer(r"(?<!\d)(?:19|20)\d{2}(?!\d)", sentence)
            if m.group(0) != str(year) and any(0 <= m.start() - a.end <= 40 for a in amounts)
        ]
        if asked and others:
            return min(amounts, key=lambda a: min(abs(p - a.end) for p in asked))
    if year is not None and current_year is not None and year in (current_year, current_year - 1):
        # "improved from $(1.80) to $(0.42)" in a release about `current_year`: the "to" amount
        # is the current year's, the "from" amount the year before.
        m = _FROM_TO.search(sentence)
        if m:
            pair = [a for a in amounts if m.start() <= a.start < m.end()]
            if len(pair) >= 2:
                return pair[-1] if year == current_year else pair[0]
    anchors: list[int] = []
    for w in keywords:  # the rarest of the question's words that the sentence says
        anchors = [m.start() for m in re.finditer(re.escape(w[:5]), lower)]
        if anchors:
            break
    if not anchors:
        return amounts[0]

    def distance(a: TextAmount) -> float:
        # Nearest to the question's rarest word, either side ("$605 of unscheduled payments",
        # "cash used in operating activities was $62,000").
        return min(abs(a.start - p) if a.start >= p else abs(p - a.end) * 1.2 for p in anchors)

    return min(amounts, key=distance)
