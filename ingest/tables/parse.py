"""Turn a RawTable (positioned cells) into a typed Table of Rows and Facts.

The parser is deterministic and conservative: a cell becomes a value only when the number grammar
spells one; a row whose cells are damaged (OCR) is rejected with its reason instead of guessed at.
"""

from __future__ import annotations

import calendar
import re
from datetime import date

from filingqa.ingest.model import Column, RawCell, RawRow, RawTable, RejectedRow, Row, Scale, Table, Unit, XbrlRef
from filingqa.ingest.numbers import Amount, MalformedNumber, is_currency_only, is_range, parse_amount
from filingqa.ingest.periods import MONTHS, find_dates, find_durations, find_month_days, find_years
from filingqa.ingest.tables.columns import CHANGE_WORDS, assign_header_cells, column_count, column_spans, place_values
from filingqa.ingest.tables.segment import TITLE_WORDS, is_year_header
from filingqa.ingest.tables.verify import verify_rows

_SCALE = re.compile(
    r"\b(?:in|\$|dollars|amounts|usd)\s*(?:in\s+)?\(?(?P<word>thousands|millions|billions)\b|\((?P<word2>thousands|millions|billions)\b|\$\s*000s?\b|\(000'?s\)|000s omitted",
    re.IGNORECASE,
)
_SHARE_SCALE = re.compile(
    r"shares?\b[^.;)]{0,40}?\b(?:in|reflected in|stated in|presented in|are in)\s+(?P<word>thousands|millions|billions)",
    re.IGNORECASE,
)
_PER_SHARE = re.compile(r"per\s+(?:common\s+|basic\s+|diluted\s+|ordinary\s+)*(?:share|unit)|\beps\b|earnings\s*/?\s*\(?loss\)?\s+per|per[\s-]share", re.IGNORECASE)
_SHARES = re.compile(
    r"\bshares\b|\bshare count|\bunits outstanding\b", re.IGNORECASE
)
_SHARES_CONTEXT = re.compile(r"weighted|average|outstanding|used in|number of|basic|diluted|issued", re.IGNORECASE)
_SHARES_SECTION = re.compile(r"^\s*(?:[A-Z][\w/() -]*\s)?(?:weighted[\s-]average|average (?:common )?shares|shares\b|number of (?:common )?shares|(?:basic|diluted) shares)", re.IGNORECASE)
_COUNT_IN_LABEL = re.compile(r"\d[\d,]*\s+shares\b", re.IGNORECASE)
# A per-share metric, not a price quoted in a label ("issued at $0.50 per share").
_PER_SHARE_METRIC = re.compile(r"(?<!\d\s)(?<![\d.]\s)(?<!\d)(?:(?<!at \$)(?:" + _PER_SHARE.pattern + r"))", re.IGNORECASE)
_EQUITY_AMOUNT = re.compile(r"^(?:common|preferred|preference|capital|class [ab])[\w\s,]*(?:stock|shares)\b.*\b(?:par value|authorized|issued)", re.IGNORECASE)
# "Income allocated to common stock for diluted EPS": EPS names what the dollars are for, not a per-share metric.
_EPS_PURPOSE = re.compile(r"\b(?:for|in|used in|to compute|computing|calculating)\s+(?:basic\s+|diluted\s+|basic and diluted\s+)?(?:eps|earnings per (?:common )?share)\b", re.IGNORECASE)
_SHARE_WORD = re.compile(r"\bshares?\b", re.IGNORECASE)
# A table of share counts: its header says only shares have a scale ("shares in millions"), or its
# title is about shares and not about money ("Weighted average common shares", "Effect on shares
# outstanding and treasury shares").
_SHARES_SCALE_HEADER = re.compile(r"^\s*(?:number of\s+)?shares\s+in\s+(?:thousands|millions|billions)\b", re.IGNORECASE)
_MONEY_WORDS = re.compile(r"per[\s-]share|earnings|income|\$|dollar|value|price|cost|compensation|dividend|paid|proceeds|amount|expense|revenue|repurchase program", re.IGNORECASE)
# A caption this long is a sentence the filer put between the rows (a note), not a heading over them.
MAX_CAPTION = 150
_PERCENT_LABEL = re.compile(r"%|\bpercent|\bmargin\b|\brate\b|\bratio\b", re.IGNORECASE)
_TOTAL = re.compile(r"^\s*(total|net|subtotal|sum)\b", re.IGNORECASE)
_FOOTNOTE = re.compile(r"(\s*\((?:\d{1,2}|[a-z]|[ivx]+)\))+\s*$|\s*\*+\s*$|[\u00b9\u00b2\u00b3\u2070-\u2079]+\s*$")
_LEADER = re.compile(r"(\s*\.){3,}\s*$|\s*[_\-]{3,}\s*$")
_FURNITURE = re.compile(r"^(table of contents|page \d+|\d+|[ivx]+|.{0,40}/page \d+)$", re.IGNORECASE)
_MONTH_NAME = re.compile(r"\b(january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec)\b\.?", re.IGNORECASE)
_STEM_CAPTION = re.compile(r"\s*[-–—]\s*(?:\([^)]*\))?\s*:?$")
_DASH_ITEM = re.compile(r"^[-–—]\s*\w")
_STEM = re.compile(r"^(?P<stem>[A-Za-z][^-–—]{2,60}?)\s*[-–—]\s+\w")
_SCALE_CAPTION = re.compile(r"^\(?\s*(?:(?:dollars|amounts|\$)\s+)?in\s+(?:thousands|millions|billions)\b", re.IGNORECASE)
_YEAR_LABEL = re.compile(r"^(?:19|20)\d{2}(?:\s*\(\w\))?$")
_HEADER_TEXT = re.compile(r"[A-Za-z0-9%]{2,}|%")
_LETTER_WORD = re.compile(r"[A-Za-z].*[A-Za-z]")
# Conversion debris that is never content: bullets, stray underline markup, lone dots.
_NOISE = re.compile(r"^[\s•·∙●▪\u2022\u00b7.]+$|</?u>|</?b>|</?i>")
SCALE_WORDS = {"thousands": Scale.THOUSANDS, "millions": Scale.MILLIONS, "billions": Scale.BILLIONS}
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "1st": 1, "2nd": 2, "3rd": 3, "4th": 4}
_FISCAL_QUARTER = re.compile(
    r"\bq(?P<q>[1-4])\s*(?:fy\s*)?'?(?P<y>(?:19|20)?\d{2})\b|\b(?P<ord>first|second|third|fourth|1st|2nd|3rd|4th)\s+quarter\s*(?:of\s+)?(?:fiscal\s+)?(?P<y2>(?:19|20)\d{2})\b",
    re.IGNORECASE,
)
_FISCAL_YEAR_COL = re.compile(r"\b(?:fy|fiscal(?:\s+year)?|full[\s-]year)\s*'?(?P<y>(?:19|20)?\d{2})\b", re.IGNORECASE)
# "$M", "($B)", "Units K", "(in thousands)", "(%)": a unit or scale stated in a header or a label.
_UNIT_HINT = re.compile(
    r"\bkilowatt[\s-]*hours?\b|\bkwhs?\b|(?:^|\s)(?:shares|amount|(?:exercise|purchase|grant|offering) price)\s*$|\(\s*\$\s*[kmb]\s*\)|\$\s*[kmb]\b|\bunits?\s+[kmb]\b|\(\s*(?:\$\s*)?(?:in\s+)?(?:thousands|millions|billions)\s*\)|\(\s*%\s*\)|\bemployees\s+\(in\s+thousands\)|\(\s*in\s+years\s*\)",
    re.IGNORECASE,
)
_SCALE_LETTERS = {"thousand": Scale.THOUSANDS, "million": Scale.MILLIONS, "billion": Scale.BILLIONS, "k": Scale.THOUSANDS, "m": Scale.MILLIONS, "b": Scale.BILLIONS}


