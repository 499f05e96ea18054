"""The chat in a real browser (Debian's /usr/bin/chromium, headless, via Playwright) on the session's
server: follow-up questions, a question typed the moment the page opens, and a PDF answer shown on
its page with the cell boxed (with the upload's stages). Screenshots go to docs/screenshots/."""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TIMEOUT = 30_000  # ms

REVENUE_Q = "What were total revenues for the three months ended December 31, 2004?"
NET_LOSS_3M_Q = "What was the net loss for the three months ended December 31, 2004?"
MCD_PDF = "mcdonalds-8k-ex99-2023-04-25.pdf"
MCD_Q = "How much did sales by Company-operated restaurants bring in during Q1 2023?"
MCD_CHANGE_Q = "What was the change in total revenues for the quarter ended March 31, 2023?"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is not installed (apt-get install -y chromium)"),
]


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def context(browser, server):
    ctx = browser.new_context(viewport={"width": 1440, "height": 1000})
    ctx.set_default_timeout(TIMEOUT)
    ctx.off_host, ctx.errors = [], []
    ctx.on("request", lambda r: ctx.off_host.append(r.url) if urlparse(r.url).hostname not in ("127.0.0.1", None) and not r.url.startswith(("data:", "blob:")) else None)
    yield ctx
    ctx.close()


def ask(pg, question: str) -> None:
    box = pg.locator("#fq-question textarea")
    box.fill(question)
    box.press("Enter")


def bot_messages(pg) -> list[str]:
    return [m.inner_text() for m in pg.locator("#fq-chat [data-testid='bot']").all()]


def wait_for_answers(pg, n: int) -> str:
    """The n-th answer's text, once it is there."""
    pg.wait_for_function("n => document.querySelectorAll('#fq-chat [data-testid=\"bot\"]').length >= n", arg=n)
    return bot_messages(pg)[n - 1]


def save(pg, tmp_path: Path, artifacts_dir: Path, name: str) -> None:
    shot = tmp_path / name
    pg.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    shutil.copyfile(shot, artifacts_dir / name)


def test_follow_ups_give_the_year_ago_figure_and_the_six_months(context, server, sample, tmp_path, artifacts_dir) -> None:
    pg = context.new_page()
    pg.on("pageerror", lambda e: context.errors.append(str(e)))
    pg.goto(f"{server.url}/chat/?filing={sample.id}")
    ask(pg, REVENUE_Q)
    wait_for_answers(pg, 1)
    assert "9,047" in bot_messages(pg)[0] and "Read as" not in bot_messages(pg)[0]  # standalone: no note
    ask(pg, "And a year earlier?")
    second = wait_for_answers(pg, 2)
    assert "5,164" in second and "December 31, 2003" in second
    note = pg.locator("#fq-chat .fq-understood").last
    assert note.inner_text() == "Read as: What were total revenues for the three months ended December 31, 2003?"
    assert "5,164" in pg.inner_text("#fq-source td.fq-hit")
    ask(pg, NET_LOSS_3M_Q)
    assert "2,209" in wait_for_answers(pg, 3)
    ask(pg, "for the six months?")
    fourth = wait_for_answers(pg, 4)
    assert "4,680" in fourth and "six months ended December 31, 2004" in fourth
    assert pg.locator("#fq-chat .fq-understood").last.inner_text() == "Read as: What was the net loss for the six months ended December 31, 2004?"
    hit = pg.locator("#fq-source td.fq-hit")
    assert hit.count() == 1 and "4,680" in hit.inner_text()
    save(pg, tmp_path, artifacts_dir, "chat-follow-ups.png")
    assert not context.errors, context.errors
    assert not context.off_host, context.off_host


def test_a_question_typed_the_moment_the_page_opens_is_answered(context, server, sample) -> None:
    pg = context.new_page()
    started = time.monotonic()
    pg.goto(f"{server.url}/chat/?filing={sample.id}", wait_until="commit")
    # No waiting for the examples or anything else the load event brings: type as soon as the box exists.
    ask(pg, REVENUE_Q)
    typed = time.monotonic() - started
    assert "9,047" in wait_for_answers(pg, 1)
    assert pg.get_by_text("Pick or upload a filing first").count() == 0
    # the page came with its filing chosen: the dropdown and card name it before any event ran
    assert "immunogen" in pg.locator("#fq-filing input").input_value()
    print(f"\nquestion typed {typed:.2f}s after navigation, answered")


