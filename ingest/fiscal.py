"""The filer's fiscal calendar, read from the filing itself.

"Second quarter of fiscal 2005" means different months for ImmunoGen (year ends June 30), Apple
(late September) and Buckle (around February 1). The calendar is read, in order of trust, from:
  0. the filer's XBRL cover tag dei:CurrentFiscalYearEndDate, when the filing is inline XBRL;
  1. the text naming a fiscal quarter or half together with its end date ("the three-month period
     ended December 31, 2004 - the second quarter ... of the Company's 2005 fiscal year");
  2. a "fiscal year ended/ending <date>" phrase, or an SGML header's FISCAL YEAR END (MMDD);
  3. a balance sheet's comparative column at the prior year-end (the instant that no duration
     column of the filing ends on).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from filingqa.ingest.model import Table
from filingqa.ingest.periods import find_dates

_ORDINAL = {"first": 1, "second": 2, "third": 3, "fourth": 4, "1st": 1, "2nd": 2, "3rd": 3, "4th": 4, "q1": 1, "q2": 2, "q3": 3, "q4": 4}
_ENDED = re.compile(r"\b(ended|ending|ends|end of|as of)\b[^.]{0,25}$", re.IGNORECASE)
_BARE_YEAR = re.compile(r"^\s*((?:19|20)\d{2})\s*(?:\(\w+\))?\s*$")
_BALANCE_SHEET = re.compile(r"balance sheets?|financial (?:position|condition)", re.IGNORECASE)
_FY_ENDED = re.compile(r"fiscal\s+year\s+end(?:ed|ing|s)?\s+(?:on\s+)?", re.IGNORECASE)
_SGML_FYE = re.compile(r"FISCAL YEAR END:\s*(\d{2})(\d{2})")
# "second quarter of fiscal 2005", "fiscal 2011 first quarter", "second quarter and first half ... 2005 fiscal year"
_FISCAL_QUARTER = re.compile(
    r"\b(?P<ord>first|second|third|fourth|1st|2nd|3rd|4th|q[1-4])\s+(?:fiscal\s+)?quarter\b[^.]{0,80}?\b(?:fiscal\s+(?:year\s+)?(?P<y1>(?:19|20)\d{2})|(?P<y2>(?:19|20)\d{2})\s+fiscal\s+year)"
    r"|\bfiscal\s+(?P<y3>(?:19|20)\d{2})\s+(?P<ord2>first|second|third|fourth)\s+quarter",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class FiscalCalendar:
    """When the filer's fiscal year ends, and how its fiscal years are named."""

    end_month: int = 12
    end_day: int = 31
    # Retailers whose year ends in late January/early February name the year by when it began.
    named_by_start: bool = False
    source: str = "default: calendar year"

    def year_end(self, fiscal_year: int) -> date:
        year = fiscal_year + 1 if self.named_by_start else fiscal_year
        day = min(self.end_day, 28) if self.end_month == 2 else self.end_day
        return date(year, self.end_month, day)

    def quarter_end(self, fiscal_year: int, quarter: int) -> date:
        """Approximate end of fiscal quarter `quarter` (52/53-week years drift by days)."""
        end = self.year_end(fiscal_year)
        return _add_months(end, -3 * (4 - quarter))

    def half_end(self, fiscal_year: int, half: int) -> date:
        return _add_months(self.year_end(fiscal_year), -6 * (2 - half))

    def key(self) -> str:
        return f"{self.end_month:02d}-{self.end_day:02d}"


