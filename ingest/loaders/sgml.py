"""EDGAR SGML: full submissions (`<SEC-DOCUMENT>` .txt) and bare `<DOCUMENT>` wrapper files.

A submission bundles the filing's documents (8-K, EX-99.1...) with everything EDGAR generated
around them: XBRL schemas and linkbases, R*.htm viewer pages, uuencoded images and zips. Only
the documents a person reads are kept as text (the XBRL instance is read for its tags, see
`_read_instance_document`), each becoming a `Document` over the output lines, so a
citation can say "EX-99.1, line 412". HTML documents go through the HTML renderer; plain-text
documents keep their space-aligned layout (the text-table segmenter depends on it) with only
the SGML markup lines (`<TABLE>`, `<S>`, `<C>`, `<PAGE>`...) removed.

Filings before ~2002 are wrapped in a PEM "privacy-enhanced message", which also escapes every
line starting with '-' as '- -' (RFC 934); that escape shifts table columns by two characters,
so it is undone here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from filingqa.ingest.detect import is_html
from filingqa.ingest.errors import EmptyFile, IngestError
from filingqa.ingest.loaders.html import render_html
from filingqa.ingest.loaders.text import clean_line, cover_facts, decode_bytes, parse_date, split_lines
from filingqa.ingest.model import Document, Format, LoadedText, RawTable
from filingqa.ingest.xbrl.model import XbrlInstance
from filingqa.ingest.xbrl.read import is_instance, read_instance

_PEM_BEGIN = "-----BEGIN PRIVACY-ENHANCED MESSAGE-----"
_PEM_END = "-----END PRIVACY-ENHANCED MESSAGE-----"
_HEADER_BLOCK = re.compile(r"<(SEC-HEADER|IMS-HEADER)>(.*?)(?:</\1>|(?=^<DOCUMENT>))", re.S | re.I | re.M)
_HEADER_FIELD = re.compile(r"^[ \t]*([A-Z][A-Z0-9 \-/&]*?):[ \t]*(.*?)[ \t]*$", re.M)
_DOCUMENT_START = re.compile(r"^<DOCUMENT>[ \t]*$", re.M | re.I)
_DOCUMENT_END = re.compile(r"^</DOCUMENT>[ \t]*$", re.M | re.I)
_DOC_TAG = re.compile(r"^<(TYPE|SEQUENCE|FILENAME|DESCRIPTION)>[ \t]*(.*?)[ \t]*$", re.M | re.I)
_TEXT_START = re.compile(r"^<TEXT>[ \t]*$", re.M | re.I)
_TEXT_END = re.compile(r"^</TEXT>[ \t]*$", re.M | re.I)
_ACCESSION = re.compile(r"^(\d{10})-\d{2}-\d{6}")
# Wrappers EDGAR puts around a document's content inside <TEXT>.
_CONTENT_WRAPPER = re.compile(r"\A\s*<(XBRL|XML|PDF)>\s*", re.I)
_UUENCODE_BEGIN = re.compile(r"\A\s*begin [0-7]{3,4} \S", re.I)
_XML_START = re.compile(r"\A\s*<\?xml", re.I)
# SGML markup inside plain-text documents. A line holding only these tags (and a page number
# after <PAGE>) is dropped; a tag inside a line with text becomes spaces of the same width.
_MARKUP = r"</?(?:TABLE|CAPTION|S|C|PAGE|FN|F\d{1,2}|R|/?PRE)>"
_MARKUP_LINE = re.compile(rf"^\s*(?:{_MARKUP}\s*)+(?:\d{{1,4}}\s*)?$", re.I)
_MARKUP_INLINE = re.compile(_MARKUP, re.I)

SKIP_TYPES = frozenset({"GRAPHIC", "ZIP", "EXCEL", "XML", "JSON", "PDF", "XBRL", "COVER", "ZIP FILE"})
SKIP_TYPE_PREFIXES = ("EX-101.",)
_SKIP_FILENAME = re.compile(
    r"(?:^R\d+\.html?$|^FilingSummary\.xml$|\.(?:xsd|xml|js|css|json|jpe?g|gif|png|zip|xlsx?|pdf)$)", re.I
)
MAX_BLANK_RUN = 2


@dataclass
class _Part:
    type: str
    filename: str | None
    description: str | None
    lines: list[str]
    tables: list[RawTable] = field(default_factory=list)
    xbrl: XbrlInstance | None = None  # the document's inline-XBRL tags


def load_submission(data: bytes, name: str) -> LoadedText:
    """An EDGAR submission or wrapper file: documents, their lines, header facts."""
    text = decode_bytes(data).replace("\r\n", "\n").replace("\r", "\n")
    text = _unwrap_pem(text)
    header = _parse_header(text)
    blocks = _document_blocks(text)
    parts = [part for block in blocks if (part := _read_document(block)) is not None]
    instances = [inst for block in blocks if (inst := _read_instance_document(block)) is not None]
    if not parts:
        raise EmptyFile(name, "the submission has no readable documents (only XBRL, images or other attachments)")

    lines: list[str] = []
    documents: list[Document] = []
    raw_tables: list[RawTable] = []
    xbrl = _combine_xbrl(parts, instances)
    for part in parts:
        if lines:
            lines.append("")
        offset = len(lines)
        lines.extend(part.lines)
        documents.append(
            Document(
                type=part.type,
                filename=part.filename,
                description=part.description,
                line_start=offset + 1,
                line_end=len(lines),
            )
        )
        for table in part.tables:
            raw_tables.append(_shift_table(table, offset, part.type))

    cover_company, cover_form, cover_date = cover_facts(parts[0].lines)
    try:
        return LoadedText(
            format=Format.EDGAR_SUBMISSION,
            lines=lines,
            documents=documents,
            raw_tables=raw_tables,
            company=header.company or cover_company,
            form=header.form or parts[0].type or cover_form,
            date=header.date or cover_date,
            xbrl=xbrl,
        )
    except ValueError as exc:
        raise IngestError(name, f"could not build the document model: {exc}") from exc


def _unwrap_pem(text: str) -> str:
    """Remove the PEM header block and trailer, and undo its '- ' dash escaping."""
    start = text.find(_PEM_BEGIN, 0, 4096)
    if start < 0:
        return text
    body_start = text.find("\n\n", start)
    body = text[body_start + 2 :] if body_start >= 0 else ""
    end = body.rfind(_PEM_END)
    if end >= 0:
        body = body[:end]
    return re.sub(r"^- (?=-)", "", body, flags=re.M)


@dataclass
class _Header:
    company: str | None = None
    form: str | None = None
    date: date | None = None


def _parse_header(text: str) -> _Header:
    """Company, form and date from the <SEC-HEADER>, or the first <TYPE> of a wrapper file.

    A joint filing lists several filers; the one whose CIK prefixes the accession number filed
    it (self-filers use their own CIK), otherwise the first filer is taken.
    """
    match = _HEADER_BLOCK.search(text, 0, 200_000)
    if not match:
        return _Header()
    fields = [(key.strip().upper(), value) for key, value in _HEADER_FIELD.findall(match.group(2))]
    first = {}
    for key, value in fields:
        if value and key not in first:
            first[key] = value
    companies: list[tuple[str, str]] = []  # (name, cik)
    for i, (key, value) in enumerate(fields):
        if key == "COMPANY CONFORMED NAME" and value:
            cik = next((v for k, v in fields[i + 1 : i + 4] if k == "CENTRAL INDEX KEY"), "")
            companies.append((value, cik.lstrip("0")))
    company = companies[0][0] if companies else None
    accession = _ACCESSION.match(first.get("ACCESSION NUMBER", ""))
    if accession:
        agent = accession.group(1).lstrip("0")
        company = next((n for n, cik in companies if cik == agent), company)
    when = parse_date(first.get("CONFORMED PERIOD OF REPORT", "")) or parse_date(first.get("FILED AS OF DATE", ""))
    form = first.get("CONFORMED SUBMISSION TYPE") or first.get("FORM TYPE")
    return _Header(company=company, form=form, date=when)


def _document_blocks(text: str) -> list[str]:
    """The text of each <DOCUMENT>…</DOCUMENT>; an unterminated one runs to the next or the end."""
    starts = [m.end() for m in _DOCUMENT_START.finditer(text)]
    blocks = []
    for i, start in enumerate(starts):
        limit = starts[i + 1] if i + 1 < len(starts) else len(text)
        end = _DOCUMENT_END.search(text, start, limit)
        blocks.append(text[start : end.start() if end else limit])
    return blocks


def _read_document(block: str) -> _Part | None:
    """One document's metadata and lines, or None for attachments nobody reads as text."""
    text_start = _TEXT_START.search(block)
    meta_area = block[: text_start.start()] if text_start else block[:2000]
    meta = {key.upper(): value for key, value in reversed(_DOC_TAG.findall(meta_area))}
    doc_type = (meta.get("TYPE") or "UNKNOWN").upper()
    filename = meta.get("FILENAME") or None
    description = meta.get("DESCRIPTION") or None
    if doc_type in SKIP_TYPES or doc_type.startswith(SKIP_TYPE_PREFIXES):
        return None
    if filename and _SKIP_FILENAME.search(filename):
        return None
    if text_start:
        ends = list(_TEXT_END.finditer(block, text_start.end()))
        content = block[text_start.end() : ends[-1].start() if ends else len(block)]
    else:  # no <TEXT> wrapper: the content is whatever is not a metadata tag
        content = _DOC_TAG.sub("", block)
    wrapper = _CONTENT_WRAPPER.match(content)
    if wrapper:
        content = content[wrapper.end() :]
        content = re.sub(rf"</{wrapper.group(1)}>\s*\Z", "", content, flags=re.I)
    if _UUENCODE_BEGIN.match(content):
        return None
    xbrl = None
    if is_html(content[:8192]):
        rendered = render_html(content)
        lines, tables, xbrl = rendered.lines, rendered.raw_tables, rendered.xbrl
    elif _XML_START.match(content):
        return None  # XML that is not XHTML: XBRL instance, schema, summary
    else:
        lines, tables = _text_document_lines(content), []
    if not any(line.strip() for line in lines):
        return None
    return _Part(type=doc_type, filename=filename, description=description, lines=lines, tables=tables, xbrl=xbrl)


