"""A computed Result as the engine's answer Figure (the first figure of a derived answer)."""

from __future__ import annotations

from filingqa.app.engine.metrics.evaluate import Result
from filingqa.app.engine.model import Figure, PeriodRef


def result_figure(result: Result) -> Figure:
    """The exact computed value (not the rounded one) with its unit, scale, formula and period.

    The period is that of the first input whose source carries one (an ingest Fact's Period); the
    inputs themselves are the engine's to present, from `u.input.source` for u in result.inputs.
    """
    if not result.ok:
        raise ValueError(f"no figure for a {result.status} result: {result.reason}")
    period = next((p for p in (getattr(u.input.source, "period", None) for u in result.inputs) if p is not None), None)
    return Figure(
        value=float(result.value),
        scale=result.scale.value if result.scale is not None else "units",
        unit=result.unit,
        label=result.name,
        period=PeriodRef(end=period.end, months=period.months) if period is not None else None,
        verified=bool(result.inputs) and all(getattr(u.input.source, "verified", False) for u in result.inputs),
        formula=result.formula,
    )
