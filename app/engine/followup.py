"""Follow-up questions: an elliptical question read against the previous turn's reading.

    "What were total revenues for the three months ended December 31, 2004?"
    "And a year earlier?"  -> "What were total revenues for the three months ended December 31, 2003?"
    "for the six months?"  -> "... for the six months ended December 31, 2004?"
    "What about net income?" -> "What was net income for the three months ended December 31, 2004?"
    "as a share of revenue?" -> "What was total revenues as a percentage of revenue for the ...?"

A question is read into its parts by the grammar below (data, not a matcher per example): a leading
marker ("and", "what about"), period phrases (absolute, a date, a year, a shift such as "a year
earlier", a length such as "for the six months"), a step on an item ("as a share of X", "how did
that change") and the item itself. A question that names its own item, or that has no marker and
names an item, is standalone and returned as asked. An elliptical one takes what it lacks from the
previous reading: a period-only follow-up replaces the previous period phrase, an item-only one the
previous item, and a step is rendered over the previous item and period.

Relative periods are resolved against the previous answer's period (its first figure's end and
length, the safest anchor), else the period the previous question names, and snapped to a period
the filing reports (52/53-week years end a few days apart from year to year).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from filingqa.app.engine.vocabulary import content_words
from filingqa.ingest.periods import find_dates, find_durations

# -- the period grammar ------------------------------------------------------------------------
_MONTH = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
_DATE = _MONTH + r"\s+\d{1,2}(?:st|nd|rd|th)?\s*,?\s*(?:19|20)\d{2}\b"
_YEAR = r"(?<![\d,.$])(?:19|20)\d{2}(?![\d,.%])"
_COUNT = r"(?:three|six|nine|twelve|thirteen|twenty[\s-]six|thirty[\s-]nine|fifty[\s-]two|fifty[\s-]three|\d{1,2})"
_SPAN = rf"(?:{_COUNT}[\s-]+(?:months?|weeks?)|(?:fiscal\s+)?(?:years?|quarters?|half[\s-]years?))"
_PREP = r"(?:(?:for|in|during|over|of)\s+)?(?:the\s+)?"

# (kind, pattern), tried in order; a later form never overlaps an earlier one's span.
#   absolute: a whole period ("for the three months ended December 31, 2004"), used as written
#   date:     a date alone ("December 31, 2003"): the previous length, ending then
#   year:     a year alone ("2003"): the previous period, in that year
#   shift:    "a year earlier", "the prior quarter": the previous period moved back
#   length:   "for the six months", "the full year": the previous end, for that length
PERIOD_FORMS: list[tuple[str, re.Pattern]] = [
    (kind, re.compile(pattern, re.IGNORECASE))
    for kind, pattern in [
        ("absolute", rf"{_PREP}{_SPAN}\s+(?:ended|ending)\s+{_DATE}"),
        ("absolute", rf"(?:as of|at|on)\s+(?:the\s+end\s+of\s+)?{_DATE}"),
        ("absolute", rf"{_PREP}(?:(?:first|second|third|fourth)\s+(?:fiscal\s+)?quarter|q[1-4])\s+(?:of\s+)?(?:(?:fiscal|fy)\s*(?:year\s+)?)?'?{_YEAR}"),
        ("absolute", rf"{_PREP}(?:fiscal(?:\s+year)?|fy)\s*'?{_YEAR}(?:\s+(?:first|second|third|fourth)\s+quarter|\s+q[1-4])?"),
        ("absolute", rf"{_PREP}(?:first|second)\s+half\s+(?:of\s+)?(?:fiscal\s+)?{_YEAR}"),
        ("date", rf"(?:(?:for|in|on|at|as of)\s+)?{_DATE}"),
        ("shift-year", r"(?:(?:for|in|during|from|versus|vs\.?|compared (?:to|with))\s+)?(?:the\s+)?(?:same\s+(?:quarter|period)\s+)?(?:a|one)\s+year\s+(?:earlier|before|ago|prior)"),
        ("shift-year", r"(?:(?:for|in|during)\s+)?(?:the\s+)?same\s+(?:quarter|period)\s+(?:of\s+|in\s+)?(?:the\s+)?(?:prior|previous|preceding|last)\s+year"),
        ("shift-year", r"(?:(?:for|in|during)\s+)?(?:the\s+)?(?:prior|previous|preceding|last)[\s-]year(?:\s+(?:quarter|period))?|(?:the\s+)?year[\s-]ago(?:\s+(?:quarter|period))?|(?:the\s+)?year\s+before"),
        ("shift-quarter", r"(?:(?:for|in|during)\s+)?(?:the\s+)?(?:(?:a|one)\s+quarter\s+(?:earlier|before|ago)|(?:prior|previous|preceding|last|sequential)\s+quarter|quarter\s+before)"),
        ("length", rf"{_PREP}(?:first\s+)?(?:{_COUNT}[\s-]+(?:months?|weeks?)|full[\s-]+(?:fiscal\s+)?year|(?<!over[\s-])(?:fiscal\s+)?year(?![\s-]+over)|quarter|half[\s-]year|(?:first|second)\s+half|year[\s-]to[\s-]date)(?![\w-])"),
        ("year", rf"{_PREP}(?:(?:fiscal|calendar)\s+)?{_YEAR}"),
    ]
]
_LENGTH_MONTHS = [(re.compile(p, re.IGNORECASE), m) for p, m in [(r"full|year(?![\s-]to)", 12), (r"half", 6), (r"quarter", 3), (r"year[\s-]to[\s-]date", None)]]
_MONTH_WORDS = {3: "three", 6: "six", 9: "nine", 12: "twelve"}
_SNAP_DAYS = 10  # a shifted period end this close to one the filing reports is that one

# -- the rest of a question -------------------------------------------------------------------
# Words that open a follow-up and carry nothing else.
_MARKERS = [re.compile(p, re.IGNORECASE) for p in (r"^(?:and|but|also|now|then|ok(?:ay)?|so|same)\b[\s,]*", r"^(?:what|how)\s+about\b[\s,]*", r"^what\s+of\b[\s,]*", r"^(?:the\s+)?same\s+(?:for|with)\b[\s,]*")]
# An interrogative opening: a question with one and an item of its own is not elliptical.
_LEAD = re.compile(r"^(?:(?:what|how\s+much|how\s+many)\s+(?:was|were|is|are|did|does|do|has|have)\b|by\s+how\s+much\b|by\s+what\s+percent(?:age)?\b|how\s+(?:did|has|have|does|do)\b|(?:tell|give|show)\s+me\b)", re.IGNORECASE)
# The opening the item follows, in a standalone reading (kept as written when the item changes).
_ITEM_LEAD = re.compile(r"^(?:(?:what|how\s+much|how\s+many)\s+(?:was|were|is|are|did)\s+|(?:tell|give|show)\s+me\s+)?(?:the\s+)?(?:company'?s\s+|its\s+)?", re.IGNORECASE)
# The verb a question puts after its item ("how much did X bring in"): kept with the question, not the item.
_ITEM_TAIL = re.compile(r"\s+(?:bring\s+in|brought\s+in|generate|generated|earn|earned|come\s+to|came\s+to|amount\s+to|amounted\s+to|total|totaled|make|made|report|reported|post|posted|spend|spent|pay|paid|have|had|do|did)$", re.IGNORECASE)
# Words that refer back to the previous item, or fill a follow-up without naming anything.
_PRONOUNS = frozenset("that it this they those these them the figure number amount value one same".split())
_FILLER = frozenset("about instead too also then now again please same ok okay so how what one".split())
_TRAILING = re.compile(r"[\s\x00,;:.!?]+$")
_VERB_BEFORE = re.compile(r"\b(was|were)(\s+(?:the\s+)?)$", re.IGNORECASE)


@dataclass(frozen=True)
class Step:
    """A computation asked of an item ("as a share of X", "how did that change"), and the
    question the engine reads it as. `{item}` and `{period}` come from the follow-up or, where it
    does not say, from the previous reading; other names are the pattern's groups."""

    kind: str
    pattern: re.Pattern
    template: str
    compares: bool = False  # change and growth compare with the year before: "from a year earlier" is their base, not their period


