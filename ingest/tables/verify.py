"""Check a table against its own arithmetic: components that sum to their printed total.

A row is `verified` when some printed total confirms it: the total equals the sum of the rows just
above it (a block of components), or a result row equals the row two above minus the row above
("Loss before income taxes" minus "Income tax expense" gives "Net loss"). Every column must agree,
within the rounding the printed precision allows. Components that add up to a total share its
unit, so a single component the label words typed otherwise is retyped to the total's.
"""

from __future__ import annotations

from decimal import Decimal

from filingqa.ingest.model import Row, Unit

MAX_COMPONENTS = 12
_AMBIGUOUS = frozenset({Unit.USD, Unit.SHARES})


def _tolerance(rows: list[Row], count: int) -> float:
    """Half a unit of the last printed digit per component: printed totals are rounded sums."""
    places = 0
    for row in rows:
        for text in row.texts:
            if text and "." in text:
                digits = text.split(".")[-1]
                places = max(places, sum(ch.isdigit() for ch in digits))
    unit = float(Decimal(1).scaleb(-places))
    return unit * max(0.5, count / 2) + 1e-9


def _agrees(total: Row, parts: list[Row], signs: list[int]) -> bool:
    tol = _tolerance([total, *parts], len(parts))
    compared = 0
    for i, value in enumerate(total.values):
        if value is None:
            continue
        comp = [p.values[i] if i < len(p.values) else None for p in parts]
        if any(v is None for v in comp):
            return False
        if abs(sum(s * v for s, v in zip(signs, comp)) - value) > tol:
            return False
        compared += 1
    # All-zero columns prove nothing.
    return compared > 0 and any(v not in (None, 0) for v in total.values)


def _retypable(row: Row, total: Row) -> bool:
    """A component whose unit only its label words chose (shares or dollars), under a total whose
    unit is also one of those: the arithmetic may settle it."""
    return row.unit in _AMBIGUOUS and total.unit in _AMBIGUOUS


def _columns_compared(total: Row) -> int:
    return sum(1 for v in total.values if v not in (None, 0))


def verify_rows(rows: list[Row]) -> None:
    for t, total in enumerate(rows):
        same_unit = lambda r: r.unit == total.unit and r.scale == total.scale  # noqa: E731
        for k in range(2, min(MAX_COMPONENTS, t) + 1):
            parts = rows[t - k : t]
            odd = [p for p in parts if not same_unit(p)]
            # Rows that add up to a printed total share its unit: one component typed otherwise
            # by its label ("Shares issued under employee stock plans" in a dollar roll-forward)
            # takes the total's, when every column of at least two agrees.
            if len(odd) > 1 or (odd and (len(parts) - len(odd) < 1 or not _retypable(odd[0], total))):
                break
            if _agrees(total, parts, [1] * k) and (not odd or _columns_compared(total) >= 2):
                for p in odd:
                    p.unit, p.scale = total.unit, total.scale
                total.verified = True
                for p in parts:
                    p.verified = True
                break
        if t >= 2 and not total.verified:
            a, b = rows[t - 2], rows[t - 1]
            if same_unit(a) and same_unit(b) and _agrees(total, [a, b], [1, -1]):
                total.verified = a.verified = b.verified = True
