"""Narrative answers: find the sentence(s) of the filing that answer, by meaning and by words.

Candidate passages come from Chroma (vector search with the question's one embedding) fused with a
BM25 ranking over the filing's own chunks (reciprocal rank fusion): names, numbers and codes such
as "passcode" or "Commission File Number" are found by words far more reliably than by meaning.
Inside the passages, sentences are scored by the question's words they contain (IDF-weighted) and
by whether they hold the kind of thing asked for (a person, a date, a number, an address).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from filingqa.app.engine.index import FilingIndex, Sentence
from filingqa.app.engine.vocabulary import content_words
from filingqa.ingest.periods import find_durations

_PERSON = re.compile(r"\b[A-Z][a-z]+(?:\s+[A-Z]\.)?\s+[A-Z][a-z]+\b")
_DATE = re.compile(r"\b(?:January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.?\s+\d{1,2},?\s+\d{4}\b|\b\d{4}\b")
_FULL_DATE = re.compile(r"\b(?:January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.?\s+\d{1,2},?\s+\d{4}\b")
_PARENTHESIS = re.compile(r"\([^)]*\)")
_TIME = re.compile(r"\b\d{1,2}:\d{2}\s*(?:a\.?m\.?|p\.?m\.?)?", re.IGNORECASE)
_NUMBER = re.compile(r"\$?\d[\d,]*(?:\.\d+)?\s*(?:%|percent|million|billion|thousand)?")
_ADDRESS = re.compile(r"\b\d{1,6}\s+[A-Z][\w.]*(?:\s+[A-Z][\w.]*)*\s+(?:Street|St\.?|Avenue|Ave\.?|Road|Rd\.?|Boulevard|Blvd\.?|Drive|Dr\.?|Way|Lane|Parkway|Place|Plaza|Loop|Court)\b")
_PHONE = re.compile(r"\(?\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}")
_SIGNATURE = re.compile(r"/s/\s*[A-Z]|^By:", re.MULTILINE)
_CAPTION = re.compile(r"^\(.*\)$|^\(")
_STATES = re.compile(
    r"\b(Alabama|Alaska|Arizona|Arkansas|California|Colorado|Connecticut|Delaware|Florida|Georgia|Hawaii|Idaho|Illinois|Indiana|Iowa|Kansas|Kentucky|Louisiana|Maine|Maryland|Massachusetts|Michigan|Minnesota|Mississippi|Missouri|Montana|Nebraska|Nevada|New Hampshire|New Jersey|New Mexico|New York|North Carolina|North Dakota|Ohio|Oklahoma|Oregon|Pennsylvania|Rhode Island|South Carolina|South Dakota|Tennessee|Texas|Utah|Vermont|Virginia|Washington|West Virginia|Wisconsin|Wyoming)\b"
)

MIN_SENTENCE_SCORE = 0.45
RETRIEVAL_BONUS = 0.1
RESCORED = 25


@dataclass
class ScoredSentence:
    sentence: Sentence
    score: float
    coverage: float


def _expects(question: str) -> re.Pattern | None:
    q = question.lower()
    if re.search(r"\b(telephone|phone)\b", q):
        return _PHONE
    if "address" in q:
        return _ADDRESS
    if re.search(r"\bwhat time\b|\bat what time\b", q):
        return _TIME
    if re.search(r"\bwhich state\b|\bin which state\b|\bstate of incorporation\b|\bincorporated\b", q):
        return _STATES
    if re.search(r"\bsign(?:ed|s|atory)?\b", q):
        return _SIGNATURE
    if re.search(r"^\s*(who|whom)\b|\bwho is\b|\bnamed\b|\bcontact\b", q):
        return _PERSON
    if re.search(r"\bwhat (?:is the )?date\b|\bon what day\b", q):
        return _FULL_DATE
    if re.search(r"\bwhen\b", q):
        return _DATE
    if re.search(r"\bhow (?:many|much)\b|\bwhat (?:was|were|is) the (?:number|amount)|\brange\b|\bpercent|\bguid", q):
        return _NUMBER
    return None


def score_sentences(
    question: str, index: FilingIndex, pool: list[Sentence] | None = None, months: int | None = None, retrieved: list[tuple[int, int]] | None = None
) -> list[ScoredSentence]:
    """Sentences best first. `retrieved` are the line ranges of the passages vector search
    returned, best first: a sentence inside one gains a little, more for a higher rank (the
    fusion of meaning and words)."""
    qwords = [w for w in dict.fromkeys(content_words(question, drop_periods=False)) if w not in index.name_words]
    if not qwords:
        return []
    # A word the filing never uses weighs most: if the question turns on it ("dividend",
    # "guidance"), no sentence here can answer, and coverage must show that.
    weights = {w: index.idf.get(w, index.top_idf) for w in qwords}
    total = sum(weights.values()) or 1.0
    expects = _expects(question)
    out = []
    for sentence in pool if pool is not None else index.sentences:
        words = set(sentence.words)
        # The heading a sentence sits under speaks for it, at half weight ("Contacts:" over a name).
        heading = index.section_words.get(sentence.section or "", frozenset()) | sentence.lead
        hit = sum(weights[w] if w in words else 0.5 * weights[w] if w in heading else 0.0 for w in qwords)
        if hit == 0:
            continue
        coverage = hit / total
        score = coverage
        if expects is not None:
            text = sentence.text
            if expects.search(text):
                score += 0.25
            else:
                score -= 0.15
        for rank, (a, b) in enumerate(retrieved or ()):
            if a <= sentence.line_start <= b:
                score += RETRIEVAL_BONUS * (1 - rank / max(1, len(retrieved)))
                break
        # Long paragraphs match many words by chance; short lines that match are pointed.
        score -= min(0.15, len(sentence.words) / 400)
        out.append(ScoredSentence(sentence, score, coverage))
    out.sort(key=lambda s: s.score, reverse=True)
    if months:
        # A sentence about another length of period ("third quarter" for a full-year question)
        # is about something else. Read only among the leaders: the period grammar is not cheap.
        for s in out[:RESCORED]:
            said = {d.months for d in find_durations(s.sentence.text)}
            if said and months not in said:
                s.score -= 0.2
        out[:RESCORED] = sorted(out[:RESCORED], key=lambda s: s.score, reverse=True)
    return out


def item_coverage(question: str, sentence: Sentence, index: FilingIndex) -> float:
    """Share (by rarity) of the question's thing-naming words — not its period words — that the
    sentence or its heading says."""
    # A parenthesis restates ("clinical testing (patient dosing)"): either wording may be the filing's.
    words = [w for w in dict.fromkeys(content_words(_PARENTHESIS.sub(" ", question))) if w not in index.name_words]
    if not words:
        return 1.0
    weights = {w: index.idf.get(w, index.top_idf) for w in words}
    said = set(sentence.words) | index.section_words.get(sentence.section or "", frozenset()) | sentence.lead
    return sum(weights[w] for w in words if w in said) / (sum(weights.values()) or 1.0)


def signature(index: FilingIndex, question: str = "") -> Sentence | None:
    """The "/s/ Name" line of a signature block that the question points at ("as chief financial
    officer"): each candidate is read with the lines under it, where the signer's title stands.
    An auditor's report signature is the auditor's; the filing's own comes under SIGNATURE(S)."""
    wanted = set(content_words(question))
    best, best_score = None, -1.0
    for i, s in enumerate(index.sentences):
        if not _SIGNATURE.search(s.text):
            continue
        block = " ".join(x.text for x in index.sentences[i : i + 3])
        score = len(wanted & set(content_words(block))) + (1.0 if (s.section or "").upper().startswith("SIGNATURE") else 0.0)
        if score > best_score:
            best, best_score = s, score
    return best


def with_neighbours(best: Sentence, index: FilingIndex) -> list[Sentence]:
    """A cover-page caption "(Address of principal executive offices)" answers with the line above it."""
    out = [best]
    pos = index.sentences.index(best)
    if (_CAPTION.match(best.text.strip()) or len(best.text) < 60) and pos > 0:
        prev = index.sentences[pos - 1]
        if best.line_start - prev.line_end <= 3:
            out.insert(0, prev)
    if _SIGNATURE.search(best.text) and pos + 1 < len(index.sentences):
        out.append(index.sentences[pos + 1])  # "/s/ Name" is followed by the signer's name and title
    return out
