"""Small measuring tools for the benchmark: an encode meter, percentiles, memory, the machine."""

from __future__ import annotations

import os
import platform
import resource
import sys
import time
from collections.abc import Sequence


class EncodeMeter:
    """Wraps one embeddings object's `encode` (an instance attribute shadowing the method), timing every call.

    The store calls `self.embeddings.encode(...)` for chunks and labels and the engine reaches it through
    `query_vector`, so every pass through the model is counted. Optionally it remembers each text's vector
    (`record`) and serves remembered ones without running the model (`serve`): the scaling phase stores
    copies of the corpus, whose texts were all embedded once already, and recomputing identical vectors
    would only make the benchmark slower, not the store any different.
    """

    def __init__(self, embeddings):
        self.embeddings = embeddings
        self._original = embeddings.encode
        self.seconds = 0.0
        self.cpu_seconds = 0.0  # this process's CPU time inside the model: steadier than wall time on a shared machine
        self.calls = 0
        self.texts = 0
        self.served = 0
        self.record = False
        self.serve = False
        self.memo: dict[str, object] = {}
        embeddings.encode = self._encode

    def _encode(self, texts: Sequence[str]):
        if self.serve and texts:
            missing = [t for t in dict.fromkeys(texts) if t not in self.memo]
            if missing:
                self._run(missing, remember=True)
            import numpy as np

            self.served += len(texts) - len(missing)
            return np.stack([self.memo[t] for t in texts]).astype("float32")
        return self._run(texts, remember=self.record)

    def _run(self, texts: Sequence[str], remember: bool):
        started, cpu = time.perf_counter(), time.process_time()
        vectors = self._original(texts)
        self.seconds += time.perf_counter() - started
        self.cpu_seconds += time.process_time() - cpu
        self.calls += 1
        self.texts += len(texts)
        if remember:
            for t, v in zip(texts, vectors):
                self.memo[t] = v
        return vectors

    def snapshot(self) -> tuple[float, int, int]:
        return self.seconds, self.calls, self.texts

    def uninstall(self) -> None:
        if self.embeddings.__dict__.get("encode") == self._encode:  # bound methods are new objects: compare, not `is`
            del self.embeddings.__dict__["encode"]


def summary(seconds: Sequence[float]) -> dict:
    """n, p50, p95 (and mean, max) of latencies given in seconds, reported in milliseconds."""
    import numpy as np

    if not seconds:
        return {"n": 0, "p50_ms": None, "p95_ms": None, "mean_ms": None, "max_ms": None}
    ms = np.asarray(seconds, dtype=float) * 1000.0
    return {
        "n": int(ms.size),
        "p50_ms": round(float(np.percentile(ms, 50)), 2),
        "p95_ms": round(float(np.percentile(ms, 95)), 2),
        "mean_ms": round(float(ms.mean()), 2),
        "max_ms": round(float(ms.max()), 2),
    }


def rss_mb() -> float:
    """This process's resident memory now, in MB."""
    try:
        import psutil

        return round(psutil.Process().memory_info().rss / 2**20, 1)
    except Exception:
        with open("/proc/self/statm") as f:
            return round(int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20, 1)


def peak_rss_mb() -> float:
    """This process's peak resident memory so far, in MB (Linux reports ru_maxrss in KB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def process_rss_mb(pid: int) -> float | None:
    try:
        import psutil

        return round(psutil.Process(pid).memory_info().rss / 2**20, 1)
    except Exception:
        return None


def cpu_model() -> str | None:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or None


def load_average() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def machine() -> dict:
    """What the numbers were measured on. The load average says whether the machine was shared."""
    import torch

    return {
        "cores": os.cpu_count(),
        "python": f"{sys.version_info.major}.{sys.version_info.minor}",
        "python_full": platform.python_version(),
        "platform": platform.platform(),
        "cpu": cpu_model(),
        "memory_gb": _memory_gb(),
        "torch": torch.__version__,
        "torch_threads_default": torch.get_num_threads(),
        "load_average_start": load_average(),
    }


def _memory_gb() -> float | None:
    try:
        return round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    except (ValueError, OSError):
        return None
