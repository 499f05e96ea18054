"""Issue 7.2: concurrency against one real server (threads in one process, as the embedded store
requires). 16 clients at once get identical correct answers; asking while another filing is being
ingested works (answers come back before that ingest ends). Two uploads of the same filing at once
storing it once is in test_crash_safety.py (it shares the killed server's restart).
"""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from relhelpers import KNOWN, check_known_answer

pytestmark = pytest.mark.slow


def _ask(client: httpx.Client, question: str, filing: str) -> dict:
    r = client.post("/v1/answer", json={"question": question, "filing": filing})
    assert r.status_code == 200, r.text
    body = r.json()
    body.pop("latency_ms", None)
    return body


def test_16_clients_at_once_get_identical_correct_answers(rel_server, rel_sample) -> None:
    questions = list(KNOWN)
    answers: dict[str, list[dict]] = {q: [] for q in questions}
    errors: list[BaseException] = []
    barrier = threading.Barrier(16)

    def client(n: int) -> None:
        try:
            with rel_server.client() as c:
                barrier.wait(timeout=60)
                for q in questions[n % len(questions) :] + questions[: n % len(questions)]:  # each client its own order
                    answers[q].append(_ask(c, q, rel_sample))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(180)
    assert not errors, errors
    for q, got in answers.items():
        assert len(got) == 16
        assert all(a == got[0] for a in got), f"different answers to {q!r}"
        check_known_answer(got[0], q)


def test_asking_while_another_filing_is_being_ingested(rel_server, rel_sample, tmp_path) -> None:
    # A filing big enough that embedding it takes a while: 200 paragraphs of distinct prose.
    words = "revenue margin customers growth backlog pipeline licensing royalty clinical partner program quarter".split()
    paragraphs = [f"Item {n}. " + " ".join(f"{words[(n * 7 + k) % len(words)]}{n}x{k}" for k in range(60)) + "." for n in range(200)]
    big = ("BIG CORP\nFORM 8-K\n\n" + "\n\n".join(paragraphs)).encode()
    upload_done = threading.Event()
    upload_result: dict = {}

    def ingest() -> None:
        with rel_server.client(timeout=600) as c:
            upload_result["r"] = c.post("/v1/filings", files={"file": ("big-8k.txt", big, "text/plain")}, headers=rel_server.auth())
        upload_done.set()

    # Reworded questions: their vectors are not in the query cache, so each answer needs the model too.
    asked = [
        ("How much was the net loss in the six months ended December 31, 2004?", "What was the net loss for the six months ended December 31, 2004?"),
        ("what were the total revenues in the three months ended december 31, 2004", "What were total revenues for the three months ended December 31, 2004?"),
        ("Net loss, three months ended December 31, 2004?", "What was the net loss for the three months ended December 31, 2004?"),
        ("Total revenues for the six months ended December 31, 2004", "What were total revenues for the six months ended December 31, 2004?"),
    ]
    t = threading.Thread(target=ingest)
    t.start()
    answered_during = 0
    with rel_server.client() as c:
        deadline = time.monotonic() + 300
        n = 0
        while not upload_done.is_set() and time.monotonic() < deadline:
            question, known = asked[n % len(asked)]
            body = _ask(c, question, rel_sample)
            check_known_answer(body, known)
            if not upload_done.is_set():
                answered_during += 1
            n += 1
    t.join(600)
    r = upload_result["r"]
    assert r.status_code == 201, r.text
    assert r.json()["embedded"] >= 50
    assert answered_during >= 2, "no answer came back while the other filing was being ingested"
    with rel_server.client() as c:
        assert {f["name"] for f in c.get("/v1/filings").json()["filings"]} >= {"big-8k.txt"}
        r = c.delete(f"/v1/filings/{r.json()['id']}", headers=rel_server.auth())
        assert r.status_code == 200
