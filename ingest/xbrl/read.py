"""Read the filer's XBRL tags: from an inline-XBRL page's tree, or from an XBRL instance document.

Inline XBRL (every 10-K/10-Q since 2019-2021) wraps each number the page prints in
`ix:nonFraction` (concept, contextRef, unitRef, decimals, scale, sign, format), keeps contexts and
units in the hidden `ix:header`, and tags cover facts (dei) with `ix:nonNumeric`, whose text may
run on through `ix:continuation` blocks and leave out `ix:exclude` parts. A full-submission .txt
also carries EDGAR's extracted instance (`*_htm.xml`) or, before inline XBRL, an EX-101.INS.

The page's tree comes from lxml's HTML parser, which lower-cases tag and attribute names and keeps
the prefix in the name ("ix:nonfraction", "contextref"); an instance is namespaced XML
("{http://www.xbrl.org/2003/instance}context", "contextRef"). Both are read by local name, so one
reader serves both, and a filer's unusual prefix does not hide its tags.
"""

from __future__ import annotations

import re

from lxml import etree

from filingqa.ingest.xbrl.formats import FormatError, fact_value, read_date, read_month_day
from filingqa.ingest.xbrl.model import Dei, XbrlContext, XbrlFact, XbrlInstance

_SPACE = re.compile(r"\s+")
_HIDDEN_REF = re.compile(r"-sec-ix-hidden\s*:\s*([\w.\-]+)", re.I)
# A "(" or minus just before the number (a "$" may sit between): the page prints it negative.
_NEGATIVE_BEFORE = re.compile(r"(?:\(|[-\u2212\u2013])[\s\u00a0$]*$")
_OPEN_PAREN_CELL = re.compile(r"\(\s*\$?\s*$")
_YEAR = re.compile(r"^\s*((?:19|20)\d{2})\s*$")
_CELL_TAGS = frozenset({"td", "th"})
_INSTANCE_SKIP = frozenset({"context", "unit", "schemaref", "footnotelink", "linkbaseref", "roleref", "arcroleref"})
MAX_FACTS = 100_000  # tags read per document; bounds hostile input

_DEI = {
    "entityregistrantname": "company",
    "entitycentralindexkey": "cik",
    "documenttype": "form",
    "documentperiodenddate": "period_end",
    "documentfiscalyearfocus": "fiscal_year_focus",
    "documentfiscalperiodfocus": "fiscal_period_focus",
    "currentfiscalyearenddate": "fiscal_year_end",
    "tradingsymbol": "trading_symbol",
}


def local(tag) -> str:
    """'nonfraction' for 'ix:nonfraction' (HTML tree) and '{ns}nonFraction' (XML tree)."""
    if not isinstance(tag, str):
        return ""
    if tag.startswith("{"):
        return tag.rsplit("}", 1)[-1].lower()
    return tag.rsplit(":", 1)[-1].lower()


def _attr(el, name: str) -> str | None:
    """An attribute by its XBRL name, whichever case the tree kept ('contextRef' / 'contextref')."""
    value = el.get(name)
    if value is None:
        value = el.get(name.lower())
    return value


def _text(el) -> str:
    return _SPACE.sub(" ", "".join(el.itertext())).strip()


def _is_ix(el, name: str) -> bool:
    tag = el.tag
    return isinstance(tag, str) and local(tag) == name and (":" in tag or tag.startswith("{"))


# --- contexts and units (the same markup in the ix:header and in an instance) --------------


def read_contexts(root) -> dict[str, XbrlContext]:
    contexts: dict[str, XbrlContext] = {}
    for el in root.iter():
        if local(el.tag) != "context" or not el.get("id"):
            continue
        ctx = XbrlContext(id=el.get("id"))
        dims: dict[str, str] = {}
        for node in el.iter():
            name = local(node.tag)
            if name == "identifier":
                ctx.entity = _text(node).lstrip("0") or None
            elif name == "instant":
                ctx.instant = read_date(_text(node))
            elif name == "startdate":
                ctx.start = read_date(_text(node))
            elif name == "enddate":
                ctx.end = read_date(_text(node))
            elif name == "explicitmember" and _attr(node, "dimension"):
                dims[_attr(node, "dimension")] = _text(node)
            elif name == "typedmember" and _attr(node, "dimension"):
                dims[_attr(node, "dimension")] = _text(node)
        ctx.dimensions = dims
        contexts[ctx.id] = ctx
    return contexts


def read_units(root) -> dict[str, str]:
    units: dict[str, str] = {}
    for el in root.iter():
        if local(el.tag) != "unit" or not el.get("id"):
            continue
        numerator = [_text(m) for n in el.iter() if local(n.tag) == "unitnumerator" for m in n.iter() if local(m.tag) == "measure"]
        denominator = [_text(m) for n in el.iter() if local(n.tag) == "unitdenominator" for m in n.iter() if local(m.tag) == "measure"]
        if numerator or denominator:
            units[el.get("id")] = "*".join(numerator) + "/" + "*".join(denominator)
        else:
            units[el.get("id")] = "*".join(_text(m) for m in el.iter() if local(m.tag) == "measure")
    return units


