"""The parser's version: a hash of the ingest package's own source.

Stored filings keep the version that parsed them; when the parser changes, the next ingest of the
same file re-parses and rewrites its record (its unchanged chunks are not embedded again).
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path


@lru_cache
def parser_version() -> str:
    root = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]
