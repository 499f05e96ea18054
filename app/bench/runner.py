"""The benchmark's phases, in the order they run, all against stores in one temporary directory.

  1. ingest     every corpus filing into a fresh embedded store (store A), timing the parse, the store
                and, through a thin wrapper around `embeddings.encode`, the embedding model; then
                re-ingest the same files unchanged.
  2. tuning     embedding throughput by batch size and torch threads on a sample of the corpus's own
                chunk texts, and one query's embedding time by threads.
  3. answer     every dev-set question against store A, in-process after warm-up, `repeats` times, the
                query-vector cache cleared before each timed call (so every answer pays for embedding
                its question, as a new question does). The baseline, interleaved question by question:
                langchain-chroma's `similarity_search(question, k=4, filter={"filing_id": id})` over the
                same client, collection and embeddings.
  4. scale      a second store (B) grown from 1 to N filings: corpus files first, then copies with
                whitespace appended (new bytes, new id, same text); at each size the probe set's
                questions are timed against the probe filing, every stored filing having been prepared
                (as a server that has answered on each would have). Copies' texts were all embedded in
                phase 1, so the wrapper hands back those vectors instead of running the model again.
  5. http       the in-process stores are closed, a real `filingqa serve` is started on store A on a
                free loopback port, and `clients` threads POST figure questions to /v1/answer.
  6. cold start `filingqa ask` in a fresh process on store A; `filingqa --help` and `filingqa tables`,
                with a check that neither imports torch.

Everything lives under a temporary FILINGQA_DATA_DIR; nothing is written outside it but the results.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path

FILING_SUFFIXES = (".txt", ".htm", ".html", ".pdf", ".xml")
ANSWER_KINDS = ("figure", "derived", "narrative", "abstain")
ROOT = Path(__file__).resolve().parents[2]


def default_corpus() -> Path:
    for candidate in (ROOT.parent / "shared" / "corpus", Path.cwd().parent / "shared" / "corpus", Path.cwd() / "corpus"):
        if candidate.is_dir():
            return candidate.resolve()
    return (ROOT.parent / "shared" / "corpus").resolve()


def default_evalsets(corpus: Path) -> list[Path]:
    for folder in (corpus.parent / "evalsets", ROOT / "evalsets"):
        sets = sorted(folder.glob("*.dev.yaml"))
        if sets:
            return sets
    return []


@dataclass
class BenchConfig:
    corpus: Path = field(default_factory=default_corpus)
    evalsets: list[Path] = field(default_factory=list)  # empty: the corpus's sibling evalsets/*.dev.yaml
    out_dir: Path = ROOT / "bench" / "results"
    json_out: Path | None = None  # default: out_dir / latest.json
    plot_out: Path | None = None  # default: out_dir / latency.png
    work_dir: Path | None = None  # default: a fresh temp dir, removed afterwards
    max_filings: int | None = None  # of the corpus (the dev sets' filings are always ingested)
    max_questions_per_kind: int | None = None  # per question kind, over all sets
    repeats: int = 3  # timed passes over the questions
    scale_sizes: list[int] = field(default_factory=lambda: [1, 5, 10, 25, 50])
    scale_repeats: int = 2
    probe_set: str | None = None  # the set the scale phase asks (a file name); default: the largest
    http_clients: int = 8
    http_requests: int = 160
    http: bool = True
    cold_start: bool = True
    cold_breakdown: bool = True  # one more cold process, timing the imports of torch, sentence-transformers, chromadb
    light_repeats: int = 3  # runs of `filingqa --help` and `filingqa tables` (the median is reported)
    tune: bool = True
    tune_texts: int = 48  # real chunk texts (~256 tokens each): about 10 a second per core
    tune_batches: list[int] = field(default_factory=lambda: [8, 16, 48])
    tune_threads: list[int] = field(default_factory=lambda: [1, 2])
    ingest_threads: int | None = None  # torch threads at ingest; None: torch's default (the cores)
    answer_threads: int = 1  # torch threads when answering; 1 as `filingqa serve` sets it
    plot: bool = True
    write: bool = True

    def resolved(self) -> BenchConfig:
        self.corpus = Path(self.corpus).resolve()
        self.evalsets = [Path(p) for p in self.evalsets] or default_evalsets(self.corpus)
        self.out_dir = Path(self.out_dir)
        self.json_out = Path(self.json_out) if self.json_out else self.out_dir / "latest.json"
        self.plot_out = Path(self.plot_out) if self.plot_out else self.out_dir / "latency.png"
        return self


def _log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def corpus_files(corpus: Path) -> list[Path]:
    return sorted(p for p in corpus.iterdir() if p.is_file() and p.suffix.lower() in FILING_SUFFIXES)


def _make_service(data_dir: Path, embeddings):
    from filingqa.app.service import FilingService
    from filingqa.app.settings import Settings

    service = FilingService(Settings(data_dir=str(data_dir)))
    service.store.embeddings = embeddings
    service.engine.embeddings = embeddings
    service.warm_up()
    return service


def _close(service) -> None:
    client = getattr(service.store, "_client", None)
    if client is not None and hasattr(client, "close"):
        client.close()
    service.store._client = None
    service.store._collections.clear()


def _baseline_store(service):
    """langchain-chroma over the store's own Chroma client and chunks collection, with its embeddings."""
    from langchain_chroma import Chroma

    from filingqa.vectorstore.store import CHUNKS

    service.store.ping()
    return Chroma(client=service.store._client, collection_name=CHUNKS, embedding_function=service.store.embeddings)


