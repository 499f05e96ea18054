"""Follow-up questions over HTTP, against the session's real `filingqa serve`: stateless, the client
sends the conversation (OpenAI `messages`, or `history` on /v1/answer)."""

from __future__ import annotations

import json

import httpx
import pytest

pytestmark = pytest.mark.slow

REVENUE_Q = "What were total revenues for the three months ended December 31, 2004?"
NET_LOSS_3M_Q = "What was the net loss for the three months ended December 31, 2004?"


def _figure(answer: dict) -> dict:
    assert answer["figures"] and not answer["abstained"], answer
    return answer["figures"][0]


def _chat(api: httpx.Client, model: str, messages: list[dict], **extra) -> dict:
    r = api.post("/v1/chat/completions", json={"model": model, "messages": messages, **extra})
    assert r.status_code == 200, r.text
    return r.json()


def test_a_year_earlier_through_chat_completions(api: httpx.Client, sample) -> None:
    first = _chat(api, sample.id, [{"role": "user", "content": REVENUE_Q}])
    assert _figure(first["filingqa"])["value"] == 9047
    assert first["filingqa"]["understood_as"] == REVENUE_Q  # standalone: read as asked
    messages = [
        {"role": "user", "content": REVENUE_Q},
        {"role": "assistant", "content": first["choices"][0]["message"]["content"]},
        {"role": "user", "content": "And a year earlier?"},
    ]
    c = _chat(api, sample.id, messages)
    f = _figure(c["filingqa"])
    assert f["value"] == 5164 and f["period"] == {"end": "2003-12-31", "months": 3}
    assert "5,164" in c["choices"][0]["message"]["content"]
    assert c["filingqa"]["question"] == "And a year earlier?"
    assert c["filingqa"]["understood_as"] == "What were total revenues for the three months ended December 31, 2003?"


def test_for_the_six_months_streaming(server, sample) -> None:
    messages = [{"role": "user", "content": NET_LOSS_3M_Q}, {"role": "assistant", "content": "($2,209 thousand)"}, {"role": "user", "content": "for the six months?"}]
    body = {"model": sample.id, "stream": True, "messages": messages}
    with httpx.Client(timeout=60, trust_env=False) as client, client.stream("POST", f"{server.url}/v1/chat/completions", json=body) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        events = [line[6:] for line in r.iter_lines() if line.startswith("data: ")]
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    text = "".join(ch["choices"][0]["delta"].get("content", "") for ch in chunks)
    assert "4,680" in text
    answer = chunks[-1]["filingqa"]
    f = _figure(answer)
    assert f["value"] == -4680 and f["period"] == {"end": "2004-12-31", "months": 6}
    assert answer["understood_as"] == "What was the net loss for the six months ended December 31, 2004?"


def test_a_chain_of_follow_ups_with_content_parts(api: httpx.Client, sample) -> None:
    def user(text: str) -> dict:
        return {"role": "user", "content": [{"type": "text", "text": text}]}

    messages = [user(REVENUE_Q), {"role": "assistant", "content": "…"}, user("What about net loss?"), {"role": "assistant", "content": "…"}, user("And a year earlier?")]
    c = _chat(api, "filingqa", messages, filing=sample.id)
    f = _figure(c["filingqa"])
    assert f["value"] == -1333 and f["period"] == {"end": "2003-12-31", "months": 3}


def test_an_assistant_message_carrying_its_answer_lends_its_reading(api: httpx.Client, sample) -> None:
    first = _chat(api, sample.id, [{"role": "user", "content": NET_LOSS_3M_Q}])
    echoed = {"role": "assistant", "content": first["choices"][0]["message"]["content"], "filingqa": first["filingqa"]}
    c = _chat(api, sample.id, [{"role": "user", "content": "What was the loss?"}, echoed, {"role": "user", "content": "as a share of total revenues?"}])
    # the reading came from the echoed answer, not from the vague words the user typed first
    assert c["filingqa"]["understood_as"] == "What was net loss as a percentage of total revenues for the three months ended December 31, 2004?"
    f = _figure(c["filingqa"])
    assert f["value"] == pytest.approx(-24.42, abs=0.01) and f["unit"] == "percent"


def test_answer_takes_a_history(api: httpx.Client, sample) -> None:
    r = api.post("/v1/answer", json={"question": "for the six months?", "filing": sample.id, "history": [NET_LOSS_3M_Q]})
    assert r.status_code == 200, r.text
    assert _figure(r.json())["value"] == -4680
    alone = api.post("/v1/answer", json={"question": NET_LOSS_3M_Q, "filing": sample.id}).json()
    assert alone["understood_as"] == NET_LOSS_3M_Q and _figure(alone)["value"] == -2209
    r = api.post("/v1/answer", json={"question": "and?", "filing": sample.id, "history": "not a list"})
    assert r.status_code == 422 and "history" in r.json()["error"]
