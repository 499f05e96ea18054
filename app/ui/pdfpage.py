"""The PDF page a figure came from, drawn on the server with the answering cell boxed.

The PDF loader keeps text lines, not page positions, so the box is found at render time from the
PDF itself (pypdfium2): the page and line where the row's label is printed, then on that line the
value as the filing prints it ("2,224.3", "(78.1)"); the n-th such value when a row prints the same
text in several columns. A text figure (no row) is looked for on the page that prints the start of
its cited sentence. What cannot be found is not drawn: the table view below still shows the cell.

The page is a PNG data URI in `img.fq-page`; each box a `.fq-page-box` placed in percent of the
page, so it stays on the cell at any size. A hidden checkbox (no script) enlarges the page.
"""

from __future__ import annotations

import base64
import io
import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from html import escape
from pathlib import Path

from filingqa.app.engine.model import Answer, AnswerKind, Figure
from filingqa.ingest.model import Filing

RENDER_SCALE = 1.6  # pixels per PDF point: sharp enough to read a statement, ~50 KB a page
PAD = 1.5  # points around a value's glyphs
MAX_PAGES_SHOWN = 3
_LOCK = threading.Lock()  # pdfium is not thread-safe; the UI answers on several threads
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Box:
    page: int  # 0-based
    left: float  # PDF points, origin bottom-left
    bottom: float
    right: float
    top: float
    width: float  # the page's size
    height: float
    note: str = ""

    def css(self) -> str:
        pct = lambda v, whole: f"{max(0.0, min(100.0, 100 * v / whole)):.3f}%"  # noqa: E731
        return (
            f"left:{pct(self.left - PAD, self.width)};top:{pct(self.height - self.top - PAD, self.height)};"
            f"width:{pct(self.right - self.left + 2 * PAD, self.width)};height:{pct(self.top - self.bottom + 2 * PAD, self.height)}"
        )


def _hits(textpage, needle: str) -> list[tuple[float, float, float, float]]:
    """Boxes (left, bottom, right, top) of each occurrence of `needle` on a page."""
    needle = needle.strip()
    if not needle:
        return []
    out = []
    searcher = textpage.search(needle, match_case=False, match_whole_word=False)
    try:
        while (hit := searcher.get_next()) is not None:
            start, count = hit
            boxes = [textpage.get_charbox(i) for i in range(start, start + count)]
            boxes = [b for b in boxes if b[2] > b[0] or b[3] > b[1]]
            if boxes:
                out.append((min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes)))
    finally:
        searcher.close()
    return out