# --- inline XBRL ------------------------------------------------------------------------------


def read_inline(root) -> tuple[XbrlInstance | None, dict]:
    """The tags of one inline-XBRL page, and the page elements that print each numeric fact.

    The second result maps an element to its fact id: the outermost `ix:nonFraction` of each
    printed number, or the element a `-sec-ix-hidden:ID` style points at for a hidden fact. The
    HTML renderer looks those up to tell which table cell holds which fact. (None, {}) when the
    page has no inline XBRL.
    """
    fractions = []
    hidden_block = None
    continuations: dict[str, object] = {}
    dei_elements = []
    for el in root.iter():
        if not isinstance(el.tag, str) or (":" not in el.tag and not el.tag.startswith("{")):
            continue
        name = local(el.tag)
        if name == "nonfraction":
            if len(fractions) < MAX_FACTS:
                fractions.append(el)
        elif name == "hidden":
            hidden_block = el
        elif name == "continuation" and el.get("id"):
            continuations[el.get("id")] = el
        elif name == "nonnumeric" and (_attr(el, "name") or "").lower().startswith("dei:"):
            dei_elements.append(el)
    if not fractions and not dei_elements:
        return None, {}
    instance = XbrlInstance(contexts=read_contexts(root), units=read_units(root), source="inline")
    anchors: dict = {}
    hidden_ids: set[str] = set()
    for n, el in enumerate(fractions):
        fid = el.get("id")
        if not fid:
            fid = f"ixbrl-{n + 1}"
            el.set("id", fid)  # so the renderer's look-up and the fact agree on one name
        outer = _outer_fraction(el)
        hidden = hidden_block is not None and _inside(el, hidden_block)
        fact = _fraction_fact(el, fid, hidden)
        instance.facts[fid] = fact
        if outer is not None:
            if outer.get("id") in instance.facts:  # document order: the outer tag came first
                instance.facts[outer.get("id")].nested.append(fid)
        elif hidden:
            hidden_ids.add(fid)
        else:
            anchors[el] = fid
    if hidden_ids:
        # A hidden fact is printed by the element whose style names it (SEC rule for facts whose
        # printed form no transform can read, or that are printed twice).
        for el in root.iter():
            style = el.get("style") if isinstance(el.tag, str) else None
            if style and "-sec-ix-hidden" in style:
                for fid in _HIDDEN_REF.findall(style):
                    if fid in hidden_ids and el not in anchors:
                        anchors[el] = fid
                        fact = instance.facts[fid]
                        fact.printed_negative = _printed_negative(el)
    instance.dei = _dei(((_attr(el, "name") or "", _nonnumeric_text(el, continuations), _attr(el, "format")) for el in dei_elements))
    return instance, anchors


def _outer_fraction(el):
    """The outermost `ix:nonFraction` that encloses `el` (None when `el` is not nested)."""
    outer = None
    for anc in el.iterancestors():
        if _is_ix(anc, "nonfraction"):
            outer = anc
    return outer


def _inside(el, block) -> bool:
    return any(anc is block for anc in el.iterancestors())


def _fraction_fact(el, fid: str, hidden: bool) -> XbrlFact:
    shown = _text(el)
    scale_text = _attr(el, "scale") or "0"
    fact = XbrlFact(
        id=fid,
        concept=_attr(el, "name") or "",
        context=_attr(el, "contextRef") or "",
        unit=_attr(el, "unitRef"),
        decimals=_attr(el, "decimals"),
        sign=_attr(el, "sign"),
        format=_attr(el, "format"),
        shown=shown,
        hidden=hidden,
    )
    try:
        fact.scale = int(scale_text)
    except ValueError:
        fact.error = f"scale {scale_text!r} is not an integer"
        return fact
    if (_attr(el, "xsi:nil") or "").lower() == "true":
        return fact  # a nil fact has no value
    try:
        fact.value = float(fact_value(shown, fact.format, fact.scale, fact.sign))
    except FormatError as exc:
        fact.error = str(exc)
    if not hidden:
        fact.printed_negative = _printed_negative(el)
    return fact


def _printed_negative(el) -> bool:
    """Whether the page prints this number negative: a "(" or minus just before it in its table
    cell, or a cell of its own holding the "(" (Workiva's "$ (" cells)."""
    cell = next((a for a in el.iterancestors() if isinstance(a.tag, str) and a.tag in _CELL_TAGS), None)
    if cell is None:
        return False
    text = _preceding_text(cell, el)
    if _NEGATIVE_BEFORE.search(text):
        return True
    if text.strip(" \u00a0$"):
        return False
    prev = cell.getprevious()
    while prev is not None and isinstance(prev.tag, str) and prev.tag in _CELL_TAGS:
        prev_text = _text(prev)
        if prev_text:
            return bool(_OPEN_PAREN_CELL.search(prev_text))
        prev = prev.getprevious()
    return False


