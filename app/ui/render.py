"""HTML and Markdown for the chat UI: the answer message, the source panel, the tables view, example
questions. Pure functions of an Answer and a Filing (no gradio), so they are testable on their own.

Everything that comes from a filing or a user (names, labels, lines, answer text) is escaped.
"""

from __future__ import annotations

import datetime as dt
import re
from html import escape

from filingqa.app.engine.engine import describe_period, format_figure
from filingqa.app.engine.model import Answer, AnswerKind, Citation, Figure
from filingqa.app.tables_view import format_value
from filingqa.ingest.model import Column, Filing, Table

CONTEXT_ROWS = 5  # rows shown above and below the answering cell in the source panel
PASSAGE_CONTEXT = 2  # lines shown around a cited passage

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~$])")


def md_escape(text: str) -> str:
    """Text shown verbatim inside Markdown: no emphasis, links, HTML or math from a filing's words."""
    return _MD_SPECIAL.sub(r"\\\1", text)


def clean_line(text: str) -> str:
    """A filing line as a person reads it: EDGAR's escaped dollars unescaped, tabs as spaces."""
    return text.replace("\\$", "$").expandtabs(4).rstrip()


def _h(text: object) -> str:
    return escape(str(text), quote=True)


# -- the chat message -----------------------------------------------------------------------
def figure_value(fig: Figure) -> str:
    try:
        return format_figure(fig.value, fig.unit, fig.scale)
    except ValueError:  # a unit or scale this UI does not know: show the number as printed
        return fig.text or f"{fig.value:,}"


def figure_period(fig: Figure) -> str:
    if fig.period is None or (fig.period.end is None and fig.period.months is None):
        return ""
    return describe_period(fig.period.months, fig.period.end)


def unit_words(fig: Figure) -> str:
    scale = "" if fig.scale in ("units", None) else f", in {fig.scale}"
    return f"{fig.unit}{scale}"


def understood_note(answer: Answer) -> str:
    """Under a follow-up's answer: the question as the engine read it ("" for a standalone one)."""
    if not answer.understood_as or answer.understood_as.strip() == answer.question.strip():
        return ""
    return f'\n\n<span class="fq-understood">Read as: {md_escape(escape(answer.understood_as, quote=False))}</span>'


def chat_markdown(answer: Answer) -> str:
    """The assistant's message: the figure large, then its label, period and unit, then the answer."""
    return _chat_body(answer) + understood_note(answer)


def _chat_body(answer: Answer) -> str:
    text = md_escape(answer.answer.replace("\\$", "$"))
    if answer.abstained or answer.kind == AnswerKind.ABSTAIN:
        return f"**Not stated in this filing.**\n{text}"
    if not answer.figures:
        cited = ", ".join(_lines_ref(c) for c in answer.citations[:3])
        return f"{text}\n\n_Source: {md_escape(cited)}_" if cited else text
    fig = answer.figures[0]
    facts = [md_escape(fig.label)] if fig.label and not fig.formula else []
    period = figure_period(fig)
    if period:
        facts.append(md_escape(period))
    facts.append(f"unit: {md_escape(unit_words(fig))}")
    if fig.verified:
        facts.append("✓ checked by the table's totals")
    head = f"### {md_escape(figure_value(fig))}\n" + " · ".join(facts)
    if fig.formula:
        head += f"\nformula: `{fig.formula.replace('`', '')}`"
    return f"{head}\n\n{text}"


def _lines_ref(c: Citation) -> str:
    return f"line {c.line_start}" if c.line_end == c.line_start else f"lines {c.line_start}–{c.line_end}"


# -- tables ---------------------------------------------------------------------------------
def _date(d: dt.date | None) -> str:
    return d.strftime("%b %-d, %Y") if d else ""


def column_note(c: Column) -> str:
    if c.kind == "change":
        return "change"
    if c.months:
        return f"{c.months} months to {_date(c.period_end)}"
    if c.weeks:
        return f"{c.weeks} weeks to {_date(c.period_end)}"
    return f"at {_date(c.period_end)}" if c.period_end else ""


def column_head(c: Column, compact: bool) -> str:
    """A column's header cell: the filing's label, or in the narrow source panel the period alone."""
    note = column_note(c)
    if compact and c.period_end is not None and c.kind == "value":
        span = f"{c.months} mo" if c.months else (f"{c.weeks} wk" if c.weeks else "at")
        return f'<th class="fq-num" scope="col" title="{_h(c.label)}">{_h(span)}<span class="fq-colnote">{_h(_date(c.period_end))}</span></th>'
    return f'<th class="fq-num" scope="col">{_h(c.label)}<span class="fq-colnote">{_h(note)}</span></th>'


