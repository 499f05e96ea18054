"""A PDF page's words with their boxes, read through PDFium (pypdfium2).

PDFium parses a 160-page 10-K's text in a couple of seconds where pdfminer takes about a minute,
and it gives every glyph's box, which is all the layout needs. The page's text comes in one call,
then one C call per visible glyph for its box, and the font size once per word (each C call costs
microseconds, so a per-glyph size would double the time).

PDFium's "loose" glyph box runs from the glyph's origin its advance width wide, from the font's
descent to its ascent. Its bottom is pdfminer's, but its top depends on the font's ascent; a
word's top is taken as bottom minus the rendered font size instead, as pdfminer does, so words of
one line line up whatever their font. Coordinates are points from the top-left of the page's crop
box, as a rendered image shows it.

Glyphs form text lines (bottoms within LINE_TOLERANCE, chained), and words within a line: a word
ends at a space in the text, a gap wider than WORD_GAP, or a change of glyph height (font size).
"""

from __future__ import annotations

import ctypes
import math

WORD_GAP = 1.5  # points: a wider gap between two glyphs starts a new word (pdfplumber's x_tolerance)
LINE_TOLERANCE = 3.0  # points: glyphs whose bottoms are this close (chained) share a text line
# pdfplumber expands ligatures too (the parser matches labels by their letters); PDFium marks a
# hyphen that ends a line as U+FFFE.
_LIGATURES = {"\ufffe": "-", "\u00ad": "-", "\ufb00": "ff", "\ufb03": "ffi", "\ufb04": "ffl", "\ufb01": "fi", "\ufb02": "fl", "\ufb05": "st", "\ufb06": "st"}

# A run: glyphs that follow each other in the page's text and touch on one baseline, so that they
# certainly belong to one word. Building words from runs, not single glyphs, keeps the Python work
# per glyph small. text, x0, x1, bottom, loose height, first and last index, last glyph's x0,
# a space before it.
_Run = tuple[str, float, float, float, float, int, int, float, bool]
Word = tuple[str, float, float, float, float, float]  # text, x0, top, x1, bottom, font size
_GET_BOX = _GET_FONT_SIZE = _GET_MATRIX = None  # bound on first use (see _plain)


def page_words(pdf, index: int) -> tuple[float, float, list[Word], list[float]]:
    """(width, height, words, glyph widths) of page `index` (0-based) of a pypdfium2 PdfDocument."""
    import pypdfium2.raw as raw

    if _GET_BOX is None:
        _bind()
    page = pdf[index]
    try:
        left, bottom, right, top = page.get_cropbox()
        textpage = page.get_textpage()
        try:
            runs, widths = _runs(raw, textpage, left, top)
            handle = ctypes.cast(textpage.raw, ctypes.c_void_p).value
            matrix = raw.FS_MATRIX()
            scales = memoryview(matrix).cast("B").cast("f")  # a, b, c, d, e, f
            address = ctypes.addressof(matrix)

            def font_size(i: int, fallback: float) -> float:
                # the Tf size times the text matrix's vertical scale: many PDFs set "1 Tf" and scale by Tm
                size = _GET_FONT_SIZE(handle, i)
                if _GET_MATRIX(handle, i, address):
                    size *= math.hypot(scales[2], scales[3])
                return size if size > 0 else fallback

            return right - left, top - bottom, _words(runs, font_size), widths
        finally:
            textpage.close()
    finally:
        page.close()


def _plain(function, restype, *argtypes):
    """PDFium's `function` called with plain addresses: converting pypdfium2's handles and structs
    on each of a million calls costs more than the calls themselves."""
    return ctypes.CFUNCTYPE(restype, *argtypes)(ctypes.cast(function, ctypes.c_void_p).value)


def _bind():
    import pypdfium2.raw as raw

    global _GET_BOX, _GET_FONT_SIZE, _GET_MATRIX
    _GET_BOX = _plain(raw.FPDFText_GetLooseCharBox, ctypes.c_int, ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p)
    _GET_FONT_SIZE = _plain(raw.FPDFText_GetFontSize, ctypes.c_double, ctypes.c_void_p, ctypes.c_int)
    _GET_MATRIX = _plain(raw.FPDFText_GetMatrix, ctypes.c_int, ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p)


