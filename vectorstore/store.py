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

Every write (and every lookup by id) goes to Chroma in slices within its max batch size.

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

from filingqa.ingest.errors import IngestError
from filingqa.ingest.model import Filing
from filingqa.ingest.version import parser_version
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


class StoreWriteError(StoreUnavailable, IngestError):
    """An ingest the store could not take (disk full, read-only data directory, Chroma server down).

    A StoreUnavailable (the API answers 503) that is also an IngestError naming the file, so every
    front end that reports ingest errors (the CLI's `filingqa: error: FILE: reason`) reports it."""

    def __init__(self, name: str, reason: str):
        IngestError.__init__(self, name, reason)


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
    seconds: float  # the whole wall time of this filing's ingest (the service adds reading and parsing)
    replaced: list[str] = field(default_factory=list)
    created: bool = True
    xbrl_checked: int = 0  # table cells checked against the filer's XBRL tag
    xbrl_disagree: int = 0  # of those, cells whose parsed value the tag contradicts
    parse_seconds: float = 0.0  # loading and parsing the file; 0 when the stored copy was found by its hash first
    embed_seconds: float = 0.0  # embedding (and writing) its passages and row labels

    def as_json(self) -> dict:
        return {
            "id": self.id,
            "name": self.name,
            "chunks": self.chunks,
            "embedded": self.embedded,
            "facts": self.facts,
            "tables": self.tables,
            "seconds": round(self.seconds, 3),
            "xbrl_checked": self.xbrl_checked,
            "xbrl_disagree": self.xbrl_disagree,
            "parse_seconds": round(self.parse_seconds, 3),
            "embed_seconds": round(self.embed_seconds, 3),
        }


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


def _xbrl_counts(filing: Filing) -> dict[str, int]:
    cover = filing.xbrl
    if cover is None:
        return {}
    return {"xbrl_checked": cover.linked, "xbrl_disagree": cover.disagree}


def _encode_filing(filing: Filing) -> str:
    return base64.b64encode(zlib.compress(filing.model_dump_json().encode(), 6)).decode()


def _decode_filing(blob: str) -> Filing:
    return Filing.model_validate_json(zlib.decompress(base64.b64decode(blob)))


def make_client(config: StoreConfig):
    import chromadb
    from chromadb.config import Settings

    settings = Settings(anonymized_telemetry=False, allow_reset=False)
    before = _cached_systems()
    try:
        match config.chroma_url:
            case None | "":
                return chromadb.PersistentClient(path=config.data_dir, settings=settings)
            case url:
                parsed = urlparse(url if "//" in url else f"http://{url}")
                return chromadb.HttpClient(host=parsed.hostname or "127.0.0.1", port=parsed.port or 8000, ssl=parsed.scheme == "https", settings=settings)
    except Exception:
        # Chroma caches a client's System before starting it, so one that failed to start (a read-only
        # or full data directory) would be handed out again, broken, to every later client of the same
        # path: forget it, so that the next attempt really retries.
        _cached_systems(forget_except=before)
        raise


def _cached_systems(forget_except: set[str] | None = None) -> set[str]:
    try:
        from chromadb.api.shared_system_client import SharedSystemClient

        cache = SharedSystemClient._identifier_to_system  # a private API: at worst a retry needs a restart
        if forget_except is not None:
            for key in set(cache) - forget_except:
                cache.pop(key, None)
        return set(cache)
    except Exception:
        return set()


def _forget_system(data_dir: str | None) -> None:
    """Close and forget Chroma's cached System of an embedded store, so the next client reopens it."""
    if data_dir is None:
        return
    try:
        from chromadb.api.shared_system_client import SharedSystemClient

        system = SharedSystemClient._identifier_to_system.pop(str(data_dir), None)
        SharedSystemClient._identifier_to_refcount.pop(str(data_dir), None)
        if system is not None:
            system.stop()
    except Exception:
        pass


SNAPSHOT_PREFIX = "filingqa-readonly-"


