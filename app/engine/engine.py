"""The answer engine: question + filing -> Answer, by one visible pipeline.

    analyse (kind, period, unit) -> figure from facts | derived from facts | passage from text
                                 -> abstain when none of them is confident

Figures come only from parsed facts or from an amount printed in a cited sentence; nothing is
generated. Each step is a plain function; `chain.py` composes them as a LangChain runnable.
"""

from __future__ import annotations

import dataclasses
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from filingqa.app.engine import derived as derived_ops
from filingqa.app.engine.asked import AskedForm, convert, plain_number, read_form, rounded, without_instructions
from filingqa.app.engine.generation import NarrativePhraser
from filingqa.app.engine.figures import FactMatch, RowMatch, best_fact, confident, decisive, find_facts
from filingqa.app.engine.index import FilingIndex, Sentence, build_index
from filingqa.app.engine.model import Answer, AnswerKind, Citation, Figure, FigureSource, PeriodRef
from filingqa.app.engine.passages import MIN_SENTENCE_SCORE, ScoredSentence, item_coverage, score_sentences, signature, with_neighbours
from filingqa.app.engine.question import PeriodQuery, QuestionAnalysis, analyse, expected_unit
from filingqa.app.engine.textfigures import amounts_in, pick_amount
from filingqa.app.engine.vocabulary import content_words
from filingqa.ingest.fiscal import FiscalCalendar
from filingqa.ingest.model import Fact, Filing, Scale, Unit
from filingqa.ingest.periods import find_durations
from filingqa.vectorstore.store import FilingStore

MAX_QUESTION_CHARS = 2000
MIN_TEXT_FIGURE_COVER = 0.8  # of the question's item words (by rarity) a sentence must say to give a figure
_OPERATION_WORDS = frozenset(content_words("change increase decrease grow growth decline percent percentage"))
_ASKS_CHANGE = re.compile(r"\b(change|increase|decrease|grow|grew|growth|decline)", re.IGNORECASE)
_FORWARD = re.compile(r"\b(guide|guided|guidance|outlook|forecast|expects?|expected|anticipate[sd]?)\b", re.IGNORECASE)
_FORWARD_TEXT = re.compile(r"\b(expects?|expected|expecting|anticipates?|anticipated|outlook|guidance|looking ahead|forecasts?|projects?|plans? to|will|targets?|estimates?)\b", re.IGNORECASE)
_FROM_TO_WORDS = re.compile(r"\bfrom\b[^.]{0,40}\bto\b", re.IGNORECASE)
_ASKS_SIGNER = re.compile(r"\bwho\b[^?]*\bsign(?:ed|s)?\b|\bsignator", re.IGNORECASE)


class UnknownFiling(LookupError):
    pass


@dataclass
class Prepared:
    """A filing made ready for questions; dropped with the filing (nothing outlives a delete)."""

    filing: Filing
    index: FilingIndex
    calendar: FiscalCalendar
    table_lines: set[int] = field(default_factory=set)
    row_labels: dict[int, str] = field(default_factory=dict)
    current_year: int | None = None  # the fiscal year the filing reports on (its latest period's)


@dataclass
class Context:
    """What flows through the pipeline for one question."""

    question: str
    prepared: Prepared
    analysis: QuestionAnalysis
    embed: Callable[[str], np.ndarray]
    started: float
    notes: list[str] = field(default_factory=list)
    retrieved: list[tuple[int, int]] | None = None
    _qvec: np.ndarray | None = None

    @property
    def qvec(self) -> np.ndarray:
        """The question's vector, embedded on first use: a figure that words alone settle needs none."""
        if self._qvec is None:
            self._qvec = self.embed(self.question)
        return self._qvec


def _calendar(filing: Filing) -> FiscalCalendar:
    from filingqa.ingest.fiscal import _calendar as make

    if filing.fiscal_year_end:
        month, day = (int(x) for x in filing.fiscal_year_end.split("-"))
        return make(month, day, source="filing")
    return FiscalCalendar()


def scale_words(scale: Scale) -> str:
    return {"units": "", "thousands": " thousand", "millions": " million", "billions": " billion"}[scale.value]


