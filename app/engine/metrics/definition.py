"""Definitions stated in a question, read into an expression over Terms with their periods.

    "FY2019 revenue / (average PP&E between FY2018 and FY2019)"
    "365 * (average accounts payable between FY2016 and FY2017) / (FY2017 COGS + change in inventory
     between FY2016 and FY2017)"
    "year-end accounts payable / total cost of sales x 365"
    "net income over the average of the 2018 and 2017 year-end total stockholders' equity"
    "simple average of the three annual operating income / total net sales ratios"

Each item phrase is matched to a library concept where it names one (so its statement, period rule
and sign rule come along); a phrase the library does not know stays a free phrase for the resolver.
Items with no period of their own are relative to the question's period (bound later).
"""

from __future__ import annotations

import dataclasses
import re
from datetime import date

from filingqa.app.engine.metrics import grammar
from filingqa.app.engine.metrics.expr import BinOp, Expr, Mean, Neg, Num, PeriodRef, Term, at_year
from filingqa.app.engine.metrics.library import Library, phrase_key
from filingqa.ingest.periods import find_dates

_MONTH = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
PERIOD = rf"(?:{_MONTH}\s+\d{{1,2}},?\s+(?:19|20)\d{{2}}|(?:fy|fiscal(?:\s+year)?)\s*'?(?:(?:19|20)\d{{2}}|\d{{2}})|(?:19|20)\d{{2}}(?:\s+fiscal\s+year)?)"
_P = PERIOD
_RANGE_DASH = re.compile(rf"({_P})\s*[-–]\s*({_P})", re.IGNORECASE)
_STATEMENT_HINT = re.compile(
    r"[\s,]*\(?\b(?P<both>both |all |each )?(?:as )?(?:from|per|on|in|as shown in|as reported in)\s+the\s+"
    r"(?P<st>cash[\s-]flows?\s+statements?|statements?\s+of\s+cash\s+flows|income\s+statements?|statements?\s+of\s+(?:operations|income)|balance\s+sheets?)\)?\s*$",
    re.IGNORECASE,
)
_AVG_BETWEEN = re.compile(rf"^(?:the\s+)?(?:simple\s+)?average\s+(?:of\s+)?(?:the\s+)?(?P<x>.+?)\s+(?:between|from|over|for)\s+(?:the\s+)?(?P<a>{_P})\s+(?:and|to|through|-)\s+(?P<b>{_P})(?:\s+(?:year[\s-]ends?|balances?))?$", re.IGNORECASE)
_AVG_OF_PERIODS = re.compile(rf"^(?:the\s+)?(?:simple\s+)?average\s+of\s+(?:the\s+)?(?P<a>{_P})\s+and\s+(?P<b>{_P})\s+(?P<x>.+)$", re.IGNORECASE)
_CHANGE_BETWEEN = re.compile(rf"^(?:the\s+)?(?:change|increase|decrease)\s+in\s+(?:the\s+)?(?P<x>.+?)\s+(?:between|from)\s+(?:the\s+)?(?P<a>{_P})\s+(?:and|to)\s+(?P<b>{_P})$", re.IGNORECASE)
_AVG = re.compile(r"^(?:the\s+)?(?:simple\s+)?(?:average|avg\.?|mean)\s+(?:of\s+)?(?:the\s+)?(?P<x>.+)$", re.IGNORECASE)
_CHANGE = re.compile(r"^(?:the\s+)?(?:change|increase|decrease)\s+in\s+(?:the\s+)?(?P<x>.+)$", re.IGNORECASE)
_PREFIX_PERIOD = re.compile(rf"^(?P<p>{_P})\s+(?P<x>.+)$", re.IGNORECASE)
_SUFFIX_PERIOD = re.compile(rf"^(?P<x>.+?)\s*,?\s+(?:in|for|at|as of|during|of)\s+(?:the\s+)?(?P<p>{_P})$", re.IGNORECASE)
_YEAR_END = re.compile(r"^(?:the\s+)?(?:year[\s-]end(?:ing)?|end[\s-]of[\s-](?:the[\s-])?(?:fiscal[\s-])?year|ending|closing|period[\s-]end)\s+", re.IGNORECASE)
_OPENING = re.compile(r"^(?:the\s+)?(?:beginning[\s-]of[\s-](?:the[\s-])?(?:fiscal[\s-])?year|opening|beginning|prior[\s-]year[\s-]end)\s+", re.IGNORECASE)
_PRIOR = re.compile(r"^(?:the\s+)?(?:prior|previous|last)[\s-](?:fiscal[\s-])?year(?:'s)?\s+", re.IGNORECASE)
_QUARTER_WORDS = re.compile(r"^(?:the\s+)?(?:(?:first|second|third|fourth)[\s-]+(?:fiscal[\s-]+)?quarter|q[1-4]|quarterly)\s+", re.IGNORECASE)
_ANNUAL = re.compile(r"^(?:the\s+)?(?:annual|yearly|full[\s-]year|total\s+annual)\s+", re.IGNORECASE)
_BALANCE_WORDS = re.compile(r"\b(?:balance|balances|at year[\s-]end|outstanding at)\b", re.IGNORECASE)
# "the simple average of the three annual operating income / total net sales ratios": a mean over
# the question's years of the ratio inside.
_MEAN_OF_RATIOS = re.compile(
    r"^(?:the\s+)?(?:simple\s+)?(?:average|mean)\s+of\s+(?:the\s+)?(?:(?:two|three|four|five|\d+)\s+)?(?:annual|yearly|fiscal[\s-]year)?\s*(?P<inner>.+?)"
    r"(?:\s+ratios?|\s+margins?)?(?:\s+for\s+each\s+(?:fiscal\s+)?year|\s+each\s+year)?$",
    re.IGNORECASE,
)
_LEADING_THE = re.compile(r"^(?:the|a|an)\s+", re.IGNORECASE)
_SHORT_GLOSS = re.compile(r"^(?:net|loss|benefit|income|gain|expense|deficit|credit|provision|net of allowances?)$", re.IGNORECASE)
_STATEMENT_KEYS = (("cash", "cash_flow"), ("income", "income"), ("operations", "income"), ("balance", "balance"))


