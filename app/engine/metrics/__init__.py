"""Analyst metrics computed exactly from a filing's own cells: the arithmetic half of issue 12.

The seam (what the engine calls; nothing here looks anything up in a filing):

    from filingqa.app.engine import metrics

    mq = metrics.read_question(question)          # MetricQuestion, or None: not a metric question
    result = metrics.compute(mq, resolve)         # Result
    # or both in one call:
    result = metrics.answer(question, resolve)    # Result, or None when not a metric question

`resolve(term) -> Input | None` is the engine's: it is called once per distinct cell the metric
needs, with a single-period Term:
    term.phrases    phrases to look up, best first (the question's own words, then the library's)
    term.concept    library concept key ("revenue", "ppe_net", ...) or None for a free phrase
    term.statement  "income" | "balance" | "cash_flow" | None: where the definition takes it from
    term.instant    True: a balance at the period's end; False: a flow over the (fiscal) year; None: unknown
    term.period     PeriodRef: .fiscal_year (the filer's naming) and/or .end (a date the question
                    names; wins), .quarter; when the question names no period both are None and
                    .offset says how many years before the filing's current fiscal year (0, -1, ...)
and returns the cell as an `Input` (build it with `input_from_fact(fact)` from a Fact: the printed
text is parsed exactly, the Fact is kept as `source`), or None when the filing has no such line item
for that period. Never return a near item: the library's alternatives (gross profit = revenue -
cost of revenue) are tried here, and shown as such.

The Result: status ok | missing | not_meaningful | undefined | error; value (exact Decimal, in
`unit`: percent x100, days, ratio, USD in `scale`), rounded (as asked), formula ("260,174 /
((37,378 + 41,304) / 2) = 6.6137"), inputs ([Used(term, input, value as used)], input.source is the
engine's Fact for the citation), missing (the Terms no cell answered), notes, reason (the abstention
sentence), shown() ("37.8%") and text() (a one-line answer). `result_figure(result)` is the
engine's first Figure for it (exact value, unit "percent"/"ratio"/"days"/"USD"/"USD/share", scale,
formula); the input figures come from each `u.input.source` (the Fact) as the engine makes them.

Comparisons across rows ("which segment declined most") are `ranking.read_ranking(question)` and
`ranking.rank(rows, query, period, prior)`: pure functions over candidate rows the engine supplies.
"""

from __future__ import annotations

from filingqa.app.engine.metrics.evaluate import Input, Resolve, Result, Used, evaluate, exact_value, input_from_fact
from filingqa.app.engine.metrics.expr import PeriodRef, Term
from filingqa.app.engine.metrics.library import Library, load
from filingqa.app.engine.metrics.present import result_figure
from filingqa.app.engine.metrics.ranking import Candidate, RankQuery, Ranking, rank, read_ranking
from filingqa.app.engine.metrics.reading import MetricQuestion, read_question


def compute(mq: MetricQuestion, resolve: Resolve, library: Library | None = None) -> Result:
    """Evaluate a read metric question with the engine's resolver."""
    result = evaluate(
        mq.expr,
        resolve,
        name=mq.name,
        unit=mq.unit if mq.unit in ("percent", "ratio", "days") else None,
        decimals=mq.decimals,
        scale=mq.scale,
        allow_not_meaningful=mq.allow_not_meaningful,
        library=library,
    )
    if result.ok and mq.unit in ("USD", "USD/share") and result.unit != mq.unit:
        return Result("error", mq.name, inputs=result.inputs, reason=f"{mq.name} should be in {mq.unit} but its inputs give {result.unit} ({result.formula})")
    return result


def is_metric_question(question: str) -> bool:
    """Whether the question asks for a metric this package computes (for the engine's classifier)."""
    return read_question(question) is not None


def answer(question: str, resolve: Resolve, library: Library | None = None) -> Result | None:
    """One call: None when the question asks for no metric, else the computed Result."""
    mq = read_question(question, library)
    return None if mq is None else compute(mq, resolve, library)


__all__ = [
    "Candidate",
    "Input",
    "MetricQuestion",
    "PeriodRef",
    "RankQuery",
    "Ranking",
    "Result",
    "Term",
    "Used",
    "answer",
    "compute",
    "exact_value",
    "input_from_fact",
    "is_metric_question",
    "load",
    "rank",
    "read_question",
    "read_ranking",
    "result_figure",
]
