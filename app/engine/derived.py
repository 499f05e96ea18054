"""Derived figures: growth, change, margin or share, sums and differences — computed exactly.

The question is read into an operation over line items ("X as a percentage of Y", "A plus B",
"growth of X year over year"); each operand is resolved to a fact exactly as a figure question
would be, and the arithmetic runs in Decimal on the values as printed, so the formula shown is the
computation done.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from filingqa.ingest.model import Fact, Scale, Unit

# "gross margin (gross profit as a percentage of net sales)": the definition names the operands.
_AS_PCT_OF = re.compile(r"\(?\s*(?P<a>[\w\s,'&/-]+?)\s+(?:as a percentage of|as a percent of|as a share of|divided by|over|/|to)\s+(?P<b>[\w\s,'&/-]+?)\s*\)?(?:\s+(?:for|in|at|as of|during)\b|[?)]|$)", re.IGNORECASE)
_PLUS = re.compile(
    r"\(\s*(?P<a>[\w\s'&-]+?)\s+plus\s+(?P<b>[\w\s'&-]+?)\s*\)"
    r"|^\s*(?:what (?:was|were|is|are) (?:the )?|how much (?:was|were) )?(?P<a2>[\w\s'&,-]+?)\s+plus\s+(?P<b2>[\w\s'&-]+?)(?:\s+combined)?(?:\s+(?:at|as of|for|in|on|during)\b|\s*\?|$)",
    re.IGNORECASE,
)
_MINUS = re.compile(r"\(\s*(?P<a>[\w\s'&-]+?)\s+minus\s+(?P<b>[\w\s'&-]+?)\s*\)", re.IGNORECASE)
_COMBINED = re.compile(r"\b(?:combined total of|sum of|total of|combined)\s+(?P<items>.+?)(?:\s+(?:at|as of|for|in|on)\s+(?=[A-Z0-9a-z])|\?|$)", re.IGNORECASE)
_GROWTH = re.compile(r"\b(grow|grew|growth|increase|increased|decrease|decreased|decline|declined|change|changed)\b", re.IGNORECASE)
_PERCENT = re.compile(r"\bpercent|percentage|%", re.IGNORECASE)
_BETWEEN = re.compile(r"\b(?:between|from)\b.+\b(?:and|to)\b", re.IGNORECASE)

# Named ratios and the line items that make them, for questions that do not define them.
NAMED_RATIOS = [
    (re.compile(r"\bgross margin\b", re.IGNORECASE), "gross margin gross profit", "net sales total revenues"),
    (re.compile(r"\boperating margin\b", re.IGNORECASE), "operating income", "total revenues net sales"),
    (re.compile(r"\b(?:net|profit) margin\b", re.IGNORECASE), "net income", "total revenues net sales"),
    (re.compile(r"\beffective tax rate\b", re.IGNORECASE), "provision for income taxes income tax expense", "income before provision for income taxes"),
]


@dataclass
class Operation:
    kind: str  # "ratio" | "growth" | "change" | "sum" | "difference"
    operands: list[str]  # line-item phrases, resolved by the figure machinery
    percent: bool


def read_operation(question: str) -> Operation | None:
    q = question.strip()
    m = _MINUS.search(q)
    if m:
        return Operation("difference", [m["a"], m["b"]], False)
    m = _PLUS.search(q)
    if m and m["a"]:
        head = _head_noun(q[: m.start()])
        return Operation("sum", [_with_head(m["a"], head), _with_head(m["b"], head)], False)
    if m:
        return Operation("sum", [m["a2"], m["b2"]], False)
    m = _COMBINED.search(q)
    if m:
        items = _split_items(m["items"])
        if len(items) >= 2:
            return Operation("sum", items, False)
    for pattern, numerator, denominator in NAMED_RATIOS:
        if pattern.search(q):
            m = _AS_PCT_OF.search(q)
            if m and "(" in q:
                return Operation("ratio", [m["a"], m["b"]], True)
            return Operation("ratio", [numerator, denominator], True)
    m = _AS_PCT_OF.search(q)
    if m and re.search(r"as a percentage of|divided by|as a share of", q, re.IGNORECASE):
        return Operation("ratio", [m["a"], m["b"]], True)
    if _GROWTH.search(q):
        subject = re.sub(r"\b(by how much|by what percentage|by what percent|what was the|how much|did|does|do|grow|grew|growth|increase|increased|decrease|decreased|decline|declined|change|changed|in percent|year over year|year-over-year|versus.*|compared.*|between.*|from .*|the|in)\b", " ", q, flags=re.IGNORECASE)
        percent = bool(_PERCENT.search(q)) or (re.search(r"\bgrow|growth\b", q, re.IGNORECASE) is not None and not _BETWEEN.search(q))
        return Operation("growth" if percent else "change", [subject], percent)
    return None


def _head_noun(text: str) -> str:
    words = re.findall(r"[A-Za-z'-]+", text)
    return words[-1] if words else ""


def _with_head(item: str, head: str) -> str:
    return item if head and head.lower() in item.lower() else f"{item} {head}".strip()


def _split_items(text: str) -> list[str]:
    """ "cash and cash equivalents, short-term and long-term marketable securities" names three
    line items: "and" inside "cash and cash equivalents" joins one label, while "short-term and
    long-term" shares its head noun ("marketable securities") between two."""
    out: list[str] = []
    for part in (p.strip() for p in re.split(r",\s*(?:and\s+)?", text) if p.strip()):
        pieces = [p.strip() for p in re.split(r"\s+and\s+", part) if p.strip()]
        if len(pieces) == 2 and len(pieces[0].split()) == 1 and pieces[0].lower() not in pieces[1].lower():
            head = pieces[1].split()[1:]
            out.extend([" ".join([pieces[0], *head]), pieces[1]])
        else:
            out.append(part)
    return out


@dataclass
class Computed:
    value: Decimal
    unit: Unit
    scale: Scale
    formula: str


def _dec(fact: Fact) -> Decimal:
    text = (fact.text or "").replace(",", "")
    m = re.search(r"\d+(?:\.\d+)?", text)
    if m:
        value = Decimal(m.group(0))
        return -value if fact.value < 0 else value
    return Decimal(repr(fact.value))


def _fmt(d: Decimal) -> str:
    return format(d.normalize(), "f") if d == d.to_integral_value() else format(d, "f")


def _same_scale(facts: list[Fact]) -> list[Decimal]:
    """Operands in one scale (the smallest among them), so "millions" and "thousands" add right."""
    factor = min(f.scale.factor for f in facts)
    return [_dec(f) * Decimal(f.scale.factor // factor) for f in facts]


def compute(op: Operation, facts: list[Fact]) -> Computed:
    values = _same_scale(facts)
    scale = min((f.scale for f in facts), key=lambda s: s.factor)
    unit = facts[0].unit
    shown = [_fmt(v) for v in values]
    match op.kind:
        case "ratio":
            result = values[0] / values[1] * 100
            return Computed(_round(result), Unit.PERCENT, Scale.UNITS, f"{shown[0]} / {shown[1]} * 100")
        case "growth":
            current, prior = values
            result = (current / prior - 1) * 100
            return Computed(_round(result), Unit.PERCENT, Scale.UNITS, f"({shown[0]} / {shown[1]} - 1) * 100")
        case "change" | "difference":
            return Computed(values[0] - values[1], unit, scale, f"{shown[0]} - {shown[1]}")
        case "sum":
            return Computed(sum(values, Decimal(0)), unit, scale, " + ".join(shown))
    raise ValueError(f"unknown operation {op.kind}")


def _round(d: Decimal) -> Decimal:
    return d.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
