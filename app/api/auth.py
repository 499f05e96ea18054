"""Writes (upload, delete) need `Authorization: Bearer <FILINGQA_API_KEY>` when a key is set.

The key is compared in constant time and is never logged or echoed.
"""

from __future__ import annotations

import hmac

from fastapi import Request

from filingqa.app.api.errors import ApiError


def key_matches(expected: str | None, given: str | None) -> bool:
    """True when no key is configured, or `given` is exactly the key (constant-time)."""
    if not expected:
        return True
    if given is None:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())


def bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def require_write_key(request: Request) -> None:
    """FastAPI dependency for the write routes."""
    expected = request.app.state.settings.api_key
    if not expected:
        return
    token = bearer(request)
    if token is None or not key_matches(expected, token):
        raise ApiError(
            401,
            "missing or wrong API key" if token is not None else "this server needs an API key for uploads and deletes",
            {"expected": "Authorization: Bearer <FILINGQA_API_KEY>"},
            headers={"WWW-Authenticate": "Bearer"},
        )
