"""The hand-read cells of metrics_cells.TI checked against the real parsed filing, and metrics
computed from its real Facts through input_from_fact (no model; txn-10k-2023.htm parses in a second).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from metrics_cells import TI

from filingqa.app.engine import metrics
from filingqa.app.engine.metrics import input_from_fact
from filingqa.ingest.pipeline import load_filing

FILING = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus" / "txn-10k-2023.htm"


@pytest.fixture(scope="module")
def facts():
    if not FILING.exists():
        pytest.skip(f"corpus filing not present: {FILING}")
    filing = load_filing(FILING)
    by_line = {}
    for table in filing.tables:
        for row in table.rows:
            for i, col in enumerate(table.columns):
                fact = table.fact(row, i)
                if fact is not None and col.kind == "value" and fact.period.end is not None:
                    by_line.setdefault(row.line, {})[fact.period.end.year] = fact
    return by_line


def test_the_hand_read_cells_are_the_filings(facts):
    for key, (label, line, values) in TI.items():
        assert line in facts, f"{key}: no row at line {line}"
        for year, text in values.items():
            fact = facts[line][year]
            assert fact.label.replace("’", "'").startswith(label.split(" (")[0][:20]), (key, fact.label)
            assert fact.text.replace("$", "").strip() == text, (key, year, fact.text)


def test_metrics_from_the_real_facts(facts):
    lines = {key: line for key, (_, line, _) in TI.items()}

    def resolve(term):
        fact = facts.get(lines.get(term.concept), {}).get(term.period.fiscal_year)
        return input_from_fact(fact) if fact is not None else None

    r = metrics.answer("What were TI's days inventory outstanding in 2023?", resolve)
    assert abs(r.value - Decimal("189.6877")) < Decimal("0.0001")  # 365 * ((2,757 + 3,999) / 2) / 6,500
    assert [(u.input.source.table, u.input.source.line) for u in r.inputs] == [("t10", 526), ("t10", 526), ("t8", 471)]
    r = metrics.answer("What was TI's free cash flow in 2023? Answer in USD millions.", resolve)
    assert r.value == Decimal(1349) and r.formula == "6,420 - 5,071 = 1,349"  # the dev set's txn-10k-2023-012
    r = metrics.answer("What was TI's dividend payout ratio in FY2023? Round to one decimal place.", resolve)
    assert r.rounded == Decimal("70.0")
