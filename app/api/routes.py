"""The REST routes: thin over FilingService; errors are raised as domain exceptions and mapped in errors.py."""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, field_validator
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.formparsers import MultiPartException

from filingqa.app.api.auth import require_write_key
from filingqa.app.api.errors import ApiError
from filingqa.app.api.limits import BodyTooLarge
from filingqa.app.engine.engine import MAX_QUESTION_CHARS, UnknownFiling
from filingqa.app.engine.followup import Turn
from filingqa.app.engine.model import Answer
from filingqa.app.service import FilingService
from filingqa.app.tables_view import tables_json
from filingqa.vectorstore.store import FILINGS, StoreUnavailable

router = APIRouter()
MAX_HISTORY = 50  # earlier questions a request may carry; only the last few are read


def get_service(request: Request) -> FilingService:
    return request.app.state.service


Service = Annotated[FilingService, Depends(get_service)]


# -- models (for validation and the OpenAPI docs) ---------------------------------------------
class AnswerRequest(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"question": "What was the net loss for the six months ended December 31, 2004?", "filing": "8069ab947c1129c9"}]})

    question: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS, description="the question, in plain words")
    filing: str = Field(min_length=1, max_length=200, description="a filing id (a unique prefix or the exact file name also work)")
    history: list[Annotated[str, Field(max_length=MAX_QUESTION_CHARS)]] = Field(
        default=[], max_length=MAX_HISTORY, description="the conversation's earlier questions, oldest first: a follow-up ('And a year earlier?') is read against them"
    )

    @field_validator("question", "filing")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value.strip()


class IngestResponse(BaseModel):
    id: str
    name: str
    chunks: int
    embedded: int = Field(description="chunks embedded by this request: 0 when the same file was ingested before")
    facts: int
    tables: int
    seconds: float = Field(description="the whole wall time of this upload's ingest: reading, parsing, embedding, storing")
    parse_seconds: float = Field(description="loading and parsing the file; 0 when the same content was stored already")
    embed_seconds: float = Field(description="embedding and writing its passages and row labels")


class FilingOut(BaseModel):
    id: str
    name: str
    chunks: int
    facts: int
    tables: int
    company: str | None = None
    form: str | None = None


class FilingList(BaseModel):
    filings: list[FilingOut]


# -- helpers -------------------------------------------------------------------------------
def resolve_filing(service: FilingService, ref: str) -> str:
    """A filing id from an id, a unique id prefix, or an exact file name; UnknownFiling otherwise."""
    ref = ref.strip()
    filings = service.list_filings()
    exact = [f.id for f in filings if f.id == ref]
    if exact:
        return exact[0]
    matches = [f.id for f in filings if f.id.startswith(ref) or f.name == ref]
    if len(matches) == 1:
        return matches[0]
    raise UnknownFiling(ref)


def answer_question(service: FilingService, question: str, ref: str, history: list[str | Turn] | None = None) -> Answer:
    """Answer by id first (the fast path: no store round trip); fall back to prefix/name lookup."""
    try:
        return service.answer(question, ref, history)
    except UnknownFiling:
        filing_id = resolve_filing(service, ref)
        if filing_id == ref:
            raise
        return service.answer(question, filing_id, history)


_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\]+")


