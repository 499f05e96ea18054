"""The `filingqa tables` shapes: the JSON contract and the aligned text view.

Shared by the CLI and the HTTP API (`GET /v1/filings/{id}/tables`) so both print the same thing.
"""

from __future__ import annotations

from typing import Any

from filingqa.ingest.model import Filing, Table, XbrlRef


def _number(value: float | None) -> float | int | None:
    if value is None:
        return None
    return int(value) if float(value).is_integer() else value


def _xbrl_json(ref: XbrlRef | None) -> dict[str, Any] | None:
    """A cell's XBRL mark: the filer's concept and whether the parsed value agrees with the tag."""
    if ref is None:
        return None
    out: dict[str, Any] = {"concept": ref.concept, "agrees": ref.agrees}
    if ref.dimensions:
        out["dimensions"] = ref.dimensions
    if ref.problem:
        out["problem"] = ref.problem
    return out


def xbrl_counts(table: Table) -> tuple[int, int]:
    """(cells checked against a tag, cells whose parsed value disagrees with it)."""
    refs = [ref for row in table.rows for ref in row.xbrl if ref is not None and ref.agrees is not None]
    return len(refs), sum(1 for ref in refs if not ref.agrees)


def table_json(table: Table) -> dict[str, Any]:
    checked, disagree = xbrl_counts(table)
    return {
        "id": table.id,
        "title": table.title,
        "scale": table.scale.value,
        "line_start": table.line_start,
        "line_end": table.line_end,
        "document": table.document,
        "columns": [
            {
                "label": c.label,
                "period_end": c.period_end.isoformat() if c.period_end else None,
                "months": c.months,
                "weeks": c.weeks,
                "kind": c.kind,
                "unit": c.unit.value if c.unit else None,
            }
            for c in table.columns
        ],
        "rows": [
            {
                "label": r.label,
                "unit": r.unit.value,
                "scale": r.scale.value,
                "values": [_number(v) for v in r.values],
                "line": r.line,
                "verified": r.verified,
                "section": r.section,
                "xbrl": [_xbrl_json(r.xbrl[i] if i < len(r.xbrl) else None) for i in range(len(r.values))],
                **({"xbrl_text": [_xbrl_json(ref) for ref in r.text_xbrl]} if r.text_xbrl else {}),
            }
            for r in table.rows
        ],
        "rejected_rows": [{"line": r.line, "text": r.text, "reason": r.reason} for r in table.rejected_rows],
        "xbrl_checked": checked,
        "xbrl_disagree": disagree,
    }


def filing_json(filing: Filing) -> dict[str, Any]:
    out: dict[str, Any] = {"id": filing.id, "name": filing.name}
    if filing.dei is not None:
        out["dei"] = filing.dei.model_dump(mode="json", exclude_none=True)
    if filing.xbrl is not None:
        out["xbrl"] = filing.xbrl.model_dump(mode="json", exclude={"unlinked"}) | {
            "unlinked": [u.model_dump(mode="json") for u in filing.xbrl.unlinked]
        }
    return out


def tables_json(filing: Filing) -> dict[str, Any]:
    return {"filing": filing_json(filing), "tables": [table_json(t) for t in filing.tables]}


def format_value(value: float | None, text: str | None = None) -> str:
    if value is None:
        return ""
    if text:
        return text.replace("\\$", "$").replace("$", "").strip()
    return f"{value:,.2f}".rstrip("0").rstrip(".") if not float(value).is_integer() else f"{int(value):,}"


def tables_text(filing: Filing) -> str:
    """Aligned tables for a terminal: each value under its column, a ✓ where a total confirms it,
    and a ≠ after a value the filer's XBRL tag contradicts (the reasons are listed under the table)."""
    out = [f"{filing.name}  (id {filing.id}, {len(filing.tables)} tables)"]
    if filing.xbrl is not None:
        c = filing.xbrl
        out.append(f"XBRL: {c.facts} tagged numbers; {c.in_tables} in tables, {c.linked} linked, {c.agree} agree, {c.disagree} disagree, {len(c.unlinked)} unlinked")
    for t in filing.tables:
        out.append("")
        out.append(f"[{t.id}] {t.title}  — lines {t.line_start}-{t.line_end}, in {t.scale.value}")
        label_w = min(60, max([len(r.label) for r in t.rows] + [10]))
        col_w = [max(12, min(24, len(c.label))) for c in t.columns]
        header = " " * (label_w + 7) + "  ".join(c.label[-w:].rjust(w) for c, w in zip(t.columns, col_w))
        out.append(header)
        problems = []
        for r in t.rows:
            cells = "  ".join(
                (format_value(v, r.texts[i] if i < len(r.texts) else None) + _mark(r.xbrl[i] if i < len(r.xbrl) else None)).rjust(w)
                for i, (v, w) in enumerate(zip(r.values, col_w))
            )
            mark = "✓" if r.verified else " "
            out.append(f"{r.line:5d} {r.label[:label_w].ljust(label_w)} {mark}{cells}  {r.unit.value}")
            problems += [f"{r.line:5d} XBRL ≠ {ref.concept}: {ref.problem}" for ref in r.xbrl if ref is not None and ref.agrees is False]
        for rej in t.rejected_rows:
            out.append(f"{rej.line:5d} REJECTED: {rej.reason}")
        out.extend(problems)
    return "\n".join(out)


def _mark(ref: XbrlRef | None) -> str:
    return "≠" if ref is not None and ref.agrees is False else ""