def find_scale(texts: list[str]) -> tuple[Scale, Scale | None]:
    """The table's stated scale, and a separate scale for share counts when one is stated."""
    scale, share_scale = Scale.UNITS, None
    for text in texts:
        m = _SCALE.search(text)
        if m:
            word = (m["word"] or m["word2"] or "thousands").lower()
            scale = SCALE_WORDS[word]
            sm = _SHARE_SCALE.search(text)
            if sm:
                share_scale = SCALE_WORDS[sm["word"].lower()]
            return scale, share_scale
    return scale, share_scale


def clean_label(text: str) -> str:
    label = text.replace("\u00a0", " ").strip()
    label = _LEADER.sub("", label)
    label = _FOOTNOTE.sub("", label)
    label = label.rstrip(" :$").strip()
    return re.sub(r"\s+", " ", label)


def _is_value_cell(cell: RawCell) -> bool:
    if is_currency_only(cell.text):
        return False
    if is_range(cell.text):
        return True  # it holds a column's place ("Depreciable Lives 5 – 40"), with no amount
    try:
        return parse_amount(cell.text) is not None
    except MalformedNumber:
        return True


def _clean_cell(cell: RawCell) -> RawCell:
    text = _NOISE.sub("", cell.text).strip()
    return cell if text == cell.text else cell.model_copy(update={"text": text})


