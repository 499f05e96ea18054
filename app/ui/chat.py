"""The chat UI (Gradio Blocks) over the same FilingService the API uses, mounted at /chat.

Left: pick or upload a filing, example questions for it. Right: "Ask" (the chat and the source
panel: the cited table with the answering cell highlighted, or the cited passage, or a derived
answer's formula and input cells; for a PDF filing the cited page with the cell boxed) and
"Tables" (every parsed table of the filing).

The page arrives with its filing list and selection already in it: Gradio's load event runs after
the page has loaded, so a question typed at once would find no filing. `LiveBlocks` fills the
dropdown (and the filing card) into the page config on each page request instead. Each open
conversation keeps its turns (the questions as read, and their answers' periods), so a follow-up
("And a year earlier?") is read against the turn before it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import queue
import threading
from contextvars import ContextVar
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import gradio as gr

from filingqa.app.api.auth import key_matches
from filingqa.app.api.routes import clean_name
from filingqa.app.engine.engine import UnknownFiling
from filingqa.app.engine.followup import Turn
from filingqa.app.engine.model import Answer, AnswerKind
from filingqa.app.service import FilingService
from filingqa.app.settings import Settings
from filingqa.app.ui import pdfpage, render
from filingqa.ingest.errors import IngestError
from filingqa.ingest.model import Filing, Format
from filingqa.vectorstore.store import StoreUnavailable

log = logging.getLogger("filingqa.ui")

N_EXAMPLES = 4
MAX_TURNS = 8  # turns of a conversation kept for reading follow-ups
SELECT_OUTPUTS = 7 + N_EXAMPLES  # card, hint, the example buttons, tables, source, chat, history, turns
FILE_TYPES = [".txt", ".htm", ".html", ".pdf", ".text"]

CSS = """
.fq-header h1 { font-size: 1.35rem; margin: 0; }
.fq-header p { margin: 2px 0 0; color: var(--body-text-color-subdued); }
.fq-muted { color: var(--body-text-color-subdued); font-size: 0.9em; }
.fq-empty { color: var(--body-text-color-subdued); padding: 12px; }
.fq-card { padding: 8px 10px; border: 1px solid var(--border-color-primary); border-radius: 8px; background: var(--background-fill-secondary); }
.fq-card-name { font-weight: 600; word-break: break-all; }
.fq-example { text-align: left !important; justify-content: flex-start !important; white-space: normal !important; height: auto !important; font-weight: 400 !important; }
.fq-source { font-size: 0.92rem; }
.fq-source-title { font-weight: 600; font-size: 1rem; margin-bottom: 6px; }
.fq-caption { margin: 8px 0 4px; line-height: 1.4; }
.fq-tag { display: inline-block; font-size: 0.75em; padding: 1px 6px; border-radius: 999px; background: var(--color-accent-soft); color: var(--body-text-color); border: 1px solid var(--border-color-accent); margin-right: 4px; }
.fq-cellref { margin: 4px 0; }
.fq-value { font-variant-numeric: tabular-nums; }
.fq-scroll { overflow-x: auto; max-width: 100%; }
table.fq-table { border-collapse: collapse; width: 100%; font-size: 0.85rem; font-variant-numeric: tabular-nums; margin: 4px 0 8px; }
table.fq-table th, table.fq-table td { border: none; border-bottom: 1px solid var(--border-color-primary); padding: 3px 6px; vertical-align: bottom; }
table.fq-table tr.fq-section-row td { border-bottom: none; padding-top: 8px; font-size: 0.78em; font-weight: 600; letter-spacing: 0.02em; text-transform: uppercase; color: var(--body-text-color-subdued); }
table.fq-compact .fq-label { min-width: 9em; }
table.fq-table th { font-weight: 600; text-align: left; background: var(--background-fill-secondary); }
table.fq-table .fq-num { text-align: right; white-space: nowrap; }
table.fq-table th.fq-num { white-space: normal; min-width: 6.5em; }
.fq-colnote { display: block; font-weight: 400; font-size: 0.8em; color: var(--body-text-color-subdued); }
table.fq-table .fq-ln { color: var(--body-text-color-subdued); text-align: right; font-size: 0.8em; width: 2.5em; }
table.fq-table .fq-unit { color: var(--body-text-color-subdued); font-size: 0.8em; white-space: nowrap; }
table.fq-table .fq-check { color: #16a34a; font-size: 0.85em; }
table.fq-table tr.fq-total td { font-weight: 600; }
table.fq-table tr.fq-hit-row td { background: rgba(250, 204, 21, 0.14); }
table.fq-table td.fq-hit { background: #fde047 !important; outline: 2px solid #ca8a04; outline-offset: -2px; }
table.fq-table td.fq-hit mark { background: transparent; color: #111827; font-weight: 700; }
table.fq-table tr.fq-elided td { text-align: center; color: var(--body-text-color-subdued); font-size: 0.8em; font-style: italic; }
.fq-rawline { margin: 2px 0; padding: 4px 8px; font-size: 0.78rem; background: var(--background-fill-secondary); border-radius: 6px; white-space: pre; overflow-x: auto; }
.fq-rawline .fq-ln, .fq-pl .fq-ln { display: inline-block; min-width: 3em; color: var(--body-text-color-subdued); user-select: none; }
.fq-passage { font-family: var(--font-mono); font-size: 0.78rem; border: 1px solid var(--border-color-primary); border-radius: 6px; padding: 4px 0; overflow-x: auto; }
.fq-pl { white-space: pre-wrap; padding: 0 8px; }
.fq-pl.fq-cited { background: rgba(250, 204, 21, 0.22); border-left: 3px solid #ca8a04; }
.fq-pl mark { background: #fde047; color: #111827; font-weight: 700; }
.fq-formula { margin: 4px 0 6px; font-size: 1.05rem; }
.fq-formula code { font-size: 0.95rem; }
.fq-inputs { margin: 4px 0 8px 1.2em; }
.fq-table-block { margin-bottom: 18px; }
.fq-rejected { font-size: 0.8rem; color: var(--body-text-color-subdued); }
.fq-footer { font-size: 0.8rem; color: var(--body-text-color-subdued); text-align: center; margin-top: 6px; }
.fq-understood { display: block; font-size: 0.85em; color: var(--body-text-color-subdued); font-style: italic; margin-top: 4px; }
.fq-pages { margin-bottom: 10px; }
.fq-zoom { display: none; }
.fq-pagewrap { position: relative; display: block; cursor: zoom-in; border: 1px solid var(--border-color-primary); border-radius: 4px; overflow: hidden; background: #fff; }
.fq-pagewrap img.fq-page { display: block; width: 100%; height: auto; max-width: none; margin: 0; }
.fq-page-box { position: absolute; border: 2px solid #dc2626; background: rgba(250, 204, 21, 0.28); border-radius: 2px; box-shadow: 0 0 0 2px rgba(220, 38, 38, 0.25); mix-blend-mode: multiply; pointer-events: none; }
.fq-zoom:checked + .fq-pagewrap { position: fixed; z-index: 1000; top: 2vh; left: 50%; transform: translateX(-50%); width: min(96vw, 72vh); cursor: zoom-out; box-shadow: 0 0 0 100vmax rgba(0, 0, 0, 0.55); }
"""

HEADER = """<div class="fq-header"><h1>FilingQA</h1>
<p>Ask a filing a question. Every number is the filing's own, shown with the table cell or passage it comes from.</p></div>"""

FOOTER = """<div class="fq-footer">HTTP API: <a href="/docs" target="_blank">/docs</a> · OpenAI-compatible: <code>/v1/chat/completions</code></div>"""


class ChatUI:
    """The handlers, over one service; `build()` wires them into Blocks."""

    def __init__(self, service: FilingService, settings: Settings):
        self.service = service
        self.settings = settings
        self._examples: dict[str, list[str]] = {}

    # -- data ------------------------------------------------------------------------------
    def choices(self) -> list[tuple[str, str]]:
        out = []
        for f in self.service.list_filings():
            who = " · ".join(b for b in (f.company, f.form) if b)
            out.append((f"{f.name}" + (f" ({who})" if who else ""), f.id))
        return out

    def examples(self, filing) -> list[str]:
        """The filing's example questions that the engine really answers (computed once per filing)."""
        hit = self._examples.get(filing.id)
        if hit is not None:
            return hit
        good = []
        for q in render.example_questions(filing):
            try:
                a = self.service.answer(q, filing.id)
            except Exception:  # an example that fails is just not shown
                continue
            if not a.abstained and a.kind in (AnswerKind.FIGURE, AnswerKind.DERIVED):
                good.append(q)
            if len(good) >= N_EXAMPLES:
                break
        self._examples[filing.id] = good
        return good

    def _filing(self, filing_id: str | None):
        if not filing_id:
            return None
        try:
            return self.service.get_filing(filing_id)
        except UnknownFiling:
            return None

    # -- handlers --------------------------------------------------------------------------
    def pick(self, choices: list[tuple[str, str]], wanted: str | None) -> str | None:
        """The filing a page opens on: the one ?filing= names (id or unique prefix), else the first."""
        ids = [i for _, i in choices]
        named = [i for i in ids if wanted and (i == wanted or i.startswith(wanted))]
        return named[0] if len(named) == 1 or (named and named[0] == wanted) else (ids[0] if ids else None)

    def live_config(self, config: dict, query: dict[str, list[str]]) -> dict:
        """The page config for one page request: the filing list and selection, and its card."""
        try:
            choices = self.choices()
        except StoreUnavailable:
            return config
        value = self.pick(choices, (query.get("filing") or [None])[0])
        filing = self._filing(value)
        card = render.filing_card(filing, self._facts(filing))
        patched = {self._ids["filing"]: {"choices": [list(c) for c in choices], "value": value}, self._ids["card"]: {"value": card}}
        components = [{**c, "props": {**c.get("props", {}), **patched[c["id"]]}} if c.get("id") in patched else c for c in config.get("components", [])]
        return {**config, "components": components}

    @staticmethod
    def _facts(filing: Filing | None) -> int | None:
        return sum(1 for t in filing.tables for r in t.rows for v in r.values if v is not None) if filing is not None else None

    def _panel(self, filing: Filing | None):
        """A filing's card, example questions and tables."""
        qs = self.examples(filing) if filing is not None else []
        buttons = [gr.update(value=q, visible=True) for q in qs] + [gr.update(value="", visible=False)] * (N_EXAMPLES - len(qs))
        return (render.filing_card(filing, self._facts(filing)), gr.update(visible=bool(qs)), *buttons, render.tables_html(filing))

    def on_open(self, filing_id: str | None):
        """After the page has loaded: the examples and tables of the filing it opened on (the chat
        is left alone: a question may already have been asked)."""
        return self._panel(self._filing(filing_id))

    def on_select(self, filing_id: str | None):
        """A filing was picked: its card, example questions and tables; a fresh chat."""
        return (*self._panel(self._filing(filing_id)), render.source_html(None, None), [], [], [])

    def source(self, answer: Answer, filing: Filing) -> str:
        page = ""
        if filing.format == Format.PDF:
            page = pdfpage.page_html(self.service.original_path(filing.id), answer, filing)
        return render.source_html(answer, filing, page)

    def _unselected(self, question: str, history: list[dict[str, Any]]):
        """A question with no filing picked: the only filing answers it; with several, ask which."""
        try:
            choices = self.choices()
        except StoreUnavailable as exc:
            gr.Warning(str(exc))
            return None, history
        if len(choices) == 1:
            return choices[0][1], history
        if not choices:
            reply = "There is no filing yet: upload one on the left (.txt, .htm or .pdf), then ask again."
        else:
            names = ", ".join(f"**{render.md_escape(label)}**" for label, _ in choices[:8])
            reply = f"Which filing? Pick one on the left ({names}{', …' if len(choices) > 8 else ''}), then ask again."
        return None, history + [{"role": "user", "content": render.md_escape(question)}, {"role": "assistant", "content": reply}]

    def on_ask(self, question: str, filing_id: str | None, history: list[dict[str, Any]], turns: list[dict[str, Any]]):
        question = (question or "").strip()
        history, turns = list(history or []), list(turns or [])
        keep = gr.update()
        if not question:
            return keep, history, history, keep, turns, keep, keep
        picked = None
        if self._filing(filing_id) is None:
            filing_id, history = self._unselected(question, history)
            if filing_id is None:
                return "", history, history, keep, turns, keep, keep
            picked = filing_id
            turns = []
        previous = [Turn(t["question"], dt.date.fromisoformat(t["end"]) if t.get("end") else None, t.get("months")) for t in turns]
        try:
            answer: Answer = self.service.answer(question, filing_id, previous)
            filing = self.service.get_filing(filing_id)
        except UnknownFiling:
            gr.Warning("That filing is no longer in the store; pick another.")
            return keep, history, history, keep, turns, keep, keep
        except StoreUnavailable as exc:
            gr.Warning(str(exc))
            return gr.update(value=question), history, history, keep, turns, keep, keep
        period = answer.figures[0].period if answer.figures and not answer.abstained else None
        turns = (turns + [{"question": answer.understood_as or question, "end": period.end.isoformat() if period and period.end else None, "months": period.months if period else None}])[-MAX_TURNS:]
        history += [{"role": "user", "content": render.md_escape(question)}, {"role": "assistant", "content": render.chat_markdown(answer)}]
        if picked is not None:  # show which filing answered
            return "", history, history, self.source(answer, filing), turns, gr.update(choices=self.choices(), value=picked), render.filing_card(filing, self._facts(filing))
        return "", history, history, self.source(answer, filing), turns, keep, keep

    def on_upload(self, path: str | None, key: str | None):
        """Ingest an uploaded file, telling its stages as they pass: parsing, facts ready, passages
        indexed. Refused without the API key (when one is set): the file stays in the upload box,
        and entering the key (Enter) retries it."""
        keep = gr.update()
        hold = (keep,)  # the filing stays; only the status (and the upload box) change until the end
        pad = (keep,) * SELECT_OUTPUTS
        if not path:
            yield (*hold, keep, keep, *pad)
            return
        if self.settings.api_key and not key_matches(self.settings.api_key, (key or "").strip() or None):
            gr.Warning("This server needs its API key to upload (FILINGQA_API_KEY).")
            yield (*hold, "Upload refused: enter the server's API key above and press Enter.", keep, *pad)
            return
        p = Path(path)
        name = clean_name(p.name)
        try:
            if p.stat().st_size > self.settings.max_upload_mb * 1024 * 1024:
                yield (*hold, f"Upload refused: the file is over {self.settings.max_upload_mb} MB.", None, *pad)
                return
            data = p.read_bytes()
        except OSError:
            yield (*hold, "The upload was lost; please choose the file again.", None, *pad)
            return
        shown = render.md_escape(name)
        yield (*hold, f"**1/3 Parsing** {shown} …", keep, *pad)
        events: queue.Queue = queue.Queue()
        outcome: dict[str, Any] = {}

        def run() -> None:
            try:
                outcome["report"] = self.service.ingest_bytes(
                    data, name, progress=lambda done, total: events.put(("progress", (done, total))), parsed=lambda filing: events.put(("parsed", filing))
                )
            except Exception as exc:  # reported below, in the UI's words
                outcome["error"] = exc
            finally:
                events.put(("done", None))

        threading.Thread(target=run, name="fq-ui-ingest", daemon=True).start()
        facts = ""
        while True:
            kind, payload = events.get()
            if kind == "done":
                break
            if kind == "parsed":
                facts = f"{len(payload.tables)} tables, {self._facts(payload)} facts"
                yield (*hold, f"**2/3 Facts ready** ({facts}) · indexing the passages of {shown} …", keep, *pad)
            elif kind == "progress":
                done, total = payload
                yield (*hold, f"**2/3 Facts ready** ({facts}) · indexing passages {done}/{total} …", keep, *pad)
        exc = outcome.get("error")
        if isinstance(exc, StoreUnavailable):
            yield (*hold, render.md_escape(str(exc)), keep, *pad)
            return
        if isinstance(exc, IngestError):
            yield (*hold, f"Could not read {shown}: {render.md_escape(exc.reason)}", None, *pad)
            return
        if exc is not None:
            log.error("upload of %s failed", name, exc_info=exc)
            yield (*hold, f"Could not ingest {shown}: an internal error.", None, *pad)
            return
        report = outcome["report"]
        with contextlib.suppress(OSError):
            os.unlink(p)  # the filing is in the store now; keep no second copy in Gradio's cache
        what = "Ingested" if report.created else "Already ingested"
        status = f"**3/3 Passages indexed.** {what} **{render.md_escape(report.name)}**: {report.tables} tables, {report.facts} facts, {report.chunks} passages ({report.embedded} embedded now). Ask away."
        yield (gr.update(choices=self.choices(), value=report.id), status, None, *self.on_select(report.id))

    # -- layout ----------------------------------------------------------------------------
    def build(self) -> gr.Blocks:
        # delete_cache: uploads the UI refused (no key) do not linger in Gradio's cache
        with LiveBlocks(title="FilingQA", analytics_enabled=False, fill_width=True, delete_cache=(3600, 3600)) as demo:
            history = gr.State([])
            turns = gr.State([])
            gr.HTML(HEADER)
            with gr.Row(equal_height=False):
                with gr.Column(scale=1, min_width=290):
                    # The choices come with each page (live_config): any stored id is a valid value.
                    filing = gr.Dropdown(label="Filing", choices=[], value=None, interactive=True, allow_custom_value=True, elem_id="fq-filing")
                    card = gr.HTML(render.filing_card(None), elem_id="fq-card")
                    key = gr.Textbox(label="API key (to upload)", type="password", visible=bool(self.settings.api_key), elem_id="fq-key")
                    upload = gr.File(label="Upload a filing (.txt, .htm, .pdf)", file_types=FILE_TYPES, file_count="single", type="filepath", height=110, elem_id="fq-upload")
                    status = gr.Markdown(elem_id="fq-upload-status")
                    hint = gr.Markdown("**Try asking**", visible=False)
                    examples = [gr.Button("", visible=False, size="sm", elem_classes=["fq-example"], elem_id=f"fq-example-{i}") for i in range(N_EXAMPLES)]
                with gr.Column(scale=5):
                    with gr.Tabs():
                        with gr.Tab("Ask", id="ask", elem_id="fq-tab-ask"):
                            with gr.Row(equal_height=False):
                                with gr.Column(scale=4, min_width=320):
                                    chat = gr.Chatbot(
                                        elem_id="fq-chat",
                                        height=520,
                                        show_label=False,
                                        latex_delimiters=[],
                                        feedback_options=None,
                                        placeholder="Ask about a figure (“What was the net loss for the six months ended …?”), a change between periods, or a passage of the text.",
                                    )
                                    with gr.Row():
                                        question = gr.Textbox(show_label=False, placeholder="Ask a question of this filing…", scale=6, elem_id="fq-question", max_length=2000, autofocus=True)
                                        ask = gr.Button("Ask", variant="primary", scale=1, min_width=80, elem_id="fq-ask")
                                with gr.Column(scale=5, min_width=360):
                                    source = gr.HTML(render.source_html(None, None), elem_id="fq-source")
                        with gr.Tab("Tables", id="tables", elem_id="fq-tab-tables"):
                            tables = gr.HTML(render.tables_html(None), elem_id="fq-tables")
            gr.HTML(FOOTER)

            # The UI's events are its own plumbing, not an API: the HTTP API (/docs) is the API.
            private = {"api_visibility": "private"}
            ask_io = {"fn": self.on_ask, "outputs": [question, chat, history, source, turns, filing, card], **private}
            selected = [card, hint, *examples, tables, source, chat, history, turns]
            select_io = {"fn": self.on_select, "inputs": [filing], "outputs": selected, **private}
            upload_io = {"fn": self.on_upload, "inputs": [upload, key], "outputs": [filing, status, upload, *selected], **private}
            self._ids = {"filing": filing._id, "card": card._id}
            demo.live = self.live_config
            demo.load(self.on_open, inputs=[filing], outputs=[card, hint, *examples, tables], **private)
            # A person's pick starts a fresh chat (`input`, not `change`: answering from the only
            # filing sets the dropdown without clearing the conversation it is part of).
            filing.input(**select_io)
            ask.click(inputs=[question, filing, history, turns], **ask_io)
            question.submit(inputs=[question, filing, history, turns], **ask_io)
            for b in examples:
                b.click(inputs=[b, filing, history, turns], **ask_io)
            upload.upload(**upload_io)
            key.submit(**upload_io)
        demo.queue(default_concurrency_limit=8)
        return demo


_PAGE_QUERY: ContextVar[dict[str, list[str]] | None] = ContextVar("fq_page_query", default=None)


class LiveBlocks(gr.Blocks):
    """Blocks whose page config is completed for each page request by `live(config, query)`.

    Gradio serves one config, built at start, inside the page (and at /config); values it would
    set later come through the load event, after the page is up. Here the config is a property:
    during a page request (PageQuery marks those) it is passed through `live` first."""

    live = None

    @property
    def config(self):
        base = self.__dict__.get("_fq_config")
        query = _PAGE_QUERY.get()
        if base is None or query is None or self.live is None:
            return base
        return self.live(base, query)

    @config.setter
    def config(self, value) -> None:
        self.__dict__["_fq_config"] = value


class PageQuery:
    """ASGI middleware: marks requests for the chat page (and its /config) with their query."""

    def __init__(self, app, prefix: str):
        self.app = app
        self.pages = {prefix.rstrip("/"), prefix.rstrip("/") + "/config"}

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope.get("method") not in ("GET", "HEAD") or scope["path"].rstrip("/") not in self.pages:
            return await self.app(scope, receive, send)
        token = _PAGE_QUERY.set(parse_qs(scope.get("query_string", b"").decode("latin-1")))
        try:
            await self.app(scope, receive, send)
        finally:
            _PAGE_QUERY.reset(token)


def build_ui(service: FilingService, settings: Settings) -> gr.Blocks:
    return ChatUI(service, settings).build()


def mount(app, service: FilingService, settings: Settings, path: str = "/chat"):
    demo = build_ui(service, settings)
    app.add_middleware(PageQuery, prefix=path)
    return gr.mount_gradio_app(
        app,
        demo,
        path=path,
        server_name=settings.host,
        server_port=settings.port,
        footer_links=["settings"],
        run_history=False,
        max_file_size=f"{settings.max_upload_mb}mb",
        show_error=False,
        ssr_mode=False,
        mcp_server=False,
        theme=gr.themes.Soft(primary_hue="blue", neutral_hue="slate"),
        css=CSS,
    )