def format_figure(value: float, unit: Unit | str, scale: Scale | str) -> str:
    unit = Unit(unit)
    scale = Scale(scale)
    negative = value < 0
    magnitude = abs(value)
    digits = f"{magnitude:,.2f}" if not float(magnitude).is_integer() else f"{int(magnitude):,}"
    if unit == Unit.PERCENT:
        return f"{'-' if negative else ''}{digits}%"
    if unit in (Unit.USD, Unit.USD_PER_SHARE):
        body = f"${digits}{scale_words(scale)}"
        body = f"({body})" if negative else body
        return body + (" per share" if unit == Unit.USD_PER_SHARE else "")
    word = " shares" if unit == Unit.SHARES else ""
    return f"{'-' if negative else ''}{digits}{scale_words(scale)}{word}"


def describe_period(months: int | None, end) -> str:
    if end is None:
        return "the period shown"
    when = end.strftime("%B %-d, %Y")
    if not months:
        return f"as of {when}"
    words = {3: "three", 6: "six", 9: "nine", 12: "twelve"}.get(months, str(months))
    return f"for the {words} months ended {when}"


class AnswerEngine:
    def __init__(self, store: FilingStore, phraser: NarrativePhraser | None = None):
        self.store = store
        self.phraser = phraser
        self.embeddings = store.embeddings
        self._prepared: dict[str, Prepared] = {}
        self._lock = threading.Lock()

    # -- preparation -------------------------------------------------------------------
    def prepare(self, filing_id: str) -> Prepared:
        hit = self._prepared.get(filing_id)
        if hit is not None and (not self.store.shared or self.store.exists(filing_id)):
            # A shared (server) store may lose a filing to another process's delete.
            return hit
        filing = self.store.get_filing(filing_id)
        if filing is None:
            raise UnknownFiling(filing_id)
        labels = self.store.label_index(filing)
        prepared = Prepared(
            filing,
            build_index(filing, labels.texts, labels.vectors),
            _calendar(filing),
            table_lines={n for t in filing.tables for n in range(t.line_start, t.line_end + 1)},
            row_labels={r.line: r.label for t in filing.tables for r in t.rows},
            current_year=_current_year(filing),
        )
        with self._lock:
            self._prepared[filing_id] = prepared
        return prepared

    def forget(self, filing_id: str) -> None:
        self._prepared.pop(filing_id, None)

    # -- the pipeline ----------------------------------------------------------------
    def start(self, question: str, filing_id: str) -> Context:
        question = question.strip()[:MAX_QUESTION_CHARS]
        started = time.perf_counter()
        prepared = self.prepare(filing_id)
        analysis = analyse(question, prepared.calendar)
        return Context(question, prepared, analysis, self.embeddings.query_vector, started)

    def respond(self, ctx: Context) -> Answer:
        answer = None
        if ctx.analysis.kind == "derived":
            answer = self.derived(ctx)
        if answer is None and ctx.analysis.kind in ("figure", "derived"):
            answer = self.figure(ctx)
        if answer is None and ctx.analysis.kind == "narrative":
            # A figure question whose figure is not found abstains: a sentence near the
            # words is not an answer to "what was X".
            answer = self.narrative(ctx)
        if answer is None:
            answer = self.abstain(ctx)
        answer = in_asked_form(answer, read_form(ctx.question))
        answer.latency_ms = round((time.perf_counter() - ctx.started) * 1000, 2)
        answer.question_kind = ctx.analysis.kind
        return answer

    def answer(self, question: str, filing_id: str) -> Answer:
        return self.respond(self.start(question, filing_id))

    # -- figure ----------------------------------------------------------------------
    def _facts(self, ctx: Context, analysis: QuestionAnalysis | None = None) -> tuple[list[FactMatch], list[RowMatch]]:
        """Candidate facts. Words first: when they settle the row beyond what the model's
        similarity could change (it weighs at most SEMANTIC_WEIGHT), the question is never
        embedded; otherwise the one query vector joins in."""
        p = ctx.prepared
        analysis = analysis or ctx.analysis
        matches, rows = find_facts(None, analysis, p.index, p.calendar)
        if decisive(matches):
            return matches, rows
        qvec = ctx.qvec if analysis is ctx.analysis else self.embeddings.query_vector(analysis.text)
        return find_facts(qvec, analysis, p.index, p.calendar)

    def figure(self, ctx: Context) -> Answer | None:
        matches, rows = self._facts(ctx)
        best = prefer_precise(best_fact(matches, ctx.analysis.unit), matches)
        if best is not None:
            # A confident table fact is the filing's exact figure; the text is consulted only
            # when no row answers (figures the text alone states, or rounds from a table).
            return self._figure_answer(ctx, best)
        text_hit = self._text_figure(ctx)
        if text_hit is not None:
            return self._text_figure_answer(ctx, *text_hit)
        ctx.notes.append("no confident line item")
        return None

    def _figure_answer(self, ctx: Context, m: FactMatch) -> Answer:
        f = m.fact
        period_text = describe_period(f.period.months, f.period.end)
        value_text = format_figure(f.value, f.unit, f.scale)
        line = ctx.prepared.filing.line(f.line)
        sentence = f"{f.label} {period_text} {'was' if f.unit != Unit.SHARES else 'was'} {value_text}"
        if f.column_kind == "change":
            sentence = f"The change in {f.label} ({f.column}) was {value_text}"
        sentence += f" (table {f.table}, '{f.table_title[:80]}', line {f.line})."
        return Answer(
            question=ctx.question,
            filing=ctx.prepared.filing.id,
            kind=AnswerKind.FIGURE,
            answer=sentence,
            figures=[_figure(f)],
            citations=[Citation(text=line.strip(), line_start=f.line, line_end=f.line, section=f.table_title)],
        )

    def _retrieve(self, ctx: Context, k: int = 6) -> list[tuple[int, int]]:
        """Line ranges of the passages nearest the question in meaning (Chroma, the one query vector)."""
        if ctx.retrieved is None:
            hits = self.store.search_chunks(ctx.qvec, ctx.prepared.filing.id, k=k)
            ctx.retrieved = [(c.line_start, c.line_end) for c, _ in hits]
        return ctx.retrieved

    def _text_figure(self, ctx: Context) -> tuple[ScoredSentence, object] | None:
        """A figure the text states, in a sentence that names the line item and the year asked.

        Table rows take part through their labels only ("50,773,796 shares at November 2, 2024"
        inside a balance-sheet caption); their cells are the table parser's business."""
        idx = ctx.prepared.index
        pq = ctx.analysis.period
        scored = score_sentences(ctx.question, idx, months=pq.months, retrieved=self._retrieve(ctx))
        year = _question_year(pq)
        # The words that name the item, not the operation asked of it ("change", "grow").
        keywords = [w for w in content_words(without_instructions(ctx.question)) if w not in idx.name_words and w not in _OPERATION_WORDS]
        keywords = sorted(dict.fromkeys(keywords), key=lambda w: -idx.idf.get(w, 0.0))  # rarest first
        item_weight = sum(idx.idf.get(w, 0.0) for w in set(keywords)) or 1.0
        labels = ctx.prepared.row_labels
        unit = ctx.analysis.unit if ctx.analysis.unit != Unit.USD else None
        if unit is None and ctx.analysis.kind == "derived" and _ASKS_CHANGE.search(ctx.question):
            unit = Unit.PERCENT  # "by how much did comparable sales change": the text gives a percent
        if _FORWARD.search(ctx.question):
            scored = [s for s in scored if _FORWARD_TEXT.search(s.sentence.text)]
        for s in scored[:8]:
            if s.coverage < 0.5:
                break
            words = set(s.sentence.words)
            if sum(idx.idf.get(w, 0.0) for w in set(keywords) if w in words) / item_weight < MIN_TEXT_FIGURE_COVER:
                continue
            text = s.sentence.text
            if s.sentence.line_start in ctx.prepared.table_lines:
                text = labels.get(s.sentence.line_start, "")
                by_column = self._label_amount_by_column(ctx, s.sentence.line_start, text, keywords)
                if by_column is not None:
                    return s, by_column
            current = ctx.prepared.current_year
            from_to = year is not None and current is not None and year in (current, current - 1) and _FROM_TO_WORDS.search(text)
            if year is not None and not from_to and str(year) not in text and str(year) not in _paragraph(ctx.prepared.filing, s.sentence):
                continue
            when, when_days = (pq.exact[0], 0) if pq.exact else (pq.window, 16) if pq.window else (None, 0)
            amount = pick_amount(text, keywords, year, unit, when=when, when_days=when_days, asks_change=bool(_ASKS_CHANGE.search(ctx.question)), current_year=current)
            if amount is not None:
                return s, amount
        return None

    def _label_amount_by_column(self, ctx: Context, line: int, label: str, keywords: list[str]):
        """ "921,035,475 and 915,970,050 shares issued and outstanding, respectively" in a balance
        sheet caption: the amounts follow the table's columns, so the asked date picks one."""
        if "respectively" not in label.lower() or not ctx.analysis.period.exact:
            return None
        table = next((t for t in ctx.prepared.filing.tables if t.line_start <= line <= t.line_end and any(r.line == line for r in t.rows)), None)
        if table is None:
            return None
        columns = [c for c in table.columns if c.kind == "value"]
        head = label[: label.lower().find("respectively")]
        amounts = amounts_in(head)[-len(columns) :]
        if len(amounts) < len(columns) or not amounts:
            return None
        # "A and B shares": the noun after the last amount names them all.
        amounts = [dataclasses.replace(a, unit=amounts[-1].unit) for a in amounts]
        if ctx.analysis.unit and amounts[-1].unit != ctx.analysis.unit:
            return None
        for col, amount in zip(columns, amounts):
            if col.period_end and any(abs((col.period_end - d).days) <= 3 for d in ctx.analysis.period.exact):
                return amount
        return None

    def _text_figure_answer(self, ctx: Context, s: ScoredSentence, amount) -> Answer:
        sent = s.sentence
        if amount.scale == Scale.UNITS and amount.unit == Unit.USD:
            # A 10-Q's notes say once "(dollars in millions ...)" and then write "$605".
            amount = dataclasses.replace(amount, scale=stated_text_scale(ctx.prepared.filing, sent.line_start))
        fig = Figure(
            value=amount.value,
            scale=amount.scale.value,
            unit=unit_word(amount.unit, amount.text, ctx.question),
            label=_around(sent.text, amount.text),
            period=None,
            verified=False,
            source=FigureSource(table=None, row=None, column=None, line=sent.line_start),
            text=amount.text,
        )
        return Answer(
            question=ctx.question,
            filing=ctx.prepared.filing.id,
            kind=AnswerKind.FIGURE,
            answer=f"{_plain(amount.text)} — the filing states: \"{_plain(sent.text)}\" (line {sent.line_start}).",
            figures=[fig],
            citations=[Citation(text=sent.text, line_start=sent.line_start, line_end=sent.line_end, section=sent.section)],
        )

    # -- derived ---------------------------------------------------------------------
    def derived(self, ctx: Context) -> Answer | None:
        op = derived_ops.read_operation(ctx.question)
        if op is None:
            return None
        p = ctx.prepared
        period = ctx.analysis.period
        if op.kind in ("growth", "change"):
            facts = self._growth_operands(ctx, op)
        else:
            facts: list[Fact] = []
            resolved: dict[str, Fact] = {}
            for phrase in op.operands:
                if phrase.strip().lower() in resolved:  # "(revenues - cost) / revenues": the same row again
                    facts.append(resolved[phrase.strip().lower()])
                    continue
                sub = QuestionAnalysis(text=phrase, kind="figure", period=period, unit=expected_unit(phrase))
                matches, _ = self._facts(ctx, sub)
                # Each operand is a different line item: "current plus long-term" is two rows.
                used = {(f.table, f.line) for f in facts}
                best = best_fact(matches, sub.unit, exclude=used)
                if best is None:
                    ctx.notes.append(f"no confident line item for '{phrase}'")
                    return None
                facts.append(best.fact)
                resolved[phrase.strip().lower()] = best.fact
        if not facts or len(facts) < 2:
            return None
        result = derived_ops.compute(op, facts)
        value = float(result.value)
        what = {"ratio": f"{facts[0].label} as % of {facts[1].label}", "margin": f"({facts[0].label} - {facts[-2].label}) as % of {facts[-1].label}", "growth": f"growth in {facts[0].label}", "change": f"change in {facts[0].label}", "difference": f"{facts[0].label} minus {facts[1].label}"}.get(op.kind, " + ".join(f.label for f in facts))
        fig = Figure(
            value=value,
            scale=result.scale.value,
            unit=result.unit.value,
            label=what,
            period=PeriodRef(end=facts[0].period.end, months=facts[0].period.months),
            formula=result.formula,
            verified=all(f.verified for f in facts),
        )
        inputs = [_figure(f) for f in facts]
        answer_text = f"{format_figure(value, result.unit, result.scale)}, computed as {result.formula} from " + "; ".join(
            f"{f.label} {describe_period(f.period.months, f.period.end)} = {format_figure(f.value, f.unit, f.scale)} (table {f.table}, line {f.line})" for f in facts
        ) + "."
        return Answer(
            question=ctx.question,
            filing=p.filing.id,
            kind=AnswerKind.DERIVED,
            answer=answer_text,
            figures=[fig, *inputs],
            citations=[Citation(text=p.filing.line(f.line).strip(), line_start=f.line, line_end=f.line, section=f.table_title) for f in facts],
        )

    def _growth_operands(self, ctx: Context, op) -> list[Fact]:
        """Current and comparative facts of one line item: two named periods, or one and its year-ago."""
        # "versus the prior-year quarter" names the comparison base; the operand is the current period.
        period = dataclasses.replace(ctx.analysis.period, prior=False)
        sub = QuestionAnalysis(text=op.operands[0], kind="figure", period=period, unit=expected_unit(op.operands[0]))
        dates = period.exact
        if len(dates) >= 2:
            facts = []
            for d in dates[:2]:
                pq = PeriodQuery(exact=[d], months=period.months, instant=period.instant)
                matches, _ = self._facts(ctx, QuestionAnalysis(text=op.operands[0], kind="figure", period=pq, unit=None))
                best = best_fact(matches, None)
                if best is None:
                    return []
                facts.append(best.fact)
            # "from June 30 to December 31": later minus earlier.
            facts.sort(key=lambda f: f.period.end, reverse=True)
            return facts
        matches, _ = self._facts(ctx, sub)
        best = best_fact(matches, sub.unit)
        if best is None:
            return []
        current = best.fact
        table = next(t for t in ctx.prepared.filing.tables if t.id == current.table)
        row = next(r for r in table.rows if r.line == current.line)
        for i, col in enumerate(table.columns):
            if col.kind != "value" or row.values[i] is None or col.period_end is None or current.period.end is None:
                continue
            if col.months == current.period.months and 330 <= (current.period.end - col.period_end).days <= 400:
                prior = Fact(**{**current.model_dump(), "column": col.label, "column_index": i, "period": col.period.model_dump(), "value": row.values[i], "text": row.texts[i] if i < len(row.texts) else None})
                return [current, prior]
        return []

    # -- narrative -------------------------------------------------------------------
    def narrative(self, ctx: Context) -> Answer | None:
        idx = ctx.prepared.index
        signed = signature(idx, ctx.question) if _ASKS_SIGNER.search(ctx.question) else None
        if signed is not None:
            shown = with_neighbours(signed, idx)
        else:
            scored = score_sentences(ctx.question, idx, months=ctx.analysis.period.months, retrieved=self._retrieve(ctx))
            if _FORWARD.search(ctx.question):
                # Guidance is only ever stated forward ("we expect", "looking ahead"); a sentence
                # reporting the quarter is not guidance, however many words it shares. And a
                # forecast for another length of period (first quarter for full year) is not it.
                months = ctx.analysis.period.months
                scored = [
                    s for s in scored
                    if _FORWARD_TEXT.search(s.sentence.text) and not (months and (said := {d.months for d in find_durations(s.sentence.text)}) and months not in said)
                ]
            # The answer must name what is asked about, not only when: dates and periods alone
            # do not make a sentence about "which company was acquired". Guidance must name all.
            need = 0.9 if _FORWARD.search(ctx.question) else 0.5
            scored = [s for s in scored if item_coverage(ctx.question, s.sentence, idx) >= need]
            if not scored or scored[0].score < MIN_SENTENCE_SCORE:
                return None
            shown = with_neighbours(scored[0].sentence, idx)
        text = _plain(" ".join(s.text for s in shown))
        if self.phraser is not None:
            text = self.phraser.phrase(ctx.question, [(s.line_start, s.text) for s in shown]) or text
        return Answer(
            question=ctx.question,
            filing=ctx.prepared.filing.id,
            kind=AnswerKind.NARRATIVE,
            answer=text,
            citations=[Citation(text=s.text, line_start=s.line_start, line_end=s.line_end, section=s.section) for s in shown],
        )

    # -- abstain ---------------------------------------------------------------------
    def abstain(self, ctx: Context) -> Answer:
        p = ctx.prepared
        matches, rows = self._facts(ctx)
        nearby = ""
        near_rows = [r for r in rows[:3] if r.label_cover >= 0.5]
        if near_rows:
            r = near_rows[0].entry
            periods = sorted({describe_period(c.months, c.period_end) for c in r.table.columns if c.kind == "value" and c.period_end})
            nearby = f" It reports '{r.row.label}' (table {r.table.id}, line {r.row.line}) {', '.join(periods[:4])}."
        what = "that figure for the period asked" if near_rows else "this"
        return Answer(
            question=ctx.question,
            filing=p.filing.id,
            kind=AnswerKind.ABSTAIN,
            abstained=True,
            answer=f"The filing does not state {what}.{nearby}",
            citations=[Citation(text=p.filing.line(near_rows[0].entry.row.line).strip(), line_start=near_rows[0].entry.row.line, line_end=near_rows[0].entry.row.line, section=near_rows[0].entry.table.title)] if near_rows else [],
        )


