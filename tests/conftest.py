"""Shared fixtures."""

from pathlib import Path

import pytest

CORPUS_DIR = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus"


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    """The real SEC filings (never copied into the repo); tests that need them skip without them."""
    if not CORPUS_DIR.is_dir():
        pytest.skip(f"corpus not found at {CORPUS_DIR.resolve()}")
    return CORPUS_DIR.resolve()
