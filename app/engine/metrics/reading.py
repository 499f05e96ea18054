"""Read a whole question as a metric question: which metric or stated definition, which period(s),
the rounding and unit asked, and whether "not a useful metric" is an acceptable answer.

Order of authority: a definition the question states wins over the library's; the library's unit
and usual rounding apply unless the question asks otherwise ("in units of percents and round to one
decimal place", "answer in USD billions").
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from decimal import Decimal

from filingqa.app.engine.metrics.definition import PERIOD, DefinitionReader, parse_period
from filingqa.app.engine.metrics.expr import BinOp, Binding, Expr, Mean, Num, Rel, Slot, PeriodRef, Term, at_year, bind, fill, terms
from filingqa.app.engine.metrics.library import Library, Metric, load, phrase_key
from filingqa.ingest.model import Scale
from filingqa.ingest.periods import find_dates, find_durations

_P = PERIOD
_NUMBER_WORDS = {"zero": 0, "no": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10}
_N = r"(?:zero|no|one|two|three|four|five|six|seven|eight|nine|ten|\d{1,2})"

# A stated definition: "X is defined as: ...", "defined as ...", "computed as ...", "Define DPO as ...".
_DEFINED = re.compile(
    r"(?:(?P<name>[A-Za-z][\w&/'\s-]{1,60}?)\s+(?:is|are|should be|will be)\s+)?(?:defined|calculated|computed|measured)\s+as:?\s+(?P<d>.+?)(?=\?|\.(?:\s|$)|;|$)",
    re.IGNORECASE,
)
_DEFINE = re.compile(r"\bdefine\s+(?P<name>.+?)\s+as:?\s+(?P<d>.+?)(?=\?|\.(?:\s|$)|;|$)", re.IGNORECASE)
_USING = re.compile(r"\b(?:using|use|calculated\s+(?:it\s+)?(?:as|using)|compute\s+it\s+as)\s+(?P<d>.+?)(?=\?|\.(?:\s|$)|;|$)", re.IGNORECASE)
_PAREN = re.compile(r"\((?P<d>[^()]*(?:\([^()]*\)[^()]*)*)\)")
_FORMULA_WORDS = re.compile(r"\s[/*+x×÷]\s|/|\b(?:plus|minus|less|divided by|over|times|multiplied by|as a (?:%|percent(?:age)?|share) of)\b|\baverage of\b.*\b(?:ratio|/)", re.IGNORECASE)
_TRAILING = re.compile(rf"\s*,?\s+(?:for|in|during|at|as of)\s+(?:the\s+)?(?:{_P}|(?:fiscal\s+)?year(?:\s+ended.*)?)\s*$", re.IGNORECASE)

_DECIMALS = re.compile(rf"\b(?P<n>{_N})\s+decimal(?:\s+places?|s)?\b", re.IGNORECASE)
_NEAREST = re.compile(r"\bnearest\s+(?P<w>whole\s+(?:number|percent(?:age)?(?:\s+point)?|day|dollar)|integer|tenth|hundredth|thousandth)\b", re.IGNORECASE)
_NEAREST_SCALE = re.compile(r"\bnearest\s+(?P<s>thousand|million|billion)\b", re.IGNORECASE)
_SCALE = re.compile(r"\b(?:in\s+)?(?:usd|us\$|\$|u\.s\.\s+dollars)\s*(?P<a>thousands|millions|billions)\b|\bin\s+(?P<b>thousands|millions|billions)(?:\s+of\s+(?:us\s+)?dollars)?\b", re.IGNORECASE)
_ASK_PERCENT = re.compile(r"\bin\s+(?:units\s+of\s+)?percents?\b|\bas\s+a\s+percent(?:age)?\b|\bin\s+%|\bpercentage\b(?!\s+points?)|\bpercent\b|%", re.IGNORECASE)
_ASK_RATIO = re.compile(r"\bas\s+a\s+(?:ratio|decimal|multiple)\b|\bin\s+times\b|\bnot\s+(?:as\s+)?a\s+percent(?:age)?\b", re.IGNORECASE)
_ASK_DAYS = re.compile(r"\bin\s+days\b", re.IGNORECASE)
_UNIT_DECIMALS = {"percent": 2, "ratio": 4, "days": 1}
_NOT_MEANINGFUL = re.compile(r"\bif\b[^?.]{0,100}?\bnot\s+(?:a\s+)?(?:useful|meaningful|relevant|applicable|appropriate|helpful)\b", re.IGNORECASE)

_RANGE = re.compile(rf"(?:from|between|for|over)?\s*(?P<a>{_P})\s*(?:-|–|to|through|thru|and)\s*(?P<b>{_P})", re.IGNORECASE)
_DATE = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?\s+\d{1,2},?\s+(?:19|20)\d{2}"
_DATE_RANGE = re.compile(rf"\b(?:from|between)\s+(?P<a>{_DATE})\s*,?\s+(?:to|and|through|until)\s+(?P<b>{_DATE})", re.IGNORECASE)
_FY = re.compile(r"\b(?:fy|fiscal(?:\s+year)?)\s*'?(?P<y>(?:19|20)\d{2}|\d{2})\b|\b(?P<y2>(?:19|20)\d{2})\s+fiscal\s+year\b", re.IGNORECASE)
_BARE_YEAR = re.compile(r"(?<![\d,.$])(?P<y>(?:19|20)\d{2})(?!\d|[,.]\d|%)")
_QUARTER = re.compile(r"\b(?:q(?P<q>[1-4])|(?P<ord>first|second|third|fourth|1st|2nd|3rd|4th)[\s-]+(?:fiscal[\s-]+)?quarter)\b", re.IGNORECASE)
_ORD = {"first": 1, "second": 2, "third": 3, "fourth": 4, "1st": 1, "2nd": 2, "3rd": 3, "4th": 4}
_WHICH = re.compile(r"^\s*(?:which|what)\s+(?:of\s+\w+(?:'s)?\s+)?(?:\w+\s+){0,3}?(?:segments?|regions?|categor(?:y|ies)|products?|items?|lines?|business(?:es)?|divisions?|units?)\b.*\b(?:most|least|largest|smallest|highest|lowest|biggest|fastest|slowest)\b", re.IGNORECASE)
_N_YEAR_AVG = re.compile(rf"\b(?P<n>{_N})[\s-]+(?:fiscal[\s-]+)?years?[\s-]+(?:simple\s+)?average\b|\baverage\b[^?]*?\bover\s+the\s+(?:last|past|prior)\s+(?P<n2>{_N})\s+(?:fiscal\s+)?years\b", re.IGNORECASE)
# "average" as a mean over years, not "return on average total assets" (a balance average).
_MULTI_AVG = re.compile(r"\b(?:simple\s+)?average\b(?!\s+(?:total\s+|shareholders'?\s+|stockholders'?\s+|common\s+)?(?:assets|equity|balances?|inventor|receivables?|payables?|debt|capital|invested))", re.IGNORECASE)
_AVG_ITEM = re.compile(r"\b(?:simple\s+)?(?:average|mean)\s+(?:annual\s+|yearly\s+)?(?:of\s+)?(?:the\s+|its\s+|their\s+)?(?P<item>[a-z][\w&'\s,-]*?)\s+(?:over|for|from|between|during|across|in)\s+(?:the\s+)?(?:fiscal\s+years?|fy|\d{4})", re.IGNORECASE)

# Generic metrics: the question names the line item.
# "Apple's", "Texas Instruments'", but not the label's own "stockholders' equity".
_POSSESSIVE = re.compile(r"^.*?\b(?!(?:stock|share)holders'|owners'|partners'|members')[\w&.]+(?:'s|s')\s+", re.IGNORECASE)
_GROWTH_IN = re.compile(r"\b(?:year[\s-]over[\s-]year|yoy|annual)\s+(?:percent(?:age)?\s+)?(?P<kind>growth|change|increase|decrease|decline)\s+(?:rate\s+)?(?:in|of)\s+(?P<item>.+?)(?=\s+(?:in|for|during|from|between|versus|vs\.?|compared)\s|[,?(]|$)", re.IGNORECASE)
_ITEM_GROWTH = re.compile(r"\b(?:year[\s-]over[\s-]year|yoy|annual)\s+(?P<item>[\w&'\s-]+?)\s+(?P<kind>growth|change|increase|decrease|decline)\b", re.IGNORECASE)
_FORWARD = re.compile(r"\b(?:expect(?:s|ed)?|guidance|guided|outlook|forecast|anticipated?|target|projected)\b", re.IGNORECASE)
_NOUN_GROWTH = re.compile(r"(?:'s|\baverage|\bannual|\bthe|\bits)\s+(?P<item>[a-z][\w&'\s-]*?)\s+(?P<kind>growth)(?:\s+rate)?\b", re.IGNORECASE)
_DID_GROW = re.compile(
    r"\b(?:by\s+)?(?:what\s+percent(?:age)?|how\s+much)\s+did\s+(?P<item>.+?)\s+(?P<kind>grow|change|increase|decrease|decline|rise|fall)\b(?P<rest>[^?]*)",
    re.IGNORECASE,
)
_CAGR = re.compile(r"(?:(?P<item>[\w&'\s-]+?)\s+(?:cagr|compound\s+annual\s+growth(?:\s+rate)?)|(?:cagr|compound\s+annual\s+growth(?:\s+rate)?)\s+(?:of|in|for)\s+(?P<item2>.+?)(?=\s+(?:from|between|over|in|for)\s|[,?]|$))", re.IGNORECASE)
_SHARE_OF = re.compile(
    r"\bwhat\s+(?:share|percentage|percent|portion|proportion|fraction)\s+of\s+(?P<whole>.+?)\s+(?:came|comes|come|was|were|is|are)\s+(?:from|generated\s+by|attributable\s+to|accounted\s+for\s+by|made\s+up\s+of|contributed\s+by|spent\s+on|used\s+for|paid\s+(?:out\s+)?(?:as|in|for))\s+(?P<part>.+?)(?=\s+(?:in|for|during|at|as\s+of)\s|[?,]|$)",
    re.IGNORECASE,
)
_AS_PCT_OF = re.compile(
    rf"(?P<d>[\w&'(),\s-]+?\s+as\s+a\s+(?:%|percent(?:age)?|share)\s+of\s+.+?)(?=\s+(?:in|for|during|at|as\s+of|from|between|over)\s+(?:the\s+)?(?:{_P}|fiscal|year)|[?(]|\.\s|$)",
    re.IGNORECASE,
)
_QUESTION_HEAD = re.compile(r"^\s*(?:what\s+(?:was|were|is|are|did)\s+(?:the\s+)?|how\s+(?:much|large)\s+(?:was|were|is)\s+(?:the\s+)?)", re.IGNORECASE)
_TOTAL_ITEM = re.compile(r"\b(?:total|cumulative|combined|aggregate|sum\s+of(?:\s+the)?)\s+(?P<item>[a-z][\w&'\s,/-]*?)(?=\s+(?:as\s+shown|as\s+reported|per|over|from|between|during|in|across|for\s+(?:the\s+)?(?:fy|fiscal|years?|\d{4}))\b|\s+for\s+(?:[a-z&.'-]+\s?){1,3}\s*(?:\?|$)|\s*\(|\?|$)", re.IGNORECASE)
_PCT_MARGIN = re.compile(r"(?:^|\s)(?:(?:the|its|\w+'s)\s+)?(?:(?:fy|fiscal\s*)\s*\d{4}\s+)?(?:unadjusted\s+|reported\s+)?(?P<item>[a-z][\w&'\s-]*?)\s+%\s+margin\b", re.IGNORECASE)
_CHANGE_IN = re.compile(r"\b(?P<kind>change|increase|decrease|growth)\s+in\s+(?:the\s+)?(?P<item>[a-z][\w&'\s,-]*?)(?=\s+(?:from|between|for|over|in|during)\b|[?,(]|$)", re.IGNORECASE)
_RATIO_OF = re.compile(r"\bratio\s+of\s+(?:\w+(?:'s|s')\s+)?(?P<a>[a-z][\w&'\s,()-]*?)\s+to\s+(?P<b>[a-z][\w&'\s,()-]*?)(?=\s+(?:at|in|for|as\s+of|during|on)\s|[?]|$)", re.IGNORECASE)
# "using year-end accounts receivable", "based on ending balances": the balance at the period's end,
# where the library's definition averages the opening and closing balance.
_YEAR_END_BALANCES = re.compile(r"\b(?:using|use|based\s+on|with|on)\s+(?:the\s+)?(?:year[\s-]end|ending|end[\s-]of[\s-](?:the[\s-])?(?:fiscal[\s-])?year|period[\s-]end|closing)\s+(?P<what>balances?|[a-z][\w&'\s,-]*?)(?=\s+(?:and|rather|instead|not|for|in)\b|[?.,(]|$)", re.IGNORECASE)
_PER_SHARE = re.compile(r"(?P<item>[\w&'\s-]+?)\s+per\s+(?:diluted\s+)?share\b", re.IGNORECASE)


@dataclass
class MetricQuestion:
    """A question read as a computation. `expr` is bound: every Term has its period."""

    text: str
    name: str  # what is computed: "gross margin", "DPO", or the stated formula
    expr: Expr
    source: str  # definition | library | generic
    unit: str  # percent | ratio | days | USD | USD/share
    decimals: int | None
    scale: Scale | None  # the scale a money answer is asked in
    period: PeriodRef  # the asked period (unbound when the question names none)
    metric: Metric | None = None
    definition: str | None = None
    years: tuple[int, ...] = ()  # a multi-year average's years
    allow_not_meaningful: bool = False

    @property
    def terms(self) -> list[Term]:
        return terms(self.expr)


def read_question(question: str, library: Library | None = None) -> MetricQuestion | None:
    """The question as a metric computation, or None when it asks for no metric."""
    lib = library or load()
    q = question.replace("’", "'").replace("“", '"').replace("”", '"').strip()
    if _WHICH.search(q):
        return None  # a comparison across rows: ranking.read_ranking
    found = _find_definition(q)
    others = _other_definitions(q, found)
    outside = q  # the question without its definitions, for the asked period and span
    for start, end in sorted([(f[2], f[3]) for f in [found, *others] if f], reverse=True):
        outside = outside[:start] + " " + outside[end:]
    period, span = _read_periods(outside)
    decimals, scale = _read_rounding(q)
    years = _years(span, period, _n_year_average(outside), bool(_MULTI_AVG.search(outside)))
    binding = Binding(period=period, start=span[0] if span and len(span) > 1 else None)

    read = _stated(q, found, others, years, lib) or _per_share(q, lib, binding) or _named(q, lib, scale, binding)
    if read is None:
        read = _generic_read(q, lib, span, binding)
        if read is None:
            return None
        if read[0].key == "cagr":
            years = ()
    metric, expr, name, source, percent = read
    try:
        expr, name = _over_periods(expr, name, metric, source, binding, span, years)
    except ValueError:
        return None
    if source != "definition" and (m := _YEAR_END_BALANCES.search(q)):
        expr = _at_year_end(expr, m["what"], lib)
    unit = _unit(q, metric, percent)
    if decimals is None and scale is None:
        # The usual rounding is the metric's in its own unit; another unit (or a metric the library
        # does not know) has that unit's.
        decimals = metric.decimals if metric is not None and unit == metric.unit else _UNIT_DECIMALS.get(unit)
    return MetricQuestion(
        text=question,
        name=name,
        expr=expr,
        source=source,
        unit=unit,
        decimals=decimals,
        scale=scale,
        period=period,
        metric=metric,
        definition=found[1] if source == "definition" else None,
        years=years if len(years) > 1 and (metric is None or metric.key != "multi_year_total") else (),
        allow_not_meaningful=bool(_NOT_MEANINGFUL.search(q)),
    )


_Read = tuple  # (metric or None, the unbound expression, name, source, whether "as a % of" was said)


def _stated(q: str, found, others, years: tuple[int, ...], lib: Library) -> _Read | None:
    """A definition the question states, with the library metric it names (for unit and rounding)."""
    if not found:
        return None
    name_text, definition = found[0], found[1]
    span_refs = tuple(PeriodRef(fiscal_year=y) for y in years) if len(years) > 1 else ()
    try:
        expr, percent = DefinitionReader(lib, _overrides(others, lib)).read(definition, span_refs)
    except ValueError:
        return None  # an unreadable "definition" is prose; the library may still know the metric
    if not found[4] and not _substantive(expr):
        return None
    metric = (_named_metric(name_text, lib) if name_text else None) or _named_metric(q[: found[2]], lib)
    name = metric.name if metric else (name_text.strip() or definition)
    if isinstance(expr, Mean) and span_refs:
        name = f"{len(span_refs)}-year average {name}"
    return metric, expr, name, "definition", percent


def _per_share(q: str, lib: Library, binding: Binding) -> _Read | None:
    """ "free cash flow per share": a per-share amount of a library metric, before the metric itself."""
    m = _PER_SHARE.search(q)
    inner = lib.find_metric(m["item"]) if m else None
    if not inner or inner[0].generic or inner[0].unit != "USD":
        return None
    metric = lib.metrics["per_share"]
    binding.slots = {"item": inner[0].expr}
    return metric, metric.expr, f"{inner[0].name} per share", "generic", False


def _named(q: str, lib: Library, scale: Scale | None, binding: Binding) -> _Read | None:
    """A library metric the question names ("What was the gross margin in 2018?")."""
    hit = lib.find_metric(q)
    if not hit:
        return None
    metric = hit[0]
    if metric.money_variant and scale is not None:
        metric = lib.metrics[metric.money_variant]
    after, before = q[hit[1].end() :], q[: hit[1].start()]
    if metric.unit == "USD" and (re.match(r"\s+growth\b", after, re.IGNORECASE) or re.search(r"\bgrowth\s+(?:in|of)\s+(?:\S+\s+)?$", before, re.IGNORECASE)):
        # "EBITDA growth in 2019": the year-over-year growth of the metric
        growth = lib.metrics["yoy_growth"]
        binding.slots = {"item": metric.expr}
        return growth, growth.expr, f"year-over-year growth in {metric.name}", "generic", False
    return metric, metric.expr, metric.name, "library", False


def _generic_read(q: str, lib: Library, span, binding: Binding) -> _Read | None:
    generic = _generic(q, lib, span)
    if generic is None:
        return None
    metric, expr, binding.slots, name = generic
    if metric.key in ("yoy_growth", "yoy_change") and span:
        # "from FY2017 to FY2019", "between February 3, 2024 and November 2, 2024": against the
        # span's first period, not a year before the last
        item = Slot("item")
        expr = BinOp("-", BinOp("/", item, Rel("start", item)), Num(Decimal(1), "1")) if metric.key == "yoy_growth" else BinOp("-", item, Rel("start", item))
    if metric.key == "cagr" and not (span and len(span) > 1):
        return None  # a compound rate needs its first and last year
    return metric, expr, name, "generic", False


def _over_periods(expr: Expr, name: str, metric: Metric | None, source: str, binding: Binding, span, years) -> tuple[Expr, str]:
    """Bind the formula to the asked period; sum it over a span, or average it over the years."""
    if metric is not None and metric.key == "multi_year_total":
        first, last = span[0].fiscal_year, span[-1].fiscal_year
        item = fill(expr, binding.slots)
        total = at_year(item, first)
        for y in range(first + 1, last + 1):
            total = BinOp("+", total, at_year(item, y))
        return total, name
    already_mean = isinstance(expr, Mean) and source == "definition"
    if len(years) > 1 and not already_mean and (metric is None or metric.key != "cagr"):
        item = fill(expr, binding.slots)
        return Mean(tuple(at_year(item, y) for y in years), f"{len(years)}-year average"), f"{len(years)}-year average {name}"
    return bind(expr, binding), name


def _find_definition(q: str) -> tuple[str, str, int, int, bool] | None:
    """(metric name as stated, definition text, span start, span end, explicitly "defined as")."""
    for pattern in (_DEFINE, _DEFINED):
        m = pattern.search(q)
        if m and _FORMULA_WORDS.search(m["d"]):
            name = _strip_name(m.groupdict().get("name") or "")
            return name, _clean(m["d"]), m.start(), m.end(), True
    for m in _PAREN.finditer(q):
        if _FORMULA_WORDS.search(m["d"]) and not re.search(r"\bvs\.?\b|\bversus\b", m["d"], re.IGNORECASE):
            return "", _clean(m["d"]), m.start(), m.end(), False
    m = _USING.search(q)
    if m and _FORMULA_WORDS.search(m["d"]):
        return "", _clean(m["d"]), m.start(), m.end(), False
    return None


_NAME_ENDS = re.compile(r"^\s*(?:$|[,?.;:(]|(?:in|for|at|of|during|as|is|was|were|are|from|over|on|ended|ending|defined|computed|calculated|using|based|when|if|fy|fiscal|the|\d{4})\b)", re.IGNORECASE)


def _named_metric(text: str, lib: Library) -> Metric | None:
    """The library metric a stated name is: "Apple's FY2019 DPO" yes; "free cash flow conversion
    rate" is not free cash flow (the name goes on past the library's)."""
    for m in lib._name_pattern.finditer(text):
        metric = lib.metric_named(m.group(0))
        if metric is not None and not metric.generic and _NAME_ENDS.match(text[m.end() :]):
            return metric
    return None