def _same_line(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    middle_a, middle_b = (a[1] + a[3]) / 2, (b[1] + b[3]) / 2
    return abs(middle_a - middle_b) <= max(a[3] - a[1], b[3] - b[1], 4.0) * 0.7


def _label_needles(label: str) -> list[str]:
    """The label as printed, then its first words (a label the PDF wraps onto two lines); never
    fewer than three words, which a sentence of the text would match as well."""
    label = _SPACES.sub(" ", label).strip(" .:")
    words = label.split()
    return list(dict.fromkeys(n for n in (label, " ".join(words[:4]) if len(words) > 4 else "") if n))


def find_box(pdf, label: str | None, value: str, rank: int = 0, near_text: str | None = None, note: str = "") -> Box | None:
    """Where `value` is printed on the line of `label` (its `rank`-th match on that line), or for a
    figure without a row, on the page that prints `near_text`. The whole label is looked for on
    every page before a shorter form of it is."""
    pages = []  # (index, size, textpage, value boxes) of the pages that print the value at all
    opened = []  # a page's text closes with the page: both stay open until the end
    try:
        for p in range(len(pdf)):
            page = pdf[p]
            textpage = page.get_textpage()
            values = _hits(textpage, value)
            if values:
                pages.append((p, page.get_size(), textpage, values))
                opened.append(page)
            else:
                textpage.close()
                page.close()
        if not label:
            for p, (width, height), textpage, values in pages:
                if near_text and _hits(textpage, near_text):
                    return Box(p, *values[0], width, height, note)
            return None
        for needle in _label_needles(label):
            for p, (width, height), textpage, values in pages:
                for lab in _hits(textpage, needle):
                    on_line = sorted((v for v in values if _same_line(lab, v) and v[0] >= lab[0]), key=lambda v: v[0])
                    if len(on_line) > rank:
                        return Box(p, *on_line[rank], width, height, note)
        return None
    finally:
        for _, _, textpage, _ in pages:
            textpage.close()
        for page in opened:
            page.close()


@lru_cache(maxsize=16)
def _page_png(path: str, mtime: float, page: int) -> tuple[str, int, int]:
    import pypdfium2 as pdfium

    with _LOCK:
        pdf = pdfium.PdfDocument(path)
        try:
            image = pdf[page].render(scale=RENDER_SCALE).to_pil()
        finally:
            pdf.close()
    buf = io.BytesIO()
    # A statement page is a few inks: 64 colours keep it sharp at a third of the bytes.
    image.convert("RGB").quantize(colors=64).save(buf, format="PNG", optimize=True)
    return base64.b64encode(buf.getvalue()).decode("ascii"), image.width, image.height


_CURRENCY = re.compile(r"^[\s$€£¥\\]+")


def _value_text(fig: Figure) -> str:
    """The value as printed, without its currency sign ("$   2,224.3" is set apart from its $)."""
    if fig.text:
        return _CURRENCY.sub("", fig.text).strip() or fig.text.strip()
    value = abs(fig.value)
    text = f"{value:,.2f}".rstrip("0").rstrip(".") if not float(value).is_integer() else f"{int(value):,}"
    return f"({text})" if fig.value < 0 else text


def _rank(filing: Filing, fig: Figure) -> int:
    """Which of the same-printed values on the row the figure's column is (0 when the text is unique)."""
    src = fig.source
    table = next((t for t in filing.tables if src and t.id == src.table), None)
    row = next((r for r in table.rows if r.line == src.line), None) if table else None
    if row is None:
        return 0
    cols = [i for i, c in enumerate(table.columns) if c.label == src.column]
    col = next((i for i in cols if i < len(row.values) and row.values[i] == fig.value), cols[0] if cols else None)
    if col is None:
        return 0
    return sum(1 for i in range(col) if i < len(row.texts) and (row.texts[i] or "").strip() == (row.texts[col] or "").strip())


def boxes_for(path: Path, answer: Answer, filing: Filing) -> list[Box]:
    """The boxes of the answer's cells: the figure's, or each input's for a derived answer."""
    import pypdfium2 as pdfium

    figs = answer.figures[1:] if answer.kind == AnswerKind.DERIVED else answer.figures[:1]
    out: list[Box] = []
    with _LOCK:
        pdf = pdfium.PdfDocument(str(path))
        try:
            for fig in figs:
                if fig.source is None:
                    continue
                value = _value_text(fig)
                note = f"{fig.label} = {value}"
                if fig.source.table:
                    box = find_box(pdf, fig.source.row or fig.label, value, _rank(filing, fig), note=note)
                else:
                    sentence = next((c.text for c in answer.citations if c.line_start <= fig.source.line <= c.line_end), "")
                    box = find_box(pdf, None, value, near_text=" ".join(_SPACES.sub(" ", sentence).split()[:5]), note=note)
                if box is not None:
                    out.append(box)
        finally:
            pdf.close()
    return out


def page_html(path: Path | None, answer: Answer | None, filing: Filing | None) -> str:
    """The cited page(s) with the boxes drawn, or "" when there is no PDF or nothing was found."""
    if path is None or answer is None or filing is None or not answer.figures:
        return ""
    try:
        boxes = boxes_for(path, answer, filing)
    except Exception:  # a PDF pdfium cannot open: the table view still shows the cell
        return ""
    pages: dict[int, list[Box]] = {}
    for b in boxes:
        pages.setdefault(b.page, []).append(b)
    parts = []
    mtime = path.stat().st_mtime
    for n, (page, page_boxes) in enumerate(sorted(pages.items())[:MAX_PAGES_SHOWN]):
        data, w, h = _page_png(str(path), mtime, page)
        marks = "".join(f'<span class="fq-page-box" style="{b.css()}" title="{escape(b.note, quote=True)}"></span>' for b in page_boxes)
        zoom = f"fq-zoom-{page}-{n}"
        parts.append(
            f'<div class="fq-caption"><span class="fq-tag">page {page + 1}</span> of the PDF, '
            f'{"the cell" if len(page_boxes) == 1 else f"{len(page_boxes)} cells"} boxed <span class="fq-muted">· click to enlarge</span></div>'
            f'<input type="checkbox" id="{zoom}" class="fq-zoom">'
            f'<label for="{zoom}" class="fq-pagewrap" data-page="{page + 1}">'
            f'<img class="fq-page" src="data:image/png;base64,{data}" width="{w}" height="{h}" alt="page {page + 1} of {escape(filing.name, quote=True)}">{marks}</label>'
        )
    return f'<div class="fq-pages">{"".join(parts)}</div>' if parts else ""