def _document_content(block: str) -> str:
    """A document's content inside <TEXT>, without EDGAR's <XML>/<XBRL> wrapper."""
    text_start = _TEXT_START.search(block)
    if not text_start:
        return ""
    ends = list(_TEXT_END.finditer(block, text_start.end()))
    content = block[text_start.end() : ends[-1].start() if ends else len(block)]
    wrapper = _CONTENT_WRAPPER.match(content)
    if wrapper:
        content = content[wrapper.end() :]
        content = re.sub(rf"</{wrapper.group(1)}>\s*\Z", "", content, flags=re.I)
    return content


def _read_instance_document(block: str) -> XbrlInstance | None:
    """An XBRL instance attached to the submission (EDGAR's extracted `*_htm.xml`, or an
    EX-101.INS before inline XBRL): its facts and dei cover facts. Schemas, linkbases and the
    FilingSummary are XML too, and are told apart by their root element."""
    meta_area = block[:2000]
    meta = {key.upper(): value for key, value in reversed(_DOC_TAG.findall(meta_area))}
    doc_type = (meta.get("TYPE") or "").upper()
    filename = (meta.get("FILENAME") or "").lower()
    if not (doc_type in ("XML", "EX-101.INS") or filename.endswith(".xml")):
        return None
    content = _document_content(block)
    if not _XML_START.match(content) or not is_instance(content):
        return None
    return read_instance(content)


