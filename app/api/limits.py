"""The request body limit: 413 before a byte past FILINGQA_MAX_UPLOAD_MB is read, for every route
(the API's uploads and the chat UI's alike).

Two checks, because a client may lie or say nothing:
  1. a Content-Length above the limit is answered 413 at once, without reading the body;
  2. otherwise the body is counted as it streams in (chunked uploads have no length), and the
     chunk that crosses the limit raises `BodyTooLarge` from `receive()`. FastAPI re-raises an
     HTTPException raised while parsing a form, so the route never runs; if something swallows it,
     this middleware answers 413 itself as long as no response has started.
Nothing here buffers the body: multipart files spool to temporary files as Starlette parses them.
"""

from __future__ import annotations

import json

from fastapi.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

BODY_METHODS = {"POST", "PUT", "PATCH"}


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int):
        super().__init__(status_code=413, detail={"limit_bytes": limit})
        self.error = f"request body too large: the limit is {limit // (1024 * 1024)} MB (FILINGQA_MAX_UPLOAD_MB)"


def _body(limit: int, error: str | None = None) -> bytes:
    error = error or BodyTooLarge(limit).error
    return json.dumps({"error": error, "detail": {"limit_bytes": limit}}).encode()


async def _send_json(send: Send, status: int, body: bytes) -> None:
    await send({"type": "http.response.start", "status": status, "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


MULTIPART_SLACK = 64 * 1024  # room for the multipart envelope around a file of exactly the limit


class BodyLimitMiddleware:
    """413 for a body over `max_bytes` (+ the multipart envelope's slack); the route checks the file itself."""

    def __init__(self, app: ASGIApp, max_bytes: int, slack: int = MULTIPART_SLACK):
        self.app = app
        self.max_bytes = max_bytes
        self.cutoff = max_bytes + slack

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") not in BODY_METHODS:
            await self.app(scope, receive, send)
            return
        limit, cutoff = self.max_bytes, self.cutoff
        length = next((v for k, v in scope.get("headers", []) if k == b"content-length"), None)
        if length is not None:
            try:
                declared = int(length)
            except ValueError:
                await _send_json(send, 400, json.dumps({"error": "malformed Content-Length header", "detail": None}).encode())
                return
            if declared > cutoff:
                await _send_json(send, 413, _body(limit))
                return

        received = 0
        started = False

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > cutoff:
                    raise BodyTooLarge(limit)
            return message

        async def tracked(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, tracked)
        except Exception as exc:
            if _is_too_large(exc) and not started:
                await _send_json(send, 413, _body(limit))
                return
            raise


def _is_too_large(exc: BaseException) -> bool:
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, BodyTooLarge):
            return True
        if isinstance(exc, BaseExceptionGroup):
            return any(_is_too_large(e) for e in exc.exceptions)
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False