def test_a_pdf_answer_shows_its_page_with_the_cell_boxed(context, server, api, auth, corpus_dir, tmp_path, artifacts_dir) -> None:
    pdf = corpus_dir / MCD_PDF
    if not pdf.exists():
        pytest.skip(f"{pdf} not in the corpus")
    pg = context.new_page()
    pg.on("pageerror", lambda e: context.errors.append(str(e)))
    pg.goto(f"{server.url}/chat/")
    key = pg.locator("#fq-key input")
    key.fill(server.api_key)
    # Every status the upload shows, as it shows it.
    pg.evaluate(
        """() => { window.__statuses = []; const el = document.querySelector('#fq-upload-status');
        new MutationObserver(() => { const t = el.innerText.trim(); if (t && window.__statuses.at(-1) !== t) window.__statuses.push(t); })
          .observe(el, {subtree: true, childList: true, characterData: true}); }"""
    )
    pg.locator("#fq-upload input[type=file]").set_input_files(str(pdf))
    pg.get_by_text("Passages indexed").wait_for(timeout=90_000)
    statuses = pg.evaluate("() => window.__statuses")
    stages = [next((s for s in ("1/3", "2/3", "3/3") if s in t), None) for t in statuses]
    assert "3/3" in stages and "2/3" in stages, statuses
    assert stages.index("2/3") < stages.index("3/3")
    fid = next(f["id"] for f in api.get("/v1/filings").json()["filings"] if f["name"] == MCD_PDF)
    try:
        pg.locator("#fq-card").get_by_text(MCD_PDF).wait_for()
        ask(pg, MCD_Q)
        assert "2,224.3" in wait_for_answers(pg, 1)
        page_img = pg.locator("#fq-source img.fq-page")
        page_img.wait_for()
        boxes = pg.locator("#fq-source .fq-page-box")
        assert page_img.count() == 1 and boxes.count() == 1
        assert "2,224.3" in boxes.first.get_attribute("title")
        img, box = page_img.bounding_box(), boxes.first.bounding_box()
        # the box is on the page, small (one cell), in the right part (the values' columns)
        assert img["x"] <= box["x"] and box["x"] + box["width"] <= img["x"] + img["width"]
        assert img["y"] <= box["y"] and box["y"] + box["height"] <= img["y"] + img["height"]
        assert box["width"] < img["width"] * 0.12 and box["height"] < img["height"] * 0.03
        assert box["x"] > img["x"] + img["width"] * 0.5
        assert pg.evaluate("() => { const i = document.querySelector('#fq-source img.fq-page'); return i.complete && i.naturalWidth > 500; }")
        save(pg, tmp_path, artifacts_dir, "chat-pdf-page.png")
        # enlarged by a click, and back
        pg.locator("#fq-source label.fq-pagewrap").click()
        pg.wait_for_function("() => document.querySelector('#fq-source img.fq-page').getBoundingClientRect().height > 850")
        save(pg, tmp_path, artifacts_dir, "chat-pdf-page-enlarged.png")
        pg.locator("#fq-source label.fq-pagewrap").click()
        # a derived answer: each input's cell boxed
        ask(pg, MCD_CHANGE_Q)
        assert "232.2" in wait_for_answers(pg, 2) or "232.20" in bot_messages(pg)[1]
        pg.wait_for_function("() => document.querySelectorAll('#fq-source .fq-page-box').length === 2")
        titles = [b.get_attribute("title") for b in pg.locator("#fq-source .fq-page-box").all()]
        assert any("5,897.8" in t for t in titles) and any("5,665.6" in t for t in titles)
        save(pg, tmp_path, artifacts_dir, "chat-pdf-derived.png")
        assert not context.errors, context.errors
        assert not context.off_host, context.off_host
    finally:
        assert api.delete(f"/v1/filings/{fid}", headers=auth).status_code == 200
        assert not list((server.data_dir / "originals").glob(f"{fid}*")), "the PDF copy outlived its filing"