def in_asked_form(answer: Answer, form: AskedForm) -> Answer:
    """A figure in the scale the question asks for ("in USD billions"): converted exactly, the
    filing's own figure kept beside it as the input, and the text showing both."""
    if answer.kind != AnswerKind.FIGURE or not answer.figures or form.scale is None:
        return answer
    fig = answer.figures[0]
    if fig.unit not in (Unit.USD.value, Unit.SHARES.value, Unit.NUMBER.value) or fig.scale == form.scale.value:
        return answer
    exact = convert(fig.value, Scale(fig.scale), form.scale)
    shown = rounded(exact, form.places)
    printed = format_figure(fig.value, fig.unit, fig.scale)
    converted = fig.model_copy(update={
        "value": float(exact),
        "scale": form.scale.value,
        "formula": f"{printed} = {plain_number(exact)}{scale_words(form.scale)}",
    })
    def spelled(v) -> str:
        body = f"{plain_number(abs(v))}{scale_words(form.scale)}"
        if fig.unit == Unit.USD.value:
            return f"(${body})" if v < 0 else f"${body}"
        return ("-" if v < 0 else "") + body + (" shares" if fig.unit == Unit.SHARES.value else "")

    lead = spelled(shown) if shown == exact else f"{spelled(shown)} (exactly {spelled(exact)})"
    text = f"{lead}: {printed} as the filing prints it. " + answer.answer
    return answer.model_copy(update={"figures": [converted, fig, *answer.figures[1:]], "answer": text})