def _add_months(d: date, months: int) -> date:
    month0 = d.month - 1 + months
    year = d.year + month0 // 12
    month = month0 % 12 + 1
    for day in (d.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    return date(year, month, 28)


def _calendar(month: int, day: int, source: str) -> FiscalCalendar:
    return FiscalCalendar(end_month=month, end_day=day, named_by_start=month in (1, 2) or (month == 3 and day <= 5), source=source)


def read_calendar(lines: list[str], tables: list[Table], dei_year_end: str | None = None) -> FiscalCalendar:
    if dei_year_end:
        # The filer's own dei:CurrentFiscalYearEndDate ('MM-DD') outranks anything read from prose.
        month, day = (int(x) for x in dei_year_end.split("-"))
        return _calendar(month, day, source="dei:CurrentFiscalYearEndDate")
    text = "\n".join(lines)
    flat = re.sub(r"\s+", " ", text)
    # 1. A named fiscal quarter next to the date it ended.
    for m in _FISCAL_QUARTER.finditer(flat):
        quarter = _ORDINAL[(m["ord"] or m["ord2"]).lower()]
        fiscal_year = int(m["y1"] or m["y2"] or m["y3"])
        window = flat[max(0, m.start() - 200) : m.end() + 120]
        # Only a date that ends a period can date the quarter, not the release date beside it.
        for d, start, _ in find_dates(window):
            if not _ENDED.search(window[max(0, start - 30) : start]):
                continue
            cal = _calendar(*_shift(d, 3 * (4 - quarter)), source=f"text: '{m.group(0)[:80]}'")
            if near(cal.quarter_end(fiscal_year, quarter), d):
                return cal
    # 2. "fiscal year ended June 30, 2004" or the SGML header.
    for m in _FY_ENDED.finditer(flat):
        dates = find_dates(flat[m.end() : m.end() + 40])
        if dates and dates[0][1] == 0:
            d = dates[0][0]
            return _calendar(d.month, d.day, source=f"text: '{m.group(0)}{d.isoformat()}'")
    m = _SGML_FYE.search(text)
    if m:
        return _calendar(int(m[1]), int(m[2]), source="SGML header FISCAL YEAR END")
    # 3. The balance sheet's comparative column: interim balance sheets compare the quarter's end
    # with the last fiscal year-end (not with the year-ago quarter, which some also show).
    for t in tables:
        if not _BALANCE_SHEET.search(t.title):
            continue
        dates = sorted({c.period_end for c in t.columns if c.months is None and c.period_end and c.kind == "value"})
        if len(dates) < 2:
            continue
        latest = dates[-1]
        for d in reversed(dates[:-1]):
            if not 300 <= (latest - d).days <= 430:
                return _calendar(d.month, d.day, source=f"balance sheet comparative column {d.isoformat()}")
    return FiscalCalendar()


def resolve_fiscal_columns(tables: list[Table], calendar: FiscalCalendar) -> None:
    """Date the columns headed "Q4 2022" or "FY 2022" by the filer's calendar.

    The calendar gives the end to within days (52/53-week years drift), so the date is snapped to
    a period end the filing prints elsewhere when one lies within ten days.
    """
    known = sorted({c.period_end for t in tables for c in t.columns if c.period_end})
    for t in tables:
        for c in t.columns:
            if not c.period_end and not c.fiscal_year and not c.months and c.kind == "value" and _BARE_YEAR.match(c.label):
                # A note's "1997  1996" columns: balances at those fiscal year-ends.
                c.fiscal_year = int(_BARE_YEAR.match(c.label)[1])
                approx = calendar.year_end(c.fiscal_year)
                close = [d for d in known if near(d, approx)]
                c.period_end = close[0] if close else approx
                continue
            if c.period_end or not c.fiscal_year:
                continue
            if c.fiscal_quarter:
                approx = calendar.quarter_end(c.fiscal_year, c.fiscal_quarter)
            elif c.months == 12:
                approx = calendar.year_end(c.fiscal_year)
            else:
                continue
            close = [d for d in known if near(d, approx)]
            c.period_end = min(close, key=lambda d: abs((d - approx).days)) if close else approx


def undate_future_years(tables: list[Table], reported_until: date) -> None:
    """A column headed by a bare year after the filing's attested period end ("2024  2025 ...
    Thereafter" in a 2023 10-K) is not a period the filing reports: it is the year a payment falls
    due in a maturity schedule, as of the balance-sheet date. Such columns keep their label (which
    names the year) but no period, so no question about fiscal 2024 finds them as its results."""
    for t in tables:
        for c in t.columns:
            if c.kind == "value" and c.months is None and c.weeks is None and c.period_end and _BARE_YEAR.match(c.label):
                if (c.period_end - reported_until).days > 10:
                    c.period_end, c.fiscal_year, c.fiscal_quarter = None, None, None


def _shift(d: date, months: int) -> tuple[int, int]:
    e = _add_months(d, months)
    return e.month, e.day


def near(a: date, b: date, days: int = 10) -> bool:
    return abs((a - b).days) <= days

