"""Fixtures for the server tests: a real `filingqa serve` on a free 127.0.0.1 port, one per session.

State is isolated: each server gets its own temporary FILINGQA_DATA_DIR. The model load costs
seconds per process, so every API and browser test shares the one server (and its sample filing).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "samples" / "immunogen-8k-2005-02-03.txt"
BIN = Path(sys.executable).parent
API_KEY = "test-key-5d1f0c"  # the session server's FILINGQA_API_KEY
MAX_UPLOAD_MB = 1  # small, so the 413 tests need only a little over 1 MB
STARTUP_TIMEOUT = 120.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def base_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FILINGQA_")}
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", ANONYMIZED_TELEMETRY="False", GRADIO_ANALYTICS_ENABLED="False", PYTHONUNBUFFERED="1", NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost")
    env.update(extra)
    return env


@dataclass
class Server:
    """A `filingqa serve` subprocess and what it printed."""

    port: int
    data_dir: Path
    log_path: Path
    env: dict[str, str]
    api_key: str | None = None
    max_upload_mb: int = 50
    proc: subprocess.Popen | None = None
    startup_statuses: list[tuple[int, dict]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def start(self, *args: str, timeout: float = STARTUP_TIMEOUT) -> "Server":
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        out = self.log_path.open("w")
        self.proc = subprocess.Popen([str(BIN / "filingqa"), "serve", "--port", str(self.port), *args], env=self.env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
        deadline = time.monotonic() + timeout
        with httpx.Client(timeout=5, trust_env=False) as client:
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"filingqa serve exited with {self.proc.returncode}:\n{self.log()[-4000:]}")
                try:
                    r = client.get(f"{self.url}/healthz")
                    self.startup_statuses.append((r.status_code, r.json()))
                    if r.status_code == 200:
                        return self
                except httpx.TransportError:
                    pass
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"filingqa serve was not ready in {timeout:.0f}s:\n{self.log()[-4000:]}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)


def make_server(tmp: Path, **settings: str) -> Server:
    data_dir = tmp / "data"
    env = base_env(FILINGQA_DATA_DIR=str(data_dir), **{f"FILINGQA_{k.upper()}": v for k, v in settings.items()})
    return Server(port=free_port(), data_dir=data_dir, log_path=tmp / "server.log", env=env, api_key=settings.get("api_key"), max_upload_mb=int(settings.get("max_upload_mb", 50)))


@pytest.fixture(scope="session")
def new_server():
    """A factory: new_server(tmp_dir, chroma_url=..., ...) -> a not yet started Server."""
    return make_server


@pytest.fixture(scope="session")
def get_free_port():
    """A factory for a free 127.0.0.1 port."""
    return free_port


@pytest.fixture(scope="session")
def clean_env():
    """A factory for a subprocess environment without the caller's FILINGQA_* settings."""
    return base_env


@pytest.fixture(scope="session")
def sample_path() -> Path:
    return SAMPLE


@pytest.fixture(scope="session")
def filingqa_bin() -> Path:
    return BIN / "filingqa"


@pytest.fixture(scope="session")
def server(tmp_path_factory) -> Server:
    """The session's server: embedded store in a fresh data dir, an API key, a 1 MB upload limit."""
    srv = make_server(tmp_path_factory.mktemp("filingqa-server"), api_key=API_KEY, max_upload_mb=str(MAX_UPLOAD_MB))
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def api(server: Server) -> httpx.Client:
    with httpx.Client(base_url=server.url, timeout=60, trust_env=False) as client:
        yield client


@pytest.fixture(scope="session")
def auth() -> dict[str, str]:
    return {"Authorization": f"Bearer {API_KEY}"}


@dataclass
class Uploaded:
    status: int
    body: dict

    @property
    def id(self) -> str:
        return self.body["id"]


@pytest.fixture(scope="session")
def sample(api: httpx.Client, auth: dict[str, str]) -> Uploaded:
    """The bundled sample filing, uploaded once through the API (the first upload of the session)."""
    r = api.post("/v1/filings", files={"file": (SAMPLE.name, SAMPLE.read_bytes(), "text/plain")}, headers=auth)
    assert r.status_code in (200, 201), r.text
    return Uploaded(r.status_code, r.json())


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """Where screenshots are kept after the run: docs/screenshots/."""
    out = ROOT / "docs" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    return out