def _other_definitions(q: str, found) -> list[tuple[str, str, int, int, bool]]:
    """Further "X is defined as ..." sentences: the parts of the main definition ("CCC is defined as
    DIO + DSO - DPO. DIO is defined as ...")."""
    if not found or not found[4]:
        return []
    out = []
    for pattern in (_DEFINE, _DEFINED):
        for m in pattern.finditer(q):
            if m.start() >= found[3] and m["name"] and _FORMULA_WORDS.search(m["d"]):
                if all(m.start() >= o[3] or m.end() <= o[2] for o in out):
                    out.append((_strip_name(m["name"]), _clean(m["d"]), m.start(), m.end(), True))
    return out


def _overrides(others, lib: Library) -> dict[str, Expr]:
    out: dict[str, Expr] = {}
    for name, text, *_ in others:
        try:
            out[phrase_key(name)] = DefinitionReader(lib, out).read(text)[0]
        except ValueError:
            continue
    return out


def _strip_name(name: str) -> str:
    name = re.sub(r"^.*?\b(?:the|an?|its)\s+", "", name.strip(), flags=re.IGNORECASE)
    return re.sub(r"^(?:and|also|while|where|with)\s+", "", name, flags=re.IGNORECASE).strip()


def _substantive(expr: Expr) -> bool:
    """An implied definition ("(current plus noncurrent)") whose items are bare modifiers is a
    gloss on one line item, not a formula: every item must be a concept or a phrase of two words."""
    return all(t.concept or len(t.phrase.split()) >= 2 for t in terms(expr))


