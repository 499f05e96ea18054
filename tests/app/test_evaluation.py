"""The eval runner: scoring worked examples, set validation messages, the dev sets, and run_eval's outputs."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pytest

from filingqa.app.engine.model import Answer, AnswerKind, Figure
from filingqa.app.evaluation.evalset import EvalQuestion, EvalSetError, load_evalset
from filingqa.app.evaluation.runner import run_eval
from filingqa.app.evaluation.scoring import Outcome, describe, names_direction, score

SHARED = Path(__file__).resolve().parents[2].parent / "shared"


def q(kind: str, expect: dict, question: str = "What were total revenues?", qid: str = "t-001") -> EvalQuestion:
    return EvalQuestion(id=qid, question=question, kind=kind, expect=expect)


def fig_answer(value: float, scale: str = "thousands", unit: str = "USD", text: str = "") -> Answer:
    figure = Figure(value=value, scale=scale, unit=unit, label="Total revenues")
    return Answer(question="?", filing="f", kind=AnswerKind.FIGURE, answer=text or f"{value} {scale}", figures=[figure])


def text_answer(text: str, abstained: bool = False) -> Answer:
    kind = AnswerKind.ABSTAIN if abstained else AnswerKind.NARRATIVE
    return Answer(question="?", filing="f", kind=kind, abstained=abstained, answer=text)


REVENUE = {"number": 9047, "scale": "thousands", "unit": "USD"}


# ---- scoring -------------------------------------------------------------------------------------------


def test_figure_exact_match_passes() -> None:
    assert score(q("figure", REVENUE), fig_answer(9047)) is Outcome.PASS


def test_figure_off_by_one_is_wrong_figure() -> None:
    assert score(q("figure", REVENUE), fig_answer(9048)) is Outcome.WRONG_FIGURE


def test_figure_scale_conversion() -> None:
    assert score(q("figure", REVENUE), fig_answer(9_047_000, scale="units")) is Outcome.PASS
    assert score(q("figure", REVENUE), fig_answer(9.047, scale="millions")) is Outcome.PASS
    # the text's rounding ("$9.0 million") is not the table's figure
    assert score(q("figure", REVENUE), fig_answer(9.0, scale="millions")) is Outcome.WRONG_FIGURE


def test_figure_tolerance_is_in_the_expected_scale() -> None:
    question = q("figure", {**REVENUE, "tolerance": 1})
    assert score(question, fig_answer(9_048_000, scale="units")) is Outcome.PASS
    assert score(question, fig_answer(9_048_001, scale="units")) is Outcome.WRONG_FIGURE


def test_figure_unit_must_match() -> None:
    eps = q("figure", {"number": 6.43, "scale": "units", "unit": "USD/share"})
    assert score(eps, fig_answer(6.43, scale="units", unit="USD/share")) is Outcome.PASS
    assert score(eps, fig_answer(6.43, scale="units", unit="USD")) is Outcome.WRONG_FIGURE


def test_sign_rule_net_loss_question_accepts_magnitude() -> None:
    question = q("figure", {"number": -2209, "scale": "thousands", "unit": "USD"}, "What was the net loss for the quarter?")
    assert score(question, fig_answer(2209)) is Outcome.PASS
    assert score(question, fig_answer(-2209)) is Outcome.PASS


def test_sign_counts_without_a_direction_word() -> None:
    question = q("figure", {"number": -10729, "scale": "millions", "unit": "USD"}, "What was cash from investing activities?")
    assert score(question, fig_answer(-10729, scale="millions")) is Outcome.PASS
    assert score(question, fig_answer(10729, scale="millions")) is Outcome.WRONG_FIGURE


def test_two_sided_labels_do_not_name_a_direction() -> None:
    assert not names_direction("What was accumulated other comprehensive income (loss) at September 25, 2010?")
    assert not names_direction("What was Sears' net income or loss for the first 26 weeks of 2004?")
    assert not names_direction("How many diluted shares were used in computing EPS?")
    assert names_direction("How much cash was used in operating activities?")
    assert names_direction("What was the loss before income taxes?")


def test_abstaining_or_no_figure_on_a_figure_question() -> None:
    assert score(q("figure", REVENUE), text_answer("The filing does not say.", abstained=True)) is Outcome.ABSTAINED
    assert score(q("figure", REVENUE), text_answer("Revenues grew strongly.")) is Outcome.MISSED


def test_narrative_any_of_is_case_insensitive() -> None:
    question = q("narrative", {"any_of": ["Mitchel Sayare", "Sayare"]}, "Who is the CEO?")
    assert score(question, text_answer("The chairman and CEO is MITCHEL SAYARE, Ph.D.")) is Outcome.PASS
    assert score(question, text_answer("The CEO is not named.")) is Outcome.MISSED
    assert score(question, text_answer("Not in the filing.", abstained=True)) is Outcome.ABSTAINED


def test_unanswerable() -> None:
    question = q("unanswerable", {"abstain": True}, "How many employees?")
    assert score(question, text_answer("The filing does not state this.", abstained=True)) is Outcome.PASS
    assert score(question, fig_answer(1200, scale="units", unit="employees")) is Outcome.WRONG_FIGURE
    assert score(question, text_answer("About a thousand people work there.")) is Outcome.MISSED


def test_derived_default_tolerance_is_half_the_last_written_place() -> None:
    question = q("derived", {"number": 38.5, "unit": "percent"}, "What was gross margin?")
    assert score(question, fig_answer(38.51, scale="units", unit="percent")) is Outcome.PASS
    assert score(question, fig_answer(38.549, scale="units", unit="percent")) is Outcome.PASS
    assert score(question, fig_answer(38.56, scale="units", unit="percent")) is Outcome.WRONG_FIGURE
    assert score(question, fig_answer(38.51, scale="units", unit="USD")) is Outcome.WRONG_FIGURE


def test_derived_explicit_tolerance_and_scale() -> None:
    question = q("derived", {"number": 59707, "scale": "millions", "unit": "USD", "tolerance": 1}, "Combined total?")
    assert score(question, fig_answer(59.708, scale="billions")) is Outcome.PASS
    assert score(question, fig_answer(59709, scale="millions")) is Outcome.WRONG_FIGURE


def test_describe_names_expected_and_got() -> None:
    line = describe(q("figure", REVENUE), fig_answer(9.0, scale="millions"))
    assert "9,047 thousands USD" in line and "9 millions USD" in line


# ---- validation ----------------------------------------------------------------------------------------


def _write_set(tmp_path: Path, body: str, name: str = "bad.yaml") -> Path:
    (tmp_path / "filing.txt").write_text("a filing\n")
    path = tmp_path / name
    path.write_text(body)
    return path


def _error(path: Path, corpus: Path | None = None) -> str:
    with pytest.raises(EvalSetError) as info:
        load_evalset(path, corpus)
    return str(info.value)


GOOD_QUESTION = """
  - id: imgn-dev-001
    question: "What were total revenues?"
    kind: figure
    expect: {number: 9047, scale: thousands, unit: USD}
