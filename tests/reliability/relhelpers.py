"""Helpers for the reliability tests (issue 7): real `filingqa` subprocesses, real stores, loopback only.

Everything here starts real processes: `filingqa serve` on a free 127.0.0.1 port, `filingqa ingest`
killed with SIGKILL at named stages (FILINGQA_TEST_PAUSE_AT, a test hook in vectorstore/store.py),
`chroma run`. Each gets its own temporary FILINGQA_DATA_DIR. The model load costs seconds per
process, so servers and the clean reference store are shared per session.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "samples" / "immunogen-8k-2005-02-03.txt"
BIN = Path(sys.executable).parent
FILINGQA = BIN / "filingqa"
CHROMA = BIN / "chroma"
API_KEY = "rel-key-9f2c7d41"
STARTUP_TIMEOUT = 120.0

# Questions with the sample's known answers: (value, scale, period end, months).
KNOWN = {
    "What was the net loss for the six months ended December 31, 2004?": (-4680, "thousands", "2004-12-31", 6),
    "What were total revenues for the three months ended December 31, 2004?": (9047, "thousands", "2004-12-31", 3),
    "What was the net loss for the three months ended December 31, 2004?": (-2209, "thousands", "2004-12-31", 3),
    "What were total revenues for the six months ended December 31, 2004?": (18054, "thousands", "2004-12-31", 6),
    "What was the net loss for the three months ended December 31, 2003?": (-1333, "thousands", "2003-12-31", 3),
}


class CleanIngest:
    """`filingqa ingest SAMPLE` into a fresh store, started at once in the background; `.get()` waits
    for it and returns (data dir, its report, its dump). Other work overlaps the model load meanwhile."""

    def __init__(self, data_dir: Path):
        self.data_dir = data_dir
        self.proc = subprocess.Popen([str(FILINGQA), "ingest", str(SAMPLE), "--json"], env=env_for(data_dir), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
        self._result: tuple[Path, dict, dict] | None = None

    def get(self) -> tuple[Path, dict, dict]:
        if self._result is None:
            out, err = self.proc.communicate(timeout=300)
            assert self.proc.returncode == 0, err[-3000:]
            report = json.loads(out)["filings"][0]
            (dump,) = dump_stores(self.data_dir)
            assert entries(dump)["chunks"] == report["chunks"] and entries(dump)["filings"] == 1 and entries(dump)["pending"] == 0
            self._result = (self.data_dir, report, dump)
        return self._result


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def env_for(data_dir: Path | str | None = None, **extra: str) -> dict[str, str]:
    """A subprocess environment without the caller's FILINGQA_* settings; offline; loopback only."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FILINGQA_") and k.lower() not in ("http_proxy", "https_proxy", "all_proxy")}
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", ANONYMIZED_TELEMETRY="False", GRADIO_ANALYTICS_ENABLED="False", PYTHONUNBUFFERED="1", NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost")
    if data_dir is not None:
        env["FILINGQA_DATA_DIR"] = str(data_dir)
    env.update({k if k.isupper() else f"FILINGQA_{k.upper()}": str(v) for k, v in extra.items()})
    return env


def run_cli(*args: str, env: dict[str, str], timeout: float = 180, check: bool = True) -> subprocess.CompletedProcess:
    r = subprocess.run([str(FILINGQA), *args], env=env, capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    if check and r.returncode != 0:
        raise AssertionError(f"filingqa {' '.join(args)} exited {r.returncode}:\n{r.stderr[-3000:]}")
    return r


def filings_json(data_dir: Path) -> list[dict]:
    """What `filingqa filings --json` shows for a store."""
    return json.loads(run_cli("filings", "--json", env=env_for(data_dir)).stdout)["filings"]


_DUMP_LOCK = threading.Lock()


def dump_stores(*data_dirs: Path) -> list[dict]:
    """Each store's collections: ids, documents and metadata (volatile timestamps left out), filing
    records as their facts. Read with Chroma in this process, which then closes the store again so
    that the next subprocess has it to itself."""
    with _DUMP_LOCK:  # Chroma's client cache is not thread-safe
        return [_dump(Path(d)) for d in data_dirs]


def _dump(data_dir: Path) -> dict:
    import chromadb
    from chromadb.api.shared_system_client import SharedSystemClient
    from chromadb.config import Settings

    from filingqa.vectorstore.store import _decode_filing

    key = str(data_dir)
    assert key not in SharedSystemClient._identifier_to_system, "the store is already open in this process"
    client = chromadb.PersistentClient(path=key, settings=Settings(anonymized_telemetry=False))
    try:
        out: dict = {}
        for name in sorted(c.name for c in client.list_collections()):
            got = client.get_collection(name).get(include=["documents", "metadatas"])
            rows = {}
            for i, doc, meta in zip(got["ids"], got["documents"], got["metadatas"]):
                meta = {k: v for k, v in (meta or {}).items() if k not in ("ingested_at", "touched", "started", "parser")}
                if name == "filingqa-filings":
                    filing = _decode_filing(doc)
                    doc = {"facts": sorted(f.model_dump_json() for f in filing.facts()), "lines": len(filing.lines), "tables": len(filing.tables)}
                rows[i] = {"doc": doc, "meta": meta}
            out[name] = rows
        return out
    finally:
        del client
        system = SharedSystemClient._identifier_to_system.pop(key, None)
        SharedSystemClient._identifier_to_refcount.pop(key, None)
        if system is not None:
            system.stop()


def entries(dump: dict) -> dict[str, int]:
    """Entries per collection (a collection never created counts 0)."""
    names = ("filingqa-chunks", "filingqa-labels", "filingqa-filings", "filingqa-pending")
    return {n.removeprefix("filingqa-"): len(dump.get(n, {})) for n in names}


def data_of(dump: dict) -> dict:
    """The data a user can observe: chunks, labels and filing records (not the empty pending collection)."""
    return {n: dump.get(n, {}) for n in ("filingqa-chunks", "filingqa-labels", "filingqa-filings")}


@dataclass
class Paused:
    proc: subprocess.Popen
    stage: str
    stderr: Path

    def kill(self) -> None:
        """SIGKILL: no cleanup, no atexit, no flush; exactly what a crash or the OOM killer does."""
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)
        assert self.proc.returncode == -signal.SIGKILL


