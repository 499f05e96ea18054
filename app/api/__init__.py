"""The HTTP API and the server around it; `create_app` builds the whole ASGI app (see app.py)."""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:  # lazy: `filingqa serve` checks its arguments before importing FastAPI
    if name == "create_app":
        from filingqa.app.api.app import create_app

        return create_app
    raise AttributeError(name)


__all__ = ["create_app"]