def parse_period(text: str) -> PeriodRef:
    """ "FY2019", "fiscal 2019", "2019", "FY19" -> a fiscal year; "May 31, 2023" -> that date."""
    dates = find_dates(text)
    if dates:
        return PeriodRef(end=dates[0][0])
    m = re.search(r"(\d{4}|\d{2})", text)
    if not m:
        raise ValueError(f"no period in {text!r}")
    y = int(m.group(1))
    return PeriodRef(fiscal_year=y if y > 99 else 2000 + y)


def _span(a: PeriodRef, b: PeriodRef) -> tuple[PeriodRef, ...]:
    """The periods from a to b inclusive, oldest first (a and b may come in either order)."""
    lo, hi = sorted((a, b), key=_sort_key)
    if lo.fiscal_year is not None and hi.fiscal_year is not None:
        return tuple(PeriodRef(fiscal_year=y) for y in range(lo.fiscal_year, hi.fiscal_year + 1))
    return (lo, hi)


def _sort_key(p: PeriodRef):
    return p.end or date(p.fiscal_year or 1, 12, 31)


class DefinitionReader:
    """Reads one stated definition; `library` supplies concepts for the phrases it knows."""

    def __init__(self, library: Library, overrides: dict[str, Expr] | None = None):
        self.lib = library
        self.overrides = overrides or {}  # sub-metrics the question defines too ("DIO is defined as ...")
        self._made: list[Term] = []
        self._both: list[tuple[int, str]] = []

    def read(self, text: str, years: tuple[PeriodRef, ...] = ()) -> tuple[Expr, bool]:
        """The expression and whether it is a percentage ("X as a % of Y").

        years: the question's span, for "the simple average of the annual X / Y ratios".
        """
        text = _RANGE_DASH.sub(r"\1 through \2", text.strip().rstrip(".?"))
        m = _MEAN_OF_RATIOS.match(text)
        if m and _has_operator(m["inner"]):
            inner, percent = self.read(m["inner"])
            if not years:
                raise ValueError(f"an average of annual ratios needs the years it covers: {text!r}")
            return Mean(tuple(at_year(inner, p.fiscal_year) for p in years), "simple average of annual values"), percent
        self._made, self._both = [], []
        expr, percent = grammar.parse(text, self._item)
        expr, hundred = _strip_times_100(expr)
        return self._apply_both(expr), percent or hundred

    def _item(self, text: str, glosses: list[str]) -> Expr:
        phrase = text.strip(" ,;:")
        statement = None
        h = _STATEMENT_HINT.search(phrase)
        if h and h.start() > 0:
            statement, phrase = _statement(h["st"]), phrase[: h.start()].strip(" ,")
            if h["both"]:
                self._both.append((len(self._made), statement))
        aliases: list[str] = []
        for g in glosses:
            gh = _STATEMENT_HINT.search(" " + g)
            if gh and gh.start() == 0:
                statement = _statement(gh["st"])
                if gh["both"]:
                    self._both.append((len(self._made), statement))
            elif _SHORT_GLOSS.match(g.strip()):
                phrase = f"{phrase} ({g.strip()})"
            else:
                aliases.append(g.strip())
        metric = self._metric(phrase)
        if metric is not None:
            return metric
        term = self._term(phrase, aliases, statement)
        self._made.append(term)
        return term

    def _metric(self, phrase: str) -> Expr | None:
        """An item that is itself a metric ("DIO + DSO - DPO", "free cash flow / net income"): the
        question's own definition of it, else the library's. A line item's name wins (a row
        labelled "Gross margin" is gross profit, not the ratio)."""
        key = phrase_key(phrase)
        if key in self.overrides:
            return self.overrides[key]
        if self.lib.concept_for(phrase) is not None:
            return None
        metric = self.lib.metric_named(phrase)
        return metric.expr if metric is not None and not metric.generic else None

    def _term(self, phrase: str, aliases: list[str], statement: str | None) -> Term:
        how, periods, instant, offset = "value", (PeriodRef(),), None, 0
        for pattern, kind in ((_AVG_BETWEEN, "average"), (_CHANGE_BETWEEN, "change")):
            m = pattern.match(phrase)
            if m:
                how, periods, phrase = kind, _span(parse_period(m["a"]), parse_period(m["b"])), m["x"]
                if kind == "change":
                    periods = (periods[0], periods[-1])
                break
        else:
            m = _AVG_OF_PERIODS.match(phrase)
            if m:
                how, periods, phrase = "average", _span(parse_period(m["a"]), parse_period(m["b"])), m["x"]
            elif (m := _AVG.match(phrase)) and not _has_operator(m["x"]):
                how, periods, phrase = "average", (PeriodRef(offset=-1), PeriodRef()), m["x"]
            elif m := _CHANGE.match(phrase):
                how, periods, phrase = "change", (PeriodRef(offset=-1), PeriodRef()), m["x"]
        if how == "value":
            if m := _PREFIX_PERIOD.match(phrase):
                periods, phrase = (parse_period(m["p"]),), m["x"]
            elif m := _SUFFIX_PERIOD.match(phrase):
                periods, phrase = (parse_period(m["p"]),), m["x"]
        if m := _YEAR_END.match(phrase):
            instant, phrase = True, phrase[m.end() :]
        elif m := _OPENING.match(phrase):
            instant, offset, phrase = True, -1, phrase[m.end() :]
        elif m := _PRIOR.match(phrase):
            offset, phrase = -1, phrase[m.end() :]
        elif m := _ANNUAL.match(phrase):
            instant, phrase = False, phrase[m.end() :]
        elif m := _QUARTER_WORDS.match(phrase):  # the question's period reader took the quarter
            instant, phrase = False, phrase[m.end() :]
        phrase = _LEADING_THE.sub("", phrase.strip(" ,"))
        if re.search(r"\byear[\s-]end$", phrase, re.IGNORECASE):  # "2018 and 2017 year-end"
            instant, phrase = True, re.sub(r"\s*year[\s-]end$", "", phrase, flags=re.IGNORECASE)
        if offset:
            periods = tuple(p.shifted(offset) for p in periods)
        concept = self.lib.concept_for(phrase) or next((c for a in aliases if (c := self.lib.concept_for(a))), None)
        if instant is None:
            instant = concept.instant if concept else (True if _BALANCE_WORDS.search(phrase) else None)
        if how == "average" and instant is None:
            instant = True  # an average "between" two year-ends is of balances
        phrases = tuple(dict.fromkeys([phrase, *aliases, *(concept.phrases if concept else ())]))
        return Term(
            phrase=phrase,
            phrases=phrases,
            concept=concept.key if concept else None,
            statement=statement or (concept.statement if concept else None),
            instant=instant,
            how=how,
            periods=periods,
            sign=concept.sign if concept else "as_printed",
        )

    def _apply_both(self, expr: Expr) -> Expr:
        """ "(both from the cash flow statement)" also places the item before the last one."""
        if not self._both:
            return expr
        updates = {}
        for index, statement in self._both:
            for i in (index, index - 1):
                if 0 <= i < len(self._made):
                    updates[self._made[i]] = dataclasses.replace(self._made[i], statement=statement)
        return _replace_terms(expr, updates)


