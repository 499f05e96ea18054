"""Resolve a question to one fact: the line item (labels) and the period (columns).

The label score blends the embedding model's similarity with word evidence; the period score comes
from `question.period_score`. A fact is answered only when both are confident; otherwise the
engine says what the filing does hold for that line item instead of guessing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from filingqa.app.engine.asked import without_instructions
from filingqa.app.engine.index import FilingIndex, RowEntry
from filingqa.app.engine.question import PeriodQuery, QuestionAnalysis, period_score
from filingqa.app.engine.vocabulary import OPPOSITES, content_words
from filingqa.ingest.fiscal import FiscalCalendar
from filingqa.ingest.model import Column, Fact, Period, Unit

MIN_LABEL_SCORE = 0.50
MIN_QUESTION_COVER = 0.6
SEMANTIC_WEIGHT = 0.35  # the most the model's similarity can add to a row's score
LABEL_SAYS_WEIGHT = 0.05  # a tie-breaker: question words the label itself says


@dataclass
class RowMatch:
    entry: RowEntry
    score: float
    semantic: float
    label_cover: float
    question_cover: float
    names_context: bool = False  # the question names its table's title or caption, beyond the label


@dataclass
class FactMatch:
    fact: Fact
    row: RowMatch
    label_score: float
    period_score: float

    @property
    def score(self) -> float:
        return self.label_score + 0.1 * self.period_score


def word_weights(words: frozenset[str], index: FilingIndex, head: frozenset[str] = frozenset()) -> dict[str, float]:
    """IDF over the filing's sentences, floored so that no named word counts for nothing.

    "net" and "total" qualify nearly every line item and weigh least; a label's head words
    (before "of", "from", "on": "Cost" of sales) weigh double, since they say what the row is."""
    top = index.top_idf
    return {w: (0.25 * top if w in _GENERIC else max(index.idf.get(w, top), 0.25 * top)) * (2.0 if w in head else 1.0) for w in words}


def label_weights(words: frozenset[str], index: FilingIndex, head: frozenset[str]) -> dict[str, float]:
    """word_weights for a row's label words, computed once per filing."""
    key = (words, head)
    hit = index.weight_cache.get(key)
    if hit is None:
        hit = index.weight_cache[key] = word_weights(words, index, head)
    return hit


def _cover(label: frozenset[str], hit: frozenset[str], index: FilingIndex, head: frozenset[str]) -> float:
    weights = label_weights(label, index, head)
    return sum(weights[w] for w in hit) / (sum(weights.values()) or 1.0)


def question_words(question: str, index: FilingIndex) -> frozenset[str]:
    return frozenset(w for w in content_words(without_instructions(question)) if w not in index.name_words)


# Words that qualify nearly every line item: "net" sales, "total" assets, depreciation "expense".
_GENERIC = frozenset(content_words("net total expense"))
_OPPOSITE_STEMS = [(content_words(a)[0], content_words(b)[0]) for a, b in OPPOSITES]
_PROFIT_WORDS = frozenset(content_words("income loss profit earnings"))
_BOTTOM_LINE = re.compile(r"^net (?:income|loss|earnings|profit)\b(?!.*\bper\b)(?!.*\b(?:attributable to non|noncontrolling))", re.IGNORECASE)
_ALTERNATIVE = re.compile(r"\b([a-z][\w'-]*)\s*(?:or|/|\(or\))\s*\(?([a-z][\w'-]*)\)?", re.IGNORECASE)


def alternatives(question: str) -> list[tuple[str, str]]:
    """ "profit or loss", "income (loss)", "earnings/loss": two names for one slot; naming either covers it."""
    out = []
    for m in _ALTERNATIVE.finditer(question):
        a, b = content_words(m[1]), content_words(m[2])
        if a and b and a[-1] != b[0]:
            out.append((a[-1], b[0]))
    return out


