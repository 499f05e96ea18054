"""Exact evaluation of a metric expression over the filing's own numbers.

Every value is a Decimal parsed from the cell as printed; scales are multiplied out exactly, so
"net income (millions) / diluted shares (thousands)" is right without rounding anywhere. A ratio of
money is scale-free; a money result keeps the common scale of its inputs (or the scale asked for).
A missing input is reported by name and never replaced by a near one; a concept's alternative
definition (gross profit = revenue - cost of revenue) is used only as the library lists it, and the
result says so.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext

from filingqa.app.engine.metrics import library as _library
from filingqa.app.engine.metrics.expr import BinOp, Binding, Expr, Mean, Neg, Num, Term, bind
from filingqa.ingest.model import Scale, Unit

_PRINTED_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?|\.\d+")
_NIL = re.compile(r"^\s*[—–\-_]+\s*$")
_SCALE_WORD = {Scale.UNITS: "", Scale.THOUSANDS: " thousand", Scale.MILLIONS: " million", Scale.BILLIONS: " billion"}
_DIMS = {"USD": (1, 0), "shares": (0, 1), "USD/share": (1, -1)}


@dataclass(frozen=True)
class Input:
    """One cell as the resolver found it.

    value:  the number exactly as printed, in `scale` (260174 for "260,174" in millions); the sign
            as printed (parentheses negative). Build it with `input_from_fact` from a Fact.
    unit:   "USD", "shares", "USD/share", "percent" or "number" (a Unit works too)
    source: anything; handed back untouched in Result.inputs (the engine's Fact, for citations)
    """

    value: Decimal
    scale: Scale = Scale.UNITS
    unit: str = "USD"
    label: str = ""
    period: object = None
    source: object = None

    @property
    def unit_name(self) -> str:
        return self.unit.value if isinstance(self.unit, Unit) else str(self.unit)


def input_from_fact(fact) -> Input:
    """An Input from an ingest Fact, exact: the printed text, not the float."""
    return Input(exact_value(fact.text, fact.value), fact.scale, fact.unit, fact.label, fact.period, fact)


def exact_value(text: str | None, value: float) -> Decimal:
    """The cell's number as printed ("(1,923)" -> -1923, "—" -> 0); the float only when no text."""
    if text is not None and _NIL.match(text):
        return Decimal(0)
    m = _PRINTED_NUMBER.search((text or "").replace(" ", ""))
    if m:
        d = Decimal(m.group(0).replace(",", ""))
        return -d if value < 0 else d
    return Decimal(repr(value))


Resolve = Callable[[Term], "Input | None"]


@dataclass
class Used:
    """An input as the computation used it (after the concept's sign rule)."""

    term: Term
    input: Input
    value: Decimal


@dataclass
class Result:
    status: str  # ok | missing | not_meaningful | undefined | error
    name: str
    value: Decimal | None = None  # exact, in `unit` (a percent is x100) and, for money, in `scale`
    rounded: Decimal | None = None  # as the question asks (or the metric's usual rounding)
    unit: str = "ratio"  # percent | ratio | days | USD | USD/share | shares
    scale: Scale | None = None  # for money results
    decimals: int | None = None
    formula: str = ""
    inputs: list[Used] = field(default_factory=list)
    missing: list[Term] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def shown(self) -> str:
        """The rounded value with its unit, as an answer prints it."""
        if self.rounded is None:
            return ""
        n = _fmt(self.rounded, self.decimals)
        match self.unit:
            case "percent":
                return f"{n}%"
            case "days":
                return f"{n} days"
            case "USD":
                word = _SCALE_WORD.get(self.scale or Scale.UNITS, "")
                return f"-${n[1:]}{word}" if n.startswith("-") else f"${n}{word}"
            case "USD/share":
                return f"${n} per share"
        return n

    def text(self) -> str:
        if self.ok:
            notes = "".join(f" {n}" for n in self.notes)
            return f"{self.name[:1].upper()}{self.name[1:]} was {self.shown()} ({self.formula}).{notes}"
        return self.reason


class _Missing(Exception):
    pass


class _Undefined(Exception):
    pass


@dataclass
class _V:
    amount: Decimal  # multiplied out: absolute dollars, shares
    dims: tuple[int, int]  # exponents of USD and shares
    show: str
    prec: int = 3  # how tightly the shown text binds: 3 a number, 2 a product, 1 a sum


class _Evaluator:
    def __init__(self, resolve: Resolve, lib: _library.Library, cache: dict, show_scale: bool):
        self.resolve, self.lib, self.cache, self.show_scale = resolve, lib, cache, show_scale
        self.used: list[Used] = []
        self.missing: list[Term] = []
        self.notes: list[str] = []

    def ev(self, e: Expr) -> _V:
        match e:
            case Num(value=v, text=t):
                return _V(v, (0, 0), t or _fmt(v))
            case Neg(operand=o):
                v = self.ev(o)
                return _V(-v.amount, v.dims, f"-{_wrap(v, 3)}", 1)
            case BinOp(op=op, left=left, right=right):
                return self.binop(op, left, right)
            case Mean(items=items):
                vals = self._all(items)
                _same_dims(vals, "average")
                return _V(sum((v.amount for v in vals), Decimal(0)) / len(vals), vals[0].dims, f"({' + '.join(v.show for v in vals)}) / {len(vals)}", 2)
            case Term():
                return self.term(e)
        raise TypeError(f"cannot evaluate {e!r}")

    def _all(self, items) -> list[_V]:
        """Evaluate every item, so every missing input is named, not just the first."""
        out, missing = [], False
        for i in items:
            try:
                out.append(self.ev(i))
            except _Missing:
                missing = True
        if missing:
            raise _Missing
        return out

    def binop(self, op: str, left: Expr, right: Expr) -> _V:
        a, b = self._all([left, right])
        match op:
            case "+" | "-":
                _same_dims([a, b], "add" if op == "+" else "subtract")
                amount = a.amount + b.amount if op == "+" else a.amount - b.amount
                return _V(amount, a.dims, f"{a.show} {op} {_wrap(b, 2)}", 1)
            case "*":
                return _V(a.amount * b.amount, (a.dims[0] + b.dims[0], a.dims[1] + b.dims[1]), f"{_wrap(a, 2)} * {_wrap(b, 2)}", 2)
            case "/":
                if b.amount == 0:
                    raise _Undefined(f"division by zero: {b.show} is 0")
                return _V(a.amount / b.amount, (a.dims[0] - b.dims[0], a.dims[1] - b.dims[1]), f"{_wrap(a, 2)} / {_wrap(b, 3)}", 2)
            case "^":
                if a.dims != (0, 0) or b.dims != (0, 0):
                    raise _Undefined("a power of an amount with units")
                if a.amount < 0 and b.amount != b.amount.to_integral_value():
                    raise _Undefined(f"a fractional power of a negative ratio ({a.show})")
                try:
                    return _V(a.amount**b.amount, (0, 0), f"{_wrap(a, 3)} ^ {_wrap(b, 3)}", 2)
                except InvalidOperation as exc:
                    raise _Undefined(f"{a.show} ^ {b.show} is undefined") from exc
        raise ValueError(f"unknown operator {op!r}")

    def term(self, t: Term) -> _V:
        if t.how == "value":
            return self.lookup(t)
        vals = self._all([t.at(p) for p in t.periods])
        _same_dims(vals, t.how)
        if t.how == "average":
            return _V(sum((v.amount for v in vals), Decimal(0)) / len(vals), vals[0].dims, f"(({' + '.join(v.show for v in vals)}) / {len(vals)})")
        if t.how == "change":
            return _V(vals[-1].amount - vals[0].amount, vals[0].dims, f"({vals[-1].show} - {_wrap(vals[0], 2)})")
        raise ValueError(f"unknown aggregation {t.how!r}")

    def lookup(self, t: Term) -> _V:
        if t not in self.cache:
            self.cache[t] = self.resolve(t)
        inp = self.cache[t]
        concept = self.lib.concepts.get(t.concept) if t.concept else None
        if inp is not None:
            value = Decimal(inp.value)
            if t.sign == "magnitude":
                value = abs(value)
            elif concept is not None:
                value = concept.signed(value, inp.label)
            self.used.append(Used(t, inp, value))
            unit = inp.unit_name
            if unit == "percent":
                return _V(value / 100, (0, 0), f"{_fmt(value)}%")
            factor = Decimal(inp.scale.factor)
            suffix = _SCALE_WORD[inp.scale] if self.show_scale and unit in _DIMS else ""
            show = f"{_fmt(value)}{suffix}"
            return _V(value * factor, _DIMS.get(unit, (0, 0)), show, 1 if value < 0 else 3)
        for alt in concept.alternatives if concept else ():
            mark_used, mark_missing = len(self.used), len(self.missing)
            try:
                sub = self.ev(bind(_library.compile_formula(self.lib, alt), Binding(period=t.period)))
            except _Missing:
                del self.used[mark_used:], self.missing[mark_missing:]
                continue
            self.notes.append(f"The filing prints no {t.phrase} row for {t.period.describe()}; it is computed as {_describe_formula(self.lib, alt)}.")
            return sub
        self.missing.append(t)
        raise _Missing


def _describe_formula(lib: _library.Library, formula: str) -> str:
    return re.sub(r"[a-z_]+", lambda m: lib.concepts[m.group(0)].phrases[0] if m.group(0) in lib.concepts else m.group(0), formula)


def _same_dims(vals: list[_V], what: str) -> None:
    dims = {v.dims for v in vals}
    if len(dims) > 1:
        raise _Undefined(f"cannot {what} amounts of different units ({', '.join(v.show for v in vals)})")


def _wrap(v: _V, need: int) -> str:
    return v.show if v.prec >= need else f"({v.show})"


def _fmt(d: Decimal, decimals: int | None = None) -> str:
    if decimals is not None:
        return f"{d:,.{decimals}f}"
    if d == d.to_integral_value():
        return f"{d.quantize(Decimal(1)):,}"
    return f"{d.normalize():,f}"


def _unit_of(dims: tuple[int, int]) -> str:
    for name, d in _DIMS.items():
        if d == dims:
            return name
    return "ratio" if dims == (0, 0) else "mixed"


def evaluate(
    expr: Expr,
    resolve: Resolve,
    *,
    name: str = "the metric",
    unit: str | None = None,
    decimals: int | None = None,
    scale: Scale | None = None,
    allow_not_meaningful: bool = False,
    library: _library.Library | None = None,
) -> Result:
    """Compute a bound expression with the filing's numbers.

    resolve(term) is called once per distinct single-period Term (term.how == "value"; the period is
    term.period) and returns the cell as an Input, or None when the filing has no such line item.
    unit: percent | ratio | days to present a pure number (percent multiplies by 100); None infers it
    from the inputs (money, per-share, or a ratio). scale: the scale a money answer is asked in.
    """
    lib = library or _library.load()
    cache: dict = {}
    with localcontext() as ctx:
        ctx.prec = 50
        first = _Evaluator(resolve, lib, cache, show_scale=False)
        try:
            v = first.ev(expr)
        except _Missing:
            return _missing(first, name, allow_not_meaningful)
        except _Undefined as exc:
            if allow_not_meaningful:
                return Result("not_meaningful", name, inputs=first.used, reason=f"{_cap(name)} is not a useful metric for this company: {exc}.")
            return Result("undefined", name, reason=f"{_cap(name)} cannot be computed: {exc}.", inputs=first.used)
        nil = [u for u in first.used if u.value == 0]
        if allow_not_meaningful and nil:
            # "If DIO is not a useful metric, say so": a company reporting nil inventory has none to turn.
            items = ", ".join(dict.fromkeys(u.term.phrase for u in nil))
            return Result("not_meaningful", name, inputs=first.used, reason=f"{_cap(name)} is not a useful metric for this company: it reports nil {items}.")
        scales = {u.input.scale for u in first.used if u.input.unit_name in _DIMS}
        ev = first
        if len(scales) > 1:  # show each number's scale only where they differ
            ev = _Evaluator(resolve, lib, cache, show_scale=True)
            v = ev.ev(expr)
        natural = _unit_of(v.dims)
        if natural == "mixed":
            return Result("error", name, reason=f"{name} combines its inputs into no meaningful unit ({v.show})", inputs=ev.used)
        out_unit = natural if natural != "ratio" else (unit if unit in ("percent", "ratio", "days") else "ratio")
        if natural != "ratio" and unit in ("percent", "ratio", "days"):
            return Result("error", name, reason=f"{name} should be a {unit} but its inputs give {natural} ({v.show})", inputs=ev.used)
        out_scale = None
        shown = v.show
        if out_unit == "USD":
            common = min(scales, key=lambda s: s.factor) if scales else Scale.UNITS
            out_scale = scale or common
            value = v.amount / out_scale.factor
            formula = f"{shown} = {_fmt(v.amount / common.factor)}"
            if out_scale != common:
                formula += f"{_SCALE_WORD[common]} = {_fmt(value)}{_SCALE_WORD[out_scale]}"
        elif out_unit == "percent":
            value = v.amount * 100
            formula = f"{_wrap(v, 2)} * 100 = {_fmt4(value)}"
        else:
            value = v.amount
            formula = f"{shown} = {_fmt4(value)}"
        rounded = value if decimals is None else value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
        return Result("ok", name, value, rounded, out_unit, out_scale, decimals, formula, ev.used, [], ev.notes)


def _cap(name: str) -> str:
    return name[:1].upper() + name[1:]


def _fmt4(d: Decimal) -> str:
    if d == d.to_integral_value():
        return _fmt(d)
    return _fmt(d.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP))


def _missing(ev: _Evaluator, name: str, allow_not_meaningful: bool) -> Result:
    lacking = list(dict.fromkeys(ev.missing))
    periods: dict[str, list[str]] = {}
    for t in lacking:  # "inventories (FY2022, FY2023)", not one clause per period
        periods.setdefault(t.phrase, []).append(t.period.describe())
    items = "; ".join(f"{phrase} ({', '.join(dict.fromkeys(p))})" for phrase, p in periods.items())
    if allow_not_meaningful:
        reason = f"{name[:1].upper()}{name[1:]} is not a useful metric for this company: the filing reports no {items}."
        return Result("not_meaningful", name, missing=lacking, inputs=ev.used, reason=reason)
    reason = f"The filing does not state {items}, which {name} needs; it is not computed from a substitute."
    return Result("missing", name, missing=lacking, inputs=ev.used, reason=reason)
