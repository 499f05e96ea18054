"""The chat UI (Gradio Blocks) over the same FilingService the API uses, mounted at /chat.

Left: pick or upload a filing, example questions for it. Right: "Ask" (the chat and the source
panel: the cited table with the answering cell highlighted, or the cited passage, or a derived
answer's formula and input cells) and "Tables" (every parsed table of the filing).
"""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path
from typing import Any

import gradio as gr

from filingqa.app.api.auth import key_matches
from filingqa.app.api.routes import clean_name
from filingqa.app.engine.engine import UnknownFiling
from filingqa.app.engine.model import Answer, AnswerKind
from filingqa.app.service import FilingService
from filingqa.app.settings import Settings
from filingqa.app.ui import render
from filingqa.ingest.errors import IngestError
from filingqa.vectorstore.store import StoreUnavailable

log = logging.getLogger("filingqa.ui")

N_EXAMPLES = 4
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
    def on_load(self, request: gr.Request | None = None):
        try:
            choices = self.choices()
        except StoreUnavailable as exc:
            gr.Warning(str(exc))
            choices = []
        wanted = request.query_params.get("filing") if request is not None else None
        ids = [i for _, i in choices]
        value = next((i for i in ids if wanted and (i == wanted or i.startswith(wanted))), ids[0] if ids else None)
        return gr.update(choices=choices, value=value)

    def on_select(self, filing_id: str | None):
        """A filing was picked: its card, example questions and tables; a fresh chat."""
        filing = self._filing(filing_id)
        facts = None
        if filing is not None:
            facts = sum(1 for t in filing.tables for r in t.rows for v in r.values if v is not None)
        qs = self.examples(filing) if filing is not None else []
        buttons = [gr.update(value=q, visible=True) for q in qs] + [gr.update(value="", visible=False)] * (N_EXAMPLES - len(qs))
        hint = gr.update(visible=bool(qs))
        return (render.filing_card(filing, facts), hint, *buttons, render.tables_html(filing), render.source_html(None, None), [], [])

    def on_ask(self, question: str, filing_id: str | None, history: list[dict[str, Any]]):
        question = (question or "").strip()
        history = list(history or [])
        if not question:
            return gr.update(), history, history, gr.update()
        if not filing_id:
            gr.Warning("Pick or upload a filing first.")
            return gr.update(), history, history, gr.update()
        try:
            answer: Answer = self.service.answer(question, filing_id)
            filing = self.service.get_filing(filing_id)
        except UnknownFiling:
            gr.Warning("That filing is no longer in the store; pick another.")
            return gr.update(), history, history, gr.update()
        except StoreUnavailable as exc:
            gr.Warning(str(exc))
            return gr.update(value=question), history, history, gr.update()
        history += [{"role": "user", "content": question}, {"role": "assistant", "content": render.chat_markdown(answer)}]
        return "", history, history, render.source_html(answer, filing)

    def on_upload(self, path: str | None, key: str | None):
        """Ingest an uploaded file. Refused without the API key (when one is set): the file stays
        in the upload box, and entering the key (Enter) retries it."""
        if not path:
            return gr.update(), gr.update(), gr.update()
        if self.settings.api_key and not key_matches(self.settings.api_key, (key or "").strip() or None):
            gr.Warning("This server needs its API key to upload (FILINGQA_API_KEY).")
            return gr.update(), "Upload refused: enter the server's API key above and press Enter.", gr.update()
        p = Path(path)
        name = clean_name(p.name)
        try:
            if p.stat().st_size > self.settings.max_upload_mb * 1024 * 1024:
                return gr.update(), f"Upload refused: the file is over {self.settings.max_upload_mb} MB.", None
            report = self.service.ingest_bytes(p.read_bytes(), name)
        except IngestError as exc:
            return gr.update(), f"Could not read {render.md_escape(name)}: {render.md_escape(exc.reason)}", None
        except StoreUnavailable as exc:
            return gr.update(), render.md_escape(str(exc)), gr.update()
        except OSError:
            return gr.update(), "The upload was lost; please choose the file again.", None
        with contextlib.suppress(OSError):
            os.unlink(p)  # the filing is in the store now; keep no second copy
        what = "Ingested" if report.created else "Already ingested"
        status = f"{what} **{render.md_escape(report.name)}**: {report.tables} tables, {report.facts} facts, {report.chunks} passages ({report.embedded} embedded now)."
        return gr.update(choices=self.choices(), value=report.id), status, None

    # -- layout ----------------------------------------------------------------------------
    def build(self) -> gr.Blocks:
        # delete_cache: uploads the UI refused (no key) do not linger in Gradio's cache
        with gr.Blocks(title="FilingQA", analytics_enabled=False, fill_width=True, delete_cache=(3600, 3600)) as demo:
            history = gr.State([])
            gr.HTML(HEADER)
            with gr.Row(equal_height=False):
                with gr.Column(scale=1, min_width=290):
                    filing = gr.Dropdown(label="Filing", choices=[], value=None, interactive=True, elem_id="fq-filing")
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
            ask_io = {"fn": self.on_ask, "outputs": [question, chat, history, source], **private}
            upload_io = {"fn": self.on_upload, "inputs": [upload, key], "outputs": [filing, status, upload], **private}
            demo.load(self.on_load, outputs=[filing], **private)
            filing.change(self.on_select, inputs=[filing], outputs=[card, hint, *examples, tables, source, chat, history], **private)
            ask.click(inputs=[question, filing, history], **ask_io)
            question.submit(inputs=[question, filing, history], **ask_io)
            for b in examples:
                b.click(inputs=[b, filing, history], **ask_io)
            upload.upload(**upload_io)
            key.submit(**upload_io)
        demo.queue(default_concurrency_limit=8)
        return demo


def build_ui(service: FilingService, settings: Settings) -> gr.Blocks:
    return ChatUI(service, settings).build()


def mount(app, service: FilingService, settings: Settings, path: str = "/chat"):
    demo = build_ui(service, settings)
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
