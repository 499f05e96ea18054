"""The inline-XBRL transformation grammar: how a tag's `format` turns printed text into a value.

Worked examples (each pinned by a test):
    ixt:num-dot-decimal   "1,234.5"  -> 1234.5     (TR4 name; TR1-3 "numdotdecimal", "numcommadot")
    ixt:num-comma-decimal "1.234,5"  -> 1234.5     (TR1-3 "numcommadecimal", "numdotcomma")
    ixt:fixed-zero        "—", "no"  -> 0          (whatever it prints; TR1-3 "zerodash" must print a dash)
    ixt-sec:numwordsen    "three"    -> 3          ("no", "none" -> 0; "twenty-five", "one hundred")
    no format             "1234.50"  -> 1234.5     (the canonical xsd:decimal)
Then the tag's scale multiplies (10^scale) and sign="-" negates. A format this module does not
know raises `FormatError` naming it, so a new transform is noticed instead of misread.
Dates for the dei facts: "July 30, 2023", "2023-07-30"; month-days "1/28", "December 31", "--12-31".
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from filingqa.ingest.loaders.text import parse_date

_SPACES = re.compile(r"[\s\u00a0\u2009\u202f]+")
_DOT_DECIMAL = re.compile(r"^\d{1,3}(?:[, \u00a0\u2009\u202f']?\d{3})*(?:\.\d*)?$|^\.\d+$")
_COMMA_DECIMAL = re.compile(r"^\d{1,3}(?:[. \u00a0\u2009\u202f']?\d{3})*(?:,\d*)?$|^,\d+$")
_DASHES = re.compile(r"^[\s\u00a0]*[-\u2010-\u2015\u2212_]*[\s\u00a0]*$")
_UNIT_DECIMAL = re.compile(r"^(\d[\d,. ]*)\D+?(\d{1,2})?\D*$")
_NUMBER_WORD_SPLIT = re.compile(r"[\s\u00a0,-]+")
_MONTH_DAY_NUMERIC = re.compile(r"^(?:--)?(\d{1,2})[/\-.](\d{1,2})$")
_MONTH_DAY_NAMED = re.compile(r"^([A-Za-z]{3,9})\.?\s+(\d{1,2})$")
_SLASH_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_MONTHS = {m: i for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), start=1)}

_UNITS = {
    "zero": 0, "no": 0, "none": 0, "one": 1, "a": 1, "an": 1, "two": 2, "three": 3, "four": 4, "five": 5,
    "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}
_MULTIPLIERS = {"hundred": 100, "thousand": 10**3, "million": 10**6, "billion": 10**9, "trillion": 10**12}

# Format local names (the prefix, ixt: or ixt-sec:, varies by transformation registry version).
_DOT_FORMATS = frozenset({"num-dot-decimal", "numdotdecimal", "numcommadot", "numspacedot", "num-dot-decimal-apos", "numdotdecimalin", "num-dot-decimal-in"})
_COMMA_FORMATS = frozenset({"num-comma-decimal", "numcommadecimal", "numdotcomma", "numspacecomma", "numcomma", "num-comma-decimal-apos"})
_FIXED_ZERO = frozenset({"fixed-zero"})  # TR4: zero whatever the text ("—", "no", "none")
_DASH_FORMATS = frozenset({"zerodash", "numdash"})  # TR1-3: zero, spelled as a dash
_WORD_FORMATS = frozenset({"numwordsen", "num-word-en", "numwordsenno", "numwords-en"})
_UNIT_FORMATS = frozenset({"num-unit-decimal", "numunitdecimal", "num-unit-decimal-apos"})


class FormatError(ValueError):
    """A tag whose printed text its format cannot read (or a format nobody taught us)."""


def local_format(fmt: str | None) -> str:
    return (fmt or "").rsplit(":", 1)[-1].strip().lower()


def read_number(shown: str, fmt: str | None) -> Decimal:
    """The unsigned, unscaled number a tag prints, by its format."""
    name = local_format(fmt)
    text = shown.strip()
    if name in _FIXED_ZERO:
        return Decimal(0)
    if name in _DASH_FORMATS:
        if not _DASHES.match(text):
            raise FormatError(f"{fmt} expects a dash or nothing, the tag prints {shown!r}")
        return Decimal(0)
    if name in _WORD_FORMATS:
        return Decimal(number_words(text))
    if name in _UNIT_FORMATS:
        m = _UNIT_DECIMAL.match(text)
        if not m:
            raise FormatError(f"{fmt} cannot read {shown!r}")
        whole = _SPACES.sub("", m.group(1)).replace(",", "").replace(".", "")
        return Decimal(f"{whole}.{m.group(2) or '0'}")
    if name in _COMMA_FORMATS:
        if not _COMMA_DECIMAL.match(text):
            raise FormatError(f"{fmt} cannot read {shown!r}")
        return _decimal(_SPACES.sub("", text).replace(".", "").replace("'", "").replace(",", "."), shown)
    if name in _DOT_FORMATS or name == "":
        # Without a format the content must be an xsd:decimal; filers still print "1,234" there,
        # which reads the same as num-dot-decimal.
        if not _DOT_DECIMAL.match(text):
            raise FormatError(f"{fmt or 'no format'} cannot read {shown!r}")
        return _decimal(_SPACES.sub("", text).replace(",", "").replace("'", ""), shown)
    raise FormatError(f"unknown number format {fmt!r} (printed {shown!r})")


def fact_value(shown: str, fmt: str | None, scale: int, sign: str | None) -> Decimal:
    """The fact's value: the printed number x 10^scale, negated by sign="-"."""
    value = read_number(shown, fmt).scaleb(scale)
    return -value if sign == "-" else value