def table_html(table: Table, hits: dict[tuple[int, int], str] | None = None, window: tuple[int, int] | None = None, show_rejected: bool = False, compact: bool = False) -> str:
    """One parsed table. `hits` maps (row line, column index) to a note: those cells are highlighted.
    `window` limits the rows shown to a range of row indexes (elided rows are counted)."""
    hits = hits or {}
    hit_lines = {line for line, _ in hits}
    head = "".join(column_head(c, compact) for c in table.columns)
    out = [
        f'<table class="fq-table{" fq-compact" if compact else ""}" data-table="{_h(table.id)}"><thead><tr><th class="fq-ln" scope="col">line</th><th scope="col">line item</th>{head}<th class="fq-unit" scope="col">unit</th></tr></thead><tbody>'
    ]
    first, last = window or (0, len(table.rows) - 1)
    ncols = len(table.columns) + 3
    if first > 0:
        out.append(f'<tr class="fq-elided"><td colspan="{ncols}">… {first} row{"s" if first != 1 else ""} above</td></tr>')
    section = table.rows[first - 1].section if first > 0 else None
    for r in table.rows[first : last + 1]:
        if r.section and r.section != section:
            out.append(f'<tr class="fq-section-row"><td class="fq-ln"></td><td colspan="{ncols - 1}">{_h(r.section)}</td></tr>')
        section = r.section
        cls = ["fq-hit-row"] if r.line in hit_lines else []
        if r.is_total:
            cls.append("fq-total")
        cells = []
        for i, v in enumerate(r.values):
            text = format_value(v, r.texts[i] if i < len(r.texts) else None)
            note = hits.get((r.line, i))
            if note is not None:
                cells.append(f'<td class="fq-num fq-hit" title="{_h(note)}" data-line="{r.line}" data-col="{i}"><mark>{_h(text)}</mark></td>')
            else:
                cells.append(f'<td class="fq-num">{_h(text)}</td>')
        label = _h(r.label) + (' <span class="fq-check" title="checked by the table\'s totals">✓</span>' if r.verified else "")
        out.append(f'<tr class="{" ".join(cls)}" data-line="{r.line}"><td class="fq-ln">{r.line}</td><td class="fq-label">{label}</td>{"".join(cells)}<td class="fq-unit">{_h(r.unit.value)}</td></tr>')
    below = len(table.rows) - 1 - last
    if below > 0:
        out.append(f'<tr class="fq-elided"><td colspan="{ncols}">… {below} row{"s" if below != 1 else ""} below</td></tr>')
    out.append("</tbody></table>")
    if show_rejected and table.rejected_rows:
        items = "".join(f"<li>line {rej.line}: {_h(rej.reason)}</li>" for rej in table.rejected_rows)
        out.append(f'<details class="fq-rejected"><summary>{len(table.rejected_rows)} row(s) not read</summary><ul>{items}</ul></details>')
    return "".join(out)


def _table_caption(table: Table) -> str:
    return (
        f'<div class="fq-caption"><span class="fq-tag">table {_h(table.id)}</span> <b>{_h(table.title)}</b>'
        f'<span class="fq-muted"> · lines {table.line_start}–{table.line_end} · amounts in {_h(table.scale.value)}</span></div>'
    )


def tables_html(filing: Filing | None) -> str:
    if filing is None:
        return '<div class="fq-empty">Pick or upload a filing to see its tables.</div>'
    if not filing.tables:
        return f'<div class="fq-empty">No financial tables were found in {_h(filing.name)}.</div>'
    parts = [f'<div class="fq-tables"><p class="fq-muted">{len(filing.tables)} table(s) parsed from <b>{_h(filing.name)}</b>. ✓ marks a row the table\'s own totals confirm.</p>']
    for t in filing.tables:
        parts.append(f'<section class="fq-table-block" id="fq-{_h(t.id)}">{_table_caption(t)}<div class="fq-scroll">{table_html(t, show_rejected=True)}</div></section>')
    parts.append("</div>")
    return "".join(parts)


# -- the source panel ----------------------------------------------------------------------
def _column_index(table: Table, fig: Figure, row_line: int) -> int | None:
    src = fig.source
    row = next((r for r in table.rows if r.line == row_line), None)
    if row is None or src is None:
        return None
    matches = [i for i, c in enumerate(table.columns) if c.label == src.column]
    if len(matches) == 1:
        return matches[0]
    # Same label twice (or none): the column whose value and period are the figure's.
    for i, c in enumerate(table.columns):
        if i < len(row.values) and row.values[i] is not None and abs(row.values[i] - fig.value) < 1e-9:
            if fig.period is None or (c.period_end == fig.period.end and c.months == fig.period.months):
                return i
    return matches[0] if matches else None


