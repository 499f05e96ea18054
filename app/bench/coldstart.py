"""Cold start: `filingqa ask` from process start to printed answer; `--help` and `tables` without torch."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

from filingqa.app.bench.http_load import child_env, filingqa_bin

HEAVY = ("torch", "sentence_transformers", "chromadb", "gradio", "transformers")

# Runs the CLI in-process, then reports which heavy modules the command imported (on stderr, last line).
_PROBE = """
import json, sys
from filingqa.app.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
heavy = {m: m in sys.modules for m in %r}
sys.stderr.write("\\nBENCH-MODULES " + json.dumps(heavy) + "\\n")
sys.exit(code or 0)
""" % (HEAVY,)


def _timed(cmd: list[str], env: dict[str, str], timeout: float = 300.0) -> tuple[float, subprocess.CompletedProcess]:
    started = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
    return time.perf_counter() - started, proc


def _modules(stderr: str) -> dict[str, bool]:
    for line in reversed(stderr.splitlines()):
        if line.startswith("BENCH-MODULES "):
            return json.loads(line.removeprefix("BENCH-MODULES "))
    return {}


def light_command(args: list[str], data_dir: str, repeats: int = 3) -> dict:
    """Wall time of `filingqa ARGS` (best and median of `repeats`), and whether it imported any heavy module."""
    env = child_env(data_dir)
    times = []
    for _ in range(repeats):
        dt, proc = _timed([*filingqa_bin(), *args], env)
        if proc.returncode != 0:
            raise RuntimeError(f"filingqa {' '.join(args)} exited {proc.returncode}: {proc.stderr[-2000:]}")
        times.append(dt)
    _, probe = _timed([sys.executable, "-c", _PROBE, *args], env)
    heavy = _modules(probe.stderr)
    return {
        "args": args,
        "seconds": round(statistics.median(times), 3),
        "best_s": round(min(times), 3),
        "imports": sorted(m for m, loaded in heavy.items() if loaded),
        "torch_imported": heavy.get("torch"),
    }


def cold_ask(question: str, filing_id: str, data_dir: str, repeats: int = 1) -> dict:
    """`filingqa ask QUESTION --filing ID --json` in a fresh process: start to first answer."""
    env = child_env(data_dir)
    times, kind = [], None
    for _ in range(repeats):
        dt, proc = _timed([*filingqa_bin(), "ask", question, "--filing", filing_id, "--json"], env)
        if proc.returncode != 0:
            raise RuntimeError(f"filingqa ask exited {proc.returncode}: {proc.stderr[-2000:]}")
        times.append(dt)
        kind = json.loads(proc.stdout.strip().splitlines()[-1]).get("kind")
    return {"seconds": round(statistics.median(times), 3), "runs": [round(t, 3) for t in times], "answer_kind": kind, "question": question}


def cold_import(data_dir: str) -> dict:
    """Where a cold `ask` spends its time before answering: the imports of torch and the model stack."""
    code = (
        "import time; t=time.perf_counter()\n"
        "import torch; a=time.perf_counter()\n"
        "import sentence_transformers; b=time.perf_counter()\n"
        "import chromadb; c=time.perf_counter()\n"
        "from filingqa.vectorstore.embeddings import MiniLMEmbeddings; e=MiniLMEmbeddings(); e.warm_up(); d=time.perf_counter()\n"
        "import json; print(json.dumps({'torch_s': a-t, 'sentence_transformers_s': b-a, 'chromadb_s': c-b, 'model_load_s': d-c}))\n"
    )
    _, proc = _timed([sys.executable, "-c", code], child_env(data_dir))
    try:
        return {k: round(v, 3) for k, v in json.loads(proc.stdout.strip().splitlines()[-1]).items()}
    except (ValueError, IndexError):
        return {"error": proc.stderr[-500:]}


def sample_file(corpus: Path) -> Path:
    """A small filing for `filingqa tables`: the repository's sample if present, else the corpus's smallest."""
    bundled = Path(__file__).resolve().parents[2] / "samples" / "immunogen-8k-2005-02-03.txt"
    if bundled.is_file():
        return bundled
    files = [p for p in corpus.iterdir() if p.is_file() and p.suffix.lower() in (".txt", ".htm", ".html")]
    return min(files, key=lambda p: p.stat().st_size)