def _split_row(row: RawRow) -> tuple[str, list[RawCell]]:
    """A row's label text and its value cells (currency-only and noise cells dropped)."""
    cells = [c for c in map(_clean_cell, row.cells) if c.text]
    label_parts: list[str] = []
    values: list[RawCell] = []
    for k, cell in enumerate(cells):
        if is_currency_only(cell.text):
            continue
        if k == 0 and _YEAR_LABEL.match(cell.text) and any(_is_value_cell(c) and not _YEAR_LABEL.match(c.text) for c in cells[1:]):
            # "2022  $633  $162  $(148)": a year in the label column names the row (a schedule
            # of allowances by year, a maturity list), it is not an amount.
            label_parts.append(cell.text)
            continue
        if _is_value_cell(cell):
            values.append(cell)
        elif not values:
            label_parts.append(cell.text)
        else:
            # Text after the values ("n/m", a note): keep its place so columns stay aligned.
            values.append(cell)
    return " ".join(label_parts), values


def _parse_cell(cell: RawCell | None) -> tuple[Amount | None, str | None]:
    if cell is None:
        return None, None
    try:
        return parse_amount(cell.text), None
    except MalformedNumber:
        return None, cell.text


def parse_table(raw: RawTable, context: list[str], table_id: str, document_scale: str | None = None) -> Table | None:
    """Parse one table; None when it holds no financial data (a layout table, a list)."""
    header_rows: list[RawRow] = []
    body: list[tuple[RawRow, str, list[RawCell]]] = []
    for row in raw.rows:
        label, values = _split_row(row)
        is_years = bool(values) and is_year_header([v.text for v in values])
        if not body and (not values or is_years):
            header_rows.append(row)
        elif is_years and not label.strip():
            header_rows.append(row)  # a second header further down is still a header
        else:
            body.append((row, label, values))
    value_rows = [values for _, _, values in body if values]
    width = column_count([len(v) for v in value_rows])
    width = _header_width(header_rows, value_rows, width)
    if width == 0 or len(value_rows) < 1:
        return None
    spans = column_spans(value_rows, width)
    # Label lines just above the first amounts ("Merchandise sales" wrapping onto "and services")
    # are the body's, not the header's: nothing in them stands over a value column.
    # A year row further down that stands in the label column ("2022" over an allowance schedule's
    # rows) is a caption in its place, not a header.
    first_body = body[0][0].line if body else None
    for row in [r for r in header_rows if first_body is not None and r.line > first_body]:
        if not any(_over_values(c, spans, raw.grid) for c in row.cells if c.text.strip()):
            header_rows.remove(row)
            at = next((k for k, (r, _, _) in enumerate(body) if r.line > row.line), len(body))
            body.insert(at, (row, " ".join(c.text for c in row.cells if c.text.strip()), []))
    while header_rows and not any(_over_values(c, spans, raw.grid) for c in header_rows[-1].cells if c.text.strip()):
        row = header_rows.pop()
        body.insert(0, (row, " ".join(c.text for c in row.cells if c.text.strip()), []))

    # Header text per column, top to bottom.
    header_texts: list[list[str]] = [[] for _ in range(width)]
    header_lines_text: list[str] = []
    for row in header_rows:
        cells = [c for c in map(_clean_cell, row.cells) if c.text]
        over = [c for c in cells if _over_values(c, spans, raw.grid) and _HEADER_TEXT.search(c.text)]
        # A period named in the label column ("Quarters Ended March 31,") heads every column.
        for cell in cells:
            if cell not in over and (find_durations(cell.text) or find_month_days(cell.text)):
                for texts in header_texts:
                    texts.append(cell.text)
        header_lines_text.append(" ".join(c.text for c in cells))
        for i, texts in enumerate(assign_header_cells(over, spans, raw.grid)):
            header_texts[i].extend(texts)
    # A statement's name may open the table itself (an HTML statement whose first row reads
    # "Consolidated Statements of Income  For Years Ended December 31,"): it outranks the text above.
    title = _title(context + [h for h in header_lines_text if TITLE_WORDS.search(h)])
    # The table's own statement of scale wins; else the document's ("Notes ... (dollars in
    # millions, except per-share amounts; shares in millions)" covers every note table).
    scale, share_scale = find_scale(header_lines_text + list(reversed(context)) + ([document_scale] if document_scale else []))
    columns = _columns(header_texts, title, width)
    shares_table = _is_shares_table(header_lines_text, title)

    _column_units(columns, [place_values(v, spans) for v in value_rows])
    title_unit, title_scale = _header_unit(title)
    if title_unit == Unit.KWH:
        for col in columns:
            col.unit = col.unit or Unit.KWH
    date_change_columns(columns)
    per_share_columns = any(c.unit == Unit.USD_PER_SHARE for c in columns)
    rows: list[Row] = []
    rejected: list[RejectedRow] = []
    section: str | None = None
    major: str | None = None
    group: str | None = None  # the last caption that is not a year
    stem: str | None = None
    pending_label: list[str] = []
    for row, label, values in body:
        row_text = " ".join(c.text for c in row.cells)
        if not values:
            text = clean_label(label)
            if text:
                pending_label.append(text)
            continue
        label = clean_label(label)
        if pending_label and (not label or label[:1].islower() or _continues(pending_label[-1])):
            # A label wrapped over several lines: take back the lines that run on into this one.
            chain = [pending_label.pop()]
            while pending_label and (_continues(pending_label[-1]) or chain[0][:1].islower()):
                chain.insert(0, pending_label.pop())
            label = " ".join(chain + ([label] if label else []))
        # Captions nest under the last ALL-CAPS one: "Basic" under "EARNINGS/ (LOSS) PER COMMON
        # SHARE" is the basic per-share block, not just "Basic".
        stem_caption = None
        for caption in pending_label:
            if len(caption) > MAX_CAPTION:
                major = section = group = stem_caption = None  # a note between the rows ends the blocks above it
                continue
            if _SCALE_CAPTION.match(caption):
                continue  # "(In millions, except per-share amounts)": the table's scale, not a caption
            if _YEAR_LABEL.match(caption) and group:
                section = f"{group} {caption}"  # "Allowance For Credit Losses" then "2023"
                continue
            stem = _STEM_CAPTION.sub("", caption)
            if _STEM_CAPTION.search(caption):
                stem_caption = stem  # "Basic Earnings Per Share-" or "Georgia Power -": see below
                continue
            if _is_major(caption):
                major = section = group = caption
            else:
                section = group = f"{major} {caption}" if major else caption
        pending_label = []
        # "Net Income - Excluding One-Time Items" then "- As Reported": a dashed sub-item takes
        # the stem of the line item above it (or of the caption it sits under). A dashed caption
        # over plain rows ("Georgia Power -" over "Operating Revenues") heads them as a section.
        if _DASH_ITEM.match(label) and stem:
            label = f"{stem} {label}"
        elif stem_caption:
            section = f"{major} {stem_caption}" if major else stem_caption
        else:
            m = _STEM.match(label)
            if m:
                stem = m["stem"].strip()
        if len(values) > width:
            values = _drop_stray_cells(values, spans)
        slots = place_values(values, spans)
        amounts = [_parse_cell(cell)[0] for cell in slots]
        damaged = [c.text for c in values if _parse_cell(c)[1] is not None]
        problems = []
        if damaged:
            problems.append("malformed number(s) " + ", ".join(repr(d) for d in damaged) + " (OCR damage)")
        if not label.strip() and not damaged and section and rows and rows[-1].section == section:
            # An unlabeled amount closing a captioned block ("Inventories:" ... 13,224) is that
            # block's total.
            label = "Total " + section.split(" ", 1)[-1].rstrip(":") if major and section.startswith(major + " ") else "Total " + section.rstrip(":")
            unlabeled_total = True
        else:
            unlabeled_total = False
        if not _LETTER_WORD.search(label) and not (_YEAR_LABEL.match(label) and section):
            problems.append(f"no line-item label ({label!r})")
        if len(values) > width:
            problems.append(f"{len(values)} value cells where the table has {width} columns")
        if problems:
            rejected.append(RejectedRow(line=row.line, text=row_text, reason="; ".join(problems) + "; no value is guessed"))
            continue
        own = [a for a, col in zip(amounts, columns) if col.unit is None]
        unit, row_scale = _unit(label, own, scale, share_scale, section, shares_table=shares_table, per_share_columns=per_share_columns)
        # The filer's tag ids only; the XBRL linker fills in concept, context and the cross-check.
        value_ids = [c.xbrl if c is not None and a is not None else None for c, a in zip(slots, amounts)]
        text_ids = [fid for fid in row.xbrl if fid not in value_ids]
        rows.append(
            Row(
                label=label,
                unit=unit,
                scale=row_scale,
                values=[a.value if a is not None else None for a in amounts],
                texts=[c.text if c is not None else None for c in slots],
                xbrl=[XbrlRef(id=fid) if fid else None for fid in value_ids] if any(value_ids) else [],
                text_xbrl=[XbrlRef(id=fid) for fid in text_ids],
                line=row.line,
                is_total=unlabeled_total or bool(_TOTAL.match(label)),
                section=section,
            )
        )
    if not rows:
        return None
    verify_rows(rows)
    return Table(
        id=table_id,
        title=title,
        scale=scale,
        line_start=raw.line_start,
        line_end=raw.line_end,
        columns=columns,
        rows=rows,
        rejected_rows=rejected,
        document=raw.document,
    )