def _runs(raw, textpage, left: float, top: float) -> tuple[list[_Run], list[float]]:
    count = raw.FPDFText_CountChars(textpage)
    text = _text(raw, textpage, count)
    rect = raw.FS_RECTF()
    box = memoryview(rect).cast("B").cast("f")  # left, top, right, bottom
    get_box = _GET_BOX
    handle = ctypes.cast(textpage.raw, ctypes.c_void_p).value
    address = ctypes.addressof(rect)
    runs: list[_Run] = []
    widths: list[float] = []
    parts: list[str] = []
    x0 = x1 = base = height = last_x0 = 0.0
    first = last = -1
    space_before = True
    gap_after_run = True
    for i in range(count):
        glyph = text[i] if text is not None else chr(raw.FPDFText_GetUnicode(textpage, i) or 32)
        if glyph.isspace() or glyph == "\x00":
            gap_after_run = True  # a space in the text, or one PDFium generated between words
            continue
        if not get_box(handle, i, address):
            continue
        gl, gt, gr, gb = box.tolist()
        if gr < gl:
            gl, gr = gr, gl
        if gb > gt:
            gt, gb = gb, gt
        g_x0, g_x1, g_bottom, g_height = gl - left, gr - left, top - gb, gt - gb
        if g_x1 > g_x0:
            widths.append(g_x1 - g_x0)
        glyph = _LIGATURES.get(glyph, glyph)
        if (
            parts
            and not gap_after_run
            and abs(g_height - height) < 0.01
            and abs(g_bottom - base) < 0.01
            and x1 - WORD_GAP <= g_x0 <= x1 + WORD_GAP
            and g_x0 >= last_x0 - WORD_GAP
        ):
            parts.append(glyph)
            x1, last, last_x0 = max(x1, g_x1), i, g_x0
        else:
            if parts:
                runs.append(("".join(parts), x0, x1, base, height, first, last, last_x0, space_before))
            parts, x0, x1, base, height, first, last, last_x0 = [glyph], g_x0, g_x1, g_bottom, g_height, i, i, g_x0
            space_before = gap_after_run
        gap_after_run = False
    if parts:
        runs.append(("".join(parts), x0, x1, base, height, first, last, last_x0, space_before))
    return runs, widths


def _text(raw, textpage, count: int) -> str | None:
    """The page's text in one call, one character per glyph index; None when it does not line up
    one to one (a glyph outside the Basic Multilingual Plane takes two UTF-16 units)."""
    if count <= 0:
        return ""
    buffer = ctypes.create_string_buffer((count + 1) * 2)
    written = raw.FPDFText_GetText(textpage, 0, count, ctypes.cast(buffer, ctypes.POINTER(ctypes.c_ushort)))
    text = buffer.raw[: max(written - 1, 0) * 2].decode("utf-16-le", errors="replace")
    return text if len(text) == count else None


def _words(runs: list[_Run], font_size) -> list[Word]:
    words: list[Word] = []
    line: list[_Run] = []
    last_bottom = None
    for run in sorted(runs, key=lambda r: r[3]):
        if last_bottom is not None and run[3] - last_bottom > LINE_TOLERANCE:
            _line_words(line, words, font_size)
            line = []
        line.append(run)
        last_bottom = run[3]
    _line_words(line, words, font_size)
    return words


def _line_words(line: list[_Run], words: list[Word], font_size) -> None:
    line.sort(key=lambda r: r[1])
    parts: list[str] = []
    first = last = None
    x1 = bottom = 0.0
    for run in line:
        if (
            last is None
            or run[1] > last[2] + WORD_GAP
            or run[1] < last[7] - WORD_GAP
            or abs(run[4] - last[4]) >= 0.01
            or (run[8] and last[6] < run[5])
        ):
            if parts:
                words.append(_word(parts, first, x1, bottom, font_size))
            parts, first, x1, bottom = [run[0]], run, run[2], run[3]
        else:
            parts.append(run[0])
            x1, bottom = max(x1, run[2]), max(bottom, run[3])
        last = run
    if parts:
        words.append(_word(parts, first, x1, bottom, font_size))


def _word(parts: list[str], first: _Run, x1: float, bottom: float, font_size) -> Word:
    size = font_size(first[5], first[4])
    return "".join(parts), first[1], bottom - size, x1, bottom, size
