"""Link each tagged number to its parsed table cell, and check the parser's reading against the tag.

The HTML loader records on each raw cell the id of the fact it prints; the table parser carries
that id into `Row.xbrl`, aligned with `Row.values`. Here each id becomes an `XbrlRef` (concept,
context, period, dimensions) and the cell is checked, independently of how the parser read it:

- value: the parser's value x its scale (a percent / 100) must equal the fact's value in size;
- scale: when the printed digits agree but the sizes do not, the parser's scale is wrong;
- sign: the parser's sign must be the sign the page prints (a "(" or minus by the tag). The
  fact's own sign may differ: filers print outflows as "(1,234)" of a positive
  PaymentsToAcquire... fact (a negated label); that is recorded as `negated`, not a fault;
- unit: money, shares, per-share amounts and pure numbers must not be confused;
- period: the column's end date (and its months or weeks, when the parser found them) must be
  the context's; an instant in a duration column may be the period's start or end ("cash at
  beginning of period"). Columns with no period of their own (an equity statement's components)
  are not period-checked, and say so (`period_checked` False).

A cell's tag may have others nested in it (the same number for a second context or concept):
the first of them that agrees is the cell's; the rest are listed in `also`. Nothing here changes a
parsed value: a disagreement is reported on the cell and counted, and the parsed value stays
what the page prints (README, "XBRL cross-check", says why).
"""

from __future__ import annotations

import datetime as dt

from filingqa.ingest.model import RawTable, Row, Scale, Table, Unit
from filingqa.ingest.xbrl.formats import FormatError, read_number
from filingqa.ingest.xbrl.model import UnlinkedTag, XbrlCoverage, XbrlFact, XbrlInstance, XbrlRef

REL_TOLERANCE = 1e-9
INSTANT_SLACK_DAYS = 10  # month arithmetic on 52/53-week periods drifts a few days
_PARSER_UNIT_KIND = {
    Unit.USD: "money",
    Unit.SHARES: "shares",
    Unit.USD_PER_SHARE: "per-share",
    Unit.PERCENT: "pure",
    Unit.RATIO: "pure",
    Unit.NUMBER: "count",
    Unit.KWH: "count",
}
# Which parser units may print a fact of each kind. A custom unit ("segment", "store") is a
# count, which the parser calls NUMBER or leaves as a ratio; pure numbers print as % or ratios.
_COMPATIBLE = {
    "money": {"money"},
    "shares": {"shares"},
    "per-share": {"per-share"},
    "pure": {"pure", "count"},
    "count": {"count", "pure"},
}


def unit_kind(measure: str | None) -> str:
    """'money', 'shares', 'per-share', 'pure' or 'count' for a unit's measure."""
    m = (measure or "").lower()
    if "/" in m:
        num, den = m.split("/", 1)
        return "per-share" if num.startswith("iso4217:") and den.endswith("shares") else "count"
    if m.startswith("iso4217:"):
        return "money"
    if m.endswith("shares"):
        return "shares"
    if m.endswith("pure"):
        return "pure"
    return "count"


def link_tables(tables: list[Table], raws: list[RawTable], instance: XbrlInstance | None) -> XbrlCoverage | None:
    """Fill every tagged cell's XbrlRef and check it; the filing's coverage summary (None when
    the filing has no numeric XBRL facts)."""
    if instance is None or not instance.facts:
        for table in tables:
            for row in table.rows:
                row.xbrl = []
        return None
    for table in tables:
        for row in table.rows:
            if row.xbrl:
                row.xbrl = [_link_cell(table, row, i, ref.id, instance) if ref is not None else None for i, ref in enumerate(row.xbrl)]
                if all(ref is None for ref in row.xbrl):
                    row.xbrl = []
            row.text_xbrl = [ref for ref in (_link_text(row, r.id, instance) for r in row.text_xbrl) if ref is not None]
    return coverage(tables, raws, instance)


def _link_cell(table: Table, row: Row, i: int, fact_id: str, instance: XbrlInstance) -> XbrlRef | None:
    fact = instance.facts.get(fact_id)
    if fact is None:
        return None
    candidates = [fact] + [instance.facts[n] for n in fact.nested if n in instance.facts]
    refs = [check_cell(table, row, i, f, instance) for f in candidates]
    chosen = next((r for r in refs if r.agrees), refs[0])
    chosen.also = sorted({r.concept for r in refs if r.concept != chosen.concept})
    return chosen