"""


def test_bad_scale_names_file_id_and_field(tmp_path: Path) -> None:
    path = _write_set(
        tmp_path,
        "filing: filing.txt\nquestions:\n"
        + GOOD_QUESTION
        + """
  - id: imgn-dev-003
    question: "License fees?"
    kind: figure
    expect: {number: 1051, scale: thousnds, unit: USD}
""",
    )
    message = _error(path)
    assert "bad.yaml" in message and "imgn-dev-003" in message
    assert "expect.scale: 'thousnds' is not one of units, thousands, millions, billions" in message


def test_missing_id_names_the_index(tmp_path: Path) -> None:
    path = _write_set(tmp_path, "filing: filing.txt\nquestions:\n" + GOOD_QUESTION + "  - question: x\n    kind: narrative\n    expect: {any_of: [a]}\n")
    message = _error(path)
    assert "bad.yaml" in message and "question #2 (no id)" in message and "id: missing" in message


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ("filing: [unclosed\n", "not YAML"),
        ("- just\n- a list\n", "not a mapping"),
        ("questions:\n" + GOOD_QUESTION, "filing: missing"),
        ("filing: filing.txt\nquestions:\n" + GOOD_QUESTION + GOOD_QUESTION, "imgn-dev-001: duplicate id"),
        ("filing: filing.txt\nquestions:\n" + GOOD_QUESTION.replace("kind: figure", "kind: guess"), "imgn-dev-001: kind: 'guess' is not one of"),
        ("filing: filing.txt\nquestions:\n" + GOOD_QUESTION.replace("unit: USD", "unit: USD, tolerence: 1"), "expect.tolerence: unknown field"),
        ("filing: filing.txt\nquestions:\n" + GOOD_QUESTION.replace("scale: thousands, ", ""), "expect.scale: missing"),
        ("filing: filing.txt\nquestions:\n" + GOOD_QUESTION.replace("number: 9047", "number: '9,047'"), "expect.number:"),
        ("filing: filing.txt\nquestions:\n  - id: u1\n    question: x\n    kind: unanswerable\n    expect: {abstain: false}\n", "u1: expect.abstain: must be true"),
        ("filing: filing.txt\nquestions:\n  - id: n1\n    question: x\n    kind: narrative\n    expect: {any_of: []}\n", "n1: expect.any_of: must not be empty"),
    ],
)
def test_malformed_sets(tmp_path: Path, body: str, fragment: str) -> None:
    message = _error(_write_set(tmp_path, body))
    assert message.startswith(str(tmp_path / "bad.yaml"))
    assert fragment in message


def test_filing_resolved_beside_the_set_then_in_corpus(tmp_path: Path) -> None:
    sets, corpus = tmp_path / "sets", tmp_path / "corpus"
    sets.mkdir()
    corpus.mkdir()
    (corpus / "f.txt").write_text("filing\n")
    path = sets / "s.yaml"
    path.write_text("filing: f.txt\nquestions:\n" + GOOD_QUESTION)
    message = _error(path)
    assert str(sets / "f.txt") in message and "--corpus" in message
    assert load_evalset(path, corpus).filing_path == (corpus / "f.txt").resolve()
    (sets / "f.txt").write_text("closer\n")
    assert load_evalset(path, corpus).filing_path == (sets / "f.txt").resolve()
    path.write_text("filing: missing.txt\nquestions:\n" + GOOD_QUESTION)
    message = _error(path, corpus)
    assert str(sets / "missing.txt") in message and str(corpus / "missing.txt") in message


def test_derived_default_tolerance_follows_the_yaml_text(tmp_path: Path) -> None:
    path = _write_set(tmp_path, "filing: filing.txt\nquestions:\n  - id: d1\n    question: margin?\n    kind: derived\n    expect: {number: 38.50, unit: percent}\n", "ok.yaml")
    question = load_evalset(path).questions[0]
    assert score(question, fig_answer(38.504, scale="units", unit="percent")) is Outcome.PASS
    assert score(question, fig_answer(38.51, scale="units", unit="percent")) is Outcome.WRONG_FIGURE


DEV_SETS = sorted((SHARED / "evalsets").glob("*.dev.yaml"))


@pytest.mark.skipif(not DEV_SETS, reason="../shared/evalsets not present")
@pytest.mark.parametrize("path", DEV_SETS, ids=lambda p: p.name)
def test_dev_sets_load(path: Path) -> None:
    evalset = load_evalset(path, SHARED / "corpus")
    assert evalset.questions and evalset.filing_path is not None and evalset.filing_path.is_file()


# ---- runner --------------------------------------------------------------------------------------------


@dataclass
class _Report:
    id: str


class FakeService:
    """Answers from a table keyed by question text; records what it was asked to ingest."""

    def __init__(self, answers: dict[str, Answer]) -> None:
        self.answers = answers
        self.ingested: list[Path] = []

    def ingest_file(self, path: Path) -> _Report:
        self.ingested.append(path)
        return _Report(id="filing-1")

    def answer(self, question: str, filing_id: str) -> Answer:
        assert filing_id == "filing-1"
        return self.answers[question]


RUN_SET = """filing: filing.txt
questions:
  - id: r-001
    question: "What were total revenues?"
    kind: figure
    expect: {number: 9047, scale: thousands, unit: USD}
  - id: r-002
    question: "Who is the CEO?"
    kind: narrative
    expect: {any_of: ["Sayare"]}
  - id: r-003
    question: "How many employees?"
    kind: unanswerable
    expect: {abstain: true}