def _clear_query_cache(embeddings) -> None:
    cache = getattr(embeddings, "_queries", None)
    if cache is not None:
        cache.clear()


# -- 1. ingest ---------------------------------------------------------------------------------
def bench_ingest(service, meter, files: list[Path], log=_log) -> tuple[dict, dict[str, str]]:
    from filingqa.vectorstore.store import LABELS

    rows = []
    ids: dict[str, str] = {}
    meter.record = True
    embed0, calls0, texts0 = meter.snapshot()
    embed_cpu0 = meter.cpu_seconds
    started, cpu0 = time.perf_counter(), time.process_time()
    for path in files:
        e0 = meter.seconds
        t0 = time.perf_counter()
        report = service.ingest_file(path)
        wall = time.perf_counter() - t0
        ids[path.name] = report.id
        rows.append(
            {"name": path.name, "id": report.id, "chunks": report.chunks, "embedded": report.embedded, "seconds": round(wall, 3), "parse_s": round(wall - report.seconds, 3), "store_s": round(report.seconds, 3), "embed_s": round(meter.seconds - e0, 3)}
        )
        log(f"ingest {path.name}: {report.chunks} chunks, {wall:.2f}s (embedding {meter.seconds - e0:.2f}s)")
    total = time.perf_counter() - started
    total_cpu = time.process_time() - cpu0
    meter.record = False
    embed_s = meter.seconds - embed0
    embed_cpu = meter.cpu_seconds - embed_cpu0
    chunks = sum(r["chunks"] for r in rows)
    parse_s = sum(r["parse_s"] for r in rows)
    store_s = sum(r["store_s"] for r in rows)

    # Re-ingest, unchanged: nothing may reach the model.
    model_texts0 = meter.texts
    counter0 = service.store.embeddings.embedded_texts
    t0 = time.perf_counter()
    reports = [service.ingest_file(p) for p in files]
    again = time.perf_counter() - t0
    re_parse = again - sum(r.seconds for r in reports)
    out = {
        "filings": len(rows),
        "chunks": chunks,
        "labels": service.store.count(LABELS),
        "seconds": round(total, 3),
        "chunks_per_s": round(chunks / total, 2) if total else None,
        "embed_share": round(embed_s / total, 3) if total else None,
        "embed_share_of_store": round(embed_s / store_s, 3) if store_s else None,
        "embed_share_cpu": round(embed_cpu / total_cpu, 3) if total_cpu else None,
        "cpu_s": round(total_cpu, 3),
        "embed_cpu_s": round(embed_cpu, 3),
        "embed_s": round(embed_s, 3),
        "parse_s": round(parse_s, 3),
        "store_s": round(store_s, 3),
        "store_other_s": round(store_s - embed_s, 3),
        "model_calls": meter.calls - calls0,
        "model_texts": meter.texts - texts0,
        "texts_per_s_in_model": round((meter.texts - texts0) / embed_s, 1) if embed_s else None,
        "reingest_unchanged_s": round(again, 3),
        "reingest_parse_s": round(re_parse, 3),
        "reingest_ratio": round(again / total, 3) if total else None,
        "reingest_embedded": sum(r.embedded for r in reports),
        "reingest_model_texts": meter.texts - model_texts0,
        "reingest_embedded_texts_counter": service.store.embeddings.embedded_texts - counter0,
        "per_filing": rows,
    }
    return out, ids