def _header_width(header_rows: list[RawRow], value_rows: list[list[RawCell]], width: int) -> int:
    """A header naming N columns ("2024 2025 2026 2027 2028 Thereafter Total") over a row with N
    values makes the table N wide, even when more of its rows hold a single total."""
    if not header_rows or not value_rows:
        return width
    first_value = min(v[0].start for v in value_rows if v)
    named = len([c for c in header_rows[-1].cells if c.text.strip() and c.start >= first_value])
    if named > width and any(len(v) == named for v in value_rows):
        return named
    return width


def _is_major(caption: str) -> bool:
    letters = [c for c in caption if c.isalpha()]
    return len(letters) >= 4 and all(c.isupper() for c in letters)


def _drop_stray_cells(values: list[RawCell], spans) -> list[RawCell]:
    """Drop dashes and debris that sit between columns (an OCR'd "$" read as "_").

    Only cells that are not real amounts are dropped; a real number off the grid keeps the row
    over-wide, and the row is then rejected rather than misread.
    """
    kept = []
    for cell in values:
        on_grid = any(min(cell.end, s.end) - max(cell.start, s.start) > 0 for s in spans)
        if on_grid:
            kept.append(cell)
            continue
        try:
            amount = parse_amount(cell.text)
        except MalformedNumber:
            amount = None
            kept.append(cell)
            continue
        if amount is not None and not amount.dash:
            kept.append(cell)
    return kept