def prefer_precise(best: FactMatch | None, matches: list[FactMatch], margin: float = 0.3) -> FactMatch | None:
    """Of facts that state the same quantity for the same period, the most precise one.

    A release's summary ("Revenue ($B) 14.0") and its statement ("Net revenue 14,042" in
    millions) both answer "revenue in Q4"; the filing's exact figure is the statement's.
    """
    if best is None:
        return None
    target = best.fact.value * best.fact.scale.factor
    for m in matches:
        f = m.fact
        if m is best or not confident(m) or m.score < best.score - margin or f.unit != best.fact.unit:
            continue
        if f.period.end != best.fact.period.end or f.period.months != best.fact.period.months:
            continue
        value = f.value * f.scale.factor
        if target and abs(value - target) <= abs(target) * 0.01 and f.scale.factor < best.fact.scale.factor:
            best = m
            target = value
    return best


_COUNT_NOUN = re.compile(r"\b(employees|stores|restaurants|customers|locations|subscribers|members|units|barrels|tons|vehicles|aircraft|hotels|rooms|patients|sites)\b", re.IGNORECASE)


def unit_word(unit: Unit, *texts: str) -> str:
    """A count's unit is what it counts ("employees", "stores"), where the label or question says."""
    if unit != Unit.NUMBER:
        return unit.value
    for text in texts:
        m = _COUNT_NOUN.search(text or "")
        if m:
            return m.group(1).lower()
    return unit.value