# -- 2. tuning ---------------------------------------------------------------------------------
def bench_tuning(service, ids: dict[str, str], cfg: BenchConfig, log=_log) -> dict:
    import torch

    try:
        from filingqa.vectorstore.store import _embed_text
    except ImportError:  # pragma: no cover - a renamed helper: the plain chunk text is close enough
        def _embed_text(c):
            return c.text

    texts: list[str] = []
    for fid in sorted(ids.values()):
        texts.extend(_embed_text(c) for c in service.store.filing_chunks(fid))
    if not texts:
        return {"runs": []}
    step = max(1, len(texts) // cfg.tune_texts)
    sample = texts[::step][: cfg.tune_texts]
    model = service.store.embeddings.model
    before = torch.get_num_threads()
    runs = []
    queries = [f"What were total revenues for the quarter, question {n}?" for n in range(40)]
    try:
        for threads in cfg.tune_threads:
            torch.set_num_threads(threads)
            model.encode(sample[:8], batch_size=8, normalize_embeddings=True, show_progress_bar=False)  # warm this thread count
            for batch in cfg.tune_batches:
                t0, c0 = time.perf_counter(), time.process_time()
                for i in range(0, len(sample), batch):  # the store's way: one encode call per batch
                    model.encode(sample[i : i + batch], batch_size=batch, normalize_embeddings=True, show_progress_bar=False, convert_to_numpy=True)
                dt, cpu = time.perf_counter() - t0, time.process_time() - c0
                runs.append({"threads": threads, "batch": batch, "calls": "one per batch", "texts": len(sample), "seconds": round(dt, 3), "cpu_s": round(cpu, 3), "texts_per_s": round(len(sample) / dt, 1)})
                log(f"tune threads={threads} batch={batch}: {len(sample) / dt:.1f} texts/s")
            # One call for all texts: sentence-transformers sorts them by length first, so batches pad less.
            t0, c0 = time.perf_counter(), time.process_time()
            model.encode(sample, batch_size=16, normalize_embeddings=True, show_progress_bar=False, convert_to_numpy=True)
            dt, cpu = time.perf_counter() - t0, time.process_time() - c0
            runs.append({"threads": threads, "batch": 16, "calls": "one for all (length-sorted)", "texts": len(sample), "seconds": round(dt, 3), "cpu_s": round(cpu, 3), "texts_per_s": round(len(sample) / dt, 1)})
            log(f"tune threads={threads} one call, batch 16: {len(sample) / dt:.1f} texts/s")
            lat = []
            for q in queries[:20]:
                t0 = time.perf_counter()
                model.encode([q], batch_size=1, normalize_embeddings=True, show_progress_bar=False, convert_to_numpy=True)
                lat.append(time.perf_counter() - t0)
            lat.sort()
            runs.append({"threads": threads, "batch": 1, "calls": "one query", "texts": len(lat), "query_p50_ms": round(lat[len(lat) // 2] * 1000, 2)})
            queries = queries[20:] + queries[:20]
    finally:
        torch.set_num_threads(before)
    best = max((r for r in runs if "texts_per_s" in r), key=lambda r: r["texts_per_s"])
    return {"texts": len(sample), "runs": runs, "best": best}


# -- 3. answer latency and the baseline ------------------------------------------------------------
def _load_questions(cfg: BenchConfig):
    from filingqa.app.evaluation.evalset import load_evalset

    sets = [load_evalset(p, cfg.corpus) for p in cfg.evalsets]
    questions = []
    per_kind: dict[str, int] = defaultdict(int)
    for s in sets:
        for q in s.questions:
            if cfg.max_questions_per_kind is not None and per_kind[q.kind] >= cfg.max_questions_per_kind:
                continue
            per_kind[q.kind] += 1
            questions.append((s, q))
    return sets, questions


def _time_questions(service, lc, asks: list[tuple[str, str, str]], repeats: int, components: bool = False) -> dict:
    """asks: (question, filing id, question kind). Times answer and baseline, interleaved, cache cleared."""
    from filingqa.app.bench.measure import summary

    emb = service.store.embeddings
    by_kind: dict[str, list[float]] = defaultdict(list)
    by_qkind: dict[str, list[float]] = defaultdict(list)
    baseline: list[float] = []
    embed_only: list[float] = []
    engine_only: dict[str, list[float]] = defaultdict(list)
    chroma_only: list[float] = []
    kinds: dict[str, str] = {}
    for _ in range(repeats):
        for question, fid, qkind in asks:
            _clear_query_cache(emb)
            t0 = time.perf_counter()
            answer = service.answer(question, fid)
            dt = time.perf_counter() - t0
            kind = answer.kind.value
            kinds[question] = kind
            by_kind[kind].append(dt)
            by_qkind[qkind].append(dt)
            if lc is not None:
                _clear_query_cache(emb)
                t0 = time.perf_counter()
                lc.similarity_search(question, k=4, filter={"filing_id": fid})
                baseline.append(time.perf_counter() - t0)
            if components:
                _clear_query_cache(emb)
                t0 = time.perf_counter()
                vec = emb.query_vector(question)  # left cached for the engine-only call below
                embed_only.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                service.answer(question, fid)
                engine_only[kind].append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                service.store.search_chunks(vec, fid, k=4)
                chroma_only.append(time.perf_counter() - t0)
    out = {
        "answer": {k: summary(by_kind.get(k, [])) for k in ANSWER_KINDS},
        "by_question_kind": {k: summary(v) for k, v in sorted(by_qkind.items())},
        "baseline": summary(baseline),
        "kinds": kinds,
    }
    if components:
        out["components"] = {
            "embed_query": summary(embed_only),
            "engine_with_cached_query_vector": {k: summary(engine_only.get(k, [])) for k in ANSWER_KINDS},
            "chroma_top4_by_vector": summary(chroma_only),
        }
    return out


def bench_answers(service, ids: dict[str, str], cfg: BenchConfig, log=_log) -> dict:
    import torch

    sets, questions = _load_questions(cfg)
    asks = []
    for s, q in questions:
        fid = ids.get(s.filing_path.name) or service.ingest_file(s.filing_path).id
        ids[s.filing_path.name] = fid
        asks.append((q.question, fid, q.kind))
    lc = _baseline_store(service)
    before = torch.get_num_threads()
    torch.set_num_threads(cfg.answer_threads)
    try:
        # Warm-up: each filing's in-memory index, and one untimed answer and search per filing.
        for fid in dict.fromkeys(f for _, f, _ in asks):
            service.engine.prepare(fid)
            q = next(q for q, f, _ in asks if f == fid)
            service.answer(q, fid)
            lc.similarity_search(q, k=4, filter={"filing_id": fid})
        log(f"answer: {len(asks)} questions x {cfg.repeats} over {len(sets)} sets")
        timed = _time_questions(service, lc, asks, cfg.repeats, components=True)
    finally:
        torch.set_num_threads(before)
    base = timed["baseline"]
    return {
        "answer": timed["answer"],
        "by_question_kind": timed["by_question_kind"],
        "baseline": {"what": "embed query + Chroma top-4 via langchain-chroma", **base},
        "components": timed["components"],
        "questions": len(asks),
        "sets": [s.source.name for s in sets],
        "repeats": cfg.repeats,
        "torch_threads": cfg.answer_threads,
        "asks": asks,
        "kinds": timed["kinds"],
    }


# -- 4. scale ----------------------------------------------------------------------------------
def _copy_with_whitespace(src: Path, dest_dir: Path, k: int) -> Path:
    """A copy whose bytes differ (k newlines appended), so it is a distinct filing with the same text."""
    dest = dest_dir / f"copy{k:02d}-{src.name}"
    if not dest.exists():
        dest.write_bytes(src.read_bytes() + b"\n" * k)
    return dest


def bench_scale(emb, meter, cfg: BenchConfig, work: Path, log=_log) -> tuple[list[dict], list[str]]:
    import torch

    from filingqa.app.bench.measure import rss_mb
    from filingqa.vectorstore.store import CHUNKS

    sizes = sorted({s for s in cfg.scale_sizes if s >= 1})
    if not sizes:
        return [], []
    from filingqa.app.evaluation.evalset import load_evalset

    sets = [load_evalset(p, cfg.corpus) for p in cfg.evalsets]
    probe = next((s for s in sets if cfg.probe_set and s.source.name.startswith(cfg.probe_set)), None) or max(sets, key=lambda s: len(s.questions))
    questions = []
    counts: dict[str, int] = defaultdict(int)
    for q in probe.questions:
        counts[q.kind] += 1
        if cfg.max_questions_per_kind is None or counts[q.kind] <= cfg.max_questions_per_kind:
            questions.append(q)
    originals = [probe.filing_path] + [s.filing_path for s in sets if s.filing_path != probe.filing_path]
    originals += [p for p in corpus_files(cfg.corpus) if p.name not in {o.name for o in originals}]
    copies_dir = work / "scale-files"
    copies_dir.mkdir(parents=True, exist_ok=True)

    def next_files():
        k = 0
        while True:
            for src in originals:
                yield src if k == 0 else _copy_with_whitespace(src, copies_dir, k)
            k += 1

    service = _make_service(work / "scale-store", emb)
    lc = _baseline_store(service)
    source = next_files()
    probe_id = None
    points = []
    stored_ids: list[str] = []
    stored = 0
    before = torch.get_num_threads()
    try:
        for size in sizes:
            meter.serve = True
            t0 = time.perf_counter()
            torch.set_num_threads(before)
            while stored < size:
                report = service.ingest_file(next(source))
                service.engine.prepare(report.id)  # as a server that has answered on every filing
                probe_id = probe_id or report.id
                stored_ids.append(report.id)
                stored += 1
            grow_s = time.perf_counter() - t0
            meter.serve = False
            torch.set_num_threads(cfg.answer_threads)
            asks = [(q.question, probe_id, q.kind) for q in questions]
            for q, f, _ in asks[:3]:  # warm
                service.answer(q, f)
            timed = _time_questions(service, lc, asks, cfg.scale_repeats, components=True)
            a = timed["answer"]
            comp = timed["components"]
            point = {
                "filings": stored,
                "chunks": service.store.count(CHUNKS),
                "figure_p50_ms": a["figure"]["p50_ms"],
                "narrative_p50_ms": a["narrative"]["p50_ms"],
                "derived_p50_ms": a["derived"]["p50_ms"],
                "abstain_p50_ms": a["abstain"]["p50_ms"],
                "figure_p95_ms": a["figure"]["p95_ms"],
                "baseline_p50_ms": timed["baseline"]["p50_ms"],
                # The parts that could grow with the store, without the query's embedding (the same at any size):
                "figure_engine_p50_ms": comp["engine_with_cached_query_vector"]["figure"]["p50_ms"],
                "chroma_top4_p50_ms": comp["chroma_top4_by_vector"]["p50_ms"],
                "embed_query_p50_ms": comp["embed_query"]["p50_ms"],
                "n": {k: a[k]["n"] for k in ANSWER_KINDS},
                "rss_mb": rss_mb(),
                "grow_s": round(grow_s, 2),
            }
            points.append(point)
            log(f"scale {stored} filings ({point['chunks']} chunks): figure p50 {point['figure_p50_ms']} ms, narrative p50 {point['narrative_p50_ms']} ms, baseline p50 {point['baseline_p50_ms']} ms, RSS {point['rss_mb']} MB")
    finally:
        meter.serve = False
        torch.set_num_threads(before)
        _close(service)
    for p in points:
        p["probe_set"] = probe.source.name
    return points, stored_ids


# -- the run -----------------------------------------------------------------------------------
def run_bench(cfg: BenchConfig, embeddings=None, log=_log) -> dict:
    cfg.resolved()
    for key, value in {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False", "TOKENIZERS_PARALLELISM": "false"}.items():
        os.environ.setdefault(key, value)
    started = time.perf_counter()
    work = Path(cfg.work_dir) if cfg.work_dir else Path(tempfile.mkdtemp(prefix="filingqa-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    store_dir = work / "store"
    previous_data_dir = os.environ.get("FILINGQA_DATA_DIR")
    os.environ["FILINGQA_DATA_DIR"] = str(store_dir)  # isolation: nothing here touches the user's store

    from filingqa.app.bench.measure import EncodeMeter, load_average, machine, peak_rss_mb
    from filingqa.app.settings import Settings
    from filingqa.vectorstore.embeddings import MiniLMEmbeddings

    results: dict = {"machine": machine()}
    loads = results["machine"]["load_average_by_phase"] = {}

    def phase(name: str) -> None:
        loads[name] = load_average()

    if embeddings is None:
        t0 = time.perf_counter()
        embeddings = MiniLMEmbeddings(batch_size=Settings(data_dir=str(store_dir)).embed_batch)
        embeddings.warm_up()
        results["model_load_s"] = round(time.perf_counter() - t0, 3)
    meter = EncodeMeter(embeddings)
    import torch

    threads_before = torch.get_num_threads()
    try:
        files = corpus_files(cfg.corpus)
        wanted = []
        for p in cfg.evalsets:  # the dev sets' filings first, so a small --max-filings still covers them
            from filingqa.app.evaluation.evalset import load_evalset

            wanted.append(load_evalset(p, cfg.corpus).filing_path)
        ordered = list(dict.fromkeys([*[p for p in wanted if p], *files]))
        if cfg.max_filings is not None:
            ordered = ordered[: max(cfg.max_filings, len(set(wanted)))]

        service = _make_service(store_dir, embeddings)
        if cfg.ingest_threads:
            torch.set_num_threads(cfg.ingest_threads)
        log(f"ingest: {len(ordered)} filings into {store_dir} (torch threads {torch.get_num_threads()}, batch {service.store.config.batch_size})")
        phase("ingest")
        ingest, ids = bench_ingest(service, meter, ordered, log)
        ingest["torch_threads"] = torch.get_num_threads()
        ingest["embed_batch"] = service.store.config.batch_size
        torch.set_num_threads(threads_before)
        results["ingest"] = ingest

        phase("answer")
        answers = bench_answers(service, ids, cfg, log)
        asks, kinds = answers.pop("asks"), answers.pop("kinds")
        results["answer"] = answers.pop("answer")
        results["baseline"] = answers.pop("baseline")
        results["answer_detail"] = answers

        phase("scale")
        results["scale"], scale_ids = bench_scale(embeddings, meter, cfg, work, log)
        # This process ingested the corpus (batch 64) and holds both stores and every prepared filing:
        # an upper bound for one process serving the scaled store. The server's own peak is in http.
        results["peak_rss_mb"] = peak_rss_mb()
        meter.uninstall()

        phase("tuning")
        results["tuning"] = bench_tuning(service, ids, cfg, log) if cfg.tune else {"runs": []}
        _close(service)

        figure_asks = [(q, f) for q, f, _ in asks if kinds.get(q) == "figure"] or [(q, f) for q, f, _ in asks]
        phase("http")
        if cfg.http and figure_asks:
            # Against the scaled store when there is one: the server's memory is then that of 50 filings.
            http_dir, present = (work / "scale-store", set(scale_ids)) if scale_ids else (store_dir, set(ids.values()))
            load_asks = [(q, f) for q, f in figure_asks if f in present] or [(q, f) for q, f, _ in asks if f in present]
            results["http"] = bench_http(http_dir, load_asks, sorted(present), cfg, work, log)
        else:
            results["http"] = {"clients": cfg.http_clients, "skipped": True}

        if cfg.cold_start:
            from filingqa.app.bench import coldstart

            phase("cold_start")
            q, fid = figure_asks[0]
            cold = coldstart.cold_ask(q, fid, str(store_dir))
            log(f"cold start: `filingqa ask` {cold['seconds']}s")
            help_ = coldstart.light_command(["--help"], str(store_dir), repeats=cfg.light_repeats)
            tables = coldstart.light_command(["tables", str(coldstart.sample_file(cfg.corpus))], str(store_dir), repeats=cfg.light_repeats)
            log(f"`filingqa --help` {help_['seconds']}s (imports {help_['imports'] or 'nothing heavy'}); `filingqa tables` {tables['seconds']}s (imports {tables['imports'] or 'nothing heavy'})")
            results["cold_start_s"] = cold["seconds"]
            results["cold_start"] = {"ask": cold, "help": help_, "tables": tables}
            if cfg.cold_breakdown:
                results["cold_start"]["imports"] = coldstart.cold_import(str(store_dir))
        else:
            results["cold_start_s"] = None
            results["cold_start"] = {"skipped": True}
    finally:
        meter.uninstall()
        torch.set_num_threads(threads_before)
        if previous_data_dir is None:
            os.environ.pop("FILINGQA_DATA_DIR", None)
        else:
            os.environ["FILINGQA_DATA_DIR"] = previous_data_dir
        if not cfg.work_dir:
            shutil.rmtree(work, ignore_errors=True)

    results["machine"]["load_average_end"] = load_average()
    results["total_s"] = round(time.perf_counter() - started, 1)
    results["config"] = _config_json(cfg)
    results["targets"] = check_targets(results)
    results = _ordered(results)
    if cfg.write:
        cfg.json_out.parent.mkdir(parents=True, exist_ok=True)
        cfg.json_out.write_text(json.dumps(results, indent=1) + "\n")
        cfg.json_out.with_suffix(".md").write_text(format_markdown(results))
        log(f"wrote {cfg.json_out} and {cfg.json_out.with_suffix('.md').name}")
        if cfg.plot:
            from filingqa.app.bench.plot import plot

            log(f"wrote {plot(results, cfg.plot_out)}")
    return results


def bench_http(store_dir: Path, figure_asks: list[tuple[str, str]], filing_ids: list[str], cfg: BenchConfig, work: Path, log=_log) -> dict:
    """Figure questions POSTed by `clients` threads; first, one question per stored filing (untimed), so
    the server holds every filing's index, as one that has served them all does."""
    from filingqa.app.bench.http_load import ServerProcess, load

    server = ServerProcess(data_dir=str(store_dir), log_path=work / "serve.log")
    log(f"http: starting `filingqa serve` on {store_dir.name} ({len(filing_ids)} filings)")
    server.start()
    try:
        requests = [figure_asks[i % len(figure_asks)] for i in range(cfg.http_requests)]
        generic = "What was net income for the most recent period?"
        warm = [(next((q for q, f in figure_asks if f == fid), generic), fid) for fid in filing_ids]
        out = load(server.url, requests, clients=cfg.http_clients, warm=warm)
        out["store_filings"] = len(filing_ids)
        out["serve_ready_s"] = round(server.ready_s or 0.0, 3)
        out["server_rss_mb"] = server.rss_mb()
        out["server_peak_rss_mb"] = server.peak_rss_mb()
        log(f"http: {out['requests_per_s']} req/s with {cfg.http_clients} clients, p50 {out['p50_ms']} ms, statuses {out['statuses']}")
        return out
    finally:
        server.stop()


def _config_json(cfg: BenchConfig) -> dict:
    out = {}
    for k, v in asdict(cfg).items():
        if isinstance(v, Path):
            v = str(v)
        elif isinstance(v, list):
            v = [str(x) if isinstance(x, Path) else x for x in v]
        out[k] = v
    return out


def _ordered(results: dict) -> dict:
    order = ["machine", "ingest", "answer", "baseline", "http", "scale", "cold_start_s", "peak_rss_mb", "targets", "tuning", "answer_detail", "cold_start", "model_load_s", "total_s", "config"]
    return {k: results[k] for k in order if k in results} | {k: v for k, v in results.items() if k not in order}


def check_targets(r: dict) -> dict:
    """The issue's 'done' criteria, each with the measured value and whether it holds."""

    def entry(value, limit, ok):
        return {"value": value, "limit": limit, "ok": None if value is None or limit is None else bool(ok)}

    out = {}
    fig = (r.get("answer") or {}).get("figure", {}).get("p50_ms")
    nar = (r.get("answer") or {}).get("narrative", {}).get("p50_ms")
    base = (r.get("baseline") or {}).get("p50_ms")
    out["figure_p50_at_most_baseline_p50"] = entry(fig, base, fig is not None and base is not None and fig <= base)
    out["figure_p50_under_20ms"] = entry(fig, 20.0, fig is not None and fig < 20.0)
    out["narrative_p50_within_2x_baseline"] = entry(nar, None if base is None else round(2 * base, 2), nar is not None and base is not None and nar <= 2 * base)
    ing = r.get("ingest") or {}
    out["reingest_embeds_nothing"] = entry(ing.get("reingest_model_texts"), 0, ing.get("reingest_model_texts") == 0 and ing.get("reingest_embedded") == 0)
    re_s, first = ing.get("reingest_unchanged_s"), ing.get("seconds")
    out["reingest_under_a_tenth"] = entry(re_s, None if first is None else round(first / 10, 3), re_s is not None and first and re_s < first / 10)
    share = ing.get("embed_share")
    out["embed_share_at_least_0.8"] = entry(share, 0.8, share is not None and share >= 0.8)
    scale = [s for s in r.get("scale") or [] if s.get("figure_p50_ms") is not None]
    if len(scale) >= 2:
        growth = round(scale[-1]["figure_p50_ms"] / scale[0]["figure_p50_ms"], 2)
        out[f"figure_p50_growth_{scale[0]['filings']}_to_{scale[-1]['filings']}_under_2x"] = entry(growth, 2.0, growth < 2.0)
    peak = r.get("peak_rss_mb")
    out["peak_rss_under_1.5GB"] = entry(peak, 1536, peak is not None and peak < 1536)
    server_peak = (r.get("http") or {}).get("server_peak_rss_mb")
    out["server_peak_rss_under_1.5GB"] = entry(server_peak, 1536, server_peak is not None and server_peak < 1536)
    cold = r.get("cold_start_s")
    out["cold_start_under_15s"] = entry(cold, 15.0, cold is not None and cold < 15.0)
    help_ = ((r.get("cold_start") or {}).get("help") or {})
    out["help_under_1s_without_torch"] = entry(help_.get("seconds"), 1.0, help_.get("seconds") is not None and help_["seconds"] < 1.0 and not help_.get("torch_imported"))
    tables = ((r.get("cold_start") or {}).get("tables") or {})
    out["tables_without_torch"] = entry(tables.get("torch_imported"), False, tables.get("torch_imported") is False)
    return out


# -- the report ------------------------------------------------------------------------------------
def format_table(r: dict) -> str:
    def f(v, unit=""):
        return "—" if v is None else (f"{v:,.2f}{unit}" if isinstance(v, float) else f"{v}{unit}")

    m = r.get("machine", {})
    lines = [f"FilingQA bench — {m.get('cores')} cores, Python {m.get('python')}, {m.get('cpu')}, load avg {m.get('load_average_start')} -> {m.get('load_average_end')}", ""]
    rows = [("answer kind", "n", "p50 ms", "p95 ms")]
    for k in ANSWER_KINDS:
        s = r.get("answer", {}).get(k, {})
        rows.append((k, f(s.get("n")), f(s.get("p50_ms")), f(s.get("p95_ms"))))
    b = r.get("baseline", {})
    rows.append(("baseline (embed + Chroma top-4)", f(b.get("n")), f(b.get("p50_ms")), f(b.get("p95_ms"))))
    width = [max(len(row[i]) for row in rows) for i in range(4)]
    lines += ["  ".join(c.ljust(width[i]) if i == 0 else c.rjust(width[i]) for i, c in enumerate(row)) for row in rows]
    ing = r.get("ingest", {})
    lines += [
        "",
        f"ingest: {ing.get('filings')} filings, {ing.get('chunks')} chunks in {f(ing.get('seconds'), ' s')} ({f(ing.get('chunks_per_s'))} chunks/s); "
        f"embedding share {f(ing.get('embed_share'))} (of the store's part {f(ing.get('embed_share_of_store'))}); parse {f(ing.get('parse_s'), ' s')}",
        f"re-ingest unchanged: {f(ing.get('reingest_unchanged_s'), ' s')} ({f(ing.get('reingest_ratio'))} of the first), {ing.get('reingest_model_texts')} texts embedded",
    ]
    h = r.get("http", {})
    if not h.get("skipped"):
        lines.append(
            f"http: {h.get('clients')} clients, {h.get('requests')} requests, {h.get('store_filings')} filings stored: {f(h.get('requests_per_s'))} req/s, "
            f"p50 {f(h.get('p50_ms'), ' ms')}, p95 {f(h.get('p95_ms'), ' ms')}, statuses {h.get('statuses')}; server peak RSS {f(h.get('server_peak_rss_mb'), ' MB')}"
        )
    for s in r.get("scale", []):
        lines.append(f"scale {s['filings']:>3} filings ({s['chunks']} chunks): figure p50 {f(s['figure_p50_ms'])} ms, narrative p50 {f(s['narrative_p50_ms'])} ms, baseline p50 {f(s['baseline_p50_ms'])} ms, RSS {f(s['rss_mb'])} MB")
    c = r.get("cold_start", {})
    lines.append(f"cold start (ask): {f(r.get('cold_start_s'), ' s')}; --help {f((c.get('help') or {}).get('seconds'), ' s')}; tables {f((c.get('tables') or {}).get('seconds'), ' s')}; peak RSS {f(r.get('peak_rss_mb'), ' MB')}")
    lines.append("")
    for name, t in r.get("targets", {}).items():
        mark = {True: "ok  ", False: "MISS", None: "n/a "}[t["ok"]]
        lines.append(f"  {mark} {name}: {t['value']} (limit {t['limit']})")
    return "\n".join(lines)


def format_markdown(r: dict) -> str:
    """The README's results table: the issue's criteria, measured, with the machine they ran on."""

    def f(v, digits=1):
        return "—" if v is None else (f"{v:,.{digits}f}" if isinstance(v, float) else str(v))

    m = r.get("machine", {})
    a, b, ing, h = r.get("answer", {}), r.get("baseline", {}), r.get("ingest", {}), r.get("http", {})
    scale = [s for s in r.get("scale", []) if s.get("figure_p50_ms") is not None]
    t = r.get("targets", {})

    def ok(name):
        hit = next((v for k, v in t.items() if k.startswith(name)), None)
        return {True: "yes", False: "**no**", None: "—"}[None if hit is None else hit["ok"]]

    loads = m.get("load_average_by_phase") or {}
    rows = [
        ("figure answer p50 / p95 (n)", f"{f(a.get('figure', {}).get('p50_ms'))} / {f(a.get('figure', {}).get('p95_ms'))} ms ({a.get('figure', {}).get('n')})", "≤ baseline p50, < 20 ms", f"{ok('figure_p50_at_most')} / {ok('figure_p50_under_20')}"),
        ("derived answer p50 / p95 (n)", f"{f(a.get('derived', {}).get('p50_ms'))} / {f(a.get('derived', {}).get('p95_ms'))} ms ({a.get('derived', {}).get('n')})", "", ""),
        ("narrative answer p50 / p95 (n)", f"{f(a.get('narrative', {}).get('p50_ms'))} / {f(a.get('narrative', {}).get('p95_ms'))} ms ({a.get('narrative', {}).get('n')})", "≤ 2 × baseline p50", ok("narrative")),
        ("abstention p50 / p95 (n)", f"{f(a.get('abstain', {}).get('p50_ms'))} / {f(a.get('abstain', {}).get('p95_ms'))} ms ({a.get('abstain', {}).get('n')})", "", ""),
        ("baseline: embed + Chroma top-4 (langchain-chroma)", f"{f(b.get('p50_ms'))} / {f(b.get('p95_ms'))} ms ({b.get('n')})", "", ""),
        ("query embedding alone p50", f"{f(r.get('answer_detail', {}).get('components', {}).get('embed_query', {}).get('p50_ms'))} ms", "", ""),
        ("ingest: filings, chunks, time", f"{ing.get('filings')} filings, {ing.get('chunks')} chunks, {f(ing.get('seconds'))} s ({f(ing.get('chunks_per_s'), 2)} chunks/s)", "", ""),
        ("ingest time inside the embedding model", f"{f(ing.get('embed_share'), 2)} (CPU time: {f(ing.get('embed_share_cpu'), 2)})", "≥ 0.8", ok("embed_share")),
        ("re-ingest unchanged: time, texts embedded", f"{f(ing.get('reingest_unchanged_s'))} s ({f(ing.get('reingest_ratio'), 3)} of the first), {ing.get('reingest_model_texts')}", "< 1/10, 0", f"{ok('reingest_under')} / {ok('reingest_embeds')}"),
        (f"HTTP, {h.get('clients')} clients, {h.get('store_filings')} filings stored", "skipped" if h.get("skipped") else f"{f(h.get('requests_per_s'))} req/s, p50 {f(h.get('p50_ms'))} ms", "", ""),
    ]
    if len(scale) >= 2:
        s0, s1 = scale[0], scale[-1]
        rows.append((f"figure p50, {s0['filings']} → {s1['filings']} filings", f"{f(s0['figure_p50_ms'])} → {f(s1['figure_p50_ms'])} ms (without the query embedding: {f(s0.get('figure_engine_p50_ms'))} → {f(s1.get('figure_engine_p50_ms'))} ms)", "< 2×", ok("figure_p50_growth")))
        rows.append((f"narrative p50, {s0['filings']} → {s1['filings']} filings", f"{f(s0['narrative_p50_ms'])} → {f(s1['narrative_p50_ms'])} ms", "", ""))
    rows += [
        ("peak RSS: server with 50 filings / bench process", f"{f(h.get('server_peak_rss_mb'), 0)} / {f(r.get('peak_rss_mb'), 0)} MB", "< 1.5 GB", f"{ok('server_peak_rss')} / {ok('peak_rss')}"),
        ("cold start: `filingqa ask`, start to answer", f"{f(r.get('cold_start_s'))} s", "< 15 s", ok("cold_start")),
        ("`filingqa --help` / `filingqa tables` (torch not imported)", f"{f((r.get('cold_start', {}).get('help') or {}).get('seconds'), 2)} / {f((r.get('cold_start', {}).get('tables') or {}).get('seconds'), 2)} s", "< 1 s", f"{ok('help')} / {ok('tables')}"),
    ]
    out = [
        f"Machine: {m.get('cores')} cores ({m.get('cpu')}), {m.get('memory_gb')} GB, Python {m.get('python_full') or m.get('python')}, torch {m.get('torch')}; "
        f"load average (1 min) by phase: {', '.join(f'{k} {v[0]}' for k, v in loads.items() if v) or '—'}.",
        "",
        "| measure | result | target | met |",
        "| --- | --- | --- | --- |",
    ]
    out += [f"| {a_} | {b_} | {c_} | {d_} |" for a_, b_, c_, d_ in rows]
    return "\n".join(out) + "\n"


def run_from_args(args) -> int:
    """`filingqa bench`: the CLI's arguments to a BenchConfig, the run, the table."""
    cfg = BenchConfig()
    if args.corpus:
        cfg.corpus = args.corpus
    if args.json:
        cfg.json_out = args.json
    if getattr(args, "out_dir", None):
        cfg.out_dir = args.out_dir
    if getattr(args, "evalsets", None):
        cfg.evalsets = list(args.evalsets)
    if getattr(args, "scale", None):
        cfg.scale_sizes = [int(x) for x in str(args.scale).split(",") if x.strip()]
    if getattr(args, "repeats", None):
        cfg.repeats = args.repeats
    if getattr(args, "http_requests", None) is not None:
        cfg.http_requests = args.http_requests
        cfg.http = args.http_requests > 0
    if getattr(args, "quick", False):
        cfg.repeats, cfg.scale_repeats, cfg.scale_sizes, cfg.http_requests, cfg.tune_batches = 1, 1, [1, 5, 10], 48, [32, 64]
    if not cfg.corpus or not Path(cfg.corpus).is_dir():
        print(f"filingqa: error: corpus folder not found: {cfg.corpus} (give --corpus DIR)", file=sys.stderr)
        return 2
    results = run_bench(cfg)
    print(format_table(results))
    return 0
