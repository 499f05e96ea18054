"""The HTTP API against a real `filingqa serve` (uvicorn) on a free 127.0.0.1 port.

Assertions are on the figures the sample filing prints (net loss, six months to Dec 31, 2004 =
(4,680) thousand USD; total revenues, three months to Dec 31, 2004 = 9,047), not on wording.
"""

from __future__ import annotations

import json
import select
import socket
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "samples" / "immunogen-8k-2005-02-03.txt"
FILINGQA = Path(sys.executable).parent / "filingqa"
NET_LOSS_Q = "What was the net loss for the six months ended December 31, 2004?"
REVENUE_Q = "What were total revenues for the three months ended December 31, 2004?"


def figure(answer: dict) -> dict:
    assert answer["figures"], answer
    return answer["figures"][0]


def assert_net_loss(answer: dict) -> None:
    f = figure(answer)
    assert f["value"] == -4680 and f["scale"] == "thousands" and f["unit"] == "USD", f
    assert f["period"] == {"end": "2004-12-31", "months": 6}, f
    assert not answer["abstained"]


def assert_revenue(answer: dict) -> None:
    f = figure(answer)
    assert f["value"] == 9047 and f["scale"] == "thousands" and f["unit"] == "USD", f
    assert f["period"] == {"end": "2004-12-31", "months": 3}, f


# -- health and docs ----------------------------------------------------------------------
def test_healthz_is_503_while_warming_up_then_200(server, api: httpx.Client) -> None:
    r = api.get("/healthz")
    assert r.status_code == 200
    assert r.json()["status"] == "ok" and r.json()["store"] == "embedded"
    early = [body for status, body in server.startup_statuses if status == 503]
    if not early:
        pytest.skip("the server was ready before the first /healthz answered")
    assert early[0]["status"] == "starting" and early[0]["error"]


