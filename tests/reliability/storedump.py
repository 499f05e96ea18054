"""Print a JSON picture of embedded FilingQA stores, for comparing them: `python storedump.py DIR...`.

Run as a subprocess (never imported by a test process that also lets subprocesses write the same
store): each collection's ids, documents and metadata, with the filing records decoded to facts.
Volatile fields (ingest timestamps) are left out.
"""

from __future__ import annotations

import json
import os
import sys

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")


def dump(data_dir: str) -> dict:
    import chromadb
    from chromadb.config import Settings

    from filingqa.vectorstore.store import _decode_filing

    client = chromadb.PersistentClient(path=data_dir, settings=Settings(anonymized_telemetry=False))
    names = sorted(c.name if hasattr(c, "name") else str(c) for c in client.list_collections())
    out: dict = {"collections": names}
    for name in names:
        col = client.get_collection(name)
        got = col.get(include=["documents", "metadatas"])
        rows = {}
        for i, doc, meta in zip(got["ids"], got["documents"], got["metadatas"]):
            meta = {k: v for k, v in (meta or {}).items() if k not in ("ingested_at", "touched", "started")}
            if name == "filingqa-filings":
                filing = _decode_filing(doc)
                doc = {"facts": sorted(f.model_dump_json() for f in filing.facts()), "lines": len(filing.lines), "tables": len(filing.tables)}
            rows[i] = {"doc": doc, "meta": meta}
        out[name] = rows
    return out


if __name__ == "__main__":
    print(json.dumps({d: dump(d) for d in sys.argv[1:]}, sort_keys=True))
