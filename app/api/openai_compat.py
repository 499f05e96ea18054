"""OpenAI-compatible chat completions, so existing OpenAI clients can ask FilingQA.

    POST /v1/chat/completions {"model": "<filing id>", "messages": [...], "stream": false}

The last user message is the question; the earlier user messages are the conversation, so a
follow-up ("And a year earlier?") is read against them (stateless: the client sends the history,
as OpenAI clients do). An assistant message that carries back its `filingqa` answer lends its
reading and period, so that turn is not answered again. The filing is named by a `filing` field or by `model`
(an id, unique id prefix or file name; "filingqa" or "" means "the only filing stored").
The reply's `choices[0].message.content` is the answer's text; the full Answer rides along under
`filingqa`. With `stream: true` the reply is server-sent events (`data: {chunk}` … `data: [DONE]`).
GET /v1/models lists the filings as models, for clients that pick from a list.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
import uuid
from collections.abc import Iterator
from typing import Any, Literal

from fastapi import APIRouter, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from filingqa.app.api.errors import ApiError
from filingqa.app.api.routes import Service, answer_question
from filingqa.app.engine.followup import Turn
from filingqa.app.engine.model import Answer
from filingqa.app.service import FilingService

router = APIRouter(tags=["openai-compatible"])

GENERIC_MODELS = {"", "filingqa", "default"}


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")

    role: str
    content: str | list[dict[str, Any]] | None = None


class ChatRequest(BaseModel):
    model_config = ConfigDict(
        extra="allow",  # temperature, max_tokens, … are accepted and ignored: answers are not sampled
        json_schema_extra={"examples": [{"model": "8069ab947c1129c9", "messages": [{"role": "user", "content": "What were total revenues for the three months ended December 31, 2004?"}], "stream": False}]},
    )

    model: str | None = Field(default=None, description="the filing id (or unique prefix, or file name)")
    messages: list[ChatMessage] = Field(min_length=1)
    stream: bool = False
    filing: str | None = Field(default=None, description="names the filing instead of `model`")


def message_text(message: ChatMessage) -> str:
    if isinstance(message.content, str):
        return message.content
    parts = message.content or []
    return "\n".join(str(p.get("text", "")) for p in parts if isinstance(p, dict) and p.get("type") in ("text", "input_text"))


def last_question(body: ChatRequest) -> str:
    for i in range(len(body.messages) - 1, -1, -1):
        m = body.messages[i]
        if m.role == "user":
            text = message_text(m).strip()
            if text:
                return text
            raise ApiError(422, f"invalid request: messages[{i}].content", [{"field": f"messages[{i}].content", "message": "the last user message has no text", "type": "value_error"}])
    raise ApiError(422, "invalid request: messages", [{"field": "messages", "message": "no message with role 'user'", "type": "value_error"}])


def conversation(body: ChatRequest) -> list[str | Turn]:
    """The questions before the last one, oldest first (a Turn where our own answer came back)."""
    last = max((i for i, m in enumerate(body.messages) if m.role == "user"), default=0)
    out: list[str | Turn] = []
    for m in body.messages[:last]:
        if m.role == "user":
            text = message_text(m).strip()
            if text:
                out.append(text)
        elif m.role == "assistant" and out and isinstance(out[-1], str):
            turn = _turn_of((m.model_extra or {}).get("filingqa"))
            if turn is not None:
                out[-1] = turn
    return out


def _turn_of(answer: Any) -> Turn | None:
    if not isinstance(answer, dict) or not isinstance(answer.get("understood_as"), str):
        return None
    try:
        period = (answer.get("figures") or [{}])[0].get("period") or {}
        end = dt.date.fromisoformat(period["end"]) if period.get("end") else None
        months = int(period["months"]) if period.get("months") is not None else None
    except (AttributeError, IndexError, KeyError, TypeError, ValueError):
        end = months = None
    return Turn(answer["understood_as"][:2000], end, months)


def filing_ref(service: FilingService, body: ChatRequest) -> str:
    ref = (body.filing or body.model or "").strip()
    if ref.lower() in GENERIC_MODELS:
        filings = service.list_filings()
        if len(filings) == 1:
            return filings[0].id
        raise ApiError(
            422 if filings else 404,
            "invalid request: model" if filings else "no filings ingested yet",
            [{"field": "model", "message": "name the filing: set `model` (or `filing`) to its id; GET /v1/models lists them", "type": "value_error"}],
        )
    return ref


def _chunk(cid: str, created: int, model: str, delta: dict, finish: str | None = None) -> str:
    payload = {"id": cid, "object": "chat.completion.chunk", "created": created, "model": model, "system_fingerprint": None, "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]}
    return f"data: {json.dumps(payload)}\n\n"


def _pieces(text: str) -> list[str]:
    """The answer in a few word-sized pieces, as a stream of tokens would arrive."""
    words = re.findall(r"\S+\s*", text)
    return ["".join(words[i : i + 4]) for i in range(0, len(words), 4)] or [""]


def _stream(answer: Answer, model: str, cid: str, created: int) -> Iterator[str]:
    yield _chunk(cid, created, model, {"role": "assistant", "content": ""})
    for piece in _pieces(answer.answer):
        yield _chunk(cid, created, model, {"content": piece})
    last = json.loads(_chunk(cid, created, model, {}, "stop")[6:])
    last["filingqa"] = answer.model_dump(mode="json")
    yield f"data: {json.dumps(last)}\n\n"
    yield "data: [DONE]\n\n"


@router.post("/v1/chat/completions", summary="OpenAI-compatible chat completions over a filing", responses={404: {"description": "no such filing"}, 422: {"description": "malformed body; `error` names the field"}})
def chat_completions(body: ChatRequest, service: Service) -> Response:
    question = last_question(body)
    ref = filing_ref(service, body)
    answer = answer_question(service, question, ref, conversation(body))
    model = body.model or answer.filing
    cid = f"chatcmpl-{uuid.uuid4().hex[:24]}"
    created = int(time.time())
    if body.stream:
        return StreamingResponse(_stream(answer, model, cid, created), media_type="text/event-stream", headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
    words = len(answer.answer.split())
    payload = {
        "id": cid,
        "object": "chat.completion",
        "created": created,
        "model": model,
        "system_fingerprint": None,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": answer.answer, "refusal": None}, "logprobs": None, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": len(question.split()), "completion_tokens": words, "total_tokens": len(question.split()) + words},
        "filingqa": answer.model_dump(mode="json"),
    }
    return Response(json.dumps(payload), media_type="application/json")


class ModelCard(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int = 0
    owned_by: str = "filingqa"
    name: str | None = None


@router.get("/v1/models", summary="The ingested filings, as OpenAI 'models'")
def list_models(service: Service) -> dict:
    return {"object": "list", "data": [ModelCard(id=f.id, name=f.name).model_dump() for f in service.list_filings()]}

