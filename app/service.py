"""The service every front end uses (CLI, HTTP API, chat UI, eval runner): ingest, list, delete, answer.

It wires settings to the store and the engine; the engine knows nothing of HTTP or UI.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from filingqa.app.engine.chain import build_chain
from filingqa.app.engine.engine import AnswerEngine, UnknownFiling
from filingqa.app.engine.generation import NarrativePhraser
from filingqa.app.engine.model import Answer
from filingqa.app.settings import Settings, get_settings
from filingqa.ingest.model import Filing
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

    def ingest_bytes(self, data: bytes, name: str, progress: Callable[[int, int], None] | None = None) -> IngestReport:
        return self._ingest(data, name, progress, time.perf_counter())

    def _ingest(self, data: bytes, name: str, progress: Callable[[int, int], None] | None, started: float) -> IngestReport:
        """Store one file; a file whose content is stored already is not parsed again (its id is the
        hash of its bytes). `seconds` in the report is the whole wall time from `started`."""
        report = self.store.stored(filing_id(data), name) if 0 < len(data) <= self.max_bytes else None
        if report is None:
            parsing = time.perf_counter()
            filing = parse_filing(data, name, max_bytes=self.max_bytes)
            parse_seconds = time.perf_counter() - parsing
            report = replace(self.store.ingest(filing, progress), parse_seconds=parse_seconds)
        return replace(report, seconds=time.perf_counter() - started)

    def list_filings(self) -> list[FilingSummary]:
        return self.store.list_filings()

    def get_filing(self, filing_id: str) -> Filing:
        filing = self.store.get_filing(filing_id)
        if filing is None:
            raise UnknownFiling(filing_id)
        return filing

    def delete(self, filing_id: str) -> bool:
        self.engine.forget(filing_id)
        return self.store.delete(filing_id)

    def answer(self, question: str, filing_id: str) -> Answer:
        return self.chain.invoke({"question": question, "filing": filing_id})

    def warm_up(self) -> None:
        self.store.ping()
        self.store.embeddings.warm_up()