"""


def _service(employees_answer: Answer) -> FakeService:
    return FakeService(
        {
            "What were total revenues?": fig_answer(9047),
            "Who is the CEO?": text_answer("Mitchel Sayare"),
            "How many employees?": employees_answer,
        }
    )


def test_run_eval_all_pass_writes_jsonl_and_junit(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write_set(tmp_path, RUN_SET, "run.dev.yaml")
    service = _service(text_answer("Not stated in the filing.", abstained=True))
    jsonl, junit = tmp_path / "out.jsonl", tmp_path / "out.xml"
    code = run_eval([path], None, jsonl, junit, 0.95, service)
    assert code == 0
    assert service.ingested == [(tmp_path / "filing.txt").resolve()]
    printed = capsys.readouterr().out
    assert "TOTAL" in printed and "wrong figures: 0" in printed and "100.0%" in printed

    records = [json.loads(line) for line in jsonl.read_text().splitlines()]
    assert [r["id"] for r in records] == ["r-001", "r-002", "r-003"]
    for record in records:
        assert {"set", "id", "question", "kind", "outcome", "answer"} <= record.keys()
        assert record["set"] == "run.dev.yaml" and record["outcome"] == "pass"
        assert Answer.model_validate(record["answer"])
    assert records[0]["answer"]["figures"][0]["value"] == 9047

    root = ET.parse(junit).getroot()
    assert root.tag == "testsuites" and root.get("tests") == "3" and root.get("failures") == "0"
    (suite,) = root.findall("testsuite")
    assert suite.get("name") == "run.dev.yaml" and len(suite.findall("testcase")) == 3


def test_run_eval_below_min_pass_returns_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write_set(tmp_path, RUN_SET, "run.dev.yaml")
    service = _service(fig_answer(1200, scale="units", unit="employees"))
    junit = tmp_path / "out.xml"
    assert run_eval([path], None, None, junit, 0.95, service) == 1
    printed = capsys.readouterr().out
    assert "wrong figures: 1" in printed and "r-003 [wrong_figure]" in printed
    failures = ET.parse(junit).getroot().findall(".//failure")
    assert len(failures) == 1 and failures[0].get("type") == "wrong_figure"
    assert run_eval([path], None, None, None, 0.6, service) == 0  # 2/3 passes a lower bar


def test_run_eval_validates_every_set_before_running(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = _write_set(tmp_path, RUN_SET, "run.dev.yaml")
    bad = _write_set(tmp_path, "filing: filing.txt\nquestions: []\n", "bad.yaml")
    service = _service(text_answer("n/a", abstained=True))
    assert run_eval([good, bad], None, None, None, 0.95, service) == 2
    assert service.ingested == []
    assert "bad.yaml" in capsys.readouterr().err
