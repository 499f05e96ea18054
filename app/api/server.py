"""`filingqa serve`: one uvicorn process serving the API, the OpenAI-compatible endpoint and the chat UI.

With the embedded store it is one process (workers=1, threads for concurrency); `--workers N`
is refused there and allowed only with a Chroma server (FILINGQA_CHROMA_URL).
"""

from __future__ import annotations

import ipaddress
import os
import sys

from filingqa.app.settings import Settings, get_settings

LOOPBACK = {"localhost", "127.0.0.1", "::1"}


def _is_loopback(host: str) -> bool:
    if host in LOOPBACK:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _url(host: str, port: int) -> str:
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else ("[::1]" if host in ("::", "::1") else host)
    return f"http://{shown}:{port}"


def serve(host: str | None = None, port: int | None = None, workers: int = 1, settings: Settings | None = None, log_level: str = "info") -> int:
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    # One torch intra-op thread: a question embeds one short sentence, where a second OpenMP thread
    # gains ~nothing and, when another process holds a core, makes each answer ~10x slower (spinning
    # threads waiting on a busy core). Requests get their concurrency from the server's threads.
    # Set OMP_NUM_THREADS yourself to override (ingest batches are somewhat faster with more).
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    settings = settings or get_settings()
    host = host or settings.host
    port = settings.port if port is None else port
    if workers < 1:
        print("filingqa: error: --workers must be at least 1", file=sys.stderr)
        return 2
    if workers > 1 and not settings.chroma_url:
        print(
            f"filingqa: error: --workers {workers} needs a Chroma server. The embedded store is one process only "
            "(Chroma's PersistentClient is not fork-safe); `filingqa serve` uses threads for concurrency. For several "
            "processes run `chroma run --path DIR --port 8000` and set FILINGQA_CHROMA_URL=http://127.0.0.1:8000.",
            file=sys.stderr,
        )
        return 2
    from filingqa.app.api.app import ServerLock

    if not settings.chroma_url:
        busy = ServerLock(settings.data_dir).probe()
        if busy:
            print(f"filingqa: error: {busy}", file=sys.stderr)
            return 2
    if not _is_loopback(host) and not settings.api_key:
        print(f"filingqa: warning: binding {host} without FILINGQA_API_KEY: anyone who can reach this port can upload and delete filings", file=sys.stderr)

    import uvicorn

    base = _url(host, port)
    if workers == 1:
        print(f"FilingQA: chat UI {base}/chat/   API docs {base}/docs   health {base}/healthz", flush=True)
    print(f"FilingQA: store {'Chroma server ' + settings.chroma_url if settings.chroma_url else 'embedded in ' + settings.data_dir}; loading the model…", flush=True)
    announce = f"FilingQA ready: open {base}/chat/"
    if workers > 1:
        # Each worker builds its own app from the environment (the same FILINGQA_* settings). The chat
        # UI keeps a browser session's queue in one process, so several workers serve the API only;
        # run the UI from a single-worker `filingqa serve` (any number can share the Chroma server).
        print(f"FilingQA: {workers} workers serve the API only (no /chat/ UI); the UI needs a single-worker `filingqa serve`.", flush=True)
        uvicorn.run("filingqa.app.api.app:create_api_app", factory=True, host=host, port=port, workers=workers, log_level=log_level)
        return 0
    from filingqa.app.api.app import create_app

    app = create_app(settings=settings, announce=announce)
    uvicorn.run(app, host=host, port=port, workers=1, log_level=log_level, timeout_graceful_shutdown=5)
    return 0