def _figure(f: Fact) -> Figure:
    return Figure(
        value=f.value,
        scale=f.scale.value,
        unit=unit_word(f.unit, f.label, f.table_title),
        label=f.label,
        period=PeriodRef(end=f.period.end, months=f.period.months),
        verified=f.verified,
        source=FigureSource(table=f.table, row=f.label, column=f.column, line=f.line),
        text=f.text,
    )


_DOLLARS_IN = re.compile(r"\(\s*(?:dollars|\$)\s+in\s+(thousands|millions|billions)\b", re.IGNORECASE)
_PERIODIC_REPORT = re.compile(r"^10-[QK]", re.IGNORECASE)


def stated_text_scale(filing: Filing, line: int) -> Scale:
    """The scale a periodic report's text is written in: its notes and MD&A state "(dollars in
    millions, except per-share amounts)" once, above them. Press releases spell "million" out,
    so their bare amounts stay as printed."""
    doc = next((d for d in filing.documents if d.line_start <= line <= d.line_end), None)
    form = (doc.type if doc else None) or filing.form or ""
    if not _PERIODIC_REPORT.match(form):
        return Scale.UNITS
    start = doc.line_start if doc else 1
    for n in range(line, start - 1, -1):
        m = _DOLLARS_IN.search(filing.line(n))
        if m:
            return Scale(m.group(1).lower())
    return Scale.UNITS