def _link_text(row: Row, fact_id: str, instance: XbrlInstance) -> XbrlRef | None:
    """A tag on a number the row prints in its label or a text cell ("Notes due 2063 at 5.05%",
    "65% – 80%"): linked to the row, checked only in that the row prints what the tag prints."""
    fact = instance.facts.get(fact_id)
    if fact is None:
        return None
    ref = _ref(fact, instance)
    printed = " ".join([row.label, *(t for t in row.texts if t)])
    if fact.value is None:
        ref.problem = f"the tag has no value ({fact.error or 'nil'})"
    elif fact.shown not in printed:
        ref.problem = f"the row does not print the tag's {fact.shown!r}"
    ref.agrees = ref.problem is None
    return ref


def _ref(fact: XbrlFact, instance: XbrlInstance) -> XbrlRef:
    ctx = instance.contexts.get(fact.context)
    return XbrlRef(
        id=fact.id,
        concept=fact.concept,
        context=fact.context,
        dimensions=dict(ctx.dimensions) if ctx else {},
        period_start=ctx.start if ctx else None,
        period_end=ctx.last_day if ctx else None,
        instant=bool(ctx and ctx.is_instant),
        unit=instance.units.get(fact.unit or "", fact.unit),
        value=fact.value,
    )


def check_cell(table: Table, row: Row, i: int, fact: XbrlFact, instance: XbrlInstance) -> XbrlRef:
    """The XbrlRef for `fact` on cell (row, i), with the parser's reading checked against it."""
    ctx = instance.contexts.get(fact.context)
    ref = _ref(fact, instance)
    problems = []
    parsed = table.fact(row, i)
    if parsed is None:
        problems.append("the parser has no value in this cell")
    elif fact.value is None:
        problems.append(f"the tag has no value ({fact.error or 'nil'})")
    else:
        problems += _value_problems(parsed.value, parsed.unit, parsed.scale, fact, ref.unit)
        if parsed.value != 0 and (parsed.value < 0) != fact.printed_negative:
            problems.append(f"sign: the parser reads {parsed.value:g}, the page prints it {'negative' if fact.printed_negative else 'positive'}")
        ref.negated = fact.value != 0 and fact.printed_negative != (fact.value < 0)
    if ctx is None:
        problems.append(f"the tag's context {fact.context!r} is not defined")
    else:
        period_problem, ref.period_checked = _period_problem(table, i, ctx)
        if period_problem:
            problems.append(period_problem)
    ref.agrees = not problems
    ref.problem = "; ".join(problems) or None
    return ref


def _value_problems(value: float, unit: Unit, scale: Scale, fact: XbrlFact, measure: str | None) -> list[str]:
    kind = unit_kind(measure)
    parser_kind = _PARSER_UNIT_KIND[unit]
    problems = []
    if parser_kind not in _COMPATIBLE[kind]:
        problems.append(f"unit: the parser reads {unit.value}, the tag's unit is {measure}")
    base = value / 100 if unit == Unit.PERCENT else value * scale.factor
    if _same_size(base, fact.value):
        return problems
    if unit == Unit.PERCENT and _same_size(value, fact.value):
        return problems  # a pure ratio the page prints with a "%" but tags unscaled
    try:
        printed = float(read_number(fact.shown, fact.format))
    except FormatError:
        printed = None
    if printed is not None and _same_size(value, printed):
        problems.append(f"scale: the parser reads {value:g} {scale.value}, the tag scales it by 10^{fact.scale} (= {fact.value:g})")
    else:
        problems.append(f"value: the parser reads {value:g} {scale.value}, the tag's value is {fact.value:g}")
    return problems


def _same_size(a: float, b: float | None) -> bool:
    if b is None:
        return False
    a, b = abs(a), abs(b)
    return abs(a - b) <= REL_TOLERANCE * max(a, b, 1e-12) or abs(a - b) < 1e-12


