"""Comparisons across rows: "Which segment had the largest percentage decline in net sales in 2019?"

Pure functions. The engine picks the table (segments, regions, products, current liabilities) and
hands its rows over as Candidates; `rank` orders them by the asked measure for the asked period and
returns the winner and the runner-up. Totals and subtotals are never candidates.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

_TOTAL_LABEL = re.compile(r"^\s*(?:total|sub[\s-]?total|net\s+total)\b|\btotal\s*$|\bsubtotal\b", re.IGNORECASE)
_PCT_CHANGE = re.compile(r"\b(?:percent(?:age)?\s+(?:change|increase|decrease|decline|drop|growth|gain)|grew\s+fastest|fastest[\s-]growing|grew\s+(?:the\s+)?most\s+in\s+percent|growth\s+rate)\b", re.IGNORECASE)
_GREW = re.compile(r"\b(?:grew|growth|increase[ds]?|rose|gain(?:ed)?|grow(?:ing|s)?)\b", re.IGNORECASE)
_FELL = re.compile(r"\b(?:declin(?:e|ed|es|ing)|decrease[ds]?|drop(?:ped)?|fell|shrank|contract(?:ed|ion))\b", re.IGNORECASE)
_LOW = re.compile(r"\b(?:least|smallest|lowest|fewest|slowest|weakest|worst)\b", re.IGNORECASE)
_HIGH = re.compile(r"\b(?:most|largest|biggest|highest|greatest|fastest|strongest|best|top|largest)\b", re.IGNORECASE)
_CHANGE = re.compile(r"\b(?:change|changed|increase|decrease|decline|grew|growth|rose|fell|dropped)\b", re.IGNORECASE)
_WHICH = re.compile(r"^\s*(?:which|what)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Candidate:
    """One row: its label, its values by period key (any hashable the engine uses), a total flag."""

    name: str
    values: Mapping[Hashable, Decimal | None]
    is_total: bool = False
    source: object = None  # the engine's row, handed back untouched


@dataclass(frozen=True)
class RankQuery:
    by: str  # value | change | pct_change
    direction: str  # desc: largest first | asc: smallest (most negative) first
    subject: str = ""  # the measure's words ("net sales"), for the engine to pick the table


@dataclass
class Ranked:
    candidate: Candidate
    score: Decimal
    value: Decimal
    prior: Decimal | None = None


@dataclass
class Ranking:
    winner: Ranked | None
    runner_up: Ranked | None
    ordered: list[Ranked] = field(default_factory=list)
    excluded: list[tuple[Candidate, str]] = field(default_factory=list)  # with why
    query: RankQuery | None = None

    def text(self, unit: str = "") -> str:
        if self.winner is None:
            return "No row of the table can be compared for that period."
        def show(r: Ranked) -> str:
            if self.query and self.query.by == "pct_change":
                return f"{r.candidate.name} ({_fmt(r.score)}%)"
            if self.query and self.query.by == "change":
                return f"{r.candidate.name} ({_fmt(r.score)}{unit})"
            return f"{r.candidate.name} ({_fmt(r.value)}{unit})"
        tail = f", ahead of {show(self.runner_up)}" if self.runner_up else ""
        return f"{show(self.winner)}{tail}."


def _fmt(d: Decimal) -> str:
    q = d.quantize(Decimal("0.01")) if d != d.to_integral_value() else d.quantize(Decimal(1))
    return f"{q:,}"


def read_ranking(question: str) -> RankQuery | None:
    """What a "which row ..." question ranks by, or None when it is not a comparison across rows."""
    q = question.strip()
    if not _WHICH.search(q) or not (_HIGH.search(q) or _LOW.search(q)):
        return None
    low = bool(_LOW.search(q)) and not _HIGH.search(q)
    if _PCT_CHANGE.search(q) or (re.search(r"\bfastest|slowest\b", q, re.IGNORECASE) and _CHANGE.search(q)):
        by = "pct_change"
    elif _CHANGE.search(q) and not re.search(r"\bbrought in|generated|revenue from\b", q, re.IGNORECASE):
        by = "change"
    else:
        by = "value"
    if by != "value" and _FELL.search(q) and not _GREW.search(q):
        # "largest decline" = most negative; "smallest decline" = the least negative of the falls
        direction = "desc" if low else "asc"
    else:
        direction = "asc" if low else "desc"
    m = re.search(r"\b(?:in|of)\s+(?P<s>(?:net\s+|total\s+)?(?:sales|revenues?|operating income|income|margin|liabilities|assets|expenses))\b", q, re.IGNORECASE)
    if not m:  # "the highest operating margin in fiscal 2023", "the most revenue"
        m = re.search(r"\b(?:most|largest|biggest|highest|greatest|lowest|smallest|least)\s+(?P<s>[a-z][\w\s-]*?)(?=\s+(?:in|for|during|among|of|at)\b|\?|$)", q, re.IGNORECASE)
    return RankQuery(by, direction, m["s"].strip() if m else "")


def _row_key(name: str) -> str:
    """ "Total FedEx Express segment" and "FedEx Express segment" are the same segment's rows."""
    words = re.sub(r"[^a-z0-9&]+", " ", name.lower()).split()
    return " ".join(w for w in words if w not in ("total", "segment", "segments", "the"))


def ratio_rows(numerators: Sequence[Candidate], denominators: Sequence[Candidate], percent: bool = True) -> list[Candidate]:
    """Per-row ratios for "which segment had the highest operating margin": each numerator row over
    the denominator row of the same name (operating income by segment over revenue by segment).
    Rows without a partner, or with a zero or missing denominator for a period, get no value there.
    """
    by_key = {_row_key(d.name): d for d in denominators if not d.is_total}
    out = []
    for n in numerators:
        d = by_key.get(_row_key(n.name))
        if d is None or n.is_total:
            continue
        values = {}
        for period, value in n.values.items():
            base = d.values.get(period)
            if value is not None and base not in (None, 0):
                values[period] = Decimal(value) / Decimal(base) * (100 if percent else 1)
        out.append(Candidate(n.name, values, False, (n.source, d.source)))
    return out


def is_total(c: Candidate) -> bool:
    return c.is_total or bool(_TOTAL_LABEL.search(c.name))


def rank(rows: Sequence[Candidate], query: RankQuery, period: Hashable, prior: Hashable | None = None) -> Ranking:
    """Order the rows by the query's measure for `period` (change measures need `prior`)."""
    if query.by in ("change", "pct_change") and prior is None:
        raise ValueError(f"ranking by {query.by} needs the prior period to compare with")
    ordered: list[Ranked] = []
    excluded: list[tuple[Candidate, str]] = []
    for c in rows:
        if is_total(c):
            excluded.append((c, "a total or subtotal"))
            continue
        value = c.values.get(period)
        if value is None:
            excluded.append((c, f"no value for {period}"))
            continue
        value = Decimal(value)
        if query.by == "value":
            ordered.append(Ranked(c, value, value))
            continue
        before = c.values.get(prior)
        if before is None:
            excluded.append((c, f"no value for {prior}"))
            continue
        before = Decimal(before)
        if query.by == "change":
            ordered.append(Ranked(c, value - before, value, before))
        elif before == 0:
            excluded.append((c, "a percentage change from zero is undefined"))
        else:
            ordered.append(Ranked(c, (value - before) / abs(before) * 100, value, before))
    ordered.sort(key=lambda r: r.score, reverse=query.direction == "desc")
    return Ranking(ordered[0] if ordered else None, ordered[1] if len(ordered) > 1 else None, ordered, excluded, query)
