"""The service every front end uses (CLI, HTTP API, chat UI, eval runner): ingest, list, delete, answer.

It wires settings to the store and the engine; the engine knows nothing of HTTP or UI.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from filingqa.app.engine.chain import build_chain
from filingqa.app.engine import followup
from filingqa.app.engine.engine import AnswerEngine, UnknownFiling
from filingqa.app.engine.generation import NarrativePhraser
from filingqa.app.engine.model import Answer
from filingqa.app.settings import Settings, get_settings
from filingqa.ingest.model import Filing, Format
from filingqa.ingest.pipeline import filing_id, parse_filing, read_filing
from filingqa.vectorstore.store import FilingStore, FilingSummary, IngestReport, StoreConfig

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")


class FilingService:
    def __init__(self, settings: Settings | None = None):
        self.settings = settings or get_settings()
        self.store = FilingStore(StoreConfig(data_dir=self.settings.data_dir, chroma_url=self.settings.chroma_url, batch_size=self.settings.embed_batch))
        phraser = NarrativePhraser(self.settings.llm_url, self.settings.llm_model) if self.settings.llm_url else None
        self.engine = AnswerEngine(self.store, phraser=phraser)
        self.chain = build_chain(self.engine)

    @property
    def max_bytes(self) -> int:
        return self.settings.max_file_mb * 1024 * 1024

    def ingest_file(self, path: Path, progress: Callable[[int, int], None] | None = None) -> IngestReport:
        started = time.perf_counter()
        data = read_filing(path, max_bytes=self.max_bytes)
        return self._ingest(data, Path(path).name, progress, started)

    def ingest_bytes(self, data: bytes, name: str, progress: Callable[[int, int], None] | None = None, parsed: Callable[[Filing], None] | None = None) -> IngestReport:
        """Parse and store a filing. `parsed(filing)` is told once its facts are read (before its
        passages are embedded); `progress(done, total)` as passage batches are embedded."""
        return self._ingest(data, name, progress, time.perf_counter(), parsed)

    def _ingest(self, data: bytes, name: str, progress: Callable[[int, int], None] | None, started: float, parsed: Callable[[Filing], None] | None = None) -> IngestReport:
        """Store one file; a file whose content is stored already is not parsed again (its id is the
        hash of its bytes). `seconds` in the report is the whole wall time from `started`."""
        report = self.store.stored(filing_id(data), name) if 0 < len(data) <= self.max_bytes else None
        if report is None:
            parsing = time.perf_counter()
            filing = parse_filing(data, name, max_bytes=self.max_bytes)
            parse_seconds = time.perf_counter() - parsing
            if parsed is not None:
                parsed(filing)
            report = replace(self.store.ingest(filing, progress), parse_seconds=parse_seconds)
            self._after_ingest(filing.format, report, data)
        elif data.startswith(b"%PDF"):
            self._after_ingest(Format.PDF, report, data)
        return replace(report, seconds=time.perf_counter() - started)

    # -- the original file (PDF pages are drawn from it) ---------------------------------
    def _originals(self) -> Path:
        return Path(self.settings.data_dir) / "originals"

    def original_path(self, filing_id: str) -> Path | None:
        """The uploaded PDF a filing was parsed from, kept beside the store (the store keeps text only)."""
        if not filing_id.isalnum():  # ids are hex hashes; nothing else names a file here
            return None
        path = self._originals() / f"{filing_id}.pdf"
        return path if path.is_file() else None

    def _after_ingest(self, format: Format, report: IngestReport, data: bytes) -> None:
        for old in report.replaced:  # an older version of the same name left the store: its PDF goes too
            self._drop_original(old)
        if format == Format.PDF:
            self._keep_original(report.id, data)

    def _drop_original(self, filing_id: str) -> None:
        path = self.original_path(filing_id)
        if path is not None:
            with contextlib.suppress(OSError):
                path.unlink()

    def _keep_original(self, filing_id: str, data: bytes) -> None:
        folder = self._originals()
        with contextlib.suppress(OSError):  # a read-only data dir still answers; only page images are lost
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"{filing_id}.pdf"
            if not path.is_file():
                tmp = path.with_suffix(f".{os.getpid()}-{threading.get_ident()}.tmp")  # concurrent uploads of one file
                tmp.write_bytes(data)
                os.replace(tmp, path)

    def list_filings(self) -> list[FilingSummary]:
        return self.store.list_filings()

    def get_filing(self, filing_id: str) -> Filing:
        filing = self.store.get_filing(filing_id)
        if filing is None:
            raise UnknownFiling(filing_id)
        return filing

    def delete(self, filing_id: str) -> bool:
        self.engine.forget(filing_id)
        deleted = self.store.delete(filing_id)
        self._drop_original(filing_id)
        return deleted

    def answer(self, question: str, filing_id: str, history: Sequence[str | followup.Turn] | None = None) -> Answer:
        """Answer a question; with `history` (the conversation's earlier questions, oldest first,
        or Turns already read) a follow-up is read against the turn before it."""
        if not history:
            return self.chain.invoke({"question": question, "filing": filing_id})
        filing = self.get_filing(filing_id)
        periods = {(c.period_end, c.months) for t in filing.tables for c in t.columns if c.period_end and c.kind == "value"}

        def answer_period(understood: str) -> tuple[dt.date | None, int | None] | None:
            earlier = self.chain.invoke({"question": understood, "filing": filing_id})
            period = earlier.figures[0].period if earlier.figures and not earlier.abstained else None
            return (period.end, period.months) if period is not None else None

        understood = followup.understand(question, history, answer_period, list(periods))
        answer = self.chain.invoke({"question": understood, "filing": filing_id})
        answer.question = question
        answer.understood_as = understood
        return answer

    def warm_up(self) -> None:
        self.store.ping()
        self.store.embeddings.warm_up()
