"""Read a question: what kind it is, which period it means, and what unit it expects.

Periods are resolved in the filer's own fiscal calendar: "fiscal 2005 second quarter" is a window
around a date computed from the calendar `ingest.fiscal` read from the filing, and then matched to
the columns the filing actually has.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from filingqa.ingest.fiscal import FiscalCalendar, near
from filingqa.ingest.model import Period, Unit
from filingqa.ingest.periods import MONTHS, find_dates, find_durations

_ORD = {"first": 1, "second": 2, "third": 3, "fourth": 4, "1st": 1, "2nd": 2, "3rd": 3, "4th": 4}
_Q_FY = re.compile(
    r"\b(?:q(?P<q>[1-4])|(?P<ord>first|second|third|fourth|1st|2nd|3rd|4th)[\s-]+(?:fiscal\s+)?quarter)\b"
    r"(?:\s+(?:of\s+)?(?:(?:fiscal|fy)\s*(?:year\s+)?)?'?(?P<y>(?:19|20)\d{2})\b|\s+(?:of\s+)?(?:the\s+)?(?:\w+'s\s+)?(?P<y2>(?:19|20)\d{2})\s+fiscal\s+year)?",
    re.IGNORECASE,
)
_FY_Q = re.compile(r"\b(?:fiscal|fy)\s*'?(?P<y>(?:19|20)\d{2})\s+(?:(?P<ord>first|second|third|fourth)\s+quarter|q(?P<q>[1-4]))", re.IGNORECASE)
_HALF_FY = re.compile(
    r"\b(?P<ord>first|second)\s+half\s+(?:of\s+)?(?:the\s+)?(?:\w+'s\s+)?(?:(?:fiscal|fy)\s*(?:year\s+)?)?(?P<y>(?:19|20)\d{2})?(?:\s+fiscal\s+year)?",
    re.IGNORECASE,
)
_FIRST_N_WEEKS = re.compile(
    r"\bfirst\s+(?P<n>\d+|thirteen|twenty-six|thirty-nine|twenty six|thirty nine)\s+weeks\s+of\s+(?:fiscal\s+)?(?P<y>(?:19|20)\d{2})", re.IGNORECASE
)
_MONTH_YEAR = re.compile(r"\b(?P<m>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?\s+(?P<y>(?:19|20)\d{2})\b", re.IGNORECASE)
# "fiscal 2018", "FY2018", "FY18", "FY '18", "the 2018 fiscal year", "fiscal year end 2004"
_FISCAL_YEAR = re.compile(
    r"\b(?:fiscal(?:\s+year)?|fy)\s*'?(?P<y>(?:19|20)\d{2})\b|\bfy\s*'?(?P<yy>\d{2})\b|\b(?P<y2>(?:19|20)\d{2})\s+fiscal\s+year\b"
    r"|\bfiscal\s+year[\s-]end(?:ed|ing)?\s+(?P<y3>(?:19|20)\d{2})\b",
    re.IGNORECASE,
)
_YEAR = re.compile(r"(?<![\d,.$])(?P<y>(?:19|20)\d{2})(?![\d,.%])")
_PRIOR = re.compile(
    r"\b(year[\s-]ago|(?:prior|previous|preceding|last)[\s-](?:fiscal[\s-])?year|a year (?:earlier|before)|year[\s-]earlier"
    r"|same (?:quarter|period) (?:of |in )?(?:the )?(?:prior|previous|last) (?:fiscal )?year)\b",
    re.IGNORECASE,
)
# "at the end of fiscal 2019", "year end FY2018", "fiscal year-end 2004": the balance at the year's close.
_AT_YEAR_END = re.compile(r"\b(?:end|close)\s+of\s+(?:the\s+)?(?:fiscal|fy)|\byear[\s-]end\b|\bfiscal\s+year[\s-]end", re.IGNORECASE)
_INSTANT = re.compile(r"\b(as of|at|balance|on hand|hold|held|outstanding at|end of)\b", re.IGNORECASE)
_INSTANT_STRONG = re.compile(r"\b(at the end of|as of|balance at|on hand|(?:hold|held|have|had) at|outstanding at|at (?:the )?(?:fiscal )?(?:year|quarter)[\s-]end)\b", re.IGNORECASE)
_YEAR_END = re.compile(r"\b(?:fiscal\s+)?year[\s-]end\b", re.IGNORECASE)
_FULL_YEAR = re.compile(r"\b(full[\s-]+(?:fiscal\s+)?year|fiscal\s+year\s+ended|year\s+ended|twelve\s+months|annual|for\s+the\s+year)\b", re.IGNORECASE)
_YTD = re.compile(r"\byear[\s-]to[\s-]date\b", re.IGNORECASE)

_PER_SHARE = re.compile(r"per[\s-]share|\beps\b|earnings per", re.IGNORECASE)
_SHARES = re.compile(r"\bhow many\b[^?]*\bshares\b|\bshares\b[^?]*\b(outstanding|used|weighted|issued)\b|\bweighted[\s-]average\b[^?]*\bshares\b|\bshare count\b", re.IGNORECASE)
_MONEY = re.compile(r"\b(revenues?|sales|income|profits?|net earnings|earnings(?! per)|expenses?|costs?|cash|assets|liabilities|debt|equity|dividends paid|spend|spent|paid|pay)\b|\$", re.IGNORECASE)
_PERCENT = re.compile(r"\bpercent|percentage|%|\bmargin\b|\brate\b|\bgrowth\b(?!.*\bin dollars\b)", re.IGNORECASE)

# A computation is asked for by its form ("by how much did X grow", "what was the change in X",
# "X as a percentage of Y"); a label that merely contains "change" ("cumulative effect of change in
# accounting principle") asks for nothing to be computed.
_DERIVED = re.compile(
    r"\b(grow|grew|growth rate|percent(?:age)?\s+(?:change|increase|decrease|decline)|by what percent(?:age)?|by how much did|how much did [^?]* (?:increase|decrease|change|grow|decline)|"
    r"what was the (?:dollar |percentage |net )?(?:change|increase|decrease) in|(?:increase|decrease|change)d? (?:between|from)|year[\s-]over[\s-]year|"
    r"margin|as a percentage of|divided by|ratio|effective tax rate|combined|plus|minus|sum of|difference between|working capital)\b",
    re.IGNORECASE,
)
_AMOUNT_ASKED = re.compile(
    r"\b(how much|how many|how large|what (?:was|were|did)\b(?![^?]*\b(?:date|time|name|address|effort|reason|purpose)\b)|what amount|what (?:basic|diluted)\b)"
    r"|^\s*what\s+(?:\w+\s+){0,3}(?:dividends?|revenues?|sales|income|earnings|eps|price|margin|expenses?|costs?|cash|debt|assets|liabilities|per[\s-]share)\b",
    re.IGNORECASE,
)
_HOW_MUCH = re.compile(r"\b(how much|how many|by how much|by roughly how much)\b", re.IGNORECASE)
_FORWARD = re.compile(r"\b(guide|guided|guidance|outlook|forecast|expects?|expected|anticipate[sd]?|target)\b", re.IGNORECASE)
_NARRATIVE = re.compile(
    r"\b(?:on|at|by) what date\b|^\s*(who|whom|where|which|when|why|name\b|describe|explain|list)\b|\b(what is the (?:name|address|date|telephone|phone|passcode)|what time|at what time|what (?:internal|effort|state)|in which|what .* (?:guide|guidance|expect|outlook|forecast))\b",
    re.IGNORECASE,
)


@dataclass
class PeriodQuery:
    """What the question says about the period. Any field may be unknown."""

    exact: list[date] = field(default_factory=list)  # explicit dates, in order of mention
    window: date | None = None  # an approximate period end from the fiscal calendar (±14 days)
    month_year: tuple[int, int] | None = None
    year: int | None = None  # a calendar or fiscal year with nothing finer
    fiscal_year: int | None = None
    months: int | None = None
    weeks: int | None = None
    prior: bool = False  # "year-ago", "prior-year": the comparative of the current period
    instant: bool = False
    year_end: bool = False

    @property
    def empty(self) -> bool:
        return not (self.exact or self.window or self.month_year or self.year or self.fiscal_year or self.months or self.prior)

    def describe(self) -> str:
        bits = []
        if self.months:
            bits.append(f"{self.months} months")
        if self.exact:
            bits.append("ended " + ", ".join(d.isoformat() for d in self.exact))
        elif self.window:
            bits.append(f"ending near {self.window.isoformat()}")
        elif self.month_year:
            bits.append(f"ending {self.month_year[1]}-{self.month_year[0]:02d}")
        elif self.year:
            bits.append(f"in {self.year}")
        if self.prior:
            bits.append("prior-year comparative")
        return ", ".join(bits) or "unspecified period"


@dataclass
class QuestionAnalysis:
    text: str
    kind: str  # figure | derived | narrative (unanswerable is only known after looking)
    period: PeriodQuery
    unit: Unit | None
    wants_change_column: bool = False


def analyse(question: str, calendar: FiscalCalendar) -> QuestionAnalysis:
    period = parse_period(question, calendar)
    return QuestionAnalysis(text=question, kind=classify(question), period=period, unit=expected_unit(question), wants_change_column=bool(re.search(r"\bchange\b[^?]*\bin dollars\b|\bdollar change\b", question, re.IGNORECASE)))


def classify(question: str) -> str:
    """figure: asks for an amount; derived: asks for a computation over amounts; narrative: the rest."""
    q = question.strip()
    if re.search(r"\bchange\b[^?]*\bin dollars\b", q, re.IGNORECASE):
        return "figure"  # the table prints the change: a figure, not a computation
    if (_FORWARD.search(q) and not _HOW_MUCH.search(q)) or (_NARRATIVE.search(q) and not _AMOUNT_ASKED.search(q)):
        return "narrative"  # guidance is a statement about the future, told in the text
    if _DERIVED.search(q):
        return "derived"
    if _AMOUNT_ASKED.search(q):
        return "figure"
    if re.match(r"\s*what\s+(is|are|must|does|do|will|should|can)\b", q, re.IGNORECASE):
        return "narrative"
    return "figure" if (find_dates(q) or find_durations(q) or _YEAR.search(q)) else "narrative"


def expected_unit(question: str) -> Unit | None:
    if _PER_SHARE.search(question) and not re.search(r"how many[^?]*shares", question, re.IGNORECASE):
        return Unit.USD_PER_SHARE
    if _SHARES.search(question):
        return Unit.SHARES
    if re.search(r"\bkilowatt[\s-]*hours?|\bkwh\b", question, re.IGNORECASE):
        return Unit.KWH
    if re.search(r"\bhow many\b", question, re.IGNORECASE):
        return Unit.NUMBER  # "how many stores": a count, never dollars
    if re.search(r"\bcomparable (?:store )?sales\b|\bsame[\s-]store\b|\bpercent|%", question, re.IGNORECASE):
        return Unit.PERCENT
    if _MONEY.search(question) and not _PERCENT.search(question) and not re.search(r"\b(increase|decrease|change|grow|grew|perform|decline)", question, re.IGNORECASE):
        return Unit.USD
    return None


def _ord(m: re.Match) -> int:
    return int(m["q"]) if m["q"] else _ORD[m["ord"].lower()]


def parse_period(question: str, calendar: FiscalCalendar) -> PeriodQuery:
    q = question
    pq = PeriodQuery()
    pq.exact = [d for d, _, _ in find_dates(q)]
    durations = find_durations(q)
    if durations:
        pq.months = durations[0].months
        pq.weeks = durations[0].weeks
    if _FULL_YEAR.search(q):
        pq.months = 12
    pq.prior = bool(_PRIOR.search(q))
    pq.year_end = bool(_YEAR_END.search(q))
    # "at the end of the quarter", "held at November 2, 2024": a balance at a date, even where a
    # duration word ("quarter") appears.
    pq.instant = bool(_INSTANT_STRONG.search(q)) or (bool(_INSTANT.search(q)) and not pq.months)

    m = _FY_Q.search(q)
    quarter = fiscal_year = None
    if m:
        quarter, fiscal_year = _ord(m), int(m["y"])
    else:
        for m in _Q_FY.finditer(q):
            year = m["y"] or m["y2"]
            quarter = _ord(m)
            if year:
                fiscal_year = int(year)
            break
    if quarter and fiscal_year:
        pq.window = calendar.quarter_end(fiscal_year, quarter)
        pq.fiscal_year = fiscal_year
        # "operating income for the first thirty-nine weeks of fiscal 2024" keeps its own length;
        # a bare "third quarter" is three months.
        pq.months = pq.months if pq.months and pq.months != 3 else 3
    m = _HALF_FY.search(q)
    if m and (m["y"] or pq.fiscal_year or _FISCAL_YEAR.search(q)):
        fy = int(m["y"]) if m["y"] else pq.fiscal_year or _fiscal_year(q)
        if fy:
            half = 1 if m["ord"].lower() == "first" else 2
            pq.window = calendar.half_end(fy, half)
            pq.months = 6
            pq.fiscal_year = fy
    m = _FIRST_N_WEEKS.search(q)
    if m and not pq.window:
        fy = int(m["y"])
        weeks = durations[0].weeks if durations and durations[0].weeks else None
        months = durations[0].months if durations else None
        if months in (3, 6, 9, 12):
            pq.window = calendar.quarter_end(fy, months // 3)
            pq.fiscal_year = fy
            pq.weeks = weeks
    if not pq.window and not pq.exact:
        fy = _fiscal_year(q)
        if fy and pq.months and pq.months < 12:
            # "first thirty-nine weeks of fiscal 2024": the period ends that many months in.
            pq.window = calendar.quarter_end(fy, max(1, min(4, pq.months // 3)))
            pq.fiscal_year = fy
        elif fy:
            pq.fiscal_year = fy
            if pq.months == 12 or pq.year_end or (pq.instant and _AT_YEAR_END.search(q)):
                pq.window = calendar.year_end(fy)
    if not pq.exact and not pq.window:
        m = _MONTH_YEAR.search(q)
        if m:
            pq.month_year = (MONTHS[m["m"].lower().rstrip(".")], int(m["y"]))
        else:
            years = [int(y) for y in _YEAR.findall(q)]
            if years:
                pq.year = years[0]
                if pq.year_end or (pq.instant and _AT_YEAR_END.search(q)):
                    pq.window = calendar.year_end(pq.year)
    if _YTD.search(q) and not pq.months:
        pq.months = None
    if pq.prior and (pq.window or pq.fiscal_year or pq.year or pq.month_year):
        # "in the prior fiscal year, FY2018": the year named says which; "prior" only describes it.
        pq.prior = False
    return pq


def _fiscal_year(q: str) -> int | None:
    m = _FISCAL_YEAR.search(q)
    if not m:
        return None
    if m["yy"]:
        return 2000 + int(m["yy"]) if int(m["yy"]) < 70 else 1900 + int(m["yy"])
    return int(m["y"] or m["y2"] or m["y3"])


def period_score(pq: PeriodQuery, col: Period, calendar: FiscalCalendar) -> float:
    """How well a column's period answers the question's: 0 = it does not; higher is better.

    Callers resolve `prior` before scoring (it needs the filing's current period).
    """
    if col.end is None:
        return 0.0 if not pq.empty else 0.2
    score = 1.0
    if pq.instant:
        # A balance: instant columns first; a flow ending that day is a weaker reading.
        score += 1.0 if col.months is None else -0.6
    elif pq.months:
        if col.months is None or col.months != pq.months:
            return 0.0
        score += 1.0
        if pq.weeks and col.weeks == pq.weeks:
            score += 0.2
    if pq.exact:
        if not any(abs((col.end - d).days) <= 3 for d in pq.exact):
            return 0.0
        score += 2.0
    elif pq.window:
        gap = abs((col.end - pq.window).days)
        if gap > 16:
            return 0.0
        score += 2.0 - gap / 16
    elif pq.month_year:
        month, year = pq.month_year
        if (col.end.month, col.end.year) != (month, year) and not _adjacent_month(col.end, month, year):
            return 0.0
        score += 1.5
    elif pq.year or (pq.fiscal_year and not pq.window):
        year = pq.year or pq.fiscal_year
        fy_end = calendar.year_end(year)
        # Inside the fiscal year: after the previous year-end (a year back, give or take a
        # 52/53-week drift) and not after this one.
        in_fiscal = -10 <= (fy_end - col.end).days <= 350
        if col.end.year != year and not in_fiscal:
            return 0.0
        score += 1.0
        if not pq.months and not pq.instant:
            # "revenue in 2004", "EPS for fiscal year 2022": the year itself, where the filing
            # reports one; a quarter of it only where it does not.
            if col.months == 12:
                score += 1.0
            if near(col.end, fy_end, 10):
                score += 0.3
    return score


def _adjacent_month(d: date, month: int, year: int) -> bool:
    """52/53-week quarters end a few days into the next month ("the December 2010 quarter" may end Jan 1)."""
    first = date(year, month, 28)
    return 0 <= (d - first).days <= 10
