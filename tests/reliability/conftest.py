"""Fixtures for the reliability tests (issue 7); the helpers they use are in relhelpers.py."""

from __future__ import annotations

import httpx
import pytest

from relhelpers import API_KEY, SAMPLE, CleanIngest, Server, make_server, upload


# -- fixtures ---------------------------------------------------------------------------------
@pytest.fixture(scope="session", autouse=True)
def _started_early(tmp_path_factory):
    """The clean reference ingest and the shared server start when the session does, in the
    background: their model loads overlap each other and the first tests."""
    clean = CleanIngest(tmp_path_factory.mktemp("clean-reference") / "data")
    srv = make_server(tmp_path_factory.mktemp("rel-server"), api_key=API_KEY).launch()
    yield clean, srv
    srv.stop()
    if clean.proc.poll() is None:
        clean.proc.kill()


@pytest.fixture(scope="session")
def clean_reference(_started_early) -> CleanIngest:
    """The sample ingested by `filingqa ingest` into a fresh store (started in the background;
    `.get()` -> (data dir, report, dump))."""
    return _started_early[0]


@pytest.fixture(scope="session")
def rel_server(_started_early) -> Server:
    """One shared server: embedded store, an API key, the default upload limit (50 MB)."""
    return _started_early[1].wait_ready()


@pytest.fixture(scope="session")
def rel_api(rel_server: Server) -> httpx.Client:
    with rel_server.client() as client:
        yield client


@pytest.fixture(scope="session")
def rel_sample(rel_server: Server, rel_api: httpx.Client) -> str:
    """The sample uploaded to the shared server; its filing id."""
    r = upload(rel_api, SAMPLE, rel_server.auth())
    assert r.status_code in (200, 201), r.text
    return r.json()["id"]