def _clean(d: str) -> str:
    d = d.strip().rstrip(".?;,")
    d = re.sub(r"\s*,\s*(?:round|answer|express|give|in\s+units)\b.*$", "", d, flags=re.IGNORECASE)
    return _TRAILING.sub("", d).strip()


def _read_rounding(q: str) -> tuple[int | None, Scale | None]:
    decimals = None
    m = _DECIMALS.search(q)
    if m:
        n = m["n"].lower()
        decimals = _NUMBER_WORDS[n] if n in _NUMBER_WORDS else int(n)
    elif m := _NEAREST.search(q):
        w = m["w"].lower()
        decimals = 1 if w == "tenth" else 2 if w == "hundredth" else 3 if w == "thousandth" else 0
    scale = None
    m = _SCALE.search(q)
    if m:
        scale = Scale((m["a"] or m["b"]).lower())
    elif m := _NEAREST_SCALE.search(q):  # "to the nearest million": millions, no decimals
        scale, decimals = Scale(m["s"].lower() + "s"), 0 if decimals is None else decimals
    return decimals, scale


def _read_periods(text: str) -> tuple[PeriodRef, tuple[PeriodRef, ...]]:
    """The asked period (the latest named) and a named span ("FY2017 through FY2019"), if any."""
    span: tuple[PeriodRef, ...] = ()
    m = _DATE_RANGE.search(text)
    if m:
        a, b = sorted((parse_period(m["a"]).end, parse_period(m["b"]).end))
        months = _quarter_months(text)[1]
        return PeriodRef(end=b, months=months), (PeriodRef(end=a, months=months), PeriodRef(end=b, months=months))
    m = _RANGE.search(text)
    if m:
        a, b = parse_period(m["a"]), parse_period(m["b"])
        if a.fiscal_year is not None and b.fiscal_year is not None and a.fiscal_year != b.fiscal_year and abs(a.fiscal_year - b.fiscal_year) <= 30:
            lo, hi = sorted((a.fiscal_year, b.fiscal_year))
            span = (PeriodRef(fiscal_year=lo), PeriodRef(fiscal_year=hi))
            return span[1], span
    dates = [d for d, _, _ in find_dates(text)]
    if dates:
        return PeriodRef(end=max(dates), months=_quarter_months(text)[1]), ()
    years = [int(y if len(y) == 4 else "20" + y) for m in _FY.finditer(text) for y in [m["y"] or m["y2"]]]
    years += [int(m["y"]) for m in _BARE_YEAR.finditer(text)]
    quarter, months = _quarter_months(text)
    if years:
        return PeriodRef(fiscal_year=max(years), quarter=quarter, months=months), ()
    return PeriodRef(quarter=quarter, months=months), ()


