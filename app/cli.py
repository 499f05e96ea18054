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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="filingqa", description="Ask questions of SEC filings; every number is the filing's own, with its place.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("tables", help="parse a filing's financial tables and print them")
    p.add_argument("file", type=Path)
    p.add_argument("--json", action="store_true", help="print the tables as JSON")
    p.set_defaults(func=_cmd_tables)
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
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