def _replace_terms(expr: Expr, updates: dict) -> Expr:
    match expr:
        case Term():
            return updates.get(expr, expr)
        case BinOp(op=op, left=left, right=right):
            return BinOp(op, _replace_terms(left, updates), _replace_terms(right, updates))
        case Neg(operand=o):
            return Neg(_replace_terms(o, updates))
        case Mean(items=items, label=label):
            return Mean(tuple(_replace_terms(i, updates) for i in items), label)
    return expr


def _strip_times_100(expr: Expr) -> tuple[Expr, bool]:
    """ "net income / revenue * 100": a percentage; the evaluator scales percentages itself."""
    if isinstance(expr, BinOp) and expr.op == "*":
        for keep, other in ((expr.left, expr.right), (expr.right, expr.left)):
            if isinstance(other, Num) and other.value == 100:
                return keep, True
    return expr, False


def _statement(words: str) -> str:
    w = words.lower()
    return next(key for word, key in _STATEMENT_KEYS if word in w)


def _has_operator(text: str) -> bool:
    return any(t.kind == "op" for t in grammar.tokenize(text))


def read_definition(text: str, library: Library, years: tuple[PeriodRef, ...] = ()) -> tuple[Expr, bool]:
    return DefinitionReader(library).read(text, years)


__all__ = ["PERIOD", "DefinitionReader", "parse_period", "read_definition"]
