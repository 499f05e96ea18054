"""`filingqa bench` on a tiny configuration: the machinery runs end to end and writes the results' shape.

One filing (the bundled sample), one question of each kind, a store grown to 2 filings, a few HTTP
requests against a real `filingqa serve`, and the cold-start commands. Timings are not asserted:
this is a benchmark's smoke test, and the machine may be busy.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "samples" / "immunogen-8k-2005-02-03.txt"

TINY_SET = """\
filing: immunogen-8k-2005-02-03.txt
questions:
  - id: t-fig
    question: "What were total revenues for the three months ended December 31, 2004?"
    kind: figure
    expect: {number: 9047, scale: thousands, unit: USD}
  - id: t-der
    question: "By what percentage did total revenues grow in the three months ended December 31, 2004 compared with 2003?"
    kind: derived
    expect: {number: 75.2, unit: percent, tolerance: 0.5}
  - id: t-nar
    question: "Who is the contact for investor relations?"
    kind: narrative
    expect: {any_of: ["Carol Hausner"]}
  - id: t-una
    question: "What was the company's revenue from China in 2004?"
    kind: unanswerable
    expect: {abstain: true}
"""


@pytest.mark.slow
def test_bench_tiny_run_writes_results(tmp_path, embeddings):
    from filingqa.app.bench.runner import BenchConfig, format_table, run_bench

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(SAMPLE, corpus / SAMPLE.name)
    evalset = tmp_path / "tiny.dev.yaml"
    evalset.write_text(TINY_SET)
    out = tmp_path / "results"

    cfg = BenchConfig(
        corpus=corpus,
        evalsets=[evalset],
        out_dir=out,
        work_dir=tmp_path / "work",
        repeats=1,
        scale_sizes=[1, 2],
        scale_repeats=1,
        http_clients=2,
        http_requests=4,
        tune_texts=4,
        tune_batches=[4],
        tune_threads=[1],
        cold_breakdown=False,
        light_repeats=1,
    )
    results = run_bench(cfg, embeddings=embeddings, log=lambda msg: None)

    saved = json.loads((out / "latest.json").read_text())
    assert saved == json.loads(json.dumps(results))
    assert (out / "latency.png").stat().st_size > 1000

    assert {"machine", "ingest", "answer", "baseline", "http", "scale", "cold_start_s", "peak_rss_mb", "targets"} <= set(saved)
    assert saved["machine"]["cores"] >= 1 and saved["machine"]["python"].startswith("3.")
    ingest = saved["ingest"]
    assert {"filings", "chunks", "seconds", "chunks_per_s", "embed_share", "reingest_unchanged_s"} <= set(ingest)
    assert ingest["filings"] == 1 and ingest["chunks"] > 0
    assert 0 < ingest["embed_share"] <= 1
    assert ingest["reingest_model_texts"] == 0 and ingest["reingest_embedded"] == 0  # unchanged: nothing embedded again
    assert set(saved["answer"]) == {"figure", "derived", "narrative", "abstain"}
    assert sum(v["n"] for v in saved["answer"].values()) == 4
    for summary in saved["answer"].values():
        assert {"n", "p50_ms", "p95_ms"} <= set(summary)
    assert saved["baseline"]["what"] == "embed query + Chroma top-4 via langchain-chroma"
    assert saved["baseline"]["n"] == 4 and saved["baseline"]["p50_ms"] > 0
    assert [s["filings"] for s in saved["scale"]] == [1, 2]
    assert {"filings", "figure_p50_ms", "narrative_p50_ms", "rss_mb"} <= set(saved["scale"][0])
    http = saved["http"]
    assert http["clients"] == 2 and http["requests"] == 4 and http["statuses"] == {"200": 4}
    assert http["requests_per_s"] > 0 and http["server_peak_rss_mb"] > 0
    assert saved["cold_start_s"] > 0
    assert saved["cold_start"]["help"]["torch_imported"] is False
    assert saved["cold_start"]["tables"]["torch_imported"] is False
    assert saved["tuning"]["runs"]
    assert all("ok" in t for t in saved["targets"].values())
    assert "baseline" in format_table(saved)

    # The copies for the scale phase live in the work dir, never beside the corpus.
    assert sorted(p.name for p in corpus.iterdir()) == [SAMPLE.name]
    # The shared model object is handed back untouched.
    assert "encode" not in vars(embeddings)