def score_rows(qvec: np.ndarray | None, qwords: frozenset[str], analysis: QuestionAnalysis, index: FilingIndex) -> list[RowMatch]:
    """Rows by how well they name the question; without `qvec`, by words alone (similarity 0)."""
    sims = index.label_vectors @ qvec if qvec is not None and len(index.label_vectors) else np.zeros(len(index.label_vectors))
    alts = [pair for pair in alternatives(analysis.text) if set(pair) <= qwords]
    weights = word_weights(qwords, index)
    total_weight = sum(weights.values()) or 1.0
    bottom_line = bool(qwords) and qwords <= _PROFIT_WORDS
    out = []
    for entry in index.rows:
        words = entry.words
        if not words:
            continue
        sem = float(max(sims[entry.label_vec], sims[entry.context_vec])) if len(sims) else 0.0
        hit = qwords & words
        label_hit = qwords & entry.label_words
        # How much of the label the question names, by rarity: "Net sales" is named by "sales"
        # ("net" qualifies everything), "Cost of sales" is not ("cost" is the point).
        label_cover = _cover(entry.label_words, label_hit, index, entry.head_words)
        if entry.literal_label_words != entry.label_words:
            # The label read word by word as well as by its concepts: either reading may be the
            # one the question speaks ("cash did operating activities generate").
            label_cover = max(label_cover, _cover(entry.literal_label_words, qwords & entry.literal_label_words, index, entry.head_words))
        if entry.full_words != entry.label_words:
            # A qualifier the question itself names ("EPS excluding one-time items") is the point.
            full_weights = label_weights(entry.full_words, index, entry.head_words)
            label_cover = max(label_cover, sum(full_weights[w] for w in qwords & entry.full_words) / (sum(full_weights.values()) or 1.0))
        # Weighted by rarity in this filing: the subject's name ("Junglee" in Amazon's 8-K about
        # it) is everywhere and says little; "licenses" says which row.
        covered = sum(weights[w] for w in hit) + sum(weights[b] if a in hit else weights[a] for a, b in alts if (a in hit) != (b in hit))
        question_cover = covered / total_weight
        # Words the label itself says are better evidence than its caption's or title's: "total
        # current liabilities" is the row that says "current", not one under a "Current" caption.
        by_label = qwords & (entry.label_words | entry.literal_label_words | entry.full_words)
        label_says = sum(weights[w] for w in by_label) / total_weight
        # Word evidence in both directions carries most of the weight: the model's similarity
        # is informative but flat for short labels ("U.S." under "COMPARABLE SALES").
        score = SEMANTIC_WEIGHT * sem + 0.35 * label_cover + 0.30 * question_cover + LABEL_SAYS_WEIGHT * label_says
        for a, b in _OPPOSITE_STEMS:
            if (a in qwords and b in words and b not in qwords) or (b in qwords and a in words and a not in qwords):
                score -= 0.3  # "GAAP EPS" is not the non-GAAP row; "basic" is not "diluted"
        if entry.primary:
            score += 0.06  # the statements themselves before notes and summaries that repeat them
        # A caption the question does not name ("Georgia Power" over "Operating Revenues") makes
        # the row one part among others; the unqualified row is the whole.
        # A subsidiary named after the company ("Southern Power") is a part too, however much its
        # name sounds like the question's "Southern Company".
        score -= 0.04 * min(3, len(entry.section_words - qwords - index.name_words) + bool(entry.section_words & index.name_words))
        if bottom_line and _BOTTOM_LINE.match(entry.row.label):
            score += 0.08  # "how much profit did it make": unqualified, profit means the bottom line
        units = entry.units
        if analysis.unit and analysis.unit not in units:
            score -= 0.25
        elif analysis.unit is None and units <= {Unit.USD_PER_SHARE, Unit.SHARES} and not ({"eps", "share"} & qwords):
            score -= 0.2
        names_context = bool(hit - entry.label_words - entry.literal_label_words)
        out.append(RowMatch(entry, score, sem, label_cover, question_cover, names_context))
    out.sort(key=lambda m: m.score, reverse=True)
    return out


def _column_fit(col: Column, cwords: frozenset[str], qwords: frozenset[str], analysis: QuestionAnalysis, fact_unit: Unit) -> float:
    """Column words the question names help; column words it does not name (a segment) hurt."""
    fit = 0.06 * len(cwords & qwords) - 0.04 * min(3, len(cwords - qwords))
    if col.kind == "change":
        fit += 0.15 if analysis.wants_change_column and fact_unit != Unit.PERCENT else -0.3
    if analysis.unit and fact_unit != analysis.unit:
        fit -= 0.3
    return fit


def resolve_prior(pq: PeriodQuery, periods: list[Period]) -> PeriodQuery:
    """Turn "year-ago quarter" into the comparative column's date, given the row's periods."""
    if not pq.prior or pq.exact:
        return pq
    dated = [p for p in periods if p.end and (pq.months is None or p.months == pq.months)]
    if pq.months is None:
        durations = [p for p in dated if p.months]
        if durations:
            shortest = min(p.months for p in durations)
            dated = [p for p in durations if p.months == shortest]
    if not dated:
        return pq
    current = max(p.end for p in dated)
    if pq.window:
        current = min((p.end for p in dated), key=lambda e: abs((e - pq.window).days))
    prior = [p for p in dated if 300 <= (current - p.end).days <= 430]
    if not prior:
        return pq
    resolved = PeriodQuery(exact=[prior[0].end], months=prior[0].months, weeks=pq.weeks, instant=pq.instant)
    return resolved


