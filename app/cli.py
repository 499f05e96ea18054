"""The `filingqa` command line.

Each command imports what it needs inside its function: `filingqa --help` and `filingqa tables`
must answer in about a second, so nothing here may pull in torch, chromadb or gradio at import.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def _cmd_tables(args: argparse.Namespace) -> int:
    from filingqa.app.tables_view import tables_json, tables_text
    from filingqa.ingest.pipeline import load_filing

    filing = load_filing(args.file)
    print(json.dumps(tables_json(filing), indent=1) if args.json else tables_text(filing))
    return 0


def _service():
    from filingqa.app.service import FilingService

    return FilingService()


def _progress(enabled: bool, label: str):
    """A progress bar on a terminal; nothing with --json or when output is piped."""
    if not enabled or not sys.stderr.isatty():
        return None, lambda: None
    from tqdm import tqdm

    bar = tqdm(total=0, desc=label, unit="chunk", leave=False)

    def update(done: int, total: int) -> None:
        bar.total = total
        bar.n = done
        bar.refresh()

    return update, bar.close


def _cmd_ingest(args: argparse.Namespace) -> int:
    service = _service()
    reports = []
    for path in args.files:
        update, close = _progress(not args.json, path.name)
        try:
            reports.append(service.ingest_file(path, progress=update))
        finally:
            close()
        if not args.json:
            r = reports[-1]
            xbrl = f", XBRL {r.xbrl_checked} cells checked ({r.xbrl_disagree} disagree)" if r.xbrl_checked else ""
            print(f"{r.name}: id {r.id}, {r.tables} tables, {r.facts} facts, {r.chunks} chunks ({r.embedded} embedded now){xbrl}, {r.seconds:.1f}s")
    if args.json:
        print(json.dumps({"filings": [r.as_json() for r in reports]}))
    return 0


def _cmd_filings(args: argparse.Namespace) -> int:
    filings = _service().list_filings()
    if args.json:
        print(json.dumps({"filings": [{"id": f.id, "name": f.name, "chunks": f.chunks, "facts": f.facts} for f in filings]}))
    else:
        for f in filings:
            print(f"{f.id}  {f.name}  ({f.facts} facts, {f.chunks} chunks)")
        if not filings:
            print("no filings ingested yet; try: filingqa ingest FILE")
    return 0


def _cmd_delete(args: argparse.Namespace) -> int:
    if _service().delete(args.id):
        print(f"deleted {args.id}")
        return 0
    print(f"filingqa: error: no filing with id {args.id}", file=sys.stderr)
    return 1


def _resolve_filing(service, ref: str | None) -> str:
    """--filing takes an id, or a path (ingested first); with one filing stored it may be omitted."""
    if ref and Path(ref).exists():
        return service.ingest_file(Path(ref)).id
    filings = service.list_filings()
    if ref:
        matches = [f.id for f in filings if f.id == ref or f.id.startswith(ref) or f.name == ref]
        if len(matches) == 1:
            return matches[0]
        raise SystemExit(f"filingqa: error: no single filing matches {ref!r}; see `filingqa filings`")
    if len(filings) == 1:
        return filings[0].id
    raise SystemExit("filingqa: error: say which filing with --filing ID|PATH (`filingqa filings` lists them)")


def _cmd_ask(args: argparse.Namespace) -> int:
    service = _service()
    filing_id = _resolve_filing(service, args.filing)
    answer = service.answer(args.question, filing_id)
    if args.json:
        print(answer.model_dump_json())
        return 0
    print(answer.answer)
    for fig in answer.figures[:1]:
        if fig.formula:
            print(f"  formula: {fig.formula}")
    for c in answer.citations:
        print(f"  [line {c.line_start}{'-' + str(c.line_end) if c.line_end != c.line_start else ''}] {c.text[:160]}")
    return 0


def _cmd_eval(args: argparse.Namespace) -> int:
    from filingqa.app.evaluation.runner import run_eval

    return run_eval(args.sets, args.corpus, args.jsonl, args.junit, args.min_pass, _service())


def _cmd_bench(args: argparse.Namespace) -> int:
    from filingqa.app.bench.runner import run_from_args

    return run_from_args(args)


def _cmd_serve(args: argparse.Namespace) -> int:
    from filingqa.app.api.server import serve

    return serve(host=args.host, port=args.port, workers=args.workers)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="filingqa", description="Ask questions of SEC filings; every number is the filing's own, with its place.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("tables", help="parse a filing's financial tables and print them")
    p.add_argument("file", type=Path)
    p.add_argument("--json", action="store_true", help="print the tables as JSON")
    p.set_defaults(func=_cmd_tables)

    p = sub.add_parser("ingest", help="ingest filings into the store (nothing unchanged is embedded twice)")
    p.add_argument("files", type=Path, nargs="+")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_ingest)

    p = sub.add_parser("filings", help="list the ingested filings")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_filings)

    p = sub.add_parser("delete", help="delete a filing and every trace of it from the store")
    p.add_argument("id")
    p.set_defaults(func=_cmd_delete)

    p = sub.add_parser("ask", help="ask a question of a filing")
    p.add_argument("question")
    p.add_argument("--filing", help="a filing id, or a path to ingest first")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_ask)

    p = sub.add_parser("eval", help="run evaluation sets (see ../shared/evalsets/FORMAT.md)")
    p.add_argument("sets", type=Path, nargs="+")
    p.add_argument("--corpus", type=Path, help="folder where the sets' filings are found")
    p.add_argument("--jsonl", type=Path, help="write one JSON line per question here")
    p.add_argument("--junit", type=Path, help="write JUnit XML here")
    p.add_argument("--min-pass", type=float, default=0.95, help="exit 1 below this pass rate (default 0.95)")
    p.set_defaults(func=_cmd_eval)
    p = sub.add_parser("serve", help="serve the HTTP API, the OpenAI-compatible endpoint and the chat UI (/chat/)")
    p.add_argument("--host", help="address to bind (default FILINGQA_HOST, 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default FILINGQA_PORT, 7860)")
    p.add_argument("--workers", type=int, default=1, help="processes; above 1 only with a Chroma server (FILINGQA_CHROMA_URL): the embedded store is one process")
    p.set_defaults(func=_cmd_serve)

    p = sub.add_parser("bench", help="benchmark ingest, answer latency, HTTP throughput, scaling and cold start (writes bench/results/)")
    p.add_argument("--corpus", type=Path, help="folder of filings (default ../shared/corpus)")
    p.add_argument("--json", type=Path, help="write the results here (default bench/results/latest.json)")
    p.add_argument("--out-dir", type=Path, help="folder for the results and the plot (default bench/results)")
    p.add_argument("--evalsets", type=Path, nargs="+", help="sets whose questions are timed (default the corpus's ../evalsets/*.dev.yaml)")
    p.add_argument("--scale", help="store sizes for the scaling phase, comma-separated (default 1,5,10,25,50)")
    p.add_argument("--repeats", type=int, help="timed passes over the questions (default 3)")
    p.add_argument("--http-requests", type=int, help="requests in the HTTP phase (default 160; 0 skips it)")
    p.add_argument("--quick", action="store_true", help="fewer repeats, sizes and requests: a minute or two")
    p.set_defaults(func=_cmd_bench)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    from filingqa.ingest.errors import IngestError

    try:
        return args.func(args)
    except IngestError as exc:
        print(f"filingqa: error: {exc}", file=sys.stderr)
        return 2
    except LookupError as exc:  # UnknownFiling
        print(f"filingqa: error: no filing with id {exc}", file=sys.stderr)
        return 1
    except RuntimeError as exc:  # StoreUnavailable: the Chroma server is down, the disk full, ...
        if type(exc).__name__ not in {"StoreUnavailable", "StoreWriteError"}:
            raise
        print(f"filingqa: error: {exc}", file=sys.stderr)
        return 3
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
