"""The period grammar: how headers, titles and questions spell reporting periods.

Worked examples (each pinned by a test):
    "Three Months Ended December 31, 2004"  -> months 3, ending 2004-12-31
    "13 weeks ended November 2, 2024"       -> months 3, weeks 13, ending 2024-11-02
    "Thirty-Nine Weeks Ended"               -> months 9, weeks 39
    "As of June 30, 2004"                   -> instant, 2004-06-30
    "Dec. 25, 2010"                         -> 2010-12-25
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

MONTHS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9,
    "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_MONTH_RE = r"(?P<month>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"

# "December 31, 2004", "Dec. 25, 2010", "November 2 2024", "December 31,\n2004" (joined by callers).
_DATE = re.compile(_MONTH_RE + r"\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?\s*,?\s*(?P<year>(?:19|20)\d{2})\b", re.IGNORECASE)
_ISO_DATE = re.compile(r"\b(?P<year>(?:19|20)\d{2})-(?P<month>\d{2})-(?P<day>\d{2})\b")
_US_DATE = re.compile(r"\b(?P<month>\d{1,2})/(?P<day>\d{1,2})/(?P<year>(?:19|20)?\d{2})\b")
# "December 31," with its year on another header line.
_MONTH_DAY = re.compile(_MONTH_RE + r"\s+(?P<day>\d{1,2})\b(?!\s*,?\s*(?:19|20)\d{2})", re.IGNORECASE)
_YEAR = re.compile(r"(?<![\d,.$])(?P<year>(?:19|20)\d{2})(?![\d,.%])")

_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "twenty-six": 26,
    "twenty six": 26, "thirty-nine": 39, "thirty nine": 39, "fifty-two": 52, "fifty two": 52,
    "fifty-three": 53, "fifty three": 53, "fourteen": 14, "twenty-seven": 27, "forty": 40,
}  # fmt: skip
_COUNT = r"(?P<count>\d{1,2}|" + "|".join(sorted(map(re.escape, _NUMBER_WORDS), key=len, reverse=True)) + r")"
_MONTHS_SPAN = re.compile(_COUNT + r"[\s-]*months?\b", re.IGNORECASE)
_WEEKS_SPAN = re.compile(_COUNT + r"[\s-]*weeks?\b", re.IGNORECASE)
_QUARTER = re.compile(r"\b(quarters?|qtrs?\.?|q[1-4])\b(?!\s*-?\s*to\s*-?\s*date)", re.IGNORECASE)
_HALF = re.compile(r"\b(first|second|1st|2nd)\s+half\b|\bh[12]\b|\bhalf[\s-]year\b", re.IGNORECASE)
_YEAR_SPAN = re.compile(r"\b(years?\s+ended|year\s+ending|full[\s-]+(?:fiscal\s+)?year|fiscal\s+years?\s+ended|annual|for\s+the\s+(?:full\s+|fiscal\s+)?year\b(?!\s+(?:ended|ending)))", re.IGNORECASE)


@dataclass(frozen=True)
class Duration:
    months: int
    weeks: int | None = None


def make_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def find_dates(text: str) -> list[tuple[date, int, int]]:
    """Every full date the text spells, with its span, in order."""
    found: list[tuple[date, int, int]] = []
    for m in _DATE.finditer(text):
        d = make_date(int(m["year"]), MONTHS[m["month"].lower().rstrip(".")], int(m["day"]))
        if d:
            found.append((d, m.start(), m.end()))
    for m in _ISO_DATE.finditer(text):
        d = make_date(int(m["year"]), int(m["month"]), int(m["day"]))
        if d:
            found.append((d, m.start(), m.end()))
    for m in _US_DATE.finditer(text):
        year = int(m["year"])
        year = year + 2000 if year < 50 else year + 1900 if year < 100 else year
        d = make_date(year, int(m["month"]), int(m["day"]))
        if d:
            found.append((d, m.start(), m.end()))
    found.sort(key=lambda t: t[1])
    return found


def parse_date(text: str) -> date | None:
    dates = find_dates(text)
    return dates[0][0] if dates else None


def find_month_days(text: str) -> list[tuple[int, int]]:
    """(month, day) pairs spelled without a year: "December 31," over a row of years."""
    out = []
    for m in _MONTH_DAY.finditer(text):
        out.append((MONTHS[m["month"].lower().rstrip(".")], int(m["day"])))
    return out


def find_years(text: str) -> list[int]:
    """Standalone four-digit years (not part of an amount such as 2,004 or 2004.5)."""
    return [int(m["year"]) for m in _YEAR.finditer(text)]


def _count(word: str) -> int:
    word = word.lower()
    return int(word) if word.isdigit() else _NUMBER_WORDS[word]


def find_durations(text: str) -> list[Duration]:
    """Every duration the text names, in order: "three and six months" gives 3 then 6."""
    found: list[tuple[int, Duration]] = []
    for m in _WEEKS_SPAN.finditer(text):
        weeks = _count(m["count"])
        found.append((m.start(), Duration(months=round(weeks / 13 * 3), weeks=weeks)))
    for m in _MONTHS_SPAN.finditer(text):
        found.append((m.start(), Duration(months=_count(m["count"]))))
    # "three and six months ended": the first count has no unit of its own.
    for m in re.finditer(_COUNT + r"\s*(?:and|&|-|,)\s*" + _COUNT.replace("count", "count2") + r"[\s-]*(months?|weeks?)\b", text, re.IGNORECASE):
        first = _count(m["count"])
        unit = m.group(m.lastindex).lower()
        dur = Duration(months=round(first / 13 * 3), weeks=first) if unit.startswith("week") else Duration(months=first)
        found.append((m.start(), dur))
    for m in _QUARTER.finditer(text):
        found.append((m.start(), Duration(months=3)))
    for m in _HALF.finditer(text):
        found.append((m.start(), Duration(months=6)))
    for m in _YEAR_SPAN.finditer(text):
        found.append((m.start(), Duration(months=12)))
    found.sort(key=lambda t: t[0])
    # A phrase like "13 weeks ... quarter" names one duration twice: keep the first per position run.
    out: list[Duration] = []
    last_end = -10
    for pos, dur in found:
        if out and pos - last_end < 3 and out[-1].months == dur.months:
            continue
        out.append(dur)
        last_end = pos
    return out
