"""The expression tree a metric is computed from: numbers, operators, and Terms (line items at periods).

A Term names a line item (the phrase as the question or library says it, plus the lookup phrases),
how it is taken over periods (one value, the average of several balances, or the change between two),
and the periods themselves. Periods are either absolute (a fiscal year, a date the question names) or
relative to the asked period (offset -1 = a year earlier), so one library formula serves any year:
`bind` fixes relative periods once the asked period is known.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class PeriodRef:
    """One period of one line item.

    fiscal_year: the filer's fiscal year (its own naming: Apple's FY2019 ends Sept 28, 2019).
    end:         a date the question names ("May 31, 2023"); wins over fiscal_year when both are set.
    quarter:     1-4 for a fiscal quarter of `fiscal_year`; None for the full year.
    months:      the length of a flow ending at `end` or in the quarter (3, 6, 9); None = a full year.
    offset:      years relative to the asked period, for a ref not yet bound; after `bind`, the
                 offset remains only when the question named no period at all (then the engine's
                 "current fiscal year" is the anchor: offset -1 = the year before it).
    """

    fiscal_year: int | None = None
    end: date | None = None
    quarter: int | None = None
    months: int | None = None
    offset: int = 0
    anchor: str = "asked"  # asked | start (the first year of a span, for CAGR)

    @property
    def bound(self) -> bool:
        return self.fiscal_year is not None or self.end is not None

    def describe(self) -> str:
        length = f"{self.months} months ended " if self.months else ""
        quarter = f"Q{self.quarter} " if self.quarter else ""
        if self.end:
            return f"{length}{self.end.isoformat()}"
        if self.fiscal_year is not None:
            return f"{quarter}FY{self.fiscal_year}"
        if self.offset:
            return f"{quarter}current fiscal year {self.offset:+d}"
        return f"{quarter}current fiscal year"

    def shifted(self, years: int) -> "PeriodRef":
        if self.end:
            return dataclasses.replace(self, end=_shift_years(self.end, years))
        if self.fiscal_year is not None:
            return dataclasses.replace(self, fiscal_year=self.fiscal_year + years)
        return dataclasses.replace(self, offset=self.offset + years)


def _shift_years(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # Feb 29
        return d.replace(year=d.year + years, day=28)


@dataclass(frozen=True)
class Term:
    """A line item at one or more periods.

    phrase:    the words naming it ("average PP&E" -> "PP&E"; a library concept's first phrase)
    phrases:   what the resolver should look up, best first: the stated phrase, then the concept's
    concept:   the library concept key, when the phrase is one ("ppe_net"); None for a free phrase
    statement: income | balance | cash_flow | None: where the definition takes it from
    instant:   True = a balance at the period's end, False = a flow over the period, None = unknown
    how:       value (one period) | average (mean of the periods' values) | change (last - first)
    periods:   the periods, oldest first for average/change
    sign:      as_printed | magnitude | expense (see library.yaml)
    """

    phrase: str
    phrases: tuple[str, ...] = ()
    concept: str | None = None
    statement: str | None = None
    instant: bool | None = None
    how: str = "value"
    periods: tuple[PeriodRef, ...] = (PeriodRef(),)
    sign: str = "as_printed"

    @property
    def period(self) -> PeriodRef:
        """The one period of a single-value Term (what the resolve callback always receives)."""
        return self.periods[-1]

    def at(self, period: PeriodRef) -> "Term":
        return dataclasses.replace(self, how="value", periods=(period,))

    def describe(self) -> str:
        kind = {"average": "average ", "change": "change in "}.get(self.how, "")
        when = " and ".join(p.describe() for p in self.periods)
        return f"{kind}{self.phrase} ({when})"


@dataclass(frozen=True)
class Num:
    value: Decimal
    text: str = ""


@dataclass(frozen=True)
class BinOp:
    op: str  # + - * / ^
    left: "Expr"
    right: "Expr"


@dataclass(frozen=True)
class Neg:
    operand: "Expr"


@dataclass(frozen=True)
class Mean:
    """The simple average of several sub-expressions (a three-year average margin)."""

    items: tuple["Expr", ...]
    label: str = "average"


@dataclass(frozen=True)
class Slot:
    """A placeholder in a generic library formula (`item`, `part`, `whole`, `years`)."""

    name: str


@dataclass(frozen=True)
class Rel:
    """A relative-period wrapper from the library grammar: prior(x), avg(x), change(x), start(x)."""

    fn: str
    operand: "Expr"


Expr = Num | BinOp | Neg | Mean | Slot | Rel | Term


@dataclass
class Binding:
    """What a formula's placeholders stand for in one question."""

    period: PeriodRef = field(default_factory=PeriodRef)
    start: PeriodRef | None = None
    slots: dict[str, "Expr"] = field(default_factory=dict)


def bind(expr: Expr, b: Binding) -> Expr:
    """Fill generic slots, then fix relative periods against the asked period."""
    return _bind(fill(expr, b.slots), b)


def fill(expr: Expr, slots: dict[str, Expr]) -> Expr:
    """Replace the `item`/`part`/`whole` placeholders (periods stay relative)."""
    match expr:
        case Slot(name="years"):
            return expr
        case Slot(name=name):
            if name not in slots:
                raise ValueError(f"the formula needs a {name!r} line item and the question names none")
            return slots[name]
        case BinOp(op=op, left=left, right=right):
            return BinOp(op, fill(left, slots), fill(right, slots))
        case Neg(operand=o):
            return Neg(fill(o, slots))
        case Mean(items=items, label=label):
            return Mean(tuple(fill(i, slots) for i in items), label)
        case Rel(fn=fn, operand=o):
            return Rel(fn, fill(o, slots))
    return expr


def _bind(expr: Expr, b: Binding) -> Expr:
    match expr:
        case Num():
            return expr
        case Slot(name="years"):
            years = _span_years(b)
            return Num(Decimal(years), str(years))
        case Slot(name=name):
            raise ValueError(f"unfilled placeholder {name!r}")
        case BinOp(op=op, left=left, right=right):
            return BinOp(op, _bind(left, b), _bind(right, b))
        case Neg(operand=o):
            return Neg(_bind(o, b))
        case Mean(items=items, label=label):
            return Mean(tuple(_bind(i, b) for i in items), label)
        case Rel(fn=fn, operand=o):
            return _bind(_apply_rel(fn, o), b)
        case Term():
            return dataclasses.replace(expr, periods=tuple(_bind_period(p, b) for p in expr.periods))
    raise TypeError(f"not an expression: {expr!r}")


def _span_years(b: Binding) -> int:
    if b.start is None:
        raise ValueError("a compound growth rate needs a first and a last year")
    if b.start.fiscal_year is not None and b.period.fiscal_year is not None:
        return b.period.fiscal_year - b.start.fiscal_year
    if b.start.end and b.period.end:
        return round((b.period.end - b.start.end).days / 365.25)
    return -b.start.offset


def _bind_period(p: PeriodRef, b: Binding) -> PeriodRef:
    if p.bound:
        return p
    base = b.start if p.anchor == "start" and b.start is not None else b.period
    return dataclasses.replace(base.shifted(p.offset), anchor="asked")


def _apply_rel(fn: str, operand: Expr) -> Expr:
    """prior(x): every period a year back; avg(x)/change(x): x over the opening and closing balance;
    start(x): x at the span's first year."""
    match operand:
        case Term():
            if fn == "prior":
                return dataclasses.replace(operand, periods=tuple(p.shifted(-1) for p in operand.periods))
            if fn == "start":
                return dataclasses.replace(operand, periods=tuple(dataclasses.replace(p, anchor="start") for p in operand.periods))
            if fn in ("avg", "change"):
                close = operand.period
                return dataclasses.replace(operand, how="average" if fn == "avg" else "change", periods=(close.shifted(-1), close))
        case Num():
            return operand
        case BinOp(op=op, left=left, right=right):
            if fn in ("prior", "start"):
                return BinOp(op, _apply_rel(fn, left), _apply_rel(fn, right))
        case Neg(operand=o):
            return Neg(_apply_rel(fn, o))
        case Rel(fn=inner, operand=o):
            return _apply_rel(fn, _apply_rel(inner, o))
    if fn == "avg":
        return Mean((_apply_rel("prior", operand), operand), "average of opening and closing")
    if fn == "change":
        return BinOp("-", operand, _apply_rel("prior", operand))
    raise ValueError(f"{fn}() cannot apply to {operand!r}")


def terms(expr: Expr) -> list[Term]:
    """Every Term in the tree, left to right."""
    match expr:
        case Term():
            return [expr]
        case BinOp(left=left, right=right):
            return terms(left) + terms(right)
        case Neg(operand=o) | Rel(operand=o):
            return terms(o)
        case Mean(items=items):
            return [t for i in items for t in terms(i)]
    return []


def at_year(expr: Expr, fiscal_year: int) -> Expr:
    """The expression with every relative period anchored on `fiscal_year` (for multi-year means)."""
    return bind(expr, Binding(period=PeriodRef(fiscal_year=fiscal_year)))
