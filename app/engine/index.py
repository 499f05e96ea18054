"""What the answer engine precomputes once per filing: rows with their words, sentences for text search.

Built on first use of a filing and cached, so a question costs one query embedding, one small
matrix product and a pass over a few thousand precomputed sets.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from filingqa.app.engine.vocabulary import content_words, filing_words
from filingqa.ingest.model import Column, Filing, Row, Table

_SENTENCE_END = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"”)]))\s+(?=[A-Z\"“(])")
_ABBREV = re.compile(r"\b(?:Inc|Corp|Co|Ltd|No|Nos|Mr|Mrs|Ms|Dr|Jr|Sr|U\.S|St|Ph\.D|approx|vs|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|[A-Z])\.$")


@dataclass
class RowEntry:
    table: Table
    row: Row
    words: frozenset[str]
    label_words: frozenset[str]
    label_vec: int  # index into the label matrix (label alone)
    context_vec: int  # index into the label matrix (section + label)
    units: frozenset = frozenset()  # the units its cells carry (a column may fix its own)
    primary: bool = False  # in a primary financial statement (income, balance sheet, cash flows)
    head_words: frozenset[str] = frozenset()  # the label's words before "of"/"from"/"on"
    full_words: frozenset[str] = frozenset()  # the label's words, qualifiers included
    section_words: frozenset[str] = frozenset()  # its caption's words ("Georgia Power")
    literal_label_words: frozenset[str] = frozenset()  # label_words without concept tokens


@dataclass
class ColumnEntry:
    column: Column
    words: frozenset[str]


@dataclass
class Sentence:
    text: str
    line_start: int
    line_end: int
    words: list[str]
    section: str | None = None
    lead: frozenset[str] = frozenset()  # words of the "Contacts:"-style lead-in line above it


@dataclass
class FilingIndex:
    filing: Filing
    rows: list[RowEntry]
    columns: dict[tuple[str, int], ColumnEntry]
    label_vectors: np.ndarray
    sentences: list[Sentence]
    idf: dict[str, float] = field(default_factory=dict)
    name_words: frozenset[str] = frozenset()
    section_words: dict[str, frozenset[str]] = field(default_factory=dict)
    top_idf: float = 1.0  # the rarest word's weight, for words the filing never uses
    weight_cache: dict = field(default_factory=dict)  # label weights, which no question changes


_WHOLE = frozenset(content_words("consolidated total company"))  # captions that name the whole, not a part
_FOOTNOTE_REF = re.compile(r"\((?:see )?notes?[^)]*\)|\((?:\w|\d{1,2})\)", re.IGNORECASE)
_HEAD = re.compile(r"\s+(?:of|from|on|for|in|to|by|attributable)\s+", re.IGNORECASE)
_PRIMARY = re.compile(
    r"^\W*(?:unaudited\s+)?(?:condensed\s+)?(?:consolidated\s+)?(?:condensed\s+)?(?:statements?|balance sheets?)\b", re.IGNORECASE
)


def build_index(filing: Filing, label_texts: list[str], label_vectors: np.ndarray) -> FilingIndex:
    position = {t: i for i, t in enumerate(label_texts)}
    name_words = frozenset(content_words(" ".join(filter(None, [filing.company or "", _company_from_name(filing.name), _initials(filing.company or "")]))))
    rows: list[RowEntry] = []
    columns: dict[tuple[str, int], ColumnEntry] = {}
    for table in filing.tables:
        for i, col in enumerate(table.columns):
            columns[(table.id, i)] = ColumnEntry(col, frozenset(content_words(col.label)))
        title_words = frozenset(filing_words(table.title))
        primary = bool(_PRIMARY.match(table.title))
        for row in table.rows:
            label_words = frozenset(content_words(core_label(row.label)))
            literal_label = frozenset(content_words(core_label(row.label), with_concepts=False))
            # The caption above a row and the table's title speak for it ("Diluted" under
            # "Earnings per common share"; "U.S." in "COMPARABLE SALES").
            words = label_words | literal_label | frozenset(filing_words(row.label)) | frozenset(filing_words(row.section or "")) | title_words
            ctx = f"{row.section} {row.label}" if row.section else row.label
            units = frozenset(col.unit or row.unit for col, v in zip(table.columns, row.values) if v is not None) or frozenset({row.unit})
            head = frozenset(content_words(_HEAD.split(core_label(row.label), maxsplit=1)[0])) - name_words
            rows.append(
                RowEntry(
                    table,
                    row,
                    words - name_words,
                    label_words - name_words,
                    position.get(row.label, 0),
                    position.get(ctx, position.get(row.label, 0)),
                    units,
                    primary,
                    head,
                    frozenset(content_words(_FOOTNOTE_REF.sub("", row.label))) - name_words,
                    frozenset(content_words(row.section or "", with_concepts=False)) - _WHOLE,  # counted word by word: a caption is as long as it reads
                    literal_label - name_words,
                )
            )
    sentences = split_sentences(filing)
    df: Counter[str] = Counter()
    for s in sentences:
        df.update(set(s.words))
    n = max(1, len(sentences))
    idf = {w: math.log(1 + n / (1 + c)) for w, c in df.items()}
    section_words = {s.title: frozenset(content_words(s.title, drop_periods=False)) for s in filing.sections}
    return FilingIndex(filing, rows, columns, label_vectors, sentences, idf, name_words, section_words, max(idf.values(), default=1.0))


_QUALIFIERS = re.compile(
    r"\([^)]*\)|,?\s*\b(?:net of|less|excluding|exclusive of|including|inclusive of|after deducting)\b[^,;]*|\s*\(?\b[a-z](?:\s*&\s*[a-z])?\)$",
    re.IGNORECASE,
)


def core_label(label: str) -> str:
    """A label without its qualifiers: "SALES, Net of returns and allowances" is "SALES";
    "COST OF SALES (Including buying, distribution, and occupancy costs)" is "COST OF SALES".
    The qualifier words must not dilute how much of the label a question names."""
    core = _QUALIFIERS.sub("", label).strip(" ,;:")
    return core or label


def _company_from_name(name: str) -> str:
    return re.split(r"[-_.]", name)[0]


_LEGAL_FORM = re.compile(r"\b(?:inc|incorporated|corp|corporation|co|company|ltd|limited|plc|llc|lp|the|holdings?|group|n\.?v|s\.?a)\b\.?|[,.&]", re.IGNORECASE)


def _initials(company: str) -> str:
    """ "TI" for Texas Instruments Incorporated, "IBM" for International Business Machines: what
    analysts call a company of several words."""
    words = [w for w in _LEGAL_FORM.sub(" ", company).split() if w[:1].isalpha()]
    return "".join(w[0] for w in words) if len(words) >= 2 else ""


def split_sentences(filing: Filing) -> list[Sentence]:
    """Sentences with the lines they span; table lines and short lines stand as their own units."""
    in_table: set[int] = set()
    for t in filing.tables:
        in_table.update(range(t.line_start, t.line_end + 1))
    section_at: dict[int, str] = {}
    for s in filing.sections:
        for k in range(s.line_start, s.line_end + 1):
            section_at.setdefault(k, s.title)
    out: list[Sentence] = []
    para: list[tuple[int, str]] = []

    def flush() -> None:
        if not para:
            return
        text = " ".join(t.strip() for _, t in para)
        offsets = []
        pos = 0
        for n, t in para:
            offsets.append((pos, n))
            pos += len(t.strip()) + 1
        start = 0
        pieces = []
        for m in _SENTENCE_END.finditer(text):
            if _ABBREV.search(text[: m.start()]):
                continue
            pieces.append((start, m.start()))
            start = m.end()
        pieces.append((start, len(text)))
        for a, b in pieces:
            chunk = text[a:b].strip()
            if not chunk:
                continue
            first = max(n for p, n in offsets if p <= a) if offsets else para[0][0]
            last = max(n for p, n in offsets if p <= max(a, b - 1))
            out.append(Sentence(chunk, first, last, filing_words(chunk, drop_periods=False), section_at.get(first)))
        para.clear()

    for n, line in enumerate(filing.lines, start=1):
        stripped = line.strip()
        if not stripped or n in in_table:
            flush()
            if n in in_table and stripped:
                out.append(Sentence(re.sub(r"\s{2,}|\t+", "  ", stripped), n, n, filing_words(stripped, drop_periods=False), section_at.get(n)))
            continue
        # A short line (a cover-page field, a heading, a contact) is a unit of its own.
        if len(stripped) < 70 and not stripped.endswith((",", "-", "and", "of", "the")):
            flush()
            out.append(Sentence(stripped, n, n, filing_words(stripped, drop_periods=False), section_at.get(n)))
            continue
        para.append((n, line))
        if stripped.endswith((".", ":", "!", "?", '"', "”")) and len(stripped) < 60:
            flush()
    flush()
    _attach_leads(filing, out)
    return out


_LEAD = re.compile(r"^[A-Z][\w\s&,'/-]{1,40}:$")
LEAD_REACH = 12


def _attach_leads(filing: Filing, sentences: list[Sentence]) -> None:
    """A short line ending in a colon ("Contacts:", "Webcast Information:") introduces the lines
    under it; they inherit its words, since "the media contact" is named only there."""
    leads: list[tuple[int, frozenset[str]]] = []
    for n, line in enumerate(filing.lines, start=1):
        if _LEAD.match(line.strip()):
            leads.append((n, frozenset(filing_words(line, drop_periods=False))))
    if not leads:
        return
    k = 0
    for s in sentences:
        while k + 1 < len(leads) and leads[k + 1][0] < s.line_start:
            k += 1
        n, words = leads[k]
        if n < s.line_start <= n + LEAD_REACH:
            s.lead = words
