"""The FastAPI app: the REST API, the OpenAI-compatible endpoint and the chat UI (mounted at /chat).

ONE PROCESS. The embedded Chroma store (a PersistentClient under FILINGQA_DATA_DIR) is not
fork-safe and not multi-process-safe: each process would hold its own in-memory HNSW index over the
same files. So with the embedded store this app runs in exactly one process and gets its
concurrency from threads (sync routes run in the threadpool; embedding calls are serialised by
the model's lock). The app takes an exclusive lock on the data directory at startup, so a second
server on the same store refuses to start. To run several processes, run a Chroma server
(`chroma run --path DIR --port 8000`) and set FILINGQA_CHROMA_URL=http://127.0.0.1:8000; then
`filingqa serve --workers N` is allowed.

Readiness: /healthz answers 503 until a background thread has loaded the embedding model and
opened the store (service.warm_up()); then 200.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from pathlib import Path

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import RedirectResponse, Response

from filingqa.app.api import errors, openai_compat, routes
from filingqa.app.api.limits import BodyLimitMiddleware
from filingqa.app.service import FilingService
from filingqa.app.settings import Settings, get_settings

log = logging.getLogger("filingqa.api")

LOCK_NAME = "filingqa-server.lock"
FAVICON = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#2563eb"/>'
    '<path d="M8 22h4V14H8zm6 0h4V9h-4zm6 0h4v-6h-4z" fill="#fff"/></svg>'
)


class Readiness:
    """Runs service.warm_up() once in a background thread; `ready` is set when it succeeds."""

    def __init__(self, service: FilingService, announce: str | None = None):
        self.service = service
        self.ready = threading.Event()
        self.error: str | None = None
        self.announce = announce
        self._thread: threading.Thread | None = None
        self._guard = threading.Lock()

    def start(self) -> None:
        with self._guard:
            if self.ready.is_set() or (self._thread is not None and self._thread.is_alive()):
                return
            self._thread = threading.Thread(target=self._run, name="filingqa-warm-up", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        try:
            self.service.warm_up()
        except Exception as exc:  # reported by /healthz; retried on the next /healthz
            self.error = str(exc) or type(exc).__name__
            log.warning("warm-up failed: %s", self.error)
            return
        self.error = None
        self.ready.set()
        log.info("ready")
        if self.announce:
            print(self.announce, flush=True)

    def wait(self, timeout: float | None = None) -> bool:
        return self.ready.wait(timeout)


class ServerLock:
    """An exclusive flock on DATA_DIR/filingqa-server.lock: one server per embedded store."""

    def __init__(self, data_dir: str):
        self.path = Path(data_dir) / LOCK_NAME
        self._fd: int | None = None

    def holder(self) -> str | None:
        try:
            return self.path.read_text().strip() or None
        except OSError:
            return None

    def acquire(self) -> None:
        import fcntl

        writable = True
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            # A read-only (or full) data directory still serves its store read-only (see the store):
            # lock the existing lock file, or else the directory itself, without writing.
            writable = False
            try:
                fd = os.open(self.path if self.path.exists() else self.path.parent, os.O_RDONLY)
            except OSError:
                raise RuntimeError(f"cannot use the data directory {self.path.parent}: {exc.strerror or exc} (set FILINGQA_DATA_DIR)") from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise RuntimeError(already_running(str(self.path.parent), self.holder())) from None
        if writable:
            with contextlib.suppress(OSError):  # a full disk: the lock holds without the note
                os.ftruncate(fd, 0)
                os.write(fd, f"pid {os.getpid()}\n".encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            import fcntl

            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, 0)
            with contextlib.suppress(OSError):
                fcntl.flock(self._fd, fcntl.LOCK_UN)
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = None

    def probe(self) -> str | None:
        """None when the lock is free; otherwise the message saying who holds it."""
        try:
            self.acquire()
        except RuntimeError as exc:
            return str(exc)
        self.release()
        return None


class _Redact(logging.Filter):
    """Replaces a secret in every log record that passes, in its message, its arguments (kept in their
    places: uvicorn's access formatter reads them by position) and its traceback text."""

    MASK = "[redacted]"

    def __init__(self, secret: str):
        super().__init__()
        self.secret = secret

    def _clean(self, value: object) -> object:
        if isinstance(value, str):
            return value.replace(self.secret, self.MASK)
        if not isinstance(value, (int, float)) and self.secret in str(value):
            return str(value).replace(self.secret, self.MASK)
        return value

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            record.msg = self._clean(record.msg)
            if isinstance(record.args, tuple):
                record.args = tuple(self._clean(a) for a in record.args)
            elif isinstance(record.args, dict):
                record.args = {k: self._clean(v) for k, v in record.args.items()}
            if record.exc_info and not record.exc_text:
                record.exc_text = logging.Formatter().formatException(record.exc_info)
            if record.exc_text:
                record.exc_text = record.exc_text.replace(self.secret, self.MASK)
            if record.stack_info:
                record.stack_info = record.stack_info.replace(self.secret, self.MASK)
        except Exception:  # never let redaction lose a log line
            pass
        return True


def redact_in_logs(secret: str) -> None:
    """Keep `secret` out of every log line: on the loggers and handlers of the server's logging
    (uvicorn's access log prints paths with their query strings) and of FilingQA's."""
    if len(secret) < 4:
        return
    names = ("", "uvicorn", "uvicorn.error", "uvicorn.access", "filingqa", "filingqa.api", "filingqa.ui", "filingqa.store", "fastapi", "gradio", "httpx")
    for name in names:
        logger = logging.getLogger(name)
        for target in (logger, *logger.handlers):
            if not any(isinstance(f, _Redact) and f.secret == secret for f in target.filters):
                target.addFilter(_Redact(secret))


def already_running(data_dir: str, holder: str | None) -> str:
    return (
        f"another FilingQA server ({holder or 'a running process'}) is using the embedded store in {data_dir}. "
        "The embedded Chroma store is one process only (it is not fork-safe): stop that server, point this one at "
        "another FILINGQA_DATA_DIR, or run a Chroma server (`chroma run --path DIR --port 8000`) and set "
        "FILINGQA_CHROMA_URL=http://127.0.0.1:8000 for several processes."
    )


def create_app(service: FilingService | None = None, settings: Settings | None = None, *, ui: bool = True, announce: str | None = None) -> FastAPI:
    """The whole server as one ASGI app. `uvicorn --factory filingqa.app.api:create_app` works too."""
    settings = settings or (service.settings if service is not None else get_settings())
    service = service or FilingService(settings)
    readiness = Readiness(service, announce)
    lock = None if settings.chroma_url else ServerLock(settings.data_dir)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        if lock is not None:
            lock.acquire()
        if settings.api_key:
            redact_in_logs(settings.api_key)  # here: after the server has configured its logging
        readiness.start()
        try:
            yield
        finally:
            with contextlib.suppress(Exception):
                service.store.close()  # a read-only copy of the store, if one was made
            if lock is not None:
                lock.release()

    app = FastAPI(
        title="FilingQA",
        summary="Ask questions of SEC filings; every number is the filing's own, with its place.",
        description="Upload a filing, then ask. Figures come from the filing's parsed tables, cited by table, row, column and line. "
        "Writes need `Authorization: Bearer <FILINGQA_API_KEY>` when that is set. Errors are `{\"error\": \"...\", \"detail\": ...}`. "
        "The chat UI is at [/chat/](/chat/).",
        version="0.1.0",
        lifespan=lifespan,
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.service = service
    app.state.readiness = readiness
    errors.install(app)
    app.include_router(routes.router)
    app.include_router(openai_compat.router)

    @app.get("/", include_in_schema=False)
    def index() -> RedirectResponse:
        return RedirectResponse("/chat/" if ui else "/docs")

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        return Response(FAVICON, media_type="image/svg+xml", headers={"Cache-Control": "max-age=86400"})

    origins = [o.strip() for o in settings.cors_origins.split(",") if o.strip()]
    if origins:
        app.add_middleware(CORSMiddleware, allow_origins=origins, allow_methods=["GET", "POST", "DELETE"], allow_headers=["Authorization", "Content-Type"])
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_upload_mb * 1024 * 1024)

    if ui:
        from filingqa.app.ui import mount_ui

        mount_ui(app, service, settings)
    return app


def create_api_app() -> FastAPI:
    """The API without the chat UI: what each of `filingqa serve --workers N` runs (Chroma-server mode).
    Gradio keeps each browser session's queue in one process, so the UI needs a single-worker server."""
    return create_app(ui=False)
