"""Every error the API returns is JSON `{"error": "<what went wrong>", "detail": <more, or null>}`.

Domain exceptions map to statuses here, once, so the routers stay thin:
  UnknownFiling -> 404, EmptyFile/UnsupportedFormat/IngestError -> 400, FileTooLarge -> 413,
  StoreUnavailable -> 503, a malformed request -> 422 naming the field, anything else -> 500.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import HTTPException, RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from filingqa.app.engine.engine import UnknownFiling
from filingqa.ingest.errors import FileTooLarge, IngestError
from filingqa.vectorstore.store import StoreUnavailable

log = logging.getLogger("filingqa.api")


def error_response(status: int, error: str, detail: Any = None, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": error, "detail": jsonable_encoder(detail)}, status_code=status, headers=headers)


class ApiError(HTTPException):
    """An HTTPException whose body is already in the API's shape."""

    def __init__(self, status: int, error: str, detail: Any = None, headers: dict[str, str] | None = None):
        super().__init__(status_code=status, detail=detail, headers=headers)
        self.error = error


def _field(loc: tuple | list) -> str:
    """("body", "question") -> "question"; ("body", "messages", 0, "content") -> "messages[0].content"."""
    parts = [p for p in loc if p not in ("body", "query", "path", "header")] or list(loc)
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


_STATUS_WORDS = {400: "bad request", 401: "unauthorized", 403: "forbidden", 404: "not found", 405: "method not allowed", 413: "request body too large", 415: "unsupported media type", 422: "invalid request", 429: "too many requests", 503: "service unavailable"}


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status_code, exc.error, exc.detail, exc.headers)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        error = getattr(exc, "error", None) or (exc.detail if isinstance(exc.detail, str) else _STATUS_WORDS.get(exc.status_code, "error"))
        detail = None if isinstance(exc.detail, str) and exc.detail == error else exc.detail
        return error_response(exc.status_code, error, detail, getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = []
        for e in exc.errors():
            field = "body" if e.get("type") == "json_invalid" else _field(e.get("loc", ()))
            problems.append({"field": field, "message": e.get("msg", "invalid"), "type": e.get("type")})
        named = ", ".join(dict.fromkeys(p["field"] for p in problems if p["field"])) or "body"
        return error_response(422, f"invalid request: {named}", problems)

    @app.exception_handler(UnknownFiling)
    async def _unknown(request: Request, exc: UnknownFiling) -> JSONResponse:
        filing = str(exc.args[0]) if exc.args else ""
        return error_response(404, f"no filing with id {filing!r}", {"filing": filing, "hint": "GET /v1/filings lists the ingested filings"})

    @app.exception_handler(IngestError)
    async def _ingest(request: Request, exc: IngestError) -> JSONResponse:
        status = 413 if isinstance(exc, FileTooLarge) else 400
        return error_response(status, str(exc), {"file": exc.name, "reason": exc.reason, "kind": type(exc).__name__})

    @app.exception_handler(StoreUnavailable)
    async def _store(request: Request, exc: StoreUnavailable) -> JSONResponse:
        log.warning("store unavailable: %s", exc)
        return error_response(503, str(exc), None, {"Retry-After": "5"})

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(500, "internal server error", type(exc).__name__)
