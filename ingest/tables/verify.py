"""Check a table against its own arithmetic: components that sum to their printed total.

A row is `verified` when some printed total confirms it: the total equals the sum of the rows just
above it (a block of components), or a result row equals the row two above minus the row above
("Loss before income taxes" minus "Income tax expense" gives "Net loss"). Every column must agree,
within the rounding the printed precision allows.
"""

from __future__ import annotations

from decimal import Decimal

from filingqa.ingest.model import Row

MAX_COMPONENTS = 12


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


def verify_rows(rows: list[Row]) -> None:
    for t, total in enumerate(rows):
        same_unit = lambda r: r.unit == total.unit and r.scale == total.scale  # noqa: E731
        for k in range(2, min(MAX_COMPONENTS, t) + 1):
            parts = rows[t - k : t]
            if not all(same_unit(p) for p in parts):
                break
            if _agrees(total, parts, [1] * k):
                total.verified = True
                for p in parts:
                    p.verified = True
                break
        if t >= 2 and not total.verified:
            a, b = rows[t - 2], rows[t - 1]
            if same_unit(a) and same_unit(b) and _agrees(total, [a, b], [1, -1]):
                total.verified = a.verified = b.verified = True
