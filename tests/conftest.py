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


SAMPLE = Path(__file__).resolve().parents[1] / "samples" / "immunogen-8k-2005-02-03.txt"


@pytest.fixture(scope="session")
def sample_filing() -> Path:
    return SAMPLE


@pytest.fixture(scope="session")
def embeddings():
    """One real MiniLM model for the whole session (loading it costs seconds, not the test)."""
    from filingqa.vectorstore.embeddings import MiniLMEmbeddings

    model = MiniLMEmbeddings()
    model.warm_up()
    return model


@pytest.fixture
def make_service(tmp_path, embeddings):
    """A FilingService on a fresh embedded Chroma store in a temp dir, sharing the session's model.

    Backends are chosen through Settings, as in production; only the model object is shared.
    """
    from filingqa.app.service import FilingService
    from filingqa.app.settings import Settings

    def make(**overrides):
        settings = Settings(data_dir=str(tmp_path / "data"), **overrides)
        service = FilingService(settings)
        service.store.embeddings = embeddings
        service.engine.embeddings = embeddings
        return service

    return make
