"""The chat's server side without a browser: the PDF page boxes (pypdfium2 on a real corpus PDF),
the PDF copy kept and dropped with its filing, a question asked with no filing picked, and the
page config that arrives with its filing list and selection."""

from __future__ import annotations

import json
import re

import pytest

from filingqa.app.engine.model import Answer, AnswerKind, Figure, FigureSource
from filingqa.app.ui import pdfpage

MCD_PDF = "mcdonalds-8k-ex99-2023-04-25.pdf"
MCD_Q = "How much did sales by Company-operated restaurants bring in during Q1 2023?"
REVENUE_Q = "What were total revenues for the three months ended December 31, 2004?"


@pytest.fixture
def mcd_pdf(corpus_dir):
    path = corpus_dir / MCD_PDF
    if not path.exists():
        pytest.skip(f"{path} not in the corpus")
    return path


def test_the_value_is_boxed_on_its_row_of_its_page(mcd_pdf) -> None:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(mcd_pdf))
    try:
        sales = pdfpage.find_box(pdf, "Sales by Company-operated restaurants", "2,224.3")
        prior = pdfpage.find_box(pdf, "Sales by Company-operated restaurants", "2,302.4")
        change = pdfpage.find_box(pdf, "Sales by Company-operated restaurants", "(78.1)")
        eps = pdfpage.find_box(pdf, "Earnings per share-diluted", "2.45")
        missing = pdfpage.find_box(pdf, "Sales by Company-operated restaurants", "9,999.9")
    finally:
        pdf.close()
    assert sales.page == prior.page == change.page == 3  # the statement of income, page 4
    assert sales.right < prior.left < prior.right < change.left  # the columns, left to right
    assert abs(sales.bottom - prior.bottom) < 1 and sales.top - sales.bottom < 12  # one line, one cell
    assert eps.page == 1  # the first "Earnings per share-diluted" row with 2.45: the key metrics table
    assert missing is None
    left, top, width, height = (float(v) for v in re.findall(r"([\d.]+)%", sales.css()))
    assert 55 < left < 70 and 13 < top < 18 and width < 10 and height < 2.5


def test_a_figure_without_a_pdf_or_a_place_draws_nothing(mcd_pdf, tmp_path) -> None:
    fig = Figure(value=1.0, scale="units", unit="USD", label="x", source=FigureSource(table="t9", row="No such row", column="c", line=1), text="1.0")
    answer = Answer(question="q", filing="f", kind=AnswerKind.FIGURE, answer="a", figures=[fig])
    assert pdfpage.page_html(None, answer, None) == ""
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4 not really")
    from filingqa.ingest.model import Filing, Format

    filing = Filing(id="f", name="n", format=Format.PDF, lines=["x"], tables=[])
    assert pdfpage.page_html(broken, answer, filing) == ""
    assert pdfpage.page_html(mcd_pdf, answer, filing) == ""  # the row is not in the PDF


@pytest.mark.slow
def test_the_pdf_is_kept_with_its_filing_and_questions_go_to_the_only_filing(make_service, mcd_pdf, sample_filing) -> None:
    from filingqa.app.settings import Settings
    from filingqa.app.ui.chat import ChatUI

    service = make_service()
    report = service.ingest_file(mcd_pdf)
    kept = service.original_path(report.id)
    assert kept is not None and kept.read_bytes() == mcd_pdf.read_bytes()

    ui = ChatUI(service, Settings(data_dir=service.settings.data_dir))
    out = ui.on_ask(MCD_Q, None, [], [])  # nothing picked, one filing: it answers
    question_box, chat, _, source, turns, dropdown, card = out
    assert "2,224.3" in chat[-1]["content"] and question_box == ""
    assert dropdown["value"] == report.id and MCD_PDF in card
    assert 'class="fq-page"' in source and "fq-page-box" in source
    assert turns[-1]["question"] == MCD_Q and turns[-1]["end"] == "2023-03-31"
    follow = ui.on_ask("And a year earlier?", report.id, chat, turns)
    assert "2,302.4" in follow[1][-1]["content"] and "Read as" in follow[1][-1]["content"]

    other = service.ingest_file(sample_filing)
    out = ui.on_ask(REVENUE_Q, None, [], [])  # two filings, none picked: it asks which
    assert "Which filing?" in out[1][-1]["content"] and MCD_PDF in out[1][-1]["content"]
    assert service.original_path(other.id) is None  # only PDFs are kept

    assert service.delete(report.id)
    assert not kept.exists() and service.original_path(report.id) is None


@pytest.mark.slow
def test_the_chat_page_arrives_with_its_filing_selected(api, sample) -> None:
    r = api.get(f"/chat/?filing={sample.id[:8]}")
    assert r.status_code == 200
    config = json.loads(re.search(r"window\.gradio_config\s*=\s*(\{.*?\});\s*</script>", r.text, re.S).group(1))
    dropdown = next(c for c in config["components"] if c["props"].get("elem_id") == "fq-filing")
    card = next(c for c in config["components"] if c["props"].get("elem_id") == "fq-card")
    assert dropdown["props"]["value"] == sample.id
    assert sample.id in [v for _, v in dropdown["props"]["choices"]]
    assert sample.body["name"] in card["props"]["value"]