def _preceding_text(cell, el) -> str:
    """The text of `cell` that comes before `el`, in document order."""
    parts: list[str] = []
    walker = etree.iterwalk(cell, events=("start", "end"))
    for event, node in walker:
        if event == "start":
            if node is el:
                break
            parts.append(node.text or "" if isinstance(node.tag, str) else "")
        elif node is not cell:
            parts.append(node.tail or "")
    return "".join(parts)


def _nonnumeric_text(el, continuations: dict) -> str:
    """An `ix:nonNumeric`'s text: its own (without `ix:exclude` parts), then each continuation."""
    parts = [_text_without_excludes(el)]
    seen: set[str] = set()
    next_id = _attr(el, "continuedAt")
    while next_id and next_id in continuations and next_id not in seen:
        seen.add(next_id)
        block = continuations[next_id]
        parts.append(_text_without_excludes(block))
        next_id = _attr(block, "continuedAt")
    return _SPACE.sub(" ", " ".join(parts)).strip()


def _text_without_excludes(el) -> str:
    parts: list[str] = []
    walker = etree.iterwalk(el, events=("start", "end"))
    for event, node in walker:
        if event == "start":
            if node is not el and _is_ix(node, "exclude"):
                walker.skip_subtree()  # its end event still comes, and adds its tail
                continue
            parts.append(node.text or "" if isinstance(node.tag, str) else "")
        elif node is not el:
            parts.append(node.tail or "")
    return "".join(parts)


def _dei(items) -> Dei:
    """The cover facts from (concept, text, format) triples; the first of each wins."""
    found: dict = {}
    for concept, text, fmt in items:
        key = _DEI.get(concept.rsplit(":", 1)[-1].lower())
        if not key or key in found or not text:
            continue
        if key == "period_end":
            value = read_date(text)
        elif key == "fiscal_year_end":
            value = read_month_day(text)
        elif key == "fiscal_year_focus":
            m = _YEAR.match(text)
            value = int(m[1]) if m else None
        elif key == "cik":
            value = text.strip().lstrip("0") or None
        elif key == "fiscal_period_focus":
            value = text.strip().upper()
        else:
            value = text.strip()
        if value:
            found[key] = value
    return Dei(**found)


# --- an XBRL instance document ------------------------------------------------------------


def is_instance(content: str) -> bool:
    """An XBRL instance: XML whose root element is `xbrl` (checked cheaply on the first bytes)."""
    head = content[:4000]
    return bool(re.search(r"<(?:\w+:)?xbrl[\s>]", head))


def read_instance(content: str | bytes) -> XbrlInstance | None:
    """The facts of an XBRL instance document (EDGAR's extracted `*_htm.xml`, or an EX-101.INS);
    None when it does not parse as one. Entities are not resolved and nothing is fetched."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    data = re.sub(rb"\A\s*<\?xml[^>]*\?>", b"", data, count=1)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, recover=True)
    try:
        root = etree.fromstring(data, parser=parser)
    except (etree.XMLSyntaxError, ValueError):
        return None
    if root is None or local(root.tag) != "xbrl":
        return None
    instance = XbrlInstance(contexts=read_contexts(root), units=read_units(root), source="instance")
    dei_items = []
    for n, el in enumerate(root):
        name = local(el.tag)
        if name in _INSTANCE_SKIP or not isinstance(el.tag, str) or el.get("contextRef") is None:
            continue
        concept = _qualified(el)
        if concept.lower().startswith("dei:"):
            dei_items.append((concept, _text(el), None))
        if el.get("unitRef") is None or len(instance.facts) >= MAX_FACTS:
            continue
        fid = el.get("id") or f"fact-{n + 1}"
        shown = _text(el)
        fact = XbrlFact(id=fid, concept=concept, context=el.get("contextRef"), unit=el.get("unitRef"), decimals=el.get("decimals"), shown=shown, hidden=True)
        try:
            value = fact_value(shown.lstrip("-"), None, 0, "-" if shown.startswith("-") else None)
            fact.value = float(value)
        except FormatError as exc:
            fact.error = str(exc)
        instance.facts[fid] = fact
    instance.dei = _dei(dei_items)
    return instance


def _qualified(el) -> str:
    """'us-gaap:Revenues' from a namespaced element, by the prefix the document declares."""
    qname = etree.QName(el)
    prefix = next((p for p, ns in (el.nsmap or {}).items() if ns == qname.namespace and p), None)
    return f"{prefix}:{qname.localname}" if prefix else qname.localname