def _step(kind: str, pattern: str, template: str, compares: bool = False) -> Step:
    return Step(kind, re.compile(pattern, re.IGNORECASE), template, compares)


_CHANGE = "What was the change in {item}{period}?"
_GROWTH = "By what percentage did {item} grow{period}?"
STEPS: list[Step] = [
    _step("ratio", r"^(?:(?:what|how\s+much)\s+(?:was|were|is|are)\s+)?(?:the\s+)?(?:(?P<item>.+?)\s+)?as\s+an?\s+(?:share|percentage|percent|proportion|fraction|%)\s+of\s+(?:the\s+)?(?P<base>.+?)$", "What was {item} as a percentage of {base}{period}?"),
    _step("growth", r"^(?:by\s+what\s+percent(?:age)?|how\s+fast|at\s+what\s+rate)\s+(?:did|has|have|does|do)\s+(?P<item>.+?)\s+(?:grow|grown|increase|increased|rise|risen|decline|declined|decrease|decreased|fall|fallen|change|changed)(?:\s+.*)?$", _GROWTH, True),
    _step("growth", r"^(?:what\s+(?:was|is)\s+)?(?:the\s+)?(?:growth(?:\s+rate)?|percent(?:age)?\s+change|year[\s-]over[\s-]year\s+growth)(?:\s+(?:in|of)\s+(?P<item>.+?))?$", _GROWTH, True),
    _step("change", r"^how\s+(?:did|has|have|does|do)\s+(?P<item>.+?)\s+(?:change|changed|move|moved|compare|compared|develop|developed|evolve|evolved)(?:\s+.*)?$", _CHANGE, True),
    _step("change", r"^(?:by\s+)?how\s+much\s+(?:did|has|have)\s+(?P<item>.+?)\s+(?:change|changed|grow|grown|increase|increased|rise|risen|decline|declined|decrease|decreased|fall|fallen|go\s+up|go\s+down)(?:\s+.*)?$", _CHANGE, True),
    _step("change", r"^(?:what\s+(?:was|is)\s+)?(?:the\s+)?(?:dollar\s+|net\s+)?(?:change|difference|increase|decrease)(?:\s+(?:in|of)\s+(?P<item>.+?))?$", _CHANGE, True),
]