def _snapshot(data_dir: str) -> str | None:
    """A private copy of the embedded store in a temporary directory, to read from when the data
    directory cannot be opened for writing (Chroma writes at open). None when there is nothing to copy.
    The copy is named after this process: it goes at exit, or when a later process finds its owner dead."""
    import atexit
    import shutil
    import tempfile

    if not os.path.isfile(os.path.join(data_dir, "chroma.sqlite3")):
        return None
    _sweep_dead_snapshots(tempfile.gettempdir())
    target = tempfile.mkdtemp(prefix=f"{SNAPSHOT_PREFIX}{os.getpid()}-")
    atexit.register(shutil.rmtree, target, True)
    shutil.copytree(data_dir, target, dirs_exist_ok=True, ignore=shutil.ignore_patterns("*.lock"))
    return target


def _sweep_dead_snapshots(tmp: str) -> None:
    """Remove copies left by processes that died without cleaning up (kill -9, or a server that
    exits by re-raising SIGTERM, which skips atexit)."""
    import shutil

    try:
        names = os.listdir(tmp)
    except OSError:
        return
    for name in names:
        if not name.startswith(SNAPSHOT_PREFIX):
            continue
        pid = name[len(SNAPSHOT_PREFIX) :].split("-", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not os.path.exists(f"/proc/{pid}"):
            shutil.rmtree(os.path.join(tmp, name), ignore_errors=True)


class FilingStore:
    def __init__(self, config: StoreConfig, embeddings: MiniLMEmbeddings | None = None):
        self.config = config
        self.embeddings = embeddings or MiniLMEmbeddings(batch_size=config.batch_size)
        self._client = None
        self._collections: dict[str, object] = {}
        self._filings: dict[str, Filing] = {}
        self._labels: dict[str, LabelIndex] = {}
        self._locks: dict[str, threading.RLock] = {}
        self._guard = threading.Lock()
        self._marks: dict[str, dict] = {}  # this process's markers, by filing id
        self._recovered = False
        self._read_only: str | None = None
        self._snapshots: list[str] = []  # read-only copies made by this store
        self._backend_key = config.chroma_url or os.path.abspath(config.data_dir)

    # -- backend ---------------------------------------------------------------------------
    def _where(self) -> str:
        return f"the Chroma server at {self.config.chroma_url}" if self.config.chroma_url else f"the store in {self.config.data_dir}"

    def _unavailable(self, exc: Exception) -> StoreUnavailable:
        self._client = None
        self._collections.clear()
        if not self.config.chroma_url and _is_storage_error(exc):
            _forget_system(self.config.data_dir if not self._read_only else None)  # reopen for real next time
        return StoreUnavailable(_explain(exc, self._where(), None if self.config.chroma_url else self.config.data_dir))

    def _open_client(self):
        try:
            client = self._open_writable()
            self._read_only = None
            return client
        except Exception as exc:
            if self.config.chroma_url or not _is_storage_error(exc):
                raise
            why = _explain(exc, self._where(), self.config.data_dir)
            snapshot = _snapshot(self.config.data_dir)
            if snapshot is None:
                raise
            client = make_client(StoreConfig(data_dir=snapshot, batch_size=self.config.batch_size))
            log.warning("%s; reading a copy of the store (%s) until it can be written again", why, snapshot)
            self._read_only = why
            self._snapshots.append(snapshot)
            return client

    def close(self) -> None:
        """Release what this store holds beyond its data: the read-only copies it made, if any."""
        import shutil

        for snapshot in self._snapshots:
            _forget_system(snapshot)
            shutil.rmtree(snapshot, ignore_errors=True)
        self._snapshots.clear()
        if self._read_only:
            self._client = None
            self._collections.clear()

    def _open_writable(self):
        """The client of the configured backend; for the embedded store, after a read that makes Chroma
        apply its log (which fails, for one, when the disk is full)."""
        client = make_client(self.config)
        if not self.config.chroma_url:
            try:
                for col in client.list_collections():
                    if col.name in (FILINGS, CHUNKS):
                        client.get_collection(col.name).get(limit=1, include=[])
            except Exception:
                _forget_system(self.config.data_dir)
                raise
        return client

    def _collection(self, name: str):
        try:
            if self._client is None:
                self._client = self._open_client()
            col = self._collections.get(name)
            if col is None:
                col = self._client.get_or_create_collection(name, embedding_function=None, metadata={"hnsw:space": "cosine"})
                self._collections[name] = col
            return col
        except Exception as exc:  # chromadb raises many types for "cannot connect/write"
            raise self._unavailable(exc) from exc

    def _call(self, fn: Callable, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except StoreUnavailable:
            raise
        except Exception as exc:
            if _is_backend_error(exc):
                raise self._unavailable(exc) from exc
            raise

    def _read(self, name: str, op: str, **kwargs):
        """A read of collection `name`. If the store cannot even be read in place (a full disk stops
        Chroma applying its log), it is read once more, from the read-only copy the reopen falls back to."""
        for attempt in (1, 2):
            try:
                return self._call(getattr(self._collection(name), op), **kwargs)
            except StoreUnavailable as exc:
                cause = exc.__cause__
                if attempt == 2 or self.config.chroma_url or self._read_only or cause is None or not _is_storage_error(cause):
                    raise

    def _check_writable(self) -> None:
        """Before a write: a store opened read-only (a copy) is retried, and refused while it still fails."""
        self._collection(FILINGS)
        if not self._read_only:
            return
        try:  # the real data directory again: space may have been freed, the mount made writable
            client = self._open_writable()
        except Exception as exc:
            if not _is_storage_error(exc):
                raise self._unavailable(exc) from exc
            raise StoreUnavailable(f"{self._read_only}; nothing was written (the stored filings can still be read)") from exc
        log.warning("%s is writable again", self._where())
        self._client, self._read_only = client, None
        self._collections.clear()

    @property
    def read_only(self) -> str | None:
        """Why the store is being read from a copy (data directory read-only or full), or None."""
        return self._read_only

    def ping(self) -> None:
        self._read(FILINGS, "count")
        self._recover_once()

    @property
    def max_batch(self) -> int:
        try:
            return max(1, min(1000, int(self._client.get_max_batch_size()))) if self._client else 1000
        except Exception:
            return 1000

    def _lock_for(self, filing_id: str) -> threading.RLock:
        with self._guard:
            return self._locks.setdefault(filing_id, threading.RLock())

    # -- writes ----------------------------------------------------------------------------
    def ingest(self, filing: Filing, progress: Callable[[int, int], None] | None = None) -> IngestReport:
        started = time.perf_counter()
        try:
            return self._ingest(filing, progress, started)
        except StoreUnavailable as exc:
            if isinstance(exc, StoreWriteError):
                raise
            raise StoreWriteError(filing.name, f"not stored: {exc}") from exc

    def _ingest(self, filing: Filing, progress: Callable[[int, int], None] | None, started: float) -> IngestReport:
        with self._lock_for(filing.id), self._in_flight(filing.id):
            self._check_writable()
            self.recover(keep=filing.id)
            chunks = chunk_filing(filing)
            facts = len(filing.facts())
            resuming = self._marker(filing.id) is not None
            existing = self._record(filing.id)
            if existing is not None and existing.get("parser") != parser_version():
                # Parsed by an older parser: parse anew, rewrite the record, sweep what it no longer
                # makes. Unchanged chunks keep their ids, so nothing unchanged is embedded again.
                self._filings.pop(filing.id, None)
                self._labels.pop(filing.id, None)
                existing, resuming = None, True
            if existing is not None:
                # Stored before; or an ingest killed after its commit: finish it (replace older versions).
                replaced = self._replace_older(filing.id, filing.name)
                if resuming:
                    self._unmark(filing.id)
                self._filings.setdefault(filing.id, filing)
                return IngestReport(filing.id, filing.name, len(chunks), 0, facts, len(filing.tables), time.perf_counter() - started, replaced=replaced, created=False, **_xbrl_counts(filing))
            self._mark(filing.id, "ingest", filing.name)
            _pause("after-marker")
            embedding = time.perf_counter()
            embedded = self._write_chunks(filing.id, chunks, progress)
            _pause("after-chunks")
            label_ids = self._write_labels(filing)
            embed_seconds = time.perf_counter() - embedding
            _pause("after-labels")
            if resuming:  # an earlier attempt may have written entries this one does not make
                self._sweep(CHUNKS, filing.id, keep={c.id for c in chunks})
                self._sweep(LABELS, filing.id, keep=set(label_ids))
            _pause("before-record")
            meta = {
                "name": filing.name,
                "chunks": len(chunks),
                "facts": facts,
                "tables": len(filing.tables),
                "company": filing.company or "",
                "form": filing.form or "",
                "ingested_at": time.time(),
                "parser": parser_version(),
            }
            col = self._collection(FILINGS)
            self._call(col.upsert, ids=[filing.id], embeddings=[RECORD_VECTOR], documents=[_encode_filing(filing)], metadatas=[meta])
            self._filings[filing.id] = filing
            _pause("after-record")
            # A file of the same name with other content is a new version: it replaces the old.
            replaced = self._replace_older(filing.id, filing.name)
            _pause("after-replace")
            self._unmark(filing.id)
            return IngestReport(filing.id, filing.name, len(chunks), embedded, facts, len(filing.tables), time.perf_counter() - started, replaced=replaced, embed_seconds=embed_seconds, **_xbrl_counts(filing))

    def stored(self, filing_id: str, name: str) -> IngestReport | None:
        """The report of re-ingesting a file whose content is stored and complete, without parsing it.

        Complete means what a crash leaves complete: a committed record, by the current parser,
        and no intent marker (an interrupted ingest or delete of this id goes the full way, which
        resumes or redoes it). As in a full re-ingest, older versions named `name` are replaced.
        None when the file must be parsed."""
        started = time.perf_counter()
        try:
            with self._lock_for(filing_id), self._in_flight(filing_id):
                self._check_writable()
                self.recover(keep=filing_id)
                record = self._record(filing_id)
                if record is None or record.get("parser") != parser_version() or self._marker(filing_id) is not None:
                    return None
                replaced = self._replace_older(filing_id, name)
                return IngestReport(
                    filing_id,
                    name,
                    int(record.get("chunks") or 0),
                    0,
                    int(record.get("facts") or 0),
                    int(record.get("tables") or 0),
                    time.perf_counter() - started,
                    replaced=replaced,
                    created=False,
                )
        except StoreUnavailable as exc:
            if isinstance(exc, StoreWriteError):
                raise
            raise StoreWriteError(name, f"not stored: {exc}") from exc

    def _replace_older(self, filing_id: str, name: str) -> list[str]:
        """Delete the committed filings named `name` that are older than `filing_id`'s record.

        Only older ones: two processes storing two versions of one name at once must not delete
        each other; the later record wins."""
        got = self._call(self._collection(FILINGS).get, where={"name": name}, include=["metadatas"])
        stamps = {i: (float(m.get("ingested_at") or 0.0), i) for i, m in zip(got["ids"], got["metadatas"])}
        mine = stamps.get(filing_id)
        if mine is None:
            return []
        older = sorted((i for i, stamp in stamps.items() if i != filing_id and stamp < mine), key=lambda i: stamps[i])
        for old in older:
            self._delete(old)
        return older

    def _get_ids(self, collection, ids: list[str]) -> set[str]:
        present: set[str] = set()
        for i in range(0, len(ids), self.max_batch):
            got = self._call(collection.get, ids=ids[i : i + self.max_batch], include=[])
            present.update(got["ids"])
        return present

    def _missing_ids(self, collection, ids: list[str]) -> set[str]:
        return set(ids) - self._get_ids(collection, ids)

    def _ids_of(self, name: str, filing_id: str) -> list[str]:
        """Every id in collection `name` that belongs to `filing_id`, read in slices of the max batch."""
        col = self._collection(name)
        out: list[str] = []
        step = self.max_batch
        while True:
            got = self._call(col.get, where={"filing_id": filing_id}, include=[], limit=step, offset=len(out))
            out.extend(got["ids"])
            if len(got["ids"]) < step:
                return out

    def _delete_ids(self, name: str, ids: list[str]) -> None:
        col = self._collection(name)
        for i in range(0, len(ids), self.max_batch):
            self._call(col.delete, ids=ids[i : i + self.max_batch])

    def _sweep(self, name: str, filing_id: str, keep: set[str] | None = None) -> int:
        """Delete `filing_id`'s entries in collection `name` (except `keep`); how many went."""
        doomed = [i for i in self._ids_of(name, filing_id) if not keep or i not in keep]
        self._delete_ids(name, doomed)
        return len(doomed)

    def _write_chunks(self, filing_id: str, chunks: list[Chunk], progress: Callable[[int, int], None] | None) -> int:
        col = self._collection(CHUNKS)
        missing = self._missing_ids(col, [c.id for c in chunks])
        todo = [c for c in chunks if c.id in missing]
        step = min(self.max_batch, max(1, self.config.batch_size))
        done = 0
        for n, i in enumerate(range(0, len(todo), step), start=1):
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
            self._touch(filing_id)
            _pause(f"chunk-batch-{n}")
            if progress:
                progress(done, len(todo))
        return len(todo)

    def _write_labels(self, filing: Filing) -> list[str]:
        """Embed and store the filing's row labels not stored yet; returns every label id of the filing."""
        col = self._collection(LABELS)
        texts = label_texts(filing)
        ids = [_label_id(filing.id, t) for t in texts]
        missing = self._missing_ids(col, ids)
        todo = [(i, t) for i, t in zip(ids, texts) if i in missing]
        step = min(self.max_batch, max(1, self.config.batch_size))
        for k in range(0, len(todo), step):
            batch = todo[k : k + step]
            vectors = self.embeddings.encode([t for _, t in batch])
            self._call(col.upsert, ids=[i for i, _ in batch], embeddings=vectors.tolist(), documents=[t for _, t in batch], metadatas=[{"filing_id": filing.id}] * len(batch))
            self._touch(filing.id)
        return ids  # labels are not chunks: `embedded` counts chunks, as the contract says

    def delete(self, filing_id: str) -> bool:
        with self._lock_for(filing_id), self._in_flight(filing_id):
            self._check_writable()
            self.recover(keep=filing_id)
            return self._delete(filing_id)

    def _delete(self, filing_id: str) -> bool:
        with self._lock_for(filing_id), self._in_flight(filing_id):
            existed = self._record(filing_id) is not None
            marked = existed or self._marker(filing_id) is not None
            if marked:
                self._mark(filing_id, "delete", "")
                _pause("delete-after-marker")
            self._finish_delete(filing_id)
            if marked:
                self._unmark(filing_id)
            return existed

    def _finish_delete(self, filing_id: str) -> None:
        self._call(self._collection(FILINGS).delete, ids=[filing_id])
        self._filings.pop(filing_id, None)
        self._labels.pop(filing_id, None)
        _pause("delete-after-record")
        self._sweep(CHUNKS, filing_id)
        _pause("delete-after-chunks")
        self._sweep(LABELS, filing_id)

    # -- crash safety: intent markers and recovery -------------------------------------------
    def _mark(self, filing_id: str, op: str, name: str) -> None:
        now = time.time()
        meta = {"op": op, "name": name, "host": _HOST, "boot": _BOOT, "pid": os.getpid(), "pid_start": _proc_start(os.getpid()), "started": now, "touched": now}
        self._call(self._collection(PENDING).upsert, ids=[filing_id], embeddings=[RECORD_VECTOR], documents=[op], metadatas=[meta])
        self._marks[filing_id] = meta

    def _touch(self, filing_id: str) -> None:
        """Refresh a running ingest's marker now and then, so other hosts can tell it is alive."""
        meta = self._marks.get(filing_id)
        now = time.time()
        if meta is not None and now - float(meta["touched"]) >= TOUCH_SECONDS:
            meta = {**meta, "touched": now}
            self._marks[filing_id] = meta
            self._call(self._collection(PENDING).upsert, ids=[filing_id], embeddings=[RECORD_VECTOR], documents=[meta["op"]], metadatas=[meta])

    def _unmark(self, filing_id: str) -> None:
        self._call(self._collection(PENDING).delete, ids=[filing_id])
        self._marks.pop(filing_id, None)

    def _marker(self, filing_id: str) -> dict | None:
        got = self._call(self._collection(PENDING).get, ids=[filing_id], include=["metadatas"])
        return got["metadatas"][0] if got["ids"] else None

    def _in_flight(self, filing_id: str):
        return _InFlight(self._backend_key, filing_id)

    def _owner_alive(self, filing_id: str, meta: dict) -> bool:
        if meta.get("host") != _HOST:
            return time.time() - float(meta.get("touched") or 0) < FOREIGN_STALE_SECONDS
        if meta.get("boot") != _BOOT:
            return False  # this host rebooted since
        pid = int(meta.get("pid") or 0)
        if pid == os.getpid():
            return (self._backend_key, filing_id) in _IN_FLIGHT
        if pid <= 0:
            return False
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            pass
        start = _proc_start(pid)
        return not (start and meta.get("pid_start") and start != meta.get("pid_start"))  # else: the pid was reused

    def recover(self, keep: str | None = None) -> list[str]:
        """Finish what dead writers left (see the module docstring); returns the filing ids repaired.

        `keep` is left alone: the caller is about to ingest or delete that id itself (and resumes it)."""
        self._collection(PENDING)
        if self._read_only:
            return []  # a copy: what is repaired there would be lost; the next writable open repairs
        got = self._call(self._collection(PENDING).get, include=["metadatas"])
        repaired = []
        for filing_id, meta in zip(got["ids"], got["metadatas"]):
            if filing_id == keep or self._owner_alive(filing_id, meta):
                continue
            lock = self._lock_for(filing_id)
            if not lock.acquire(blocking=False):
                continue  # another thread of this process is at it
            try:
                if self._marker(filing_id) is None:
                    continue  # finished meanwhile
                if meta.get("op") == "ingest" and self._record(filing_id) is not None:
                    log.warning("recovering filing %s: its ingest was interrupted after the commit; finishing it", filing_id)
                    self._replace_older(filing_id, str(meta.get("name") or ""))
                else:
                    what = "ingest" if meta.get("op") == "ingest" else "delete"
                    log.warning("recovering filing %s: an interrupted %s is rolled %s", filing_id, what, "back" if what == "ingest" else "forward")
                    self._finish_delete(filing_id)
                self._unmark(filing_id)
                repaired.append(filing_id)
            finally:
                lock.release()
        self._recovered = True
        return repaired

    def _recover_once(self) -> None:
        """Recovery at first use, for readers: best effort (a read-only or failing store still reads)."""
        if self._recovered:
            return
        try:
            self.recover()
        except StoreUnavailable as exc:
            log.warning("could not repair interrupted writes yet (%s)", exc)

    # -- reads -----------------------------------------------------------------------------
    def _record(self, filing_id: str) -> dict | None:
        got = self._read(FILINGS, "get", ids=[filing_id], include=["metadatas"])
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
        self._recover_once()
        got = self._read(FILINGS, "get", include=["metadatas"])
        out = [
            FilingSummary(id=i, name=m.get("name", ""), chunks=int(m.get("chunks", 0)), facts=int(m.get("facts", 0)), tables=int(m.get("tables", 0)), company=m.get("company") or None, form=m.get("form") or None)
            for i, m in zip(got["ids"], got["metadatas"])
        ]
        return sorted(out, key=lambda s: s.name)

    def get_filing(self, filing_id: str) -> Filing | None:
        cached = self._filings.get(filing_id)
        if cached is not None:
            return cached
        self._recover_once()
        got = self._read(FILINGS, "get", ids=[filing_id], include=["documents"])
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
        for k in range(0, len(ids), self.max_batch):
            got = self._read(LABELS, "get", ids=ids[k : k + self.max_batch], include=["embeddings"])
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
        got = self._read(CHUNKS, "query", query_embeddings=[vector.tolist()], n_results=k, where={"filing_id": filing_id}, include=["documents", "metadatas", "distances"])
        out = []
        for cid, doc, meta, dist in zip(got["ids"][0], got["documents"][0], got["metadatas"][0], got["distances"][0]):
            out.append((_chunk_from(cid, doc, meta), 1.0 - float(dist)))
        return out

    def filing_chunks(self, filing_id: str) -> list[Chunk]:
        got = self._read(CHUNKS, "get", where={"filing_id": filing_id}, include=["documents", "metadatas"])
        return sorted((_chunk_from(i, d, m) for i, d, m in zip(got["ids"], got["documents"], got["metadatas"])), key=lambda c: c.line_start)

    def count(self, collection: str) -> int:
        return int(self._read(collection, "count"))


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


_STORAGE_WORDS = ("no space left", "disk is full", "read-only", "readonly", "permission denied", "unable to open database", "failed to apply logs")


def _is_storage_error(exc: BaseException) -> bool:
    """The data directory cannot be written: read-only, full, or not ours. (Chroma reports a full disk
    while it applies its log as "Failed to apply logs to the metadata segment".)"""
    text = f"{type(exc).__name__} {exc}".lower()
    return isinstance(exc, PermissionError) or any(w in text for w in _STORAGE_WORDS)


def _is_backend_error(exc: Exception) -> bool:
    name = type(exc).__name__.lower()
    text = str(exc).lower()
    return (
        isinstance(exc, OSError)
        or _is_storage_error(exc)
        or any(w in name for w in ("connect", "timeout", "transport", "network", "protocol"))
        or any(w in text for w in ("connection refused", "could not connect", "disk i/o", "database is locked", "connection reset", "server disconnected"))
    )


def _disk_full(data_dir: str | None) -> bool:
    import shutil

    try:
        return data_dir is not None and shutil.disk_usage(data_dir).free < 8 * 1024 * 1024
    except OSError:
        return False


def _explain(exc: BaseException, where: str, data_dir: str | None = None) -> str:
    """What went wrong with the backend, in words a person can act on."""
    text = f"{type(exc).__name__} {exc}".lower()
    if any(w in text for w in ("no space left", "disk is full")) or ("apply logs" in text and _disk_full(data_dir)):
        return f"{where} cannot be written: the disk is full (no space left on device)"
    if any(w in text for w in ("read-only", "readonly")):
        return f"{where} cannot be written: the data directory is read-only"
    if isinstance(exc, PermissionError) or "permission denied" in text or "unable to open database" in text:
        return f"{where} cannot be opened for writing: permission denied ({_describe(exc)})"
    return f"{where} is unavailable ({_describe(exc)}); retry when it is back"


def _describe(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]


# -- owners of intent markers, and the test hook ------------------------------------------------
def _boot_id() -> str:
    try:
        with open("/proc/sys/kernel/random/boot_id") as f:
            return f.read().strip()
    except OSError:
        return ""


def _proc_start(pid: int) -> str:
    """A process's start time in clock ticks since boot ('' where /proc is missing): with the pid it
    names one process, so a reused pid is not taken for the writer that died."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
        return stat[stat.rindex(b")") + 2 :].split()[19].decode()
    except (OSError, ValueError, IndexError):
        return ""


_HOST = socket.gethostname()
_BOOT = _boot_id()
_IN_FLIGHT: set[tuple[str, str]] = set()  # (backend, filing id) being written by this process
_IN_FLIGHT_GUARD = threading.Lock()


class _InFlight:
    """Marks (backend, filing id) as written by this process for the duration of a `with` (nests)."""

    _depth: dict[tuple[str, str], int] = {}

    def __init__(self, backend: str, filing_id: str):
        self.key = (backend, filing_id)

    def __enter__(self) -> None:
        with _IN_FLIGHT_GUARD:
            self._depth[self.key] = self._depth.get(self.key, 0) + 1
            _IN_FLIGHT.add(self.key)

    def __exit__(self, *exc) -> None:
        with _IN_FLIGHT_GUARD:
            left = self._depth.get(self.key, 1) - 1
            if left:
                self._depth[self.key] = left
            else:
                self._depth.pop(self.key, None)
                _IN_FLIGHT.discard(self.key)


def _pause(stage: str) -> None:
    """Test hook: with FILINGQA_TEST_PAUSE_AT naming `stage` (comma-separated list), announce the stage
    (a line "filingqa-test-pause <stage> <pid>" on stderr, and in FILINGQA_TEST_PAUSE_FILE if set)
    and sleep (FILINGQA_TEST_PAUSE_SECONDS, default 600) so a test can kill the process right there.
    Stages: PAUSE_STAGES. Unset (always, outside tests) it costs one environment lookup."""
    wanted = os.environ.get("FILINGQA_TEST_PAUSE_AT")
    if not wanted or stage not in wanted.split(","):
        return
    line = f"filingqa-test-pause {stage} {os.getpid()}\n"
    sys.stderr.write(line)
    sys.stderr.flush()
    note = os.environ.get("FILINGQA_TEST_PAUSE_FILE")
    if note:
        with open(note, "a") as f:
            f.write(line)
    time.sleep(float(os.environ.get("FILINGQA_TEST_PAUSE_SECONDS", "600")))
