"""Value columns of a table, and which header cells stand over which column.

Positions are in the table's own coordinates (grid columns for HTML, character offsets for aligned
text, field indexes for tab-separated text). Three rules place a header line's cells, tried in order:
  1. positional: every cell overlaps one or more columns and no column is claimed twice;
  2. even split: k group headers over N columns with N divisible by k ("Three Months" and "Six
     Months" over 2004/2003/2004/2003), which survives conversions that lost the real positions;
  3. nearest: each cell goes to the column(s) nearest its centre, within a tolerance.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from filingqa.ingest.model import RawCell


CHANGE_WORDS = re.compile(
    r"\b(change|inc\.?\s*/\s*\(?\s*dec|increase|decrease|variance|better|worse|growth)\b|%\s*chg|\bb/\(?w\)?",
    re.IGNORECASE,
)


_YEARISH = re.compile(r"\b(19|20)\d{2}\b")
_PERIOD_WORDS = re.compile(r"\b(ended|ending|months?|weeks?|quarters?|years?|half|as of|at)\b", re.IGNORECASE)


@dataclass
class Span:
    start: float
    end: float

    @property
    def centre(self) -> float:
        return (self.start + self.end) / 2

    def overlap(self, other: "Span") -> float:
        return min(self.end, other.end) - max(self.start, other.start)


def column_count(value_counts: list[int]) -> int:
    """The number of value columns: the widest row shape that enough rows share.

    A stray row with an extra cell must not add a column; a table whose subtotal rows leave cells
    empty must not lose one.
    """
    counts = Counter(c for c in value_counts if c > 0)
    if not counts:
        return 0
    total = sum(counts.values())
    for width in sorted(counts, reverse=True):
        if counts[width] >= max(2, 0.2 * total) or (total <= 2 and counts[width] >= 1):
            return width
    return counts.most_common(1)[0][0]


def column_spans(rows_values: list[list[RawCell]], width: int) -> list[Span]:
    """Spans of the value columns from the rows that fill every column."""
    full = [cells for cells in rows_values if len(cells) == width]
    spans = []
    for i in range(width):
        starts = sorted(c[i].start for c in full)
        ends = sorted(c[i].end for c in full)
        # medians resist one misaligned row
        spans.append(Span(starts[len(starts) // 2], ends[len(ends) // 2]))
    # Widen to the full extent of the cells but never into the neighbour's median span.
    for i, span in enumerate(spans):
        lo = min(c[i].start for c in full)
        hi = max(c[i].end for c in full)
        if i > 0:
            lo = max(lo, spans[i - 1].end)
        if i + 1 < width:
            hi = min(hi, spans[i + 1].start)
        span.start, span.end = min(span.start, lo), max(span.end, hi)
    return spans


def place_values(cells: list[RawCell], spans: list[Span]) -> list[RawCell | None]:
    """Put a row's value cells into columns; rows with fewer cells than columns leave gaps."""
    slots: list[RawCell | None] = [None] * len(spans)
    if len(cells) == len(spans):
        return list(cells)
    taken = set()
    for cell in cells:
        cs = Span(cell.start, cell.end)
        best, best_score = None, None
        for i, span in enumerate(spans):
            if i in taken:
                continue
            score = (cs.overlap(span) if cs.overlap(span) > 0 else -abs(cs.end - span.end) - abs(cs.centre - span.centre))
            if best_score is None or score > best_score:
                best, best_score = i, score
        if best is not None:
            slots[best] = cell
            taken.add(best)
    return slots


def assign_header_cells(cells: list[RawCell], spans: list[Span], grid: str) -> list[list[str]]:
    """For one header line: the header text each column receives from it."""
    out: list[list[str]] = [[] for _ in spans]
    if not cells:
        return out
    n, k = len(spans), len(cells)
    if grid == "tab":
        # Tab fields keep cell order and, for cells printed over a column, its field index.
        positional = _positional(cells, spans)
        if positional is not None:
            return positional
    if k == n and grid != "html":
        # One header cell per column ("2004  2003  2004  2003"): order is the only reliable key
        # in converted text, whatever the offsets say.
        for i, cell in enumerate(cells):
            out[i].append(cell.text)
        return out
    if k == 1 and _PERIOD_WORDS.search(cells[0].text) and not CHANGE_WORDS.search(cells[0].text) and not _YEARISH.search(cells[0].text):
        # A lone group header ("Quarters Ended March 31,") spans the table, wherever the
        # converter happened to print it. One that names a year belongs to its own column.
        return [[cells[0].text] for _ in spans]
    if grid == "text" and 1 < k < n and n % k == 0 and not any(CHANGE_WORDS.search(c.text) for c in cells):
        # Group headers ("GAAP" / "Non-GAAP") are centred over their group in converted text
        # and overlap only its middle column; an even split puts them over the whole group.
        return _even_split(cells, n)
    positional = _positional(cells, spans)
    if positional is not None:
        return positional
    if n % k == 0 and k > 1:
        per = n // k
        for j, cell in enumerate(cells):
            for i in range(j * per, (j + 1) * per):
                out[i].append(cell.text)
        return out
    for cell in cells:
        cs = Span(cell.start, cell.end)
        nearest = min(range(n), key=lambda i: abs(spans[i].centre - cs.centre))
        out[nearest].append(cell.text)
    return out


def _even_split(cells: list[RawCell], n: int) -> list[list[str]]:
    per = n // len(cells)
    return [[cells[i // per].text] for i in range(n)]


def _positional(cells: list[RawCell], spans: list[Span]) -> list[list[str]] | None:
    out: list[list[str]] = [[] for _ in spans]
    claimed = [0] * len(spans)
    for cell in cells:
        cs = Span(cell.start, cell.end)
        hits = [i for i, span in enumerate(spans) if cs.overlap(span) > 0]
        if not hits:
            return None
        for i in hits:
            out[i].append(cell.text)
            claimed[i] += 1
    if any(c > 1 for c in claimed):
        return None
    return out