def _combine_xbrl(parts: list[_Part], instances: list[XbrlInstance]) -> XbrlInstance | None:
    """One set of tags for the submission. Inline tags come first (they say which table cell
    prints each fact); a second tagged document's ids are prefixed so they cannot collide. An
    attached instance adds the dei facts the pages lack, and its facts when no page is tagged."""
    combined: XbrlInstance | None = None
    for n, part in enumerate(parts):
        if part.xbrl is None:
            continue
        if combined is None:
            combined = part.xbrl
            continue
        renamed = combined.merge(part.xbrl, prefix=f"d{n + 1}:")
        part.tables = [_rename_tags(table, renamed) for table in part.tables]
    for instance in instances:
        if combined is None:
            combined = instance
        elif not combined.facts and instance.facts:
            combined.merge(instance)
            combined.source = "instance"
        else:
            combined.merge(XbrlInstance(dei=instance.dei))
    return combined


def _rename_tags(table: RawTable, renamed: dict[str, str]) -> RawTable:
    rows = []
    for row in table.rows:
        cells = [c.model_copy(update={"xbrl": renamed.get(c.xbrl, c.xbrl)}) if c.xbrl else c for c in row.cells]
        rows.append(row.model_copy(update={"cells": cells, "xbrl": [renamed.get(t, t) for t in row.xbrl]}))
    return table.model_copy(update={"rows": rows})


def _text_document_lines(content: str) -> list[str]:
    """A plain-text document's lines without SGML markup, blank runs capped at two."""
    out: list[str] = []
    blank_run = 0
    for line in split_lines(content):
        if _MARKUP_LINE.match(line):
            continue
        if "<" in line:
            line = clean_line(_MARKUP_INLINE.sub(lambda m: " " * len(m.group()), line))
        if not line.strip():
            blank_run += 1
            if blank_run > MAX_BLANK_RUN or not out:
                continue
            line = ""
        else:
            blank_run = 0
        out.append(line)
    while out and not out[-1]:
        out.pop()
    return out


def _shift_table(table: RawTable, offset: int, doc_type: str) -> RawTable:
    rows = [row.model_copy(update={"line": row.line + offset}) for row in table.rows]
    return table.model_copy(
        update={"rows": rows, "line_start": table.line_start + offset, "line_end": table.line_end + offset, "document": doc_type}
    )