def _over_values(cell: RawCell, spans, grid: str) -> bool:
    """Header cells that stand over the value columns (not the label column's caption)."""
    if grid == "tab":
        return cell.start >= 1 and not (cell.start == 0)
    first = spans[0]
    if grid == "html":
        return cell.end > first.start  # grid ends are exclusive
    return cell.end > first.start - 2


def _continues(text: str) -> bool:
    """A label line that runs on into the next line ("Credit and financial products")."""
    # A trailing dash is not a wrap: "Income Account-" heads dashed items, it does not run on.
    return bool(re.search(r"(,|\band|\bof|\bfor|\bthe|\bin|\bto|\bfrom|\bbefore|\bafter)$", text.strip(), re.IGNORECASE))


def _title(context: list[str]) -> str:
    """The table's title: the nearest heading above it, preferring a statement name.

    A statement name keeps the short lines under it ("For the 13 Weeks Ended July 3, 2004"),
    which often carry the periods the column headers leave out.
    """
    candidates = [c.strip() for c in context if c.strip() and not _FURNITURE.match(c.strip())]
    if not candidates:
        return ""
    recent = candidates[-4:]
    for i in range(len(recent) - 1, -1, -1):
        text = recent[i]
        if TITLE_WORDS.search(text) and len(text) < 200:
            tail = [t for t in recent[i + 1 :] if len(t) < 120 and not _SCALE.search(t)]
            return re.sub(r"\s+", " ", " ".join([text, *tail]))
    for text in reversed(candidates[-3:]):
        if _SCALE.search(text) and len(text) < 80:
            continue
        if len(text) < 160:
            return re.sub(r"\s+", " ", text)
    return re.sub(r"\s+", " ", candidates[-1])[:160]


