"""The same API with a real `chroma run` server as the store (FILINGQA_CHROMA_URL), not the embedded one.

The Chroma server runs in a fixture on a free port with a temporary --path; `filingqa serve` is a
second process pointed at it. This is the mode for more than one server process.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.slow

CHROMA = Path(sys.executable).parent / "chroma"
NET_LOSS_Q = "What was the net loss for the six months ended December 31, 2004?"
REVENUE_Q = "What were total revenues for the three months ended December 31, 2004?"


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory, clean_env, get_free_port) -> str:
    if not CHROMA.exists():
        pytest.skip(f"the chroma CLI is not at {CHROMA}")
    tmp = tmp_path_factory.mktemp("chroma-server")
    port = get_free_port()
    log = (tmp / "chroma.log").open("w")
    proc = subprocess.Popen([str(CHROMA), "run", "--path", str(tmp / "db"), "--host", "127.0.0.1", "--port", str(port)], stdout=log, stderr=subprocess.STDOUT, env=clean_env())
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        with httpx.Client(timeout=2, trust_env=False) as client:
            while True:
                if proc.poll() is not None:
                    pytest.fail(f"chroma run exited with {proc.returncode}: {(tmp / 'chroma.log').read_text()[-2000:]}")
                try:
                    if client.get(f"{url}/api/v2/heartbeat").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    pytest.fail("chroma run gave no heartbeat in 60 s")
                time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
        log.close()


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory, chroma_url, new_server):
    """`filingqa serve` with FILINGQA_CHROMA_URL set (and no API key: writes are open)."""
    srv = new_server(tmp_path_factory.mktemp("filingqa-chroma-mode"), chroma_url=chroma_url)
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def api(chroma_server) -> httpx.Client:
    with httpx.Client(base_url=chroma_server.url, timeout=60, trust_env=False) as client:
        yield client


def _collections(chroma_url: str) -> dict[str, int]:
    """Collection name -> record count, read from the Chroma server itself."""
    base = f"{chroma_url}/api/v2/tenants/default_tenant/databases/default_database/collections"
    with httpx.Client(timeout=10, trust_env=False) as c:
        return {col["name"]: c.get(f"{base}/{col['id']}/count").json() for col in c.get(base).json()}


def test_the_whole_api_over_a_chroma_server(api: httpx.Client, chroma_server, chroma_url, sample_path, get_free_port) -> None:
    health = api.get("/healthz").json()
    assert health["status"] == "ok" and health["store"] == "chroma-server"
    assert not (chroma_server.data_dir / "chroma.sqlite3").exists()  # nothing embedded on this side

    r = api.post("/v1/filings", files={"file": (sample_path.name, sample_path.read_bytes())})
    assert r.status_code == 201, r.text
    fid, embedded = r.json()["id"], r.json()["embedded"]
    assert embedded > 0
    counts = _collections(chroma_url)
    assert counts["filingqa-chunks"] == embedded and counts["filingqa-filings"] == 1

    again = api.post("/v1/filings", files={"file": (sample_path.name, sample_path.read_bytes())})
    assert again.status_code == 200 and again.json()["id"] == fid and again.json()["embedded"] == 0
    assert _collections(chroma_url)["filingqa-chunks"] == embedded

    assert [f["id"] for f in api.get("/v1/filings").json()["filings"]] == [fid]
    tables = api.get(f"/v1/filings/{fid}/tables").json()
    assert [t["id"] for t in tables["tables"]] == ["t1", "t2"]

    a = api.post("/v1/answer", json={"question": NET_LOSS_Q, "filing": fid}).json()
    f = a["figures"][0]
    assert (f["value"], f["scale"], f["unit"], f["period"]) == (-4680, "thousands", "USD", {"end": "2004-12-31", "months": 6})

    body = {"model": fid, "stream": True, "messages": [{"role": "user", "content": REVENUE_Q}]}
    with api.stream("POST", "/v1/chat/completions", json=body) as s:
        events = [line[6:] for line in s.iter_lines() if line.startswith("data: ")]
    assert events[-1] == "[DONE]"
    assert "9,047" in "".join(json.loads(e)["choices"][0]["delta"].get("content", "") for e in events[:-1])

    assert api.post("/v1/answer", json={"question": NET_LOSS_Q, "filing": "ffffffffffffffff"}).status_code == 404
    assert api.post("/v1/answer", json={"filing": fid}).status_code == 422

    r = api.delete(f"/v1/filings/{fid}")
    assert r.status_code == 200
    assert api.get(f"/v1/filings/{fid}").status_code == 404
    counts = _collections(chroma_url)
    assert counts["filingqa-chunks"] == 0 and counts["filingqa-filings"] == 0 and counts["filingqa-labels"] == 0


def test_an_unreachable_chroma_server_is_a_503_not_a_crash(tmp_path, new_server, get_free_port) -> None:
    """A server pointed at a Chroma that is not there starts, says 503 with a reason, and recovers nothing falsely."""
    srv = new_server(tmp_path, chroma_url=f"http://127.0.0.1:{get_free_port()}")
    srv.env["FILINGQA_PORT"] = str(srv.port)
    srv.log_path.parent.mkdir(parents=True, exist_ok=True)
    with srv.log_path.open("w") as out:
        srv.proc = subprocess.Popen([str(Path(sys.executable).parent / "filingqa"), "serve", "--port", str(srv.port)], env=srv.env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 90
        with httpx.Client(base_url=srv.url, timeout=10, trust_env=False) as c:
            body = None
            while time.monotonic() < deadline:
                try:
                    r = c.get("/healthz")
                    if r.status_code == 503 and r.json()["status"] == "error":
                        body = r.json()
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.3)
            assert body is not None, srv.log()[-3000:]
            assert "unavailable" in body["error"].lower()
            r = c.get("/v1/filings")
            assert r.status_code == 503 and set(r.json()) == {"error", "detail"}
    finally:
        srv.stop()