def default_period(pq: PeriodQuery, periods: list[Period]) -> PeriodQuery:
    """No period named: the filing's current one (latest end; the shortest duration there)."""
    if not pq.empty:
        return pq
    dated = [p for p in periods if p.end]
    if not dated:
        return pq
    latest = max(p.end for p in dated)
    at_latest = [p for p in dated if p.end == latest]
    months = sorted({p.months for p in at_latest if p.months})
    return PeriodQuery(exact=[latest], months=(pq.months or (months[0] if months else None)), instant=pq.instant)


def find_facts(qvec: np.ndarray | None, analysis: QuestionAnalysis, index: FilingIndex, calendar: FiscalCalendar, top_rows: int = 25) -> tuple[list[FactMatch], list[RowMatch]]:
    """Candidate facts, best first, and the best rows whatever their periods (for abstention)."""
    qwords = question_words(analysis.text, index)
    rows = score_rows(qvec, qwords, analysis, index)[:top_rows]
    matches: list[FactMatch] = []
    for rm in rows:
        table, row = rm.entry.table, rm.entry.row
        periods = [c.period for c in table.columns if c.kind == "value"]
        pq = resolve_prior(analysis.period, periods)
        pq = default_period(pq, periods)
        for i, (col, value) in enumerate(zip(table.columns, row.values)):
            if value is None:
                continue
            ps = period_score(pq, col.period, calendar)
            if ps <= 0:
                continue
            fact = table.fact(row, i)
            cwords = index.columns[(table.id, i)].words - index.name_words
            label_score = rm.score + _column_fit(col, cwords, qwords, analysis, fact.unit)
            cell_match = rm
            if cwords & qwords - rm.entry.words:
                # Column words the question names ("Sears Canada", "Non-GAAP") count as covered.
                weights = word_weights(qwords, index)
                covered = sum(weights[w] for w in qwords & (rm.entry.words | cwords)) / (sum(weights.values()) or 1.0)
                cell_match = RowMatch(rm.entry, rm.score, rm.semantic, rm.label_cover, max(rm.question_cover, covered), True)
            matches.append(FactMatch(fact, cell_match, label_score + (0.02 if row.verified else 0.0), ps))
    matches.sort(key=lambda m: m.score, reverse=True)
    return matches, rows


def decisive(matches: list[FactMatch]) -> bool:
    """Scored without the model: is the best confident fact ahead of every other row's facts by
    more than similarity could add? Then the model cannot change the answer."""
    best = next((m for m in matches if confident(m)), None)
    if best is None:
        return False
    row = (best.fact.table, best.fact.line)
    return all(m.score <= best.score - SEMANTIC_WEIGHT for m in matches if (m.fact.table, m.fact.line) != row)


PRIMARY_REACH = 0.35  # how far a confident statement row may trail a note's row and still win
CLEAR_COVER = 0.8  # of the question's item words (by rarity) a row must account for to win by margin
CLEAR_MARGIN = 0.25  # how far ahead of every other row's fact it must then be


def best_fact(matches: list[FactMatch], unit: Unit | None, exclude: set[tuple[str, int]] = frozenset()) -> FactMatch | None:
    """The fact to answer with: the best confident one, or else the clear best.

    A question often says less than the row: "net loss per share" for "Basic and diluted net
    loss per common share". Such a row is the answer when the question's words are all its own,
    it is in the unit asked, and no other row comes near it: confidence from the margin over the
    alternatives, not from how much of the label the question repeats."""
    candidates = [m for m in matches if (m.fact.table, m.fact.line) not in exclude]
    sure = [m for m in candidates if confident(m)]
    if sure:
        best = sure[0]
        if not best.row.entry.primary and not best.row.names_context:
            # The statements before notes, segment and plan tables that repeat or break down
            # their items, unless the question names that table's context ("R&D" in a stock
            # compensation note is not the income statement's R&D).
            primary = next((m for m in sure if m.row.entry.primary and m.score >= best.score - PRIMARY_REACH), None)
            best = primary or best
        return best
    if not candidates:
        return None
    top = candidates[0]
    if top.row.question_cover < CLEAR_COVER or top.label_score < MIN_LABEL_SCORE or (unit is not None and top.fact.unit != unit):
        return None
    row = (top.fact.table, top.fact.line)
    rival = next((m for m in candidates if (m.fact.table, m.fact.line) != row and m.fact.value != top.fact.value), None)
    if rival is not None and rival.score > top.score - CLEAR_MARGIN:
        return None
    return top


def confident(match: FactMatch) -> bool:
    """Both directions must hold: the row's label is named by the question, and the question's
    words are mostly accounted for by the row (its label, caption, table title and column).
    "How many retail stores" names the row "Retail" but not the stores, and is not answered by it."""
    rm = match.row
    words_ok = (rm.label_cover >= 0.5 and rm.question_cover >= MIN_QUESTION_COVER) or (rm.semantic >= 0.75 and rm.question_cover >= 0.5)
    return match.label_score >= MIN_LABEL_SCORE and words_ok
