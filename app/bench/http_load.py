"""HTTP load: a real `filingqa serve` subprocess on a free loopback port, and N concurrent clients."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from filingqa.app.bench.measure import process_rss_mb, summary


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def filingqa_bin() -> list[str]:
    """The `filingqa` console script beside this interpreter, or `python -m filingqa.app.cli`."""
    script = Path(sys.executable).parent / "filingqa"
    return [str(script)] if script.exists() else [sys.executable, "-m", "filingqa.app.cli"]


def child_env(data_dir: str, **extra: str) -> dict[str, str]:
    """The caller's environment without its FILINGQA_* settings, offline, pointed at `data_dir`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FILINGQA_")}
    env.update(
        FILINGQA_DATA_DIR=data_dir,
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        ANONYMIZED_TELEMETRY="False",
        GRADIO_ANALYTICS_ENABLED="False",
        PYTHONUNBUFFERED="1",
        NO_PROXY="127.0.0.1,localhost",
        no_proxy="127.0.0.1,localhost",
    )
    env.update(extra)
    return env


@dataclass
class ServerProcess:
    data_dir: str
    log_path: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen | None = None
    ready_s: float | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def start(self, timeout: float = 180.0) -> ServerProcess:
        import httpx

        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        out = self.log_path.open("w")
        started = time.perf_counter()
        self.proc = subprocess.Popen([*filingqa_bin(), "serve", "--host", "127.0.0.1", "--port", str(self.port)], env=child_env(self.data_dir), stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        with httpx.Client(timeout=5, trust_env=False) as client:
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"filingqa serve exited with {self.proc.returncode}:\n{self.log()[-3000:]}")
                try:
                    if client.get(f"{self.url}/healthz").status_code == 200:
                        self.ready_s = time.perf_counter() - started
                        return self
                except httpx.TransportError:
                    pass
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"filingqa serve was not ready in {timeout:.0f}s:\n{self.log()[-3000:]}")

    def rss_mb(self) -> float | None:
        return process_rss_mb(self.proc.pid) if self.proc is not None else None

    def peak_rss_mb(self) -> float | None:
        """The server's high-water resident memory (VmHWM), in MB."""
        try:
            for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
        except (OSError, AttributeError, ValueError):
            pass
        return None

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)


def load(url: str, requests: list[tuple[str, str]], clients: int = 8, warm: list[tuple[str, str]] | None = None) -> dict:
    """POST /v1/answer for every (question, filing) in `requests`, shared out over `clients` threads.

    Each thread has its own keep-alive connection and takes the next request as soon as its last one
    answered (a closed loop), so requests_per_s is the throughput at `clients` requests in flight.
    `warm` requests are sent first, one at a time, and not counted (each filing's first question
    builds its in-memory index).
    """
    import httpx

    with httpx.Client(base_url=url, timeout=120, trust_env=False) as client:
        for q, f in warm or []:
            client.post("/v1/answer", json={"question": q, "filing": f})

    latencies: list[float] = []
    first_seen: list[float] = []  # the first request of each distinct question (the server had not cached its vector)
    statuses: dict[int, int] = {}
    kinds: dict[str, int] = {}
    guard = threading.Lock()
    next_index = iter(range(len(requests)))
    seen: set[str] = set()

    def worker() -> None:
        with httpx.Client(base_url=url, timeout=120, trust_env=False) as c:
            while True:
                with guard:
                    i = next(next_index, None)
                if i is None:
                    return
                q, f = requests[i]
                t0 = time.perf_counter()
                r = c.post("/v1/answer", json={"question": q, "filing": f})
                dt = time.perf_counter() - t0
                with guard:
                    latencies.append(dt)
                    statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
                    if r.status_code == 200:
                        kind = r.json().get("kind", "?")
                        kinds[kind] = kinds.get(kind, 0) + 1
                    if q not in seen:
                        seen.add(q)
                        first_seen.append(dt)

    threads = [threading.Thread(target=worker, name=f"bench-client-{n}") for n in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    s = summary(latencies)
    return {
        "clients": clients,
        "requests": len(requests),
        "distinct_questions": len({q for q, _ in requests}),
        "seconds": round(wall, 3),
        "requests_per_s": round(len(requests) / wall, 2) if wall > 0 else None,
        "p50_ms": s["p50_ms"],
        "p95_ms": s["p95_ms"],
        "first_ask_p50_ms": summary(first_seen)["p50_ms"],
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "answer_kinds": kinds,
    }