def _quarter_months(text: str) -> tuple[int | None, int | None]:
    """ "Q3 2024", "third quarter" -> (3, 3); "six months ended" -> (None, 6); a full year -> (None, None)."""
    m = _QUARTER.search(text)
    quarter = (int(m["q"]) if m["q"] else _ORD[m["ord"].lower()]) if m else None
    durations = find_durations(text)
    months = durations[0].months if durations else (3 if quarter else None)
    return quarter, (None if months == 12 else months)


def _n_year_average(text: str) -> int | None:
    m = _N_YEAR_AVG.search(text)
    if not m:
        return None
    n = (m["n"] or m["n2"]).lower()
    return _NUMBER_WORDS.get(n) or int(n)


def _years(span: tuple[PeriodRef, ...], period: PeriodRef, n: int | None, averaged: bool) -> tuple[int, ...]:
    """The years of a multi-year average: a named span, or the last n years to the asked one."""
    if span and span[0].fiscal_year is not None and (n is not None or averaged):
        return tuple(range(span[0].fiscal_year, span[-1].fiscal_year + 1))
    if n and period.fiscal_year is not None:
        return tuple(range(period.fiscal_year - n + 1, period.fiscal_year + 1))
    return ()


def _generic(q: str, lib: Library, span) -> tuple[Metric, Expr, dict, str] | None:
    """Growth, CAGR, share of total, per-share: the metric and the line item(s) the question names."""
    reader = DefinitionReader(lib)
    if m := _CAGR.search(q):
        item = _item_phrase(m["item"] or m["item2"])
        if item:
            metric = lib.metrics["cagr"]
            return metric, metric.expr, {"item": _subject(item, lib, reader)}, f"{item} CAGR"
    for pattern in (_GROWTH_IN, _ITEM_GROWTH, _DID_GROW, _NOUN_GROWTH):
        m = pattern.search(q)
        if not m:
            continue
        item = _item_phrase(m["item"])
        rest = m.groupdict().get("rest") or ""
        if re.search(r"\bin\s+dollars\b", q, re.IGNORECASE):
            return None  # "change ... in dollars": the table prints the change, a figure
        if not item or (pattern is _DID_GROW and not re.search(r"year[\s-]over[\s-]year|\byoy\b|\bduring\b|\bin\s+(?:fiscal\s+|fy\s*)?\d{4}|from\s+the\s+prior|versus|compared|\bfrom\s+(?:fiscal\s+|fy\s*)?\d{4}|\bbetween\b", rest + q, re.IGNORECASE)):
            continue
        if pattern is _NOUN_GROWTH and (_FORWARD.search(q) or not (lib.concept_for(item) or lib.metric_named(item) or len(item.split()) >= 2)):
            continue  # "the expected growth of the market" names no line item
        percent = m["kind"].lower() in ("growth",) or bool(_ASK_PERCENT.search(q))
        metric = lib.metrics["yoy_growth" if percent else "yoy_change"]
        return metric, metric.expr, {"item": _subject(item, lib, reader)}, f"year-over-year {'growth' if percent else 'change'} in {item}"
    if m := _RATIO_OF.search(q):
        a, b = _item_phrase(m["a"]), _item_phrase(m["b"])
        if a and b:
            metric = lib.metrics["share_of_total"]
            expr = BinOp("/", _subject(a, lib, reader), _subject(b, lib, reader))
            return dataclasses.replace(metric, unit="ratio", decimals=2, expr=expr), expr, {}, f"ratio of {a} to {b}"
    if m := _SHARE_OF.search(q):
        part, whole = _item_phrase(m["part"]), _item_phrase(m["whole"])
        metric = lib.metrics["share_of_total"]
        return metric, metric.expr, {"part": _subject(part, lib, reader), "whole": _subject(whole, lib, reader)}, f"{part} as a share of {whole}"
    if (m := _CHANGE_IN.search(q)) and span and len(span) > 1:
        # "the FY2019 - FY2020 change in total revenue": between the span's two ends
        item = _item_phrase(m["item"])
        if item and (lib.concept_for(item) or lib.metric_named(item) or len(item.split()) >= 2):
            percent = m["kind"].lower() == "growth" or bool(_ASK_PERCENT.search(q))
            metric = lib.metrics["yoy_growth" if percent else "yoy_change"]
            return metric, metric.expr, {"item": _subject(item, lib, reader)}, f"{'growth' if percent else 'change'} in {item}"
    if (m := _TOTAL_ITEM.search(q)) and span and span[0].fiscal_year is not None and not _MULTI_AVG.search(q):
        # "the FY2019 - FY2021 total D&A": a line item summed over the span's years
        item = _item_phrase(m["item"])
        if item:
            metric = lib.metrics["multi_year_total"]
            return metric, metric.expr, {"item": _subject(item, lib, reader)}, f"total {item}"
    if m := _PCT_MARGIN.search(q):
        item = _item_phrase(m["item"])
        if item and (lib.concept_for(item) or lib.metric_named(item)):
            metric = lib.metrics["pct_margin"]
            return metric, metric.expr, {"item": _subject(item, lib, reader)}, f"{item} % margin"
    if (m := _AVG_ITEM.search(q)) and span and span[0].fiscal_year is not None:
        # "average revenue over FY2017-FY2019": a line item's mean over the span's years
        item = _item_phrase(m["item"])
        if item:
            metric = lib.metrics["multi_year_average"]
            return metric, metric.expr, {"item": _subject(item, lib, reader)}, f"{item}"
    if m := _AS_PCT_OF.search(_QUESTION_HEAD.sub("", q)):
        d = _item_phrase(m["d"])
        try:
            expr, _ = reader.read(d)
        except ValueError:
            expr = None
        if expr is not None:
            metric = lib.metrics["share_of_total"]
            return dataclasses.replace(metric, expr=expr), expr, {}, d
    return None


