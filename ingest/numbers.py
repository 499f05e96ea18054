"""The number grammar of financial tables: how a cell spells a value.

Worked examples (each pinned by a test):
    "$(0.09)" -> -0.09        parentheses are negative
    "(2,646)" -> -2646
    "12.6 %"  -> 12.6, percent
    "—", "–", "-", "_" -> 0   a dash is a nil (OCR turns it into "_")
    "F 1C4"   -> malformed    digits mixed with letters: an OCR-garbled cell, never a value
    "n/m"     -> no value     "not meaningful" and friends are blanks, not zeros
    "5 – 40"  -> no value     a range (depreciable lives in years) is text, not a damaged number
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

# A cell's amount: optional sign, currency, parentheses, thousands separators, decimals, percent.
# The spaces are possessive (`\s*+`): no part after them starts with a space, and backtracking
# over them made a cell like "4 <100 spaces> Fiscal Year Ended" take 13 s (salesforce-10k-2023).
_AMOUNT = re.compile(
    r"""^
    (?P<dir>up|down|increase|decrease|higher|lower)?\s*+
    (?P<minus>[-\u2212\u2013])?\s*+
    (?P<cur1>\\?\$|US\$|USD)?\s*+
    (?P<open>\()?\s*+
    (?P<minus2>[-\u2212])?\s*+
    (?P<cur2>\\?\$)?\s*+
    (?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)
    \s*+(?P<pct1>%)?
    \s*+(?P<close>\))?
    \s*+(?P<pct2>%)?
    \s*+(?P<ppt>pts?|ppts?|bps|basis\s+points|percentage\s+points)?
    \s*+(?P<foot>\*{1,3}|\^|\(\w\)|[\u00b9\u00b2\u00b3\u2070-\u2079]+)?
    $""",
    re.VERBOSE,
)
_DASH = re.compile(r"^(?:\\?\$)?\s*[\u2014\u2013\u2012\u2015\-_\u2212]{1,3}\s*%?$")
_BLANK_WORDS = re.compile(r"^(n/?m|n/?a|nm|na|\*+|—%|nmf|not meaningful|—\s*%)$", re.IGNORECASE)
# A currency symbol left alone in a cell (kept apart from its number by layout).
# "\$" is a dollar sign escaped by a Markdown-producing PDF converter; "ф" is OCR's reading of "$".
_CURRENCY_ONLY = re.compile(r"^(\\?\$|US\$|€|£|ф|Ф)$")
_HAS_DIGIT = re.compile(r"\d")
# "5 – 40", "2 to 5", "$44.09 - $193.58": two numbers joined by a dash between spaces or "to".
_RANGE = re.compile(r"^\$?\d[\d,.]*%?\s*(?:[\u2013\u2014]|\s-\s|\s+to\s+)\s*\$?\d[\d,.]*%?$", re.IGNORECASE)
# Cells that name a period in a header row.
PERIOD_CELL = re.compile(
    r"^(?:(?:vs\.?|versus)\s*)?(?:q[1-4]|h[12]|fy|fiscal)\s*'?\s*\d{2}(?:\d{2})?\s*(?:\(\w\)|\*+|:)?$"
    r"|^(?:vs\.?|versus)\s*(?:19|20)\d{2}$|^(?:19|20)\d{2}\s*:$|^'\d{2}$",
    re.IGNORECASE,
)
_HAS_LETTER = re.compile(r"[A-Za-z\u0400-\u04ff]")


@dataclass(frozen=True)
class Amount:
    """A parsed cell. `value` is exact as printed (Decimal turned float only at the edge)."""

    value: float
    decimal: Decimal
    percent: bool = False
    currency: bool = False
    dash: bool = False
    text: str = ""


class MalformedNumber(ValueError):
    """A cell that looks numeric but no valid amount spells it: OCR damage."""


def parse_amount(text: str) -> Amount | None:
    """Parse one cell. None when the cell is not an amount; MalformedNumber when it is a damaged one."""
    cell = text.strip().replace("\u00a0", " ")
    if not cell:
        return None
    if _DASH.match(cell):
        return Amount(0.0, Decimal(0), percent=cell.endswith("%"), currency=cell.startswith("$"), dash=True, text=cell)
    if _BLANK_WORDS.match(cell):
        return None
    m = _AMOUNT.match(cell)
    if m:
        if bool(m["open"]) != bool(m["close"]):
            # "(2,646" without its ")" happens when a layout splits cells; accept a lone open paren
            # only when nothing else follows it, which the regex guarantees.
            pass
        dec = Decimal(m["num"].replace(",", ""))
        if m["ppt"] and m["ppt"].lower().startswith(("bp", "basis")):
            return None  # basis points are a unit of their own; not read as a value here
        negative = bool(m["open"]) or bool(m["minus"]) or bool(m["minus2"]) or (m["dir"] or "").lower() in ("down", "decrease", "lower")
        if negative:
            dec = -dec
        return Amount(
            float(dec),
            dec,
            percent=bool(m["pct1"] or m["pct2"] or m["ppt"]),
            currency=bool(m["cur1"] or m["cur2"]),
            text=cell,
        )
    if PERIOD_CELL.match(cell):
        return None  # "Q4 2022", "vs. 2021", "FY23": a column header, not a damaged amount
    if _RANGE.match(cell):
        return None
    if _HAS_DIGIT.search(cell) and looks_numeric(cell):
        raise MalformedNumber(cell)
    return None


def looks_numeric(cell: str) -> bool:
    """True for cells that are mostly digits and number punctuation: a value, maybe damaged.

    "F 1C4" and "(F_4F0)" look numeric (short, digit-bearing, no word); "Note 3" or "2004 and 2003"
    do not count as damaged amounts.
    """
    compact = cell.replace(" ", "")
    if not compact or len(compact) > 20:
        return False
    digits = sum(ch.isdigit() for ch in compact)
    letters = sum(ch.isalpha() for ch in compact)
    words = re.findall(r"[A-Za-z]{3,}", cell)
    return digits >= 1 and letters <= 3 and not words


def is_range(text: str) -> bool:
    """A cell that spells a range of numbers ("5 – 40"): a value column's text, not an amount."""
    return bool(_RANGE.match(text.strip().replace("\u00a0", " ")))


def is_currency_only(text: str) -> bool:
    return bool(_CURRENCY_ONLY.match(text.strip()))


def is_number_token(text: str) -> bool:
    """A token that is a whole amount on its own (used to split "10.054 0.054" into two cells)."""
    try:
        return parse_amount(text) is not None
    except MalformedNumber:
        return False