def test_openapi_docs(api: httpx.Client) -> None:
    assert api.get("/docs").status_code == 200
    paths = api.get("/openapi.json").json()["paths"]
    for p in ("/healthz", "/v1/filings", "/v1/filings/{filing_id}", "/v1/filings/{filing_id}/tables", "/v1/answer", "/v1/chat/completions"):
        assert p in paths
    upload = paths["/v1/filings"]["post"]["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert upload["required"] == ["file"]


def test_root_redirects_to_chat(api: httpx.Client) -> None:
    r = api.get("/", follow_redirects=False)
    assert r.status_code in (302, 307) and r.headers["location"] == "/chat/"
    assert api.get("/chat/").status_code == 200


# -- upload ----------------------------------------------------------------------------------
def test_first_upload_is_201_and_the_same_file_again_200_with_nothing_embedded(api: httpx.Client, auth, sample) -> None:
    assert sample.status == 201
    assert set(sample.body) >= {"id", "name", "chunks", "embedded", "facts", "tables"}
    assert sample.body["name"] == SAMPLE.name and sample.body["tables"] == 2 and sample.body["embedded"] > 0
    r = api.post("/v1/filings", files={"file": (SAMPLE.name, SAMPLE.read_bytes())}, headers=auth)
    assert r.status_code == 200, r.text
    again = r.json()
    assert again["id"] == sample.id and again["embedded"] == 0 and again["chunks"] == sample.body["chunks"]


def test_upload_without_or_with_a_wrong_key_is_401(api: httpx.Client, server, sample) -> None:
    key = server.api_key
    files = {"file": ("x.txt", b"Net loss 1 2")}
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": f"Basic {key}"}, {"Authorization": f"Bearer {key}x"}):
        r = api.post("/v1/filings", files=files, headers=headers)
        assert r.status_code == 401, (headers, r.text)
        assert set(r.json()) == {"error", "detail"} and r.headers["www-authenticate"] == "Bearer"
    assert [f["id"] for f in api.get("/v1/filings").json()["filings"]] == [sample.id]


def test_upload_without_the_file_field_is_422_naming_it(api: httpx.Client, auth) -> None:
    r = api.post("/v1/filings", files={"document": ("x.txt", b"hello")}, headers=auth)
    assert r.status_code == 422
    assert "file" in r.json()["error"] and r.json()["detail"][0]["field"] == "file"
    r = api.post("/v1/filings", data={"file": "not a file"}, headers=auth)
    assert r.status_code == 422 and "file" in r.json()["error"]


def test_empty_upload_is_400(api: httpx.Client, auth) -> None:
    r = api.post("/v1/filings", files={"file": ("empty.txt", b"")}, headers=auth)
    assert r.status_code == 400
    assert "empty" in r.json()["error"] and r.json()["detail"]["kind"] == "EmptyFile"


def _raw_http(port: int, head: bytes, chunks: list[bytes] = (), wait: float = 0.05) -> tuple[int, dict, float]:
    """Send a request by hand; stop sending as soon as the server answers. -> (status, body, seconds)."""
    started = time.perf_counter()
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(head)
        for chunk in chunks:
            if select.select([s], [], [], wait)[0]:
                break  # the server has answered: send no more
            s.sendall(chunk)
        data = b""
        while b"\r\n\r\n" not in data or len(data) < data.find(b"\r\n\r\n") + 4 + _length(data):
            got = s.recv(65536)
            if not got:
                break
            data += got
    status = int(data.split(b" ", 2)[1])
    body = data.split(b"\r\n\r\n", 1)[1]
    return status, json.loads(body) if body else {}, time.perf_counter() - started


def _length(data: bytes) -> int:
    for line in data.split(b"\r\n\r\n", 1)[0].split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return int(line.split(b":")[1])
    return 0


def test_upload_over_the_limit_by_content_length_is_413_before_the_body_is_sent(server) -> None:
    key, limit = server.api_key, server.max_upload_mb * 1024 * 1024
    head = (
        f"POST /v1/filings HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {key}\r\n"
        f"Content-Type: multipart/form-data; boundary=xyz\r\nContent-Length: {50 * limit}\r\n\r\n"
    ).encode()
    status, body, seconds = _raw_http(server.port, head)  # not one byte of the body is sent
    assert status == 413 and "too large" in body["error"] and body["detail"]["limit_bytes"] == limit
    assert seconds < 5


def test_chunked_upload_over_the_limit_is_413_while_streaming(server) -> None:
    key, limit = server.api_key, server.max_upload_mb * 1024 * 1024
    head = (
        f"POST /v1/filings HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {key}\r\n"
        "Content-Type: multipart/form-data; boundary=xyz\r\nTransfer-Encoding: chunked\r\n\r\n"
    ).encode()
    part = b'--xyz\r\nContent-Disposition: form-data; name="file"; filename="big.txt"\r\nContent-Type: text/plain\r\n\r\n'
    piece = b"Net loss 1 2 3\n" * 16384  # 256 KB
    chunks = [f"{len(part):x}\r\n".encode() + part + b"\r\n"] + [f"{len(piece):x}\r\n".encode() + piece + b"\r\n"] * 40  # 10 MB on offer
    status, body, _ = _raw_http(server.port, head, chunks)
    assert status == 413 and body["detail"]["limit_bytes"] == limit


def test_a_file_just_over_the_limit_is_413_and_one_at_the_limit_is_not(api: httpx.Client, server, auth) -> None:
    limit = server.max_upload_mb * 1024 * 1024
    r = api.post("/v1/filings", files={"file": ("big.txt", b"x" * (limit + 1))}, headers=auth)
    assert r.status_code == 413 and set(r.json()) == {"error", "detail"} and r.json()["detail"]["limit_bytes"] == limit
    r = api.post("/v1/filings", files={"file": ("big.txt", b"\n" * limit)}, headers=auth)
    assert r.status_code == 400 and r.json()["detail"]["kind"] == "EmptyFile"  # read and parsed: not refused for size


# -- filings -------------------------------------------------------------------------------
def test_list_and_get_a_filing(api: httpx.Client, sample) -> None:
    listed = api.get("/v1/filings").json()["filings"]
    mine = next(f for f in listed if f["id"] == sample.id)
    assert mine["name"] == SAMPLE.name and mine["tables"] == 2 and mine["facts"] == sample.body["facts"]
    one = api.get(f"/v1/filings/{sample.id}").json()
    assert one["id"] == sample.id and one["company"] == "ImmunoGen, Inc." and one["form"] == "8-K" and one["tables"] == 2
    assert api.get("/v1/filings/0000000000000000").status_code == 404


def test_tables_are_the_cli_json_shape(api: httpx.Client, sample, clean_env) -> None:
    r = api.get(f"/v1/filings/{sample.id}/tables")
    assert r.status_code == 200
    cli = subprocess.run([str(FILINGQA), "tables", "--json", str(SAMPLE)], capture_output=True, text=True, env=clean_env(), cwd=ROOT, check=True)
    assert r.json() == json.loads(cli.stdout)
    rows = {row["label"]: row for t in r.json()["tables"] for row in t["rows"]}
    assert rows["Net loss"]["values"][2] == -4680 and rows["Total revenues"]["values"][0] == 9047
    missing = api.get("/v1/filings/nope/tables")
    assert missing.status_code == 404 and set(missing.json()) == {"error", "detail"}


# -- answers -------------------------------------------------------------------------------
def test_answer_net_loss(api: httpx.Client, sample) -> None:
    r = api.post("/v1/answer", json={"question": NET_LOSS_Q, "filing": sample.id})
    assert r.status_code == 200, r.text
    a = r.json()
    assert a["filing"] == sample.id and a["question"] == NET_LOSS_Q
    assert_net_loss(a)
    src = figure(a)["source"]
    assert src["table"] and src["line"] and "4,680" in SAMPLE.read_text().splitlines()[src["line"] - 1]


def test_answer_total_revenues(api: httpx.Client, sample) -> None:
    r = api.post("/v1/answer", json={"question": REVENUE_Q, "filing": sample.id})
    assert r.status_code == 200
    assert_revenue(r.json())


def test_answer_takes_a_unique_id_prefix_or_the_file_name(api: httpx.Client, sample) -> None:
    for ref in (sample.id[:8], SAMPLE.name):
        r = api.post("/v1/answer", json={"question": NET_LOSS_Q, "filing": ref})
        assert r.status_code == 200, (ref, r.text)
        assert r.json()["filing"] == sample.id


def test_answer_unknown_filing_is_404(api: httpx.Client, sample) -> None:
    r = api.post("/v1/answer", json={"question": NET_LOSS_Q, "filing": "ffffffffffffffff"})
    assert r.status_code == 404
    assert set(r.json()) == {"error", "detail"} and "ffffffffffffffff" in r.json()["error"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"filing": "x"}, "question"),
        ({"question": NET_LOSS_Q}, "filing"),
        ({"question": "   ", "filing": "x"}, "question"),
        ({"question": ["not", "text"], "filing": "x"}, "question"),
        ({"question": "q" * 5000, "filing": "x"}, "question"),
    ],
)
def test_malformed_answer_body_is_422_naming_the_field(api: httpx.Client, body: dict, field: str) -> None:
    r = api.post("/v1/answer", json=body)
    assert r.status_code == 422
    assert field in r.json()["error"] and any(p["field"] == field for p in r.json()["detail"])