def _columns(header_texts: list[list[str]], title: str, width: int) -> list[Column]:
    columns = []
    for texts in header_texts:
        label = re.sub(r"\s+", " ", " ".join(texts)).strip()
        columns.append(_column(label))
    _fill_from_title(columns, title)
    return columns


def _column(label: str) -> Column:
    durations = find_durations(label)
    dates = find_dates(label)
    # Standalone years: those not inside a full date.
    years = [y for y in find_years(_strip_dates(label))]
    end: date | None = None
    if dates:
        if years:
            matching = [d for d, _, _ in dates if d.year == years[-1]]
            end = matching[0] if matching else dates[0][0]
        else:
            end = dates[0][0]
    elif years:
        month_days = find_month_days(label)
        if month_days:
            month, day = month_days[-1]
            try:
                end = date(years[-1], month, day)
            except ValueError:
                end = None
        else:
            # "3 Months Ended December 2004": a month without its day ends on its last day.
            months_named = _MONTH_NAME.findall(label)
            if months_named:
                month = MONTHS[months_named[-1].lower().rstrip(".")]
                end = date(years[-1], month, calendar.monthrange(years[-1], month)[1])
    duration = durations[0] if durations else None
    kind = "value"
    if re.search(r"(?:^|\s)(?:vs\.?|versus)\s", label, re.IGNORECASE):
        kind = "change"  # "vs. Q4 2021": a comparison column, whatever periods it names
    elif CHANGE_WORDS.search(label) and not dates and not years:
        kind = "change"
    elif CHANGE_WORDS.search(label) and re.search(r"%|percent", label, re.IGNORECASE):
        kind = "change"
    col = Column(label=label, period_end=end, months=duration.months if duration else None, weeks=duration.weeks if duration else None, kind=kind)
    if end is None:
        m = _FISCAL_QUARTER.search(label)
        if m:
            col.fiscal_quarter = int(m["q"]) if m["q"] else _ORDINALS[m["ord"].lower()]
            col.fiscal_year = _year4(m["y"] or m["y2"])
            col.months = col.months or 3
        else:
            m = _FISCAL_YEAR_COL.search(label)
            if m:
                col.fiscal_year = _year4(m["y"])
                col.months = col.months or 12
    col.unit, col.scale = _header_unit(label)
    if end is None and years and kind == "value":
        # Only a year is known: keep it in the label; the resolver matches on it.
        col.period_end = None
    return col


