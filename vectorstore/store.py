"""The filing store: parsed filings, their chunk embeddings and their line-item label embeddings, in Chroma.

One code path for both backends: an embedded `PersistentClient` under the data directory, or a
`chroma run` server when a URL is configured. Three collections hold the data:
  - chunks:  passages for retrieval (id = hash of filing id, first line and text);
  - labels:  each distinct row label of a filing, for semantic line-item matching;
  - filings: one record per filing holding the parsed Filing. It is written LAST and deleted FIRST,
             so it is the commit marker: a filing exists only once its record does.
and a fourth, small one makes every write atomic across a crash (kill -9, power loss):
  - pending: an intent marker per filing id, written BEFORE an ingest or delete touches anything
             and removed after it finished, naming the operation and its owner (host, pid).
Recovery (`recover()`, run when the store is first used and before every write) finishes what a dead
owner left: an ingest whose record was written is rolled forward (older versions of the same name
replaced), one without a record is rolled back (its chunks and labels swept), a delete is finished.
So after a crash the store is as if the interrupted ingest never started, or as if it completed.
Re-running the same ingest resumes instead: the chunks already written are reused (nothing is
embedded twice) and the result is exactly that of a clean ingest.

Every read and write goes to Chroma in slices of at most its max batch size.

Test hook: FILINGQA_TEST_PAUSE_AT=<stage>[,<stage>...] makes the process stop (sleep) at the named
points of an ingest or delete, so tests can kill it there deterministically; see `_pause`.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
import socket
import sys
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlparse

import numpy as np

from filingqa.ingest.model import Filing
from filingqa.vectorstore.chunks import Chunk, chunk_filing
from filingqa.vectorstore.embeddings import MiniLMEmbeddings

CHUNKS = "filingqa-chunks"
LABELS = "filingqa-labels"
FILINGS = "filingqa-filings"
PENDING = "filingqa-pending"
RECORD_VECTOR = [1.0]  # the filings and pending collections are looked up by id only; their vector is a placeholder
FOREIGN_STALE_SECONDS = 15 * 60  # a marker from another host not touched for this long is abandoned
TOUCH_SECONDS = 30.0  # how often a running ingest refreshes its marker

log = logging.getLogger("filingqa.store")

# Stages FILINGQA_TEST_PAUSE_AT may name (`chunk-batch-N` is after the N-th chunk batch, from 1).
PAUSE_STAGES = ("after-marker", "chunk-batch-N", "after-chunks", "after-labels", "before-record", "after-record", "after-replace", "delete-after-marker", "delete-after-record", "delete-after-chunks")


class StoreUnavailable(RuntimeError):
    """The Chroma backend cannot be reached (server down) or written (disk full, read-only)."""


@dataclass
class StoreConfig:
    data_dir: str
    chroma_url: str | None = None
    batch_size: int = 64  # texts per embedding batch


@dataclass
class IngestReport:
    id: str
    name: str
    chunks: int
    embedded: int
    facts: int
    tables: int
    seconds: float
    replaced: list[str] = field(default_factory=list)
    created: bool = True

    def as_json(self) -> dict:
        return {"id": self.id, "name": self.name, "chunks": self.chunks, "embedded": self.embedded, "facts": self.facts, "tables": self.tables, "seconds": round(self.seconds, 3)}


@dataclass
class FilingSummary:
    id: str
    name: str
    chunks: int
    facts: int
    tables: int
    company: str | None = None
    form: str | None = None

    def as_json(self) -> dict:
        return {"id": self.id, "name": self.name, "chunks": self.chunks, "facts": self.facts, "tables": self.tables, "company": self.company, "form": self.form}


@dataclass
class LabelIndex:
    """A filing's row labels and their unit vectors, for one matrix product per question."""

    texts: list[str]
    vectors: np.ndarray


def label_texts(filing: Filing) -> list[str]:
    """What gets embedded for line-item matching: each row label, and with its section caption."""
    seen: dict[str, None] = {}
    for t in filing.tables:
        for r in t.rows:
            seen.setdefault(r.label, None)
            if r.section:
                seen.setdefault(f"{r.section} {r.label}", None)
    return list(seen)


def _label_id(filing_id: str, text: str) -> str:
    return f"{filing_id}:" + hashlib.sha256(text.encode()).hexdigest()[:20]


def _encode_filing(filing: Filing) -> str:
    return base64.b64encode(zlib.compress(filing.model_dump_json().encode(), 6)).decode()


def _decode_filing(blob: str) -> Filing:
    return Filing.model_validate_json(zlib.decompress(base64.b64decode(blob)))


def make_client(config: StoreConfig):
    import chromadb
    from chromadb.config import Settings

    settings = Settings(anonymized_telemetry=False, allow_reset=False)
    match config.chroma_url:
        case None | "":
            return chromadb.PersistentClient(path=config.data_dir, settings=settings)
        case url:
            parsed = urlparse(url if "//" in url else f"http://{url}")
            return chromadb.HttpClient(host=parsed.hostname or "127.0.0.1", port=parsed.port or 8000, ssl=parsed.scheme == "https", settings=settings)