@dataclass
class Turn:
    """A previous turn: the question as the engine read it, and (when known) the period its answer
    is for. `lookup` finds that period lazily (re-answering the question), for callers that have
    only the previous question's words (the stateless HTTP API)."""

    question: str
    end: dt.date | None = None
    months: int | None = None
    lookup: Callable[[], tuple[dt.date | None, int | None] | None] | None = None

    def anchor(self) -> tuple[dt.date | None, int | None] | None:
        if self.end is None and self.lookup is not None:
            found = self.lookup()
            self.lookup = None
            if found and found[0] is not None:
                self.end, self.months = found
        return (self.end, self.months) if self.end is not None else None


@dataclass
class PeriodSpan:
    kind: str
    start: int
    end: int
    text: str


@dataclass
class Reading:
    """A question taken apart: core text (no marker, no trailing punctuation) and its parts' spans."""

    core: str
    marker: bool
    periods: list[PeriodSpan]
    lead: bool
    item: tuple[int, int] | None  # span in core
    step: Step | None
    groups: dict[str, str]

    @property
    def item_text(self) -> str:
        return self.core[self.item[0] : self.item[1]] if self.item else ""


# -- reading ----------------------------------------------------------------------------------
def find_periods(text: str) -> list[PeriodSpan]:
    spans: list[PeriodSpan] = []
    for kind, pattern in PERIOD_FORMS:
        for m in pattern.finditer(text):
            if m.end() > m.start() and not any(m.start() < s.end and s.start < m.end() for s in spans):
                spans.append(PeriodSpan(kind, m.start(), m.end(), m.group(0)))
    return sorted(spans, key=lambda s: s.start)


def _names_something(text: str) -> bool:
    words = [w for w in re.findall(r"[a-z&]+", text.lower()) if w not in _PRONOUNS and w not in _FILLER]
    return bool(words) and bool(content_words(" ".join(words)))


