"""Decide what a file is from its bytes, never its name.

Uploads arrive with whatever name the user's browser gives them (an EDGAR full submission is a
`.txt`, an exhibit is often `.htm` but wrapped in SGML), so the name is used only in messages.
Only the first few kilobytes are inspected, so detection costs the same for any file size.
"""

from __future__ import annotations

import re

from filingqa.ingest.errors import EmptyFile, UnsupportedFormat
from filingqa.ingest.model import Format

HEAD_BYTES = 8192  # enough for a PEM wrapper plus the first SGML tag, or an HTML prologue
SAMPLE_BYTES = 65536  # how much is checked for "is this text?"

_PEM_BEGIN = b"-----BEGIN PRIVACY-ENHANCED MESSAGE-----"
# An EDGAR tag at the start of a line; in a PEM-wrapped file it follows the PEM header block.
_EDGAR_TAG = re.compile(rb"^[ \t]*<(?:SEC-DOCUMENT|SEC-HEADER|IMS-DOCUMENT|IMS-HEADER|DOCUMENT)>", re.I | re.M)
_LEADING_NOISE = re.compile(rb"\A(?:\s+|<\?xml[^>]*>|<!--.*?-->|<!doctype[^>]*>)*", re.I | re.S)
_HTML_ANYWHERE = re.compile(rb"<(?:html|body|head)[\s>]|<!doctype\s+html", re.I)
_HTML_FRAGMENT_START = re.compile(rb"<(?:div|table|p|font|span|center|h[1-6]|b|br|a|title|meta)[\s>/]", re.I)
# Not </table>: EDGAR plain-text documents close their SGML <TABLE> tags too.
_HTML_CLOSING = re.compile(rb"</(?:p|div|td|tr|font|span|b|i|a|center|h[1-6]|title)>|<t[dr][\s>]", re.I)
_XML_START = re.compile(rb"\A<\?xml", re.I)

# Binary containers users are likely to try, so the message can say what the file is.
_MAGIC = [
    (b"PK\x03\x04", "a ZIP archive (for example .docx, .xlsx or a zipped filing)"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"\xd0\xcf\x11\xe0", "an old Microsoft Office document (.doc/.xls)"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"{\\rtf", "an RTF document"),
]

# C0 controls other than \t \n \r \f, plus DEL: real text has (almost) none of them.
_BINARY_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13)) + b"\x7f"
MAX_CONTROL_RATIO = 0.01


def detect_format(data: bytes, name: str) -> Format:
    """The Format of `data`; raises EmptyFile or UnsupportedFormat with a reason a user can act on."""
    head = data[:HEAD_BYTES]
    if data.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    if not head.strip() and not data.strip():
        raise EmptyFile(name, "the file is empty")
    if b"%PDF-" in data[:1024]:
        return Format.PDF
    for magic, what in _MAGIC:
        if head.startswith(magic):
            raise UnsupportedFormat(name, f"this is {what}, not a filing; upload the filing's .htm, .txt or .pdf")
    if not _looks_like_text(data[:SAMPLE_BYTES]):
        raise UnsupportedFormat(name, "the file is binary, not text, HTML or PDF")

    stripped = head.lstrip()
    if stripped.startswith(_PEM_BEGIN) or _EDGAR_TAG.match(stripped):
        if _EDGAR_TAG.search(head):
            return Format.EDGAR_SUBMISSION
    if is_html(head):
        return Format.HTML
    if _XML_START.match(stripped):
        raise UnsupportedFormat(name, "this is an XML file (XBRL instance or schema?), not a readable filing document")
    return Format.TEXT


def is_html(head: bytes | str) -> bool:
    """True when the start of a document is HTML/XHTML (also used on SGML <TEXT> bodies).

    A bare `<TABLE>` is not enough: EDGAR plain-text documents use SGML `<TABLE>`, `<S>`,
    `<C>` tags too, so a fragment must also show an HTML closing tag or a row/cell.
    """
    if isinstance(head, str):
        head = head[:HEAD_BYTES].encode("utf-8", "replace")
    head = head[:HEAD_BYTES]
    if _HTML_ANYWHERE.search(head):
        return True
    rest = head[_LEADING_NOISE.match(head).end():]
    return bool(_HTML_FRAGMENT_START.match(rest) and _HTML_CLOSING.search(rest))


def _looks_like_text(sample: bytes) -> bool:
    if not sample:
        return True
    if b"\x00" in sample:
        # UTF-16 text has NULs too, but EDGAR never uses it; treat as binary.
        return False
    controls = len(sample) - len(sample.translate(None, _BINARY_BYTES))
    if controls > MAX_CONTROL_RATIO * len(sample):
        return False
    try:
        sample.decode("utf-8")
        return True
    except UnicodeDecodeError as exc:
        if exc.start >= len(sample) - 4:  # a multi-byte character cut by the sample boundary
            return True
    # Not UTF-8: accept single-byte text (cp1252/latin-1) unless high bytes dominate.
    high = sum(1 for b in sample if b >= 0x80)
    return high <= 0.3 * len(sample)