def date_change_columns(columns: list[Column]) -> None:
    """A change column ("Inc/(Dec)", "vs. Q4 2021", "% Change") reports on the current period of
    the value columns to its left: give it that period, so "the change in Q1 2023" finds it.
    (Its own header may name the comparison period, "vs. Q4 2021", which is not what it reports.)"""
    group: list[Column] = []
    for col in columns:
        if col.kind != "change":
            group.append(col)
            continue
        dated = [c for c in group if c.period_end]
        if dated:
            current = max(dated, key=lambda c: c.period_end)
            col.period_end, col.months, col.weeks = current.period_end, current.months, current.weeks
            col.fiscal_year, col.fiscal_quarter = current.fiscal_year, current.fiscal_quarter
        group = [] if group and columns.index(col) + 1 < len(columns) and columns[columns.index(col) + 1].kind != "change" else group


def _column_units(columns: list[Column], grid: list[list[RawCell | None]]) -> None:
    """Columns that fix their cells' unit: percent-change columns, per-share column groups."""
    dated = any(c.period_end for c in columns)
    for i, col in enumerate(columns):
        texts = [row[i].text for row in grid if i < len(row) and row[i] is not None]
        has_pct = any("%" in t for t in texts)
        if _PER_SHARE.search(col.label):
            col.unit = Unit.USD_PER_SHARE
        has_currency = any("$" in t for t in texts)
        pct_count = sum("%" in t for t in texts)
        pct_share = pct_count / max(1, len(texts))
        # Filers print the "%" on a column's first and last rows only (a tax-rate reconciliation,
        # a "% of revenue" column beside the dollars), as they do the "$".
        framed = pct_count >= 2 and ("%" in texts[0] or "%" in texts[-1])
        if has_pct and (
            col.kind == "change" or "%" in col.label or (dated and col.period_end is None) or (not has_currency and (pct_share >= 0.3 or framed))
        ):
            col.unit = Unit.PERCENT
            if col.period_end is None:
                col.kind = "change"


def _year4(text: str) -> int:
    y = int(text.strip("'’"))
    return y + 2000 if y < 100 else y


def _header_unit(text: str) -> tuple[Unit | None, Scale | None]:
    """Units a header or label states for its cells: "Revenue $M", "Units K", "($B)", "(in thousands)"."""
    m = _UNIT_HINT.search(text)
    if not m:
        return None, None
    word = m.group(0).lower()
    scale = next((s for key, s in _SCALE_LETTERS.items() if key in word), None)
    if "%" in word or "percent" in word:
        return Unit.PERCENT, Scale.UNITS
    if "$" in word or "usd" in word or "dollar" in word:
        return Unit.USD, scale
    if "kwh" in word or "kilowatt" in word:
        return Unit.KWH, scale
    if "years" in word:
        return Unit.NUMBER, Scale.UNITS  # "Expected lives (in years)": a count of years, unscaled
    if "unit" in word or "employees" in word:
        return Unit.NUMBER, scale
    if word.strip().endswith("shares"):
        return Unit.SHARES, scale
    if word.strip().endswith("price"):
        return Unit.USD_PER_SHARE, Scale.UNITS  # "weighted average exercise price": dollars a share
    if word.strip().endswith("amount"):
        return Unit.USD, scale
    return None, scale


def _strip_dates(text: str) -> str:
    for _, start, end in reversed(find_dates(text)):
        text = text[:start] + " " + text[end:]
    return text