def _cell_note(fig: Figure) -> str:
    src = fig.source
    return f"row {src.row} · column {src.column} · line {src.line}" if src else ""


def _raw_line(filing: Filing, line: int) -> str:
    return f'<pre class="fq-rawline"><span class="fq-ln">{line}</span>{_h(clean_line(filing.line(line)))}</pre>'


def _table_panel(filing: Filing, figs: list[Figure]) -> list[str]:
    """Each table the figures come from, with their cells highlighted, and the cited lines as printed."""
    by_table: dict[str, list[Figure]] = {}
    for f in figs:
        if f.source and f.source.table:
            by_table.setdefault(f.source.table, []).append(f)
    parts = []
    for tid, tfigs in by_table.items():
        table = next((t for t in filing.tables if t.id == tid), None)
        if table is None:
            continue
        hits: dict[tuple[int, int], str] = {}
        for f in tfigs:
            col = _column_index(table, f, f.source.line)
            if col is not None:
                hits[(f.source.line, col)] = _cell_note(f)
        idx = [i for i, r in enumerate(table.rows) if r.line in {line for line, _ in hits}]
        window = (max(0, min(idx) - CONTEXT_ROWS), min(len(table.rows) - 1, max(idx) + CONTEXT_ROWS)) if idx else None
        parts.append(_table_caption(table))
        for f in tfigs:
            parts.append(
                f'<div class="fq-cellref">row <b>{_h(f.source.row)}</b> · column <b>{_h(f.source.column)}</b> · line <b>{f.source.line}</b>'
                f' = <b class="fq-value">{_h(f.text or format_value(f.value))}</b></div>'
            )
        parts.append(f'<div class="fq-scroll">{table_html(table, hits, window, compact=True)}</div>')
        for line in sorted({f.source.line for f in tfigs}):
            parts.append(_raw_line(filing, line))
    return parts


def passage_html(filing: Filing, citations: list[Citation], mark: str | None = None) -> str:
    """The cited lines with a little context, line-numbered; the cited ones highlighted."""
    if not citations:
        return ""
    cited = {n for c in citations for n in range(c.line_start, c.line_end + 1)}
    first = max(1, min(cited) - PASSAGE_CONTEXT)
    last = min(len(filing.lines), max(cited) + PASSAGE_CONTEXT)
    if last - first > 60:  # far-apart citations: just the cited lines
        shown = sorted(cited)
    else:
        shown = list(range(first, last + 1))
    rows = []
    for n in shown:
        text = _h(clean_line(filing.line(n)))
        if mark and n in cited:
            m = _h(mark.replace("\\$", "$"))
            text = text.replace(m, f"<mark>{m}</mark>", 1) if m and m in text else text
        cls = "fq-pl fq-cited" if n in cited else "fq-pl"
        rows.append(f'<div class="{cls}" data-line="{n}"><span class="fq-ln">{n}</span><span class="fq-pt">{text or "&nbsp;"}</span></div>')
    section = next((c.section for c in citations if c.section), None)
    head = f'<div class="fq-caption"><span class="fq-tag">passage</span> {_lines_ref(Citation(text="", line_start=min(cited), line_end=max(cited)))}'
    head += f'<span class="fq-muted"> · {_h(section)}</span></div>' if section else "</div>"
    return head + f'<div class="fq-passage">{"".join(rows)}</div>'


def source_html(answer: Answer | None, filing: Filing | None, page: str = "") -> str:
    """The source panel: `page` (a PDF filing's cited page with the cell boxed, from pdfpage.py)
    first when there is one, then the parsed table, passage or formula."""
    if answer is None or filing is None:
        return '<div class="fq-source fq-empty">Ask a question: the table cell or passage the answer comes from shows here.</div>'
    parts = ['<div class="fq-source">', '<div class="fq-source-title">Source</div>', page]
    if answer.kind == AnswerKind.DERIVED and answer.figures:
        result, inputs = answer.figures[0], answer.figures[1:]
        parts.append(f'<div class="fq-formula"><span class="fq-muted">computed</span> <b>{_h(figure_value(result))}</b> = <code>{_h(result.formula or "")}</code></div>')
        if inputs:
            items = "".join(
                f"<li><b>{_h(f.text or format_value(f.value))}</b> — {_h(f.label)}, {_h(figure_period(f) or (f.source.column if f.source else ''))}"
                f"{' (table ' + _h(f.source.table) + ', line ' + str(f.source.line) + ')' if f.source and f.source.table else ''}</li>"
                for f in inputs
            )
            parts.append(f'<ul class="fq-inputs">{items}</ul>')
        parts.extend(_table_panel(filing, inputs))
    elif answer.figures and answer.figures[0].source and answer.figures[0].source.table:
        parts.extend(_table_panel(filing, answer.figures[:1]))
    elif answer.citations:
        mark = answer.figures[0].text if answer.figures else None
        if answer.abstained:
            parts.append('<div class="fq-muted">Nearest line the filing does print:</div>')
        parts.append(passage_html(filing, answer.citations, mark))
    else:
        parts.append('<div class="fq-empty">No source: the filing does not state this.</div>')
    parts.append("</div>")
    return "".join(parts)