def _period_problem(table: Table, i: int, ctx) -> tuple[str | None, bool]:
    """A contradiction between the column's period and the context's (None if none), and whether
    the column had a period to compare at all."""
    col = table.columns[i]
    if col.kind != "value" or col.period_end is None:
        return None, False
    end = col.period_end
    if ctx.is_instant:
        if ctx.instant == end:
            return None, True
        start = _column_start(col)
        if start is not None and abs((ctx.instant - start).days) <= INSTANT_SLACK_DAYS:
            return None, True  # "balance at beginning of period" in a duration column
        return f"period: the column ends {end.isoformat()}, the tag is at {ctx.instant.isoformat()}", True
    if ctx.end != end:
        return f"period: the column ends {end.isoformat()}, the tag's period ends {ctx.end.isoformat() if ctx.end else '?'}", True
    days = ctx.days
    if days is not None and col.months and round(days / 30.44) != col.months:
        return f"period: the column is {col.months} months, the tag's period is {days} days", True
    if days is not None and col.weeks and round(days / 7) != col.weeks:
        return f"period: the column is {col.weeks} weeks, the tag's period is {days} days", True
    return None, True


def _column_start(col) -> dt.date | None:
    """The day before a duration column's period begins (where its opening balances sit)."""
    if col.weeks:
        return col.period_end - dt.timedelta(weeks=col.weeks)
    months = col.months or (12 if col.fiscal_year else None)  # a bare "2023" column is its fiscal year
    if months:
        month0 = col.period_end.month - 1 - months
        year, month = col.period_end.year + month0 // 12, month0 % 12 + 1
        day = min(col.period_end.day, 28)
        return dt.date(year, month, day)
    return None


# --- coverage ----------------------------------------------------------------------------


def coverage(tables: list[Table], raws: list[RawTable], instance: XbrlInstance) -> XbrlCoverage:
    """Count the tagged numbers printed in the parsed tables' rows: linked to a value cell or not
    (with the reason), and agreeing or not. A number is counted once, by its outermost tag."""
    row_at: dict[int, tuple[Table, Row]] = {}
    rejected_at: dict[int, str] = {}
    spans = []
    for table in tables:
        spans.append((table.line_start, table.line_end))
        for row in table.rows:
            row_at[row.line] = (table, row)
        for rej in table.rejected_rows:
            rejected_at[rej.line] = rej.reason
    parent = {inner: f.id for f in instance.facts.values() for inner in f.nested}
    linked: dict[str, XbrlRef] = {}  # outermost tag id -> the cell's ref (its chosen tag may be a nested one)
    in_text: set[str] = set()
    for table in tables:
        for row in table.rows:
            for ref in row.xbrl:
                if ref is not None:
                    linked.setdefault(parent.get(ref.id, ref.id), ref)
            for ref in row.text_xbrl:
                linked.setdefault(parent.get(ref.id, ref.id), ref)
                in_text.add(parent.get(ref.id, ref.id))
    cover = XbrlCoverage(facts=len(instance.facts))
    seen: set[str] = set()
    for raw in raws:
        for raw_row in raw.rows:
            if not raw_row.xbrl or not any(a <= raw_row.line <= b for a, b in spans):
                continue
            for fid in raw_row.xbrl:
                if fid in seen or fid not in instance.facts or not instance.facts[fid].shown:
                    continue  # (a nil tag on a caption, "Commitments and contingencies", prints no number)
                seen.add(fid)
                cover.in_tables += 1
                ref = linked.get(fid)
                if ref is not None:
                    cover.linked += 1
                    cover.in_text += fid in in_text
                    if ref.agrees:
                        cover.agree += 1
                    else:
                        cover.disagree += 1
                    continue
                fact = instance.facts[fid]
                cover.unlinked.append(
                    UnlinkedTag(id=fid, concept=fact.concept, shown=fact.shown, line=raw_row.line, reason=_unlinked_reason(fid, raw_row, row_at, rejected_at, fact))
                )
    return cover


def _unlinked_reason(fid: str, raw_row, row_at, rejected_at, fact: XbrlFact) -> str:
    if raw_row.line in rejected_at:
        return f"its row was rejected: {rejected_at[raw_row.line]}"
    if raw_row.line not in row_at:
        return "printed in a header or caption row, not a value row"
    table, row = row_at[raw_row.line]
    if not any(c.xbrl == fid for c in raw_row.cells):
        return f"one of several numbers printed in one cell of the row {row.label[:60]!r}"
    if fact.shown and fact.shown in row.label:
        return f"printed inside the row's label {row.label[:60]!r}"
    return f"its cell is not placed in a value column of {table.id}"