def _at_year_end(expr: Expr, what: str, lib: Library) -> Expr:
    """The averages of `what` (or every average, for "year-end balances") as closing balances."""
    concept = None if re.match(r"balances?$", what.strip(), re.IGNORECASE) else lib.concept_for(what)

    def swap(e: Expr) -> Expr:
        match e:
            case Term(how="average") if concept is None or e.concept == concept.key:
                return dataclasses.replace(e, how="value", periods=(e.periods[-1],))
            case BinOp(op=op, left=left, right=right):
                return BinOp(op, swap(left), swap(right))
            case Mean(items=items, label=label):
                return Mean(tuple(swap(i) for i in items), label)
        return e

    return swap(expr)


def _item_phrase(text: str | None) -> str:
    if not text:
        return ""
    t = _QUESTION_HEAD.sub("", text.strip())
    t = _POSSESSIVE.sub("", t) if "'" in t else t
    t = re.sub(r"^(?:the|its|their)\s+", "", t.strip(), flags=re.IGNORECASE)
    t = re.sub(rf"^(?:{_N}[\s-]+years?[\s-]+)?(?:simple\s+)?(?:average|mean)\s+(?:annual\s+)?(?:of\s+)?(?:the\s+)?", "", t, flags=re.IGNORECASE)
    t = re.sub(rf"^(?:{_N}[\s-]+years?|cumulative|combined|aggregate)\s+", "", t, flags=re.IGNORECASE)
    t = re.sub(rf"^(?:{_P})\s+", "", t, flags=re.IGNORECASE)
    return t.strip(" ,")


def _subject(phrase: str, lib: Library, reader: DefinitionReader) -> Expr:
    """A generic metric's line item: a library metric by name ("free cash flow") or a phrase."""
    hit = lib.metric_named(phrase)
    if hit is not None and not hit.generic:
        return hit.expr
    return reader._term(phrase, [], None)


def _unit(q: str, metric: Metric | None, percent: bool) -> str:
    if _ASK_DAYS.search(q):
        return "days"
    if _ASK_RATIO.search(q):
        return "ratio"
    if metric is not None and metric.unit in ("USD", "USD/share"):
        return metric.unit
    if percent or _ASK_PERCENT.search(q):
        return "percent"
    if metric is not None:
        return metric.unit
    if re.search(r"\bdays?\b", q, re.IGNORECASE):
        return "days"
    if re.search(r"\b(?:margin|rate|return|yield)\b", q, re.IGNORECASE):
        return "percent"
    return "ratio"