# -- the filing card and example questions ---------------------------------------------------
def filing_card(filing: Filing | None, facts: int | None = None) -> str:
    if filing is None:
        return '<div class="fq-card fq-empty">No filing selected.</div>'
    bits = [b for b in (filing.company, filing.form, filing.date.isoformat() if filing.date else None) if b]
    counts = f"{len(filing.tables)} tables" + (f" · {facts} facts" if facts is not None else "") + f" · {len(filing.lines)} lines"
    return f'<div class="fq-card"><div class="fq-card-name">{_h(filing.name)}</div><div class="fq-muted">{_h(" · ".join(bits))}</div><div class="fq-muted">{counts} · id <code>{_h(filing.id)}</code></div></div>'


_PREFERRED = [
    "net loss",
    "net income",
    "total revenues",
    "revenues",
    "net sales",
    "total assets",
    "cash and cash equivalents",
    "cash and marketable securities",
    "total operating expenses",
    "basic and diluted net loss per",
    "net income per",
    "research and development",
]
_MONTH_WORDS = {3: "three", 6: "six", 9: "nine", 12: "twelve"}


def _period_words(c: Column) -> str | None:
    if c.period_end is None:
        return None
    when = c.period_end.strftime("%B %-d, %Y")
    if c.months in _MONTH_WORDS:
        return f"for the {_MONTH_WORDS[c.months]} months ended {when}"
    if c.months is None and c.weeks is None:
        return f"as of {when}"
    return None


def _verb(label: str) -> str:
    last = label.lower().split()[-1] if label.split() else ""
    return "were" if last.endswith("s") and not last.endswith(("ss", "us", "is")) else "was"


def _lower_first(label: str) -> str:
    return label[:1].lower() + label[1:] if not label[:2].isupper() else label


def _value_columns(table: Table, row) -> list[tuple[int, Column]]:
    cols = [(i, c) for i, c in enumerate(table.columns) if c.kind == "value" and i < len(row.values) and row.values[i] is not None]
    # the longest duration, then the latest, first: "six months" is a better example than "three"
    return sorted(cols, key=lambda ic: (-(ic[1].months or 0), -(ic[1].period_end or dt.date.min).toordinal()))


def _change_question(table: Table, row) -> str | None:
    """The derived example: the change in X for a period against the same period a year before."""
    cols = [c for _, c in _value_columns(table, row) if c.months in _MONTH_WORDS and c.period_end]
    for c in sorted(cols, key=lambda c: (c.months, -c.period_end.toordinal())):
        prior = [p for p in cols if p.months == c.months and 330 <= (c.period_end - p.period_end).days <= 400]
        if prior:
            return f"What was the change in {_lower_first(row.label)} {_period_words(c)} compared to {prior[0].period_end.year}?"
    return None


def example_questions(filing: Filing | None, limit: int = 8) -> list[str]:
    """Questions this filing can answer, from its own line items and periods (best first)."""
    if filing is None:
        return []
    rows = [(t, r) for t in filing.tables for r in t.rows]

    def rank(item) -> int:
        label = item[1].label.lower()
        return next((k for k, p in enumerate(_PREFERRED) if label.startswith(p)), len(_PREFERRED))

    figures: list[str] = []
    derived: str | None = None
    seen: set[str] = set()
    for table, row in sorted(rows, key=rank):
        if row.label.lower() in seen:
            continue
        seen.add(row.label.lower())
        words = next((w for _, c in _value_columns(table, row) if (w := _period_words(c))), None)
        if words:
            figures.append(f"What {_verb(row.label)} the {_lower_first(row.label)} {words}?")
        if len(figures) >= limit:
            break
    # the derived example: growth of the top line reads best, so revenue-like rows go first
    for table, row in sorted(rows, key=lambda tr: (not any(w in tr[1].label.lower() for w in ("revenue", "sales")), rank(tr))):
        if row.unit.value == "USD" and (derived := _change_question(table, row)):
            break
    out = figures[:2] + ([derived] if derived else []) + figures[2:]
    return list(dict.fromkeys(out))[:limit]