def read(question: str) -> Reading:
    core = _TRAILING.sub("", question.strip())
    marker = False
    while True:
        for m in _MARKERS:
            hit = m.match(core)
            if hit and hit.end() > 0:
                core, marker = core[hit.end() :], True
                break
        else:
            break
    periods = find_periods(core)
    masked = list(core)
    for s in periods:
        masked[s.start : s.end] = "\x00" * (s.end - s.start)
    # The item is what is left once periods are cut: up to the first period, or after the last
    # when the question opens with its period ("In 2004, what were revenues").
    text = "".join(masked)
    head = text.split("\x00", 1)[0]
    if not _names_something(head.strip(" ,")) and periods:
        head_start = periods[-1].end
        head = text[head_start:]
    else:
        head_start = 0
    body = _TRAILING.sub("", head.rstrip("\x00"))
    lead = bool(_LEAD.match(core.lstrip()))
    for step in STEPS:
        m = step.pattern.match(body.strip())
        if m:
            offset = head_start + (len(body) - len(body.lstrip()))
            groups = {k: v.strip() for k, v in m.groupdict().items() if v}
            span = (offset + m.start("item"), offset + m.end("item")) if m.group("item") and _names_something(m.group("item")) else None
            return Reading(core, marker, periods, lead, span, step, groups)
    lm = _ITEM_LEAD.match(body)
    start = head_start + (lm.end() if lm else 0)
    tail = _ITEM_TAIL.search(body)
    end = head_start + (tail.start() if tail and tail.start() > (lm.end() if lm else 0) else len(body))
    item = (start, end) if end > start and _names_something(core[start:end]) else None
    return Reading(core, marker, periods, lead, item, None, {})


# -- periods ----------------------------------------------------------------------------------
def _add_months(d: dt.date, months: int) -> dt.date:
    """`d` moved by whole months; a month's last day stays its last day (Sep 30 -> Jun 30)."""
    month0 = d.month - 1 + months
    year, month = d.year + month0 // 12, month0 % 12 + 1
    last = (dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1)).day
    at_end = (d + dt.timedelta(days=1)).day == 1
    return dt.date(year, month, last if at_end else min(d.day, last))


def _snap(target: dt.date, months: int | None, periods: Sequence[tuple[dt.date, int | None]]) -> dt.date:
    near = [e for e, m in periods if m == months and abs((e - target).days) <= _SNAP_DAYS]
    return min(near, key=lambda e: abs((e - target).days)) if near else target


def describe(end: dt.date, months: int | None, weeks: int | None = None) -> str:
    when = f"{end.strftime('%B')} {end.day}, {end.year}"
    if weeks:
        return f"for the {weeks} weeks ended {when}"
    if not months:
        return f"as of {when}"
    return f"for the {_MONTH_WORDS.get(months, str(months))} months ended {when}"


def _anchor(prev: Reading, turn: Turn) -> tuple[dt.date | None, int | None] | None:
    found = turn.anchor()
    if found:
        return found
    phrase = " ".join(s.text for s in prev.periods)
    dates = find_dates(phrase)
    if not dates:
        return None
    durations = find_durations(phrase)
    instant = re.search(r"\b(as of|at|on)\b", phrase, re.IGNORECASE) and not durations
    return dates[0][0], None if instant else (durations[0].months if durations else None)


def _length(span: PeriodSpan) -> tuple[int | None, int | None]:
    durations = find_durations(span.text)
    if durations:
        return durations[0].months, durations[0].weeks
    for pattern, months in _LENGTH_MONTHS:
        if pattern.search(span.text):
            return months, None
    return None, None


def _shift_years(text: str, by: int) -> str:
    return re.sub(_YEAR, lambda m: str(int(m.group(0)) + by), text)


def resolve_period(new: PeriodSpan, prev: Reading, turn: Turn, periods: Sequence[tuple[dt.date, int | None]]) -> str:
    """The follow-up's period as a phrase the engine reads, resolved against the previous turn."""
    if new.kind == "absolute":
        text = new.text.strip()
        return text if re.match(r"(?:for|in|during|over|of|as of|at|on)\b", text, re.IGNORECASE) else f"for {text}"
    anchor = _anchor(prev, turn)
    prev_text = prev.periods[0].text.strip() if prev.periods else ""
    if anchor is None:  # nothing dated to move: change the previous phrase's words where that is enough
        year = re.search(_YEAR, new.text)
        if new.kind == "shift-year" and prev_text and re.search(_YEAR, prev_text):
            return _shift_years(prev_text, -1)
        if new.kind == "year" and year and prev_text and re.search(_YEAR, prev_text):
            return re.sub(_YEAR, year.group(0), prev_text)
        return new.text.strip()
    end, months = anchor
    if new.kind == "date":
        return describe(find_dates(new.text)[0][0], months)
    if new.kind == "year":
        year = int(re.search(_YEAR, new.text).group(0))
        target = _add_months(end, 12 * (year - end.year))
        return describe(_snap(target, months, periods), months)
    if new.kind == "shift-year":
        return describe(_snap(_add_months(end, -12), months, periods), months)
    if new.kind == "shift-quarter":
        return describe(_snap(_add_months(end, -3), months, periods), months)
    length, weeks = _length(new)
    if length is None:
        return new.text.strip()
    return describe(end, length, weeks)