def _current_year(filing: Filing) -> int | None:
    ends = [c.period_end for t in filing.tables for c in t.columns if c.period_end]
    if ends:
        return max(ends).year
    found = [int(y) for y in re.findall(r"fiscal (?:year )?(?:ended [A-Za-z]+ \d{1,2}, )?((?:19|20)\d{2})", "\n".join(filing.lines[:400]))]
    return max(found) if found else (filing.date.year - 1 if filing.date else None)


def _plain(text: str) -> str:
    """Answer text without a converter's Markdown escapes ("\\$457,000" reads "$457,000")."""
    return text.replace("\\$", "$").replace("**", "")


def _around(sentence: str, amount: str, reach: int = 60) -> str:
    """What a text figure is, in the filing's words: the stretch of sentence before the amount."""
    at = sentence.find(amount)
    before = sentence[max(0, at - reach) : at] if at >= 0 else sentence[:reach]
    return _plain(before.split(". ")[-1].strip(" ,;:—-")) or _plain(amount)


def _paragraph(filing: Filing, sentence: Sentence, reach: int = 3) -> str:
    """The lines around a sentence: "… for the three months ended December 31, 2004 and 2003 was
    interest income of …" may name its year a line or two away."""
    return " ".join(filing.lines[max(0, sentence.line_start - 1 - reach) : sentence.line_end + reach])


def _question_year(pq: PeriodQuery) -> int | None:
    if pq.exact:
        return pq.exact[0].year
    if pq.window:
        return pq.window.year
    if pq.month_year:
        return pq.month_year[1]
    return pq.year