class FilingStore:
    def __init__(self, config: StoreConfig, embeddings: MiniLMEmbeddings | None = None):
        self.config = config
        self.embeddings = embeddings or MiniLMEmbeddings(batch_size=config.batch_size)
        self._client = None
        self._collections: dict[str, object] = {}
        self._filings: dict[str, Filing] = {}
        self._labels: dict[str, LabelIndex] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    # -- backend ---------------------------------------------------------------------------
    def _collection(self, name: str):
        try:
            if self._client is None:
                self._client = make_client(self.config)
            col = self._collections.get(name)
            if col is None:
                col = self._client.get_or_create_collection(name, embedding_function=None, metadata={"hnsw:space": "cosine"})
                self._collections[name] = col
            return col
        except Exception as exc:  # chromadb raises many types for "cannot connect/write"
            self._client = None
            self._collections.clear()
            raise StoreUnavailable(f"the Chroma store is unavailable ({_describe(exc)})") from exc

    def _call(self, fn: Callable, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except StoreUnavailable:
            raise
        except Exception as exc:
            if _is_backend_error(exc):
                self._client = None
                self._collections.clear()
                raise StoreUnavailable(f"the Chroma store is unavailable ({_describe(exc)})") from exc
            raise

    def ping(self) -> None:
        self._call(lambda: self._collection(FILINGS).count())

    @property
    def max_batch(self) -> int:
        try:
            return max(1, min(1000, int(self._client.get_max_batch_size()))) if self._client else 1000
        except Exception:
            return 1000

    def _lock_for(self, filing_id: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(filing_id, threading.Lock())

    # -- writes ----------------------------------------------------------------------------
    def ingest(self, filing: Filing, progress: Callable[[int, int], None] | None = None) -> IngestReport:
        started = time.perf_counter()
        with self._lock_for(filing.id):
            chunks = chunk_filing(filing)
            facts = len(filing.facts())
            existing = self._record(filing.id)
            if existing is not None:
                self._filings.setdefault(filing.id, filing)
                return IngestReport(filing.id, filing.name, len(chunks), 0, facts, len(filing.tables), time.perf_counter() - started, created=False)
            embedded = self._write_chunks(chunks, progress)
            embedded += self._write_labels(filing)
            meta = {"name": filing.name, "chunks": len(chunks), "facts": facts, "tables": len(filing.tables), "company": filing.company or "", "form": filing.form or "", "ingested_at": time.time()}
            col = self._collection(FILINGS)
            self._call(col.upsert, ids=[filing.id], embeddings=[RECORD_VECTOR], documents=[_encode_filing(filing)], metadatas=[meta])
            self._filings[filing.id] = filing
            # A file of the same name with other content is a new version: it replaces the old.
            replaced = [s.id for s in self.list_filings() if s.name == filing.name and s.id != filing.id]
            for old in replaced:
                self.delete(old)
            return IngestReport(filing.id, filing.name, len(chunks), embedded, facts, len(filing.tables), time.perf_counter() - started, replaced=replaced)

    def _missing_ids(self, collection, ids: list[str]) -> set[str]:
        present: set[str] = set()
        for i in range(0, len(ids), self.max_batch):
            got = self._call(collection.get, ids=ids[i : i + self.max_batch], include=[])
            present.update(got["ids"])
        return set(ids) - present

    def _write_chunks(self, chunks: list[Chunk], progress: Callable[[int, int], None] | None) -> int:
        col = self._collection(CHUNKS)
        missing = self._missing_ids(col, [c.id for c in chunks])
        todo = [c for c in chunks if c.id in missing]
        step = min(self.max_batch, max(1, self.config.batch_size))
        done = 0
        for i in range(0, len(todo), step):
            batch = todo[i : i + step]
            vectors = self.embeddings.encode([_embed_text(c) for c in batch])
            self._call(
                col.upsert,
                ids=[c.id for c in batch],
                embeddings=vectors.tolist(),
                documents=[c.text for c in batch],
                metadatas=[_chunk_meta(c) for c in batch],
            )
            done += len(batch)
            if progress:
                progress(done, len(todo))
        return len(todo)

    def _write_labels(self, filing: Filing) -> int:
        col = self._collection(LABELS)
        texts = label_texts(filing)
        ids = [_label_id(filing.id, t) for t in texts]
        missing = self._missing_ids(col, ids)
        todo = [(i, t) for i, t in zip(ids, texts) if i in missing]
        for k in range(0, len(todo), self.max_batch):
            batch = todo[k : k + self.max_batch]
            vectors = self.embeddings.encode([t for _, t in batch])
            self._call(col.upsert, ids=[i for i, _ in batch], embeddings=vectors.tolist(), documents=[t for _, t in batch], metadatas=[{"filing_id": filing.id}] * len(batch))
        return 0  # labels are not chunks: `embedded` counts chunks, as the contract says

    def delete(self, filing_id: str) -> bool:
        with self._lock_for(filing_id):
            existed = self._record(filing_id) is not None
            self._call(self._collection(FILINGS).delete, ids=[filing_id])
            self._call(self._collection(CHUNKS).delete, where={"filing_id": filing_id})
            self._call(self._collection(LABELS).delete, where={"filing_id": filing_id})
            self._filings.pop(filing_id, None)
            self._labels.pop(filing_id, None)
            return existed

    # -- reads -----------------------------------------------------------------------------
    def _record(self, filing_id: str) -> dict | None:
        got = self._call(self._collection(FILINGS).get, ids=[filing_id], include=["metadatas"])
        return got["metadatas"][0] if got["ids"] else None

    @property
    def shared(self) -> bool:
        """Other processes write this store too (Chroma server mode)."""
        return bool(self.config.chroma_url)

    def exists(self, filing_id: str) -> bool:
        present = self._record(filing_id) is not None
        if not present:
            self._filings.pop(filing_id, None)
            self._labels.pop(filing_id, None)
        return present

    def list_filings(self) -> list[FilingSummary]:
        got = self._call(self._collection(FILINGS).get, include=["metadatas"])
        out = [
            FilingSummary(id=i, name=m.get("name", ""), chunks=int(m.get("chunks", 0)), facts=int(m.get("facts", 0)), tables=int(m.get("tables", 0)), company=m.get("company") or None, form=m.get("form") or None)
            for i, m in zip(got["ids"], got["metadatas"])
        ]
        return sorted(out, key=lambda s: s.name)

    def get_filing(self, filing_id: str) -> Filing | None:
        cached = self._filings.get(filing_id)
        if cached is not None:
            return cached
        got = self._call(self._collection(FILINGS).get, ids=[filing_id], include=["documents"])
        if not got["ids"]:
            return None
        filing = _decode_filing(got["documents"][0])
        self._filings[filing_id] = filing
        return filing

    def label_index(self, filing: Filing) -> LabelIndex:
        cached = self._labels.get(filing.id)
        if cached is not None:
            return cached
        texts = label_texts(filing)
        ids = [_label_id(filing.id, t) for t in texts]
        vectors = np.zeros((len(texts), 384), dtype=np.float32)
        col = self._collection(LABELS)
        for k in range(0, len(ids), self.max_batch):
            got = self._call(col.get, ids=ids[k : k + self.max_batch], include=["embeddings"])
            pos = {i: n for n, i in enumerate(ids)}
            for i, vec in zip(got["ids"], got["embeddings"]):
                vectors[pos[i]] = np.asarray(vec, dtype=np.float32)
        missing = [n for n in range(len(ids)) if not vectors[n].any()]
        if missing:  # labels from before an upgrade: embed once, now
            vectors[missing] = self.embeddings.encode([texts[n] for n in missing])
        index = LabelIndex(texts=texts, vectors=vectors)
        self._labels[filing.id] = index
        return index

    def search_chunks(self, vector: np.ndarray, filing_id: str, k: int = 6) -> list[tuple[Chunk, float]]:
        col = self._collection(CHUNKS)
        got = self._call(col.query, query_embeddings=[vector.tolist()], n_results=k, where={"filing_id": filing_id}, include=["documents", "metadatas", "distances"])
        out = []
        for cid, doc, meta, dist in zip(got["ids"][0], got["documents"][0], got["metadatas"][0], got["distances"][0]):
            out.append((_chunk_from(cid, doc, meta), 1.0 - float(dist)))
        return out

    def filing_chunks(self, filing_id: str) -> list[Chunk]:
        got = self._call(self._collection(CHUNKS).get, where={"filing_id": filing_id}, include=["documents", "metadatas"])
        return sorted((_chunk_from(i, d, m) for i, d, m in zip(got["ids"], got["documents"], got["metadatas"])), key=lambda c: c.line_start)

    def count(self, collection: str) -> int:
        return int(self._call(self._collection(collection).count))


def _embed_text(chunk: Chunk) -> str:
    # The section heading gives a passage the context its own words may lack.
    return f"{chunk.section}\n{chunk.text}" if chunk.section and chunk.section not in chunk.text[:200] else chunk.text


def _chunk_meta(c: Chunk) -> dict:
    return {"filing_id": c.filing_id, "line_start": c.line_start, "line_end": c.line_end, "section": c.section or "", "document": c.document or "", "is_table": c.is_table}


def _chunk_from(cid: str, doc: str, meta: dict) -> Chunk:
    return Chunk(
        id=cid,
        filing_id=meta["filing_id"],
        text=doc,
        line_start=int(meta["line_start"]),
        line_end=int(meta["line_end"]),
        section=meta.get("section") or None,
        document=meta.get("document") or None,
        is_table=bool(meta.get("is_table")),
    )


def _is_backend_error(exc: Exception) -> bool:
    name = type(exc).__name__.lower()
    text = str(exc).lower()
    return any(w in name for w in ("connect", "timeout", "transport", "network")) or any(
        w in text for w in ("connection refused", "could not connect", "no space left", "read-only", "readonly", "disk i/o", "database is locked")
    )


def _describe(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]
