"""The Answer: one typed shape for the CLI's --json, the HTTP API, the chat UI and the eval runner."""

from __future__ import annotations

import datetime as dt
from enum import Enum

from pydantic import BaseModel, Field, model_validator


class AnswerKind(str, Enum):
    FIGURE = "figure"
    DERIVED = "derived"
    NARRATIVE = "narrative"
    ABSTAIN = "abstain"


class PeriodRef(BaseModel):
    end: dt.date | None = None
    months: int | None = None


class FigureSource(BaseModel):
    """Where a figure was printed: a table cell, or a sentence of the text."""

    table: str | None = Field(default=None, description="table id (t1, t2, …); None for a figure stated in the text")
    row: str | None = None
    column: str | None = None
    line: int


class Figure(BaseModel):
    value: float
    scale: str = Field(description="units | thousands | millions | billions")
    unit: str = Field(description="USD | USD/share | shares | percent | …")
    label: str
    period: PeriodRef | None = None
    verified: bool = False
    formula: str | None = Field(default=None, description="for a derived figure: the computation over its inputs")
    source: FigureSource | None = None
    text: str | None = Field(default=None, description="the figure as the filing prints it")


class Citation(BaseModel):
    text: str
    line_start: int
    line_end: int
    section: str | None = None


class Answer(BaseModel):
    question: str
    filing: str
    kind: AnswerKind
    abstained: bool = False
    answer: str
    figures: list[Figure] = []
    citations: list[Citation] = []
    latency_ms: float = 0.0
    question_kind: str | None = Field(default=None, description="how the question was classified: figure | derived | narrative | unanswerable")
    understood_as: str | None = Field(default=None, description="the question as the engine read it: a follow-up merged with the conversation's previous question; the question itself when standalone")

    @model_validator(mode="after")
    def _read_as_asked(self) -> "Answer":
        if self.understood_as is None:
            self.understood_as = self.question
        return self