def _fill_from_title(columns: list[Column], title: str) -> None:
    """Infer what the header lost from the title ("As of December 31, 2004 and June 30, 2004")."""
    if not title:
        return
    title_dates = [d for d, _, _ in find_dates(title)]
    title_durations = find_durations(title)
    value_cols = [c for c in columns if c.kind == "value"]
    missing = [c for c in value_cols if c.period_end is None]
    if missing and len(title_dates) == len(value_cols):
        for col, d in zip(value_cols, title_dates):
            if col.period_end is None:
                col.period_end = d
                if not col.label:
                    col.label = d.strftime("%B %-d, %Y")
                elif d.strftime("%B") not in col.label:
                    col.label = f"{col.label} {d.strftime('%B %-d, %Y')}".strip()
    elif missing and title_dates:
        # "For the three and six months ended December 31, 2004 and 2003": month and day from the
        # title, year from the column.
        by_year = {d.year: d for d in title_dates}
        md = title_dates[0]
        for col in missing:
            years = find_years(col.label)
            if not years:
                continue
            if years[-1] in by_year:
                col.period_end = by_year[years[-1]]
            else:
                try:
                    col.period_end = date(years[-1], md.month, md.day)
                except ValueError:
                    pass
    if len(title_durations) == 1:
        for col in value_cols:
            if col.months is None and not re.search(r"balance sheet|financial position|as of", title, re.IGNORECASE):
                col.months = title_durations[0].months
                col.weeks = title_durations[0].weeks
    # "Full-Year 2022 Financial Results" over "2022  2021": a fiscal year each, dated later by
    # the filer's calendar; "Q4 2022 Financial Results" likewise names the quarter.
    title_quarter = _FISCAL_QUARTER.search(title)
    for col in value_cols:
        if col.period_end or col.fiscal_year or not col.months:
            continue
        years = find_years(col.label)
        if not years:
            continue
        col.fiscal_year = years[-1]
        if col.months == 3 and title_quarter:
            col.fiscal_quarter = int(title_quarter["q"]) if title_quarter["q"] else _ORDINALS[title_quarter["ord"].lower()]
        elif col.months != 12:
            col.fiscal_year = None


def _is_shares_table(header_lines: list[str], title: str) -> bool:
    if any(_SHARES_SCALE_HEADER.search(line) for line in header_lines):
        return True
    return len(title) < 100 and bool(_SHARE_WORD.search(title)) and not _MONEY_WORDS.search(title)


def _unit(
    label: str,
    amounts: list[Amount | None],
    scale: Scale,
    share_scale: Scale | None,
    section: str | None,
    shares_table: bool = False,
    per_share_columns: bool = False,
) -> tuple[Unit, Scale]:
    present = [a for a in amounts if a is not None and not a.dash]
    hint_unit, hint_scale = _header_unit(label)
    if hint_unit:
        return hint_unit, hint_scale or (Scale.UNITS if hint_unit == Unit.PERCENT else scale)
    if hint_scale:
        scale = share_scale = hint_scale  # "Average Shares Outstanding (in millions)": its own scale
    if _EQUITY_AMOUNT.search(label):
        return Unit.USD, scale  # "Common stock, $0.001 par value, 10,000 shares authorized": dollars
    if _COUNT_IN_LABEL.search(label) and not _PER_SHARE_METRIC.search(label):
        return Unit.USD, scale  # "Series A: 1,150,000 shares designated, issued and outstanding": the label counts, the cells are dollars
    # Cells that all print "%" are percentages whatever caption they sit under ("Weighted average
    # assumptions used: Expected volatility 31%").
    if present and all(a.percent for a in present):
        return Unit.PERCENT, Scale.UNITS
    if section and _SHARES_SECTION.match(section) and _SHARE_WORD.search(section) and not _PER_SHARE.search(label) and not any(a.currency for a in present):
        return Unit.SHARES, share_scale or scale
    context = f"{section or ''} {label}"
    per_share_label = bool(_PER_SHARE_METRIC.search(label)) and not _EPS_PURPOSE.search(label)
    # Under a "Basic EPS:" caption the rows are per-share amounts, unless the table has per-share
    # columns of its own (then the caption heads the dollars, shares and EPS of a computation).
    per_share_section = bool(_PER_SHARE.search(section or "")) and not per_share_columns
    if per_share_label or (per_share_section and not _SHARES.search(label) and present and all(abs(a.value) < 1000 for a in present)):
        return Unit.USD_PER_SHARE, Scale.UNITS
    if _SHARES.search(label) and _SHARES_CONTEXT.search(context) and not any(a.currency for a in present):
        return Unit.SHARES, share_scale or scale
    if present and any(a.percent for a in present):
        return Unit.PERCENT, Scale.UNITS
    if shares_table and not any(a.currency for a in present) and not _MONEY_WORDS.search(label):
        return Unit.SHARES, share_scale or scale
    return Unit.USD, scale