def test_answer_body_that_is_not_json_is_422(api: httpx.Client) -> None:
    r = api.post("/v1/answer", content=b'{"question": "x", "filing"', headers={"Content-Type": "application/json"})
    assert r.status_code == 422 and set(r.json()) == {"error", "detail"}


def test_concurrent_answers_on_threads(api: httpx.Client, server, sample) -> None:
    def ask(q: str) -> dict:
        with httpx.Client(base_url=server.url, timeout=60, trust_env=False) as c:
            return c.post("/v1/answer", json={"question": q, "filing": sample.id}).json()

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(ask, [NET_LOSS_Q, REVENUE_Q] * 8))
    for a in answers[0::2]:
        assert_net_loss(a)
    for a in answers[1::2]:
        assert_revenue(a)


def test_figure_answers_over_http_are_fast(api: httpx.Client, sample) -> None:
    questions = [
        NET_LOSS_Q,
        REVENUE_Q,
        "What was total assets as of December 31, 2004?",
        "What was the net loss for the three months ended December 31, 2003?",
        "What were research and development expenses for the six months ended December 31, 2004?",
    ]
    api.post("/v1/answer", json={"question": NET_LOSS_Q, "filing": sample.id})  # the filing's first answer prepares its index
    times = []
    for _ in range(6):
        for q in questions:
            t = time.perf_counter()
            r = api.post("/v1/answer", json={"question": q, "filing": sample.id})
            times.append((time.perf_counter() - t) * 1000)
            assert r.status_code == 200
    p50 = statistics.median(times)
    print(f"\nHTTP /v1/answer over {len(times)} figure questions: p50 {p50:.1f} ms, max {max(times):.1f} ms")
    assert p50 < 50


# -- OpenAI-compatible ----------------------------------------------------------------------
def test_chat_completions(api: httpx.Client, sample) -> None:
    body = {"model": sample.id, "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hello"}, {"role": "assistant", "content": "Hi."}, {"role": "user", "content": REVENUE_Q}]}
    r = api.post("/v1/chat/completions", json=body)
    assert r.status_code == 200, r.text
    c = r.json()
    assert c["object"] == "chat.completion" and c["model"] == sample.id
    choice = c["choices"][0]
    assert choice["message"]["role"] == "assistant" and choice["finish_reason"] == "stop"
    assert "9,047" in choice["message"]["content"]
    assert_revenue(c["filingqa"])


def test_chat_completions_with_a_filing_field_and_content_parts(api: httpx.Client, sample) -> None:
    body = {"model": "anything", "filing": sample.id, "messages": [{"role": "user", "content": [{"type": "text", "text": NET_LOSS_Q}]}]}
    r = api.post("/v1/chat/completions", json=body)
    assert r.status_code == 200, r.text
    assert_net_loss(r.json()["filingqa"])


def _sse(response: httpx.Response) -> list[str]:
    return [line[len("data: ") :] for line in response.iter_lines() if line.startswith("data: ")]


