"""The evaluation sets, run end to end through `filingqa eval` as CI runs them.

A real run: the real embedding model, a real embedded Chroma store in a temp dir, the real corpus.
The floors are what the product has reached; they only ever go up.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEV = ROOT.parent / "shared" / "evalsets"
HOLDOUT = ROOT / "evalsets"  # our own sets over filings no dev set covers: a floor against overfitting
DEV_MIN_PASS = 0.95
HOLDOUT_MIN_PASS = 0.75
HOLDOUT_MAX_WRONG = 2


def run_eval(sets: list[Path], min_pass: float, tmp_path: Path, corpus_dir: Path) -> tuple[subprocess.CompletedProcess, list[dict]]:
    env = {**os.environ, "FILINGQA_DATA_DIR": str(tmp_path / "data"), "HF_HUB_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False"}
    out = tmp_path / "eval.jsonl"
    proc = subprocess.run(
        [sys.executable, "-m", "filingqa.app.cli", "eval", *map(str, sets), "--corpus", str(corpus_dir), "--jsonl", str(out), "--min-pass", str(min_pass)],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    print(proc.stdout[-6000:])
    return proc, [json.loads(line) for line in out.read_text().splitlines()]


def wrong_figures(records: list[dict]) -> list[str]:
    return [r["id"] for r in records if r["outcome"] == "wrong_figure"]


@pytest.mark.slow
def test_dev_sets_pass_and_state_no_wrong_figure(tmp_path, corpus_dir):
    sets = sorted(DEV.glob("*.dev.yaml"))
    if not sets:
        pytest.skip("no dev sets")
    proc, records = run_eval(sets, DEV_MIN_PASS, tmp_path, corpus_dir)
    assert len(records) == sum(1 for s in sets for line in s.read_text().splitlines() if line.strip().startswith("- id:"))
    assert {"set", "id", "question", "kind", "outcome", "answer"} <= set(records[0])
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert wrong_figures(records) == [], "figures stated as fact that the filing does not support"


@pytest.mark.slow
def test_holdout_sets_hold_their_floor(tmp_path, corpus_dir):
    proc, records = run_eval(sorted(HOLDOUT.glob("*.holdout.yaml")), HOLDOUT_MIN_PASS, tmp_path, corpus_dir)
    assert proc.returncode == 0, proc.stdout[-2000:]
    assert len(wrong_figures(records)) <= HOLDOUT_MAX_WRONG, wrong_figures(records)
