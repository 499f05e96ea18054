"""`filingqa bench`: a benchmark of the whole service, not a timed test.

What it measures, in one run on one machine (see `runner.py` for the phases):
  - ingest throughput over a corpus, the share of it spent inside the embedding model, and the cost
    of re-ingesting unchanged filings;
  - embedding batch size and torch threads, swept on the corpus's own chunk texts;
  - answer latency per answer kind over the dev evaluation sets, in-process after warm-up, and a
    plain retrieval baseline (langchain-chroma top-4) on the same store in the same run;
  - latency and memory as the store grows (copies of the corpus under distinct ids);
  - HTTP throughput with concurrent clients against a real `filingqa serve` on loopback;
  - cold start (`filingqa ask` from process start to answer), `filingqa --help` and `tables`.

Nothing here is imported by the other commands: the heavy imports happen inside the functions.
"""

from filingqa.app.bench.runner import BenchConfig, run_bench

__all__ = ["BenchConfig", "run_bench"]
