"""The `filingqa tables` shapes carry the filer's XBRL tags: per cell, per table and per filing."""

from filingqa.app.tables_view import table_json, tables_json, tables_text
from filingqa.ingest.model import Column, Filing, Format, Row, Scale, Table, Unit, XbrlRef
from filingqa.ingest.pipeline import load_filing


def test_tables_json_carries_each_cells_concept(corpus_dir):
    filing = load_filing(corpus_dir / "homedepot-10q-2023-07-30.htm")
    out = tables_json(filing)
    assert out["filing"]["dei"]["fiscal_period_focus"] == "Q2" and out["filing"]["xbrl"]["agree"] == 420
    checked = 0
    for t in out["tables"]:
        for r in t["rows"]:
            assert len(r["xbrl"]) == len(r["values"])
            checked += sum(1 for x in r["xbrl"] if x is not None)
        assert t["xbrl_disagree"] == 0
    assert checked == sum(t["xbrl_checked"] for t in out["tables"]) == 420 - 8  # 8 are printed in labels
    earnings = next(t for t in out["tables"] if "STATEMENTS OF EARNINGS" in t["title"])
    net_sales = next(r for r in earnings["rows"] if r["label"] == "Net sales")
    assert net_sales["xbrl"][0] == {"concept": "us-gaap:RevenueFromContractWithCustomerExcludingAssessedTax", "agrees": True}


def test_a_disagreement_is_marked_and_counted():
    bad = XbrlRef(id="f1", concept="us-gaap:Revenues", agrees=False, problem="scale: the parser reads 5 thousands, the tag scales it by 10^6")
    row = Row(label="Revenue", unit=Unit.USD, scale=Scale.THOUSANDS, values=[5.0, 4.0], texts=["5", "4"], line=3, xbrl=[bad, None])
    table = Table(id="t1", title="Income", scale=Scale.THOUSANDS, line_start=3, line_end=3, columns=[Column(label="2024"), Column(label="2023")], rows=[row])
    shape = table_json(table)
    assert (shape["xbrl_checked"], shape["xbrl_disagree"]) == (1, 1)
    assert shape["rows"][0]["xbrl"][0]["agrees"] is False and shape["rows"][0]["xbrl"][1] is None
    filing = Filing(id="x", name="x.htm", format=Format.HTML, lines=["", "", "Revenue 5 4"], tables=[table])
    text = tables_text(filing)
    assert "5≠" in text and "XBRL ≠ us-gaap:Revenues: scale" in text
    assert table.rows[0].values == [5.0, 4.0]  # shown, never resolved