def test_chat_completions_streaming(server, sample) -> None:
    body = {"model": sample.id, "stream": True, "messages": [{"role": "user", "content": NET_LOSS_Q}]}
    with httpx.Client(timeout=60, trust_env=False) as client, client.stream("POST", f"{server.url}/v1/chat/completions", json=body) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        events = _sse(r)
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    assert all(c["object"] == "chat.completion.chunk" for c in chunks) and len({c["id"] for c in chunks}) == 1
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks)
    assert "4,680" in text and len(chunks) > 3
    assert_net_loss(chunks[-1]["filingqa"])


def test_the_openai_client_talks_to_it(server, sample) -> None:
    openai = pytest.importorskip("openai")
    client = openai.OpenAI(base_url=f"{server.url}/v1", api_key="unused", http_client=httpx.Client(trust_env=False), max_retries=0)
    reply = client.chat.completions.create(model=sample.id, messages=[{"role": "user", "content": REVENUE_Q}])
    assert "9,047" in reply.choices[0].message.content
    stream = client.chat.completions.create(model=sample.id, messages=[{"role": "user", "content": NET_LOSS_Q}], stream=True)
    text = "".join(chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices)
    assert "4,680" in text
    assert sample.id in [m.id for m in client.models.list()]
    with pytest.raises(openai.NotFoundError):
        client.chat.completions.create(model="no-such-filing", messages=[{"role": "user", "content": NET_LOSS_Q}])


def test_chat_completions_errors(api: httpx.Client, sample) -> None:
    r = api.post("/v1/chat/completions", json={"model": "ffffffffffffffff", "messages": [{"role": "user", "content": NET_LOSS_Q}]})
    assert r.status_code == 404 and set(r.json()) == {"error", "detail"}
    r = api.post("/v1/chat/completions", json={"model": sample.id, "messages": [{"role": "system", "content": "only a system message"}]})
    assert r.status_code == 422 and "messages" in r.json()["error"]
    r = api.post("/v1/chat/completions", json={"model": sample.id, "messages": []})
    assert r.status_code == 422 and "messages" in r.json()["error"]
    r = api.post("/v1/chat/completions", json={"model": sample.id})
    assert r.status_code == 422 and "messages" in r.json()["error"]


# -- delete ---------------------------------------------------------------------------------
def test_delete_needs_the_key_and_removes_the_filing(api: httpx.Client, auth, sample) -> None:
    copy = SAMPLE.read_bytes() + b"\n(a copy for the delete test)\n"
    r = api.post("/v1/filings", files={"file": ("copy-for-delete.txt", copy)}, headers=auth)
    assert r.status_code == 201, r.text
    fid = r.json()["id"]
    assert fid != sample.id
    assert api.delete(f"/v1/filings/{fid}").status_code == 401
    assert api.delete(f"/v1/filings/{fid}", headers={"Authorization": "Bearer wrong"}).status_code == 401
    r = api.delete(f"/v1/filings/{fid}", headers=auth)
    assert r.status_code == 200 and r.json() == {"id": fid, "deleted": True}
    assert api.get(f"/v1/filings/{fid}").status_code == 404
    assert api.post("/v1/answer", json={"question": NET_LOSS_Q, "filing": fid}).status_code == 404
    assert api.delete(f"/v1/filings/{fid}", headers=auth).status_code == 404
    assert [f["id"] for f in api.get("/v1/filings").json()["filings"]] == [sample.id]


# -- the server's rules -----------------------------------------------------------------------
def test_cors_is_closed_by_default(api: httpx.Client) -> None:
    r = api.options("/v1/answer", headers={"Origin": "http://evil.example", "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in r.headers
    r = api.get("/v1/filings", headers={"Origin": "http://evil.example"})
    assert "access-control-allow-origin" not in r.headers


def test_unknown_route_is_a_json_404(api: httpx.Client) -> None:
    r = api.get("/v1/nothing-here")
    assert r.status_code == 404 and set(r.json()) == {"error", "detail"}


def test_the_api_key_never_reaches_the_log(server, api: httpx.Client) -> None:
    api.get("/healthz")
    assert server.api_key not in server.log()


def test_a_second_server_on_the_same_store_is_refused(server) -> None:
    r = subprocess.run([str(FILINGQA), "serve", "--port", "1"], env=server.env, capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert r.returncode == 2
    assert "one process" in r.stderr and "FILINGQA_CHROMA_URL" in r.stderr


def test_workers_above_one_are_refused_with_the_embedded_store(tmp_path, clean_env) -> None:
    env = clean_env(FILINGQA_DATA_DIR=str(tmp_path))
    r = subprocess.run([str(FILINGQA), "serve", "--workers", "2"], env=env, capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert r.returncode == 2 and "FILINGQA_CHROMA_URL" in r.stderr and "chroma run" in r.stderr