def clean_name(filename: str | None) -> str:
    """The name a filing is stored under: the upload's base name, without path, control or invisible
    formatting characters (a right-to-left override could make `exe.txt` read as `txt.exe`).

    It is only ever a label: nothing is written to disk under it (a filing is stored under its id, a
    hash of its bytes), and every page that shows it escapes it."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c) not in ("Cf", "Cs", "Co", "Cn"))
    name = _UNSAFE.sub("_", name).strip(" .")
    return name[:200] or "upload"


def json_response(model: BaseModel, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(model.model_dump_json(), status_code=status, media_type="application/json", headers=headers)


# -- health --------------------------------------------------------------------------------
@router.get("/healthz", tags=["health"], summary="200 once the model and store are ready, 503 before")
def healthz(request: Request) -> Response:
    readiness = request.app.state.readiness
    service: FilingService = request.app.state.service
    settings = request.app.state.settings
    store = "chroma-server" if settings.chroma_url else "embedded"
    if not readiness.ready.is_set():
        readiness.start()  # retries a warm-up that failed (a Chroma server that was down)
        status = "error" if readiness.error else "starting"
        error = f"not ready: {readiness.error}" if readiness.error else "starting: loading the embedding model and opening the store"
        return JSONResponse({"status": status, "error": error, "detail": {"store": store}}, status_code=503, headers={"Retry-After": "2"})
    try:
        filings = service.store.count(FILINGS)
    except StoreUnavailable as exc:
        raise ApiError(503, str(exc), {"store": store}, headers={"Retry-After": "5"}) from exc
    body = {"status": "ok", "store": store, "filings": filings, "processes": "one (threads for concurrency)" if not settings.chroma_url else "any (Chroma server)"}
    if service.store.read_only:  # the data directory is read-only or full: answers work, uploads get 503
        body["read_only"] = service.store.read_only
    return JSONResponse(body)


# -- filings -------------------------------------------------------------------------------
_UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {"multipart/form-data": {"schema": {"type": "object", "required": ["file"], "properties": {"file": {"type": "string", "format": "binary", "description": "an EDGAR .txt submission, HTML, PDF or text filing"}}}}},
    }
}


@router.post(
    "/v1/filings",
    tags=["filings"],
    status_code=201,
    response_model=IngestResponse,
    openapi_extra=_UPLOAD_BODY,
    responses={200: {"description": "the same file was ingested before: same id, nothing re-embedded", "model": IngestResponse}, 401: {"description": "missing or wrong API key"}, 413: {"description": "over FILINGQA_MAX_UPLOAD_MB"}, 422: {"description": "no `file` field"}},
    summary="Upload a filing (multipart field `file`)",
)
async def upload_filing(request: Request, service: Service, _auth: Annotated[None, Depends(require_write_key)]) -> Response:
    # The key is checked before a byte of the body is read; the body-limit middleware caps what is read.
    try:
        form = await request.form(max_files=1, max_fields=20)
    except MultiPartException as exc:
        raise ApiError(400, f"malformed multipart body: {exc.message}") from exc
    except StarletteHTTPException as exc:  # Starlette turns MultiPartException into a bare 400
        if exc.status_code != 400 or isinstance(exc, ApiError | BodyTooLarge):
            raise
        cause = exc.__context__.__cause__ if exc.__context__ is not None else None
        why = str(cause).strip() if cause is not None and str(cause).strip() else str(exc.detail)
        raise ApiError(400, f"malformed multipart body: {why}", {"expected": "multipart/form-data with the file in the field `file` (a part's header lines, file name included, are limited to 4 KB)"}) from exc
    try:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            problem = "Field required" if upload is None else "must be a file, not a text field"
            raise ApiError(422, "invalid request: file", [{"field": "file", "message": problem, "type": "missing" if upload is None else "file_type"}])
        limit = request.app.state.settings.max_upload_mb * 1024 * 1024
        if upload.size is not None and upload.size > limit:
            raise BodyTooLarge(limit)
        data = await upload.read()
        if len(data) > limit:
            raise BodyTooLarge(limit)
        name = clean_name(upload.filename)
    finally:
        await form.close()
    report = await run_in_threadpool(service.ingest_bytes, data, name)
    body = IngestResponse(**report.as_json())
    return json_response(body, 201 if report.created else 200, {"Location": f"/v1/filings/{report.id}"})


@router.get("/v1/filings", tags=["filings"], response_model=FilingList, summary="List the ingested filings")
def list_filings(service: Service) -> dict:
    return {"filings": [f.as_json() for f in service.list_filings()]}


@router.get("/v1/filings/{filing_id}", tags=["filings"], summary="One filing: its summary, documents and tables")
def get_filing(filing_id: str, service: Service) -> dict:
    filing = service.get_filing(filing_id)
    summary = next((s for s in service.list_filings() if s.id == filing_id), None)
    return {
        "id": filing.id,
        "name": filing.name,
        "company": filing.company,
        "form": filing.form,
        "date": filing.date.isoformat() if filing.date else None,
        "format": filing.format.value,
        "fiscal_year_end": filing.fiscal_year_end,
        "chunks": summary.chunks if summary else None,
        "facts": summary.facts if summary else len(filing.facts()),
        "tables": len(filing.tables),
        "lines": len(filing.lines),
        "documents": [d.model_dump(mode="json") for d in filing.documents],
        "table_titles": [{"id": t.id, "title": t.title, "line_start": t.line_start, "line_end": t.line_end} for t in filing.tables],
    }


@router.delete("/v1/filings/{filing_id}", tags=["filings"], summary="Delete a filing and every trace of it", responses={401: {"description": "missing or wrong API key"}, 404: {"description": "no such filing"}})
def delete_filing(filing_id: str, service: Service, _auth: Annotated[None, Depends(require_write_key)]) -> dict:
    if not service.delete(filing_id):
        raise UnknownFiling(filing_id)
    return {"id": filing_id, "deleted": True}


@router.get("/v1/filings/{filing_id}/tables", tags=["filings"], summary="The filing's parsed tables (the `filingqa tables --json` shape)")
def get_tables(filing_id: str, service: Service) -> dict:
    return tables_json(service.get_filing(filing_id))


# -- answers -------------------------------------------------------------------------------
@router.post("/v1/answer", tags=["answers"], response_model=Answer, summary="Ask a question of a filing", responses={404: {"description": "no such filing"}, 422: {"description": "malformed body; `error` names the field"}})
def answer(body: AnswerRequest, service: Service) -> Response:
    history = [q.strip() for q in body.history if q.strip()]
    return Response(answer_question(service, body.question, body.filing, history).model_dump_json(), media_type="application/json")