def start_paused(args: list[str], env: dict[str, str], stage: str, workdir: Path, timeout: float = 180) -> Paused:
    """Start `filingqa ARGS` with FILINGQA_TEST_PAUSE_AT=stage and return once it sleeps at that stage."""
    workdir.mkdir(parents=True, exist_ok=True)
    note = workdir / f"pause-{stage}-{time.monotonic_ns()}"
    err = workdir / f"stderr-{stage}-{time.monotonic_ns()}"
    env = {**env, "FILINGQA_TEST_PAUSE_AT": stage, "FILINGQA_TEST_PAUSE_FILE": str(note)}
    with err.open("w") as out:
        proc = subprocess.Popen([str(FILINGQA), *args], env=env, stdout=subprocess.DEVNULL, stderr=out, cwd=ROOT)
    deadline = time.monotonic() + timeout
    while not (note.exists() and note.read_text().strip()):
        if proc.poll() is not None:
            raise AssertionError(f"filingqa {' '.join(args)} ended ({proc.returncode}) before stage {stage}:\n{err.read_text()[-3000:]}")
        if time.monotonic() > deadline:
            proc.kill()
            raise AssertionError(f"filingqa {' '.join(args)} did not reach stage {stage} in {timeout:.0f}s")
        time.sleep(0.05)
    assert note.read_text().split()[1] == stage
    return Paused(proc, stage, err)


@dataclass
class Server:
    """A `filingqa serve` subprocess and what it printed."""

    port: int
    data_dir: Path
    log_path: Path
    env: dict[str, str]
    api_key: str | None = None
    proc: subprocess.Popen | None = None
    args: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def launch(self, *args: str, cmd: list[str] | None = None) -> "Server":
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        out = self.log_path.open("a")
        command = cmd or [str(FILINGQA), "serve", "--port", str(self.port), *args]
        self.proc = subprocess.Popen(command, env=self.env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
        return self

    def wait_ready(self, timeout: float = STARTUP_TIMEOUT) -> "Server":
        deadline = time.monotonic() + timeout
        with httpx.Client(timeout=5, trust_env=False) as client:
            while time.monotonic() < deadline:
                if self.proc is not None and self.proc.poll() is not None:
                    raise RuntimeError(f"filingqa serve exited with {self.proc.returncode}:\n{self.log()[-4000:]}")
                try:
                    if client.get(f"{self.url}/healthz").status_code == 200:
                        return self
                except httpx.TransportError:
                    pass
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"filingqa serve was not ready in {timeout:.0f}s:\n{self.log()[-4000:]}")

    def start(self, *args: str) -> "Server":
        return self.launch(*args).wait_ready()

    def client(self, timeout: float = 120) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=timeout, trust_env=False)

    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


def make_server(tmp: Path, data_dir: Path | None = None, **settings: str) -> Server:
    data_dir = data_dir or tmp / "data"
    env = env_for(data_dir, **settings)
    return Server(port=free_port(), data_dir=data_dir, log_path=tmp / "server.log", env=env, api_key=settings.get("api_key"))


def upload(client: httpx.Client, path: Path, headers: dict[str, str] | None = None, name: str | None = None) -> httpx.Response:
    return client.post("/v1/filings", files={"file": (name or path.name, path.read_bytes(), "text/plain")}, headers=headers or {})


def check_known_answer(body: dict, question: str) -> None:
    value, scale, end, months = KNOWN[question]
    fig = body["figures"][0]
    assert (fig["value"], fig["scale"], fig["period"]["end"], fig["period"]["months"]) == (value, scale, end, months), (question, body["answer"])


def make_pdf(lines: list[str], encrypted: bool = False) -> bytes:
    """A minimal one-page PDF showing `lines` in Helvetica; `encrypted` adds a Standard security
    handler whose user password is not empty (so no reader opens it without the password)."""
    content = "BT /F1 10 Tf 72 720 Td 14 TL " + " ".join(f"({line.replace('(', '[').replace(')', ']')}) '" for line in lines) + " ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(content)} >>\nstream\n{content}\nendstream".encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    trailer = b"<< /Size %d /Root 1 0 R" % (len(objects) + 1 + encrypted)
    if encrypted:
        objects.append(b"<< /Filter /Standard /V 1 /R 2 /O <" + b"ab" * 32 + b"> /U <" + b"cd" * 32 + b"> /P -44 >>")
        trailer += b" /Encrypt 6 0 R /ID [<00112233445566778899aabbccddeeff> <00112233445566778899aabbccddeeff>]"
    trailer += b" >>"
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n" + trailer + b"\nstartxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)
