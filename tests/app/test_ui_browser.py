"""The chat UI in a real browser: Playwright driving Debian's /usr/bin/chromium (headless).

Opens /chat/ on the session's server, asks the sample filing for its six-month net loss and sees
(4,680) with the answering table cell highlighted; then a derived answer, the Tables view and an
upload. The screenshot is saved under the test's tmp dir and copied to docs/screenshots/.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import urlparse

import pytest

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"]
NET_LOSS_Q = "What was the net loss for the six months ended December 31, 2004?"
TIMEOUT = 30_000  # ms

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
def page(browser, server, sample):
    """A fresh page on /chat/ with the sample filing picked; records off-host requests and page errors."""
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    pg = context.new_page()
    pg.set_default_timeout(TIMEOUT)
    pg.off_host = []
    pg.errors = []
    pg.on("request", lambda r: pg.off_host.append(r.url) if urlparse(r.url).hostname not in ("127.0.0.1", None) and not r.url.startswith(("data:", "blob:")) else None)
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    pg.goto(f"{server.url}/chat/?filing={sample.id}")
    pg.wait_for_selector("#fq-example-0 >> visible=true")  # the filing is loaded and its examples shown
    yield pg
    context.close()


def ask(pg, question: str) -> None:
    box = pg.locator("#fq-question textarea")
    box.fill(question)
    box.press("Enter")


def test_ask_net_loss_and_see_the_cell_highlighted(page, tmp_path, artifacts_dir) -> None:
    assert "immunogen-8k-2005-02-03.txt" in page.inner_text("#fq-card")
    ask(page, NET_LOSS_Q)
    page.wait_for_selector("#fq-source td.fq-hit")
    chat = page.locator("#fq-chat")
    chat.get_by_text("4,680").first.wait_for()
    message = chat.inner_text()
    assert "4,680" in message and "six months ended December 31, 2004" in message and "USD" in message and "thousands" in message
    hit = page.locator("#fq-source td.fq-hit")
    assert hit.count() == 1 and "4,680" in hit.inner_text()
    assert hit.is_visible()
    assert "Net loss" in page.locator("#fq-source tr.fq-hit-row").inner_text()
    ref = page.inner_text("#fq-source .fq-cellref")
    assert "Net loss" in ref and "Six Months Ended December 31, 2004" in ref and "line" in ref
    # the highlight is really drawn: the cell's background is the highlight colour
    assert hit.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(253, 224, 71)"
    shot = tmp_path / "chat-net-loss.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    shutil.copyfile(shot, artifacts_dir / shot.name)
    assert not page.errors, page.errors
    assert not page.off_host, f"the page fetched from other hosts: {page.off_host}"


def test_a_derived_example_shows_its_formula_and_input_cells(page, tmp_path, artifacts_dir) -> None:
    derived = next((b for b in page.locator(".fq-example").all() if b.is_visible() and "change" in b.inner_text()), None)
    if derived is None:
        pytest.skip("no derived example question for this filing")
    derived.click()
    page.wait_for_selector("#fq-source .fq-formula")
    assert "computed" in page.inner_text("#fq-source .fq-formula")
    hits = [h.inner_text() for h in page.locator("#fq-source td.fq-hit").all()]
    assert len(hits) == 2 and "9,047" in hits and "5,164" in hits
    page.screenshot(path=str(tmp_path / "chat-derived.png"), full_page=True)
    shutil.copyfile(tmp_path / "chat-derived.png", artifacts_dir / "chat-derived.png")


def test_the_tables_view_lists_the_parsed_tables(page) -> None:
    page.get_by_role("tab", name="Tables").click()
    tables = page.locator("#fq-tables table.fq-table")
    tables.first.wait_for()
    assert tables.count() == 2
    text = page.inner_text("#fq-tables")
    assert "CONDENSED CONSOLIDATED BALANCE SHEETS" in text and "CONDENSED CONSOLIDATED STATEMENTS OF OPERATIONS" in text
    assert "(4,680)" in text and "9,047" in text


def test_upload_needs_the_key_then_adds_the_filing(page, server, sample_path, tmp_path, api, auth) -> None:
    copy = tmp_path / "uploaded-in-the-browser.txt"
    copy.write_bytes(sample_path.read_bytes() + b"\n(uploaded through the chat UI)\n")
    page.locator("#fq-upload input[type=file]").set_input_files(str(copy))
    page.get_by_text("Upload refused").wait_for()
    key = page.locator("#fq-key input")
    key.fill(server.api_key)
    key.press("Enter")  # the file waits in the upload box; the key retries it
    page.get_by_text("Ingested").wait_for(timeout=60_000)
    page.locator("#fq-card").get_by_text(copy.name).wait_for()
    new = next(f for f in api.get("/v1/filings").json()["filings"] if f["name"] == copy.name)
    try:
        ask(page, NET_LOSS_Q)
        page.wait_for_selector("#fq-source td.fq-hit")
        assert "4,680" in page.inner_text("#fq-source td.fq-hit")
    finally:
        api.delete(f"/v1/filings/{new['id']}", headers=auth)


def test_filing_names_are_escaped(page, server, tmp_path, api, auth, sample_path) -> None:
    """A hostile file name is shown as text, never run as markup."""
    name = '<img src=x onerror="window.__pwned=1">.txt'
    r = api.post("/v1/filings", files={"file": (name, sample_path.read_bytes() + b"\n(escaping test)\n")}, headers=auth)
    assert r.status_code == 201, r.text
    fid = r.json()["id"]
    try:
        page.goto(f"{server.url}/chat/?filing={fid}")
        page.wait_for_selector("#fq-example-0 >> visible=true")
        page.get_by_role("tab", name="Tables").click()
        page.locator("#fq-tables table.fq-table").first.wait_for()
        assert page.evaluate("() => window.__pwned === undefined")
        assert page.locator("#fq-card img").count() == 0 and page.locator("#fq-tables img").count() == 0
    finally:
        api.delete(f"/v1/filings/{fid}", headers=auth)
