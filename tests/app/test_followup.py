"""Follow-up questions: the rewrite grammar on its own, then whole conversations through the real
service (real model, real Chroma) on the sample filing."""

from __future__ import annotations

from datetime import date

import pytest

from filingqa.app.engine.followup import Turn, find_periods, read, rewrite, understand

REVENUES = "What were total revenues for the three months ended December 31, 2004?"
NET_LOSS = "What was the net loss for the three months ended December 31, 2004?"
CASH = "What was cash and cash equivalents as of June 30, 2004?"
Q4_2004 = (date(2004, 12, 31), 3)


@pytest.mark.parametrize(
    "previous, anchor, question, expected",
    [
        # the period changes
        (REVENUES, Q4_2004, "And a year earlier?", "What were total revenues for the three months ended December 31, 2003?"),
        (REVENUES, None, "And a year earlier?", "What were total revenues for the three months ended December 31, 2003?"),
        (NET_LOSS, Q4_2004, "for the six months?", "What was the net loss for the six months ended December 31, 2004?"),
        (REVENUES, Q4_2004, "what about 2003?", "What were total revenues for the three months ended December 31, 2003?"),
        (REVENUES, Q4_2004, "the prior quarter?", "What were total revenues for the three months ended September 30, 2004?"),
        (REVENUES, Q4_2004, "And for the three months ended September 30, 2004?", "What were total revenues for the three months ended September 30, 2004?"),
        (CASH, None, "and at December 31, 2004?", "What was cash and cash equivalents at December 31, 2004?"),
        (CASH, None, "a year earlier?", "What was cash and cash equivalents as of June 30, 2003?"),
        # the item changes (the verb agrees with it)
        (REVENUES, Q4_2004, "What about net income?", "What was net income for the three months ended December 31, 2004?"),
        (NET_LOSS, Q4_2004, "and R&D?", "What was the R&D for the three months ended December 31, 2004?"),
        (REVENUES, Q4_2004, "What about net income a year earlier?", "What was net income for the three months ended December 31, 2003?"),
        (REVENUES, Q4_2004, "And what was the net loss?", "What was the net loss for the three months ended December 31, 2004?"),
        ("What was the change in total revenues for the three months ended December 31, 2004?", None, "and R&D?", "What was the change in R&D for the three months ended December 31, 2004?"),
        ("How much did sales by Company-operated restaurants bring in during Q1 2023?", None, "What about franchised restaurants?", "How much did franchised restaurants bring in during Q1 2023?"),
        ("What were total revenues in the first quarter of 2022?", (date(2022, 3, 31), 3), "and 2023?", "What were total revenues for the three months ended March 31, 2023?"),
        # a step on the last answer
        (NET_LOSS, Q4_2004, "as a share of revenue?", "What was net loss as a percentage of revenue for the three months ended December 31, 2004?"),
        (NET_LOSS, Q4_2004, "How did that change?", "What was the change in net loss for the three months ended December 31, 2004?"),
        (NET_LOSS, Q4_2004, "How did that change from a year earlier?", "What was the change in net loss for the three months ended December 31, 2004?"),
        (REVENUES, Q4_2004, "By what percentage did it grow?", "By what percentage did total revenues grow for the three months ended December 31, 2004?"),
        (REVENUES, Q4_2004, "and year over year growth?", "By what percentage did total revenues grow for the three months ended December 31, 2004?"),
    ],
)
def test_a_follow_up_is_merged_with_the_previous_reading(previous, anchor, question, expected) -> None:
    turn = Turn(previous, *(anchor or (None, None)))
    assert rewrite(question, turn) == expected


@pytest.mark.parametrize(
    "question",
    [
        "What was the net loss for the six months ended December 31, 2004?",
        "Who signed the filing?",
        "What were research and development expenses?",  # an item of its own and no marker: standalone
        "How did total revenues change for the three months ended December 31, 2004?",
    ],
)
def test_a_standalone_question_is_read_as_asked(question) -> None:
    assert rewrite(question, Turn(REVENUES, *Q4_2004)) == question


def test_without_a_previous_turn_nothing_changes() -> None:
    assert rewrite("And a year earlier?", None) == "And a year earlier?"


def test_a_year_earlier_snaps_to_a_period_the_filing_reports() -> None:
    # 52/53-week years: the year-ago quarter ended a few days later in the calendar.
    turn = Turn("What were net sales for the thirteen weeks ended November 2, 2024?", date(2024, 11, 2), 3)
    assert rewrite("And a year earlier?", turn, [(date(2023, 10, 28), 3), (date(2023, 11, 4), 6)]) == "What were net sales for the three months ended October 28, 2023?"


def test_the_anchor_is_looked_up_only_when_a_relative_period_needs_it() -> None:
    asked: list[str] = []

    def answer_period(q: str):
        asked.append(q)
        return (date(2004, 12, 31), 3)

    history = ["What were total revenues?", "What about net loss?"]
    assert understand("And a year earlier?", history, answer_period) == "What was net loss for the three months ended December 31, 2003?"
    assert asked == ["What was net loss?"]  # the turn before the follow-up, as it was read
    asked.clear()
    assert understand("What about R&D?", history, answer_period) == "What was R&D?"
    assert asked == []


def test_period_grammar_kinds() -> None:
    kinds = [(s.kind, s.text) for s in find_periods("revenues for the three months ended December 31, 2004 versus a year earlier, and in 2003")]
    assert kinds == [("absolute", "for the three months ended December 31, 2004"), ("shift-year", "versus a year earlier"), ("year", "in 2003")]
    r = read("And what about net income?")
    assert r.marker and r.item_text == "net income" and not r.periods


# -- whole conversations through the real service -----------------------------------------------
@pytest.fixture(scope="module")
def sample_service(tmp_path_factory, embeddings, sample_filing):
    from filingqa.app.service import FilingService
    from filingqa.app.settings import Settings

    service = FilingService(Settings(data_dir=str(tmp_path_factory.mktemp("followup") / "data")))
    service.store.embeddings = embeddings
    service.engine.embeddings = embeddings
    report = service.ingest_file(sample_filing)
    return service, report.id


@pytest.mark.slow
@pytest.mark.parametrize(
    "history, question, value, understood",
    [
        ([REVENUES], "And a year earlier?", 5164, "What were total revenues for the three months ended December 31, 2003?"),
        ([NET_LOSS], "for the six months?", -4680, "What was the net loss for the six months ended December 31, 2004?"),
        ([REVENUES, "What about the net loss?"], "And a year earlier?", -1333, "What was net loss for the three months ended December 31, 2003?"),
        ([NET_LOSS], "How did that change?", -876, "What was the change in net loss for the three months ended December 31, 2004?"),
        (["What were total revenues?"], "And a year earlier?", 5164, None),
    ],
)
def test_conversations_on_the_sample_filing(sample_service, history, question, value, understood) -> None:
    service, fid = sample_service
    answer = service.answer(question, fid, history)
    assert answer.question == question
    if understood:
        assert answer.understood_as == understood
    assert not answer.abstained and answer.figures[0].value == value


@pytest.mark.slow
def test_standalone_answers_do_not_change_with_a_history(sample_service) -> None:
    service, fid = sample_service
    alone = service.answer(NET_LOSS, fid)
    after = service.answer(NET_LOSS, fid, [REVENUES])
    assert alone.understood_as == alone.question == NET_LOSS == after.understood_as
    assert alone.figures[0].value == after.figures[0].value == -2209