def number_words(text: str) -> int:
    """English number words as ixt-sec:numwordsen spells them: "no", "three", "twenty-five",
    "one hundred and six", "two thousand"."""
    words = [w for w in _NUMBER_WORD_SPLIT.split(text.lower().strip()) if w and w != "and"]
    if not words:
        raise FormatError(f"numwordsen: no number words in {text!r}")
    total = current = 0
    for word in words:
        if word in _UNITS:
            current += _UNITS[word]
        elif word == "hundred":
            current = max(current, 1) * 100
        elif word in _MULTIPLIERS:
            total += max(current, 1) * _MULTIPLIERS[word]
            current = 0
        else:
            raise FormatError(f"numwordsen: {word!r} in {text!r} is not a number word")
    return total + current


def _decimal(text: str, shown: str) -> Decimal:
    try:
        return Decimal(text.rstrip(".") or "0")
    except InvalidOperation as exc:
        raise FormatError(f"cannot read {shown!r} as a number") from exc


def read_month_day(text: str) -> str | None:
    """'MM-DD' from "--12-31", "1/28", "December 31", "Dec. 31"; None when it is none of those."""
    text = text.strip()
    m = _MONTH_DAY_NUMERIC.match(text)
    if m:
        month, day = int(m[1]), int(m[2])
    else:
        m = _MONTH_DAY_NAMED.match(text)
        if not m or m[1][:3].lower() not in _MONTHS:
            return None
        month, day = _MONTHS[m[1][:3].lower()], int(m[2])
    return f"{month:02d}-{day:02d}" if 1 <= month <= 12 and 1 <= day <= 31 else None


def read_date(text: str) -> dt.date | None:
    """A dei date ("July 30, 2023", "2023-07-30", "07/30/2023"), or None."""
    return parse_date(text) or _slash_date(text.strip())



def _slash_date(text: str) -> dt.date | None:
    m = _SLASH_DATE.match(text)
    if not m:
        return None
    try:
        return dt.date(int(m[3]), int(m[1]), int(m[2]))
    except ValueError:
        return None