# -- merging ----------------------------------------------------------------------------------
def _plural(item: str) -> bool:
    last = item.split()[-1].lower() if item.split() else ""
    return last.endswith("s") and not last.endswith(("ss", "us", "is"))


def _put_item(text: str, span: tuple[int, int], item: str) -> str:
    before, after = text[: span[0]], text[span[1] :]
    if re.search(r"\bthe\s+$", before, re.IGNORECASE):
        item = re.sub(r"^the\s+", "", item, flags=re.IGNORECASE)
    m = _VERB_BEFORE.search(before)
    if m:
        verb = "were" if _plural(item) else "was"
        verb = verb.capitalize() if m.group(1)[0].isupper() else verb
        before = before[: m.start(1)] + verb + m.group(2)
    return before + item + after


def _with_period(text: str, spans: list[PeriodSpan], phrase: str) -> str:
    """`text` with its (first) period phrase replaced by `phrase`, or with `phrase` added."""
    if spans:
        first = spans[0]
        return text[: first.start] + phrase + text[first.end :]
    return f"{text.rstrip()} {phrase}"


def rewrite(question: str, previous: Turn | None, periods: Iterable[tuple[dt.date, int | None]] = ()) -> str:
    """The question as the engine should read it: unchanged when standalone (or when there is no
    previous turn), else merged with the previous turn's reading."""
    if previous is None or not question.strip():
        return question
    new = read(question)
    asks_own = new.lead and new.item is not None
    elliptical = new.marker or new.item is None or (new.step is not None and new.item is None)
    if not elliptical or (asks_own and new.periods) or not (new.periods or new.item or new.step):
        return question
    prev = read(previous.question)
    periods = list(periods)
    shown = [p for p in new.periods if not (new.step and new.step.compares and p.kind == "shift-year")]
    phrase = resolve_period(shown[0], prev, previous, periods) if shown else None
    if new.step is not None:
        item = new.item_text or prev.item_text or (prev.groups.get("item") or "")
        if not item:
            return question
        if phrase is None:
            phrase = prev.periods[0].text.strip() if prev.periods else ""
        values = {**new.groups, "item": item, "period": f" {phrase}" if phrase else ""}
        return new.step.template.format(**values)
    if asks_own:  # "And what was net income?": its own question, in the previous period
        if not prev.periods:
            return question
        return _sentence(_with_period(new.core, [], prev.periods[0].text.strip()))
    text = prev.core
    spans = prev.periods
    if phrase is not None:
        text = _with_period(text, spans, phrase)
        shift = len(phrase) - (spans[0].end - spans[0].start) if spans else 0
    else:
        shift = 0
    if new.item is not None and prev.item is not None:
        start, end = prev.item
        if spans and start >= spans[0].end:
            start, end = start + shift, end + shift
        text = _put_item(text, (start, end), new.item_text)
    elif new.item is not None:
        return question
    return _sentence(text)


def _sentence(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:] + ("" if text.endswith("?") else "?")


def understand(question: str, history: Sequence[str | Turn], answer_period: Callable[[str], tuple[dt.date | None, int | None] | None] | None = None, periods: Iterable[tuple[dt.date, int | None]] = (), limit: int = 8) -> str:
    """The last question of a conversation as the engine should read it.

    `history` holds the previous questions as asked (each is read against the one before it) or
    Turns already read; `answer_period(understood)` gives a reading's answer period, and is called
    only when a relative period needs it."""
    periods = list(periods)
    turn: Turn | None = None
    for item in list(history)[-limit:]:
        if isinstance(item, Turn):
            turn = item
            continue
        if not item or not item.strip():
            continue
        understood = rewrite(item, turn, periods)
        turn = Turn(understood, lookup=(lambda q=understood: answer_period(q)) if answer_period else None)
    return rewrite(question, turn, periods)
