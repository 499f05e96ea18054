"""Evaluation sets: the YAML format of FORMAT.md as pydantic models, and a loader with readable errors.

A set is written by hand, so every mistake must be reported as file, question and field, in words a person
can act on ("expect.scale: 'thousnds' is not one of ..."), not as a pydantic traceback. Unknown keys are
errors too: a misspelt `tolerence` would otherwise silently turn a tolerant check into an exact one.
"""

from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any, Literal, Union

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator, model_validator

KINDS: tuple[str, ...] = ("figure", "narrative", "derived", "unanswerable")
SCALES: dict[str, float] = {"units": 1.0, "thousands": 1e3, "millions": 1e6, "billions": 1e9}


class EvalSetError(ValueError):
    """A set that cannot be run; the message names the file, the question and the field."""


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)


def _decimal_places(value: Any) -> int | None:
    """Decimal places the number was written with (38.50 -> 2), so a derived default tolerance can follow it."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        exponent = Decimal(value if isinstance(value, (Decimal, str)) else repr(value)).as_tuple().exponent
    except (InvalidOperation, ValueError, TypeError):
        return None
    return max(0, -exponent) if isinstance(exponent, int) else None


class _Expect(BaseModel):
    """Common base: unknown keys are errors; `kind` is the tag the question injects, never written by hand."""

    model_config = ConfigDict(extra="forbid")


class _NumericExpect(_Expect):
    number: float
    unit: str
    tolerance: float | None = None
    _places: int | None = PrivateAttr(default=None)

    @field_validator("number", "tolerance", mode="before")
    @classmethod
    def _no_bool(cls, value: Any) -> Any:
        # YAML `yes`/`true` would otherwise pass as 1.0.
        if value is not None and not _is_number(value):
            if isinstance(value, str):
                raise ValueError(f"{value!r} is not a number (write it without commas or currency signs)")
            raise ValueError(f"{value!r} is not a number")
        if value is not None and not math.isfinite(float(value)):
            # YAML `.nan`/`.inf`: no answer could ever match (or miss) it.
            raise ValueError(f"{value!r} is not a finite number")
        return value

    @field_validator("tolerance")
    @classmethod
    def _non_negative(cls, value: float | None) -> float | None:
        if value is not None and value < 0:
            raise ValueError(f"{value!r} is negative; a tolerance is an absolute distance")
        return value

    @field_validator("unit")
    @classmethod
    def _unit_words(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("is empty")
        return value.strip()

    @model_validator(mode="wrap")
    @classmethod
    def _remember_places(cls, data: Any, handler: Any) -> Any:
        model = handler(data)
        if isinstance(data, dict):
            model._places = _decimal_places(data.get("number"))
        return model

    @property
    def places(self) -> int:
        """Decimal places of `number` as written (from the YAML text when loaded from a file)."""
        return self._places if self._places is not None else (_decimal_places(self.number) or 0)


def _check_scale(value: str) -> str:
    if value not in SCALES:
        raise ValueError(f"{value!r} is not one of {', '.join(SCALES)}")
    return value


class FigureExpect(_NumericExpect):
    kind: Literal["figure"] = Field(default="figure", exclude=True)
    scale: str

    @field_validator("scale")
    @classmethod
    def _known_scale(cls, value: str) -> str:
        return _check_scale(value)


class DerivedExpect(_NumericExpect):
    kind: Literal["derived"] = Field(default="derived", exclude=True)
    scale: str | None = None

    @field_validator("scale")
    @classmethod
    def _known_scale(cls, value: str | None) -> str | None:
        return value if value is None else _check_scale(value)


class NarrativeExpect(_Expect):
    kind: Literal["narrative"] = Field(default="narrative", exclude=True)
    any_of: list[str] = Field(min_length=1)

    @field_validator("any_of", mode="before")
    @classmethod
    def _numbers_as_text(cls, value: Any) -> Any:
        # `any_of: [959916]` is natural YAML for a passcode; keep the digits as written.
        if isinstance(value, list):
            return [str(v) if _is_number(v) else v for v in value]
        return value

    @field_validator("any_of")
    @classmethod
    def _non_empty_strings(cls, value: list[str]) -> list[str]:
        if any(not s.strip() for s in value):
            raise ValueError("contains an empty string, which every answer would contain")
        return value


class UnanswerableExpect(_Expect):
    kind: Literal["unanswerable"] = Field(default="unanswerable", exclude=True)
    abstain: bool

    @field_validator("abstain")
    @classmethod
    def _must_abstain(cls, value: bool) -> bool:
        if value is not True:
            raise ValueError("must be true (an unanswerable question expects an abstention)")
        return value


Expect = Annotated[Union[FigureExpect, DerivedExpect, NarrativeExpect, UnanswerableExpect], Field(discriminator="kind")]


class EvalQuestion(BaseModel):
    """One question, its kind, and what a passing answer must contain."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)
    question: str = Field(min_length=1)
    kind: Literal["figure", "narrative", "derived", "unanswerable"]
    expect: Expect
    source: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _tag_expect(cls, data: Any) -> Any:
        """Route `expect` to the model for the question's kind (the YAML does not repeat the kind inside it)."""
        if not isinstance(data, dict):
            return data
        kind = data.get("kind")
        if kind is None:
            return data
        if kind not in KINDS:
            raise ValueError(f"kind: {kind!r} is not one of {', '.join(KINDS)}")
        expect = data.get("expect")
        if isinstance(expect, dict):
            data = {**data, "expect": {**expect, "kind": kind}}
        return data

    @model_validator(mode="after")
    def _kind_matches(self) -> EvalQuestion:
        if self.expect.kind != self.kind:
            raise ValueError(f"expect: fields for kind {self.expect.kind!r} given to a {self.kind!r} question")
        return self


class EvalSet(BaseModel):
    """A filing and the questions asked of it; `filing_path` is set by `load_evalset` once resolved."""

    model_config = ConfigDict(extra="forbid")

    filing: str = Field(min_length=1)
    questions: list[EvalQuestion] = Field(min_length=1)
    _filing_path: Path | None = PrivateAttr(default=None)
    _source: Path | None = PrivateAttr(default=None)

    @property
    def filing_path(self) -> Path | None:
        return self._filing_path

    @property
    def source(self) -> Path | None:
        """The set file this was loaded from."""
        return self._source


class _DecimalLoader(yaml.SafeLoader):
    """SafeLoader that keeps floats as Decimal, so `38.50` still says it was written to two places."""


def _construct_float(loader: yaml.SafeLoader, node: yaml.Node) -> Decimal | float:
    text = str(loader.construct_scalar(node)).replace("_", "")  # type: ignore[arg-type]
    try:
        value = Decimal(text)
    except InvalidOperation:
        return yaml.SafeLoader.construct_yaml_float(loader, node)  # .inf, .nan, 1:30.5
    return value if value.is_finite() else float(value)


_DecimalLoader.add_constructor("tag:yaml.org,2002:float", _construct_float)


def _problem(err: dict[str, Any]) -> str:
    """One pydantic error as 'field.path: problem'."""
    loc = [str(p) for p in err["loc"]]
    if len(loc) >= 2 and loc[0] == "expect" and loc[1] in KINDS:
        loc = [loc[0], *loc[2:]]  # drop the internal union tag
    kind = err["type"]
    if kind == "missing":
        msg = "missing"
    elif kind == "extra_forbidden":
        msg = f"unknown field (value {err.get('input')!r})"
    elif kind == "too_short":
        msg = "must not be empty"
    elif kind in ("model_type", "model_attributes_type", "dict_type"):
        msg = f"must be a mapping of fields (got {err.get('input')!r})"
    elif kind == "union_tag_not_found" or kind == "union_tag_invalid":
        msg = "cannot tell which fields to expect"
    else:
        msg = err["msg"].removeprefix("Value error, ")
        if kind not in ("value_error", "assertion_error") and "input" in err:
            msg += f" (got {err['input']!r})"
    field = ".".join(loc)
    return f"{field}: {msg}" if field else msg


def _describe(exc: ValidationError) -> str:
    return "; ".join(_problem(e) for e in exc.errors(include_url=False))


def _resolve_filing(filing: str, set_dir: Path, corpus: Path | None, where: str) -> Path:
    """The set's folder first, then --corpus: sets live beside their filings, or point into a shared corpus."""
    tried = [set_dir / filing]
    if corpus is not None:
        tried.append(corpus / filing)
    for candidate in tried:
        if candidate.is_file():
            return candidate.resolve()
    places = " and ".join(str(p) for p in tried)
    hint = "" if corpus is not None else " (no --corpus folder given)"
    raise EvalSetError(f"{where}: filing: {filing!r} not found; tried {places}{hint}")


def load_evalset(path: Path, corpus: Path | None = None) -> EvalSet:
    """Read and validate one set file, and resolve its filing; any problem raises EvalSetError."""
    path = Path(path)
    where = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise EvalSetError(f"{where}: cannot read: {exc}") from exc
    try:
        data = yaml.load(text, Loader=_DecimalLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise EvalSetError(f"{where}: not YAML: {' '.join(str(exc).split())}") from exc
    except RecursionError:
        raise EvalSetError(f"{where}: not a set: lists or mappings nested too deeply") from None
    if not isinstance(data, dict):
        raise EvalSetError(f"{where}: not a mapping with 'filing' and 'questions' (got {type(data).__name__})")

    for key in ("filing", "questions"):
        if key not in data:
            raise EvalSetError(f"{where}: {key}: missing")
    extra = sorted(str(k) for k in data if k not in ("filing", "questions"))
    if extra:
        raise EvalSetError(f"{where}: unknown top-level field(s): {', '.join(extra)}")
    if not isinstance(data["filing"], str) or not data["filing"].strip():
        raise EvalSetError(f"{where}: filing: must be a file name (got {data['filing']!r})")
    raw_questions = data["questions"]
    if not isinstance(raw_questions, list) or not raw_questions:
        raise EvalSetError(f"{where}: questions: must be a non-empty list")

    questions: list[EvalQuestion] = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(raw_questions, start=1):
        qid = raw.get("id") if isinstance(raw, dict) else None
        if isinstance(qid, str) and qid:
            label = f"question {qid}"
        else:
            label = f"question #{index} " + ("(no id)" if qid is None else f"(id {qid!r})")
        if not isinstance(raw, dict):
            raise EvalSetError(f"{where}: {label}: not a mapping (got {type(raw).__name__})")
        try:
            question = EvalQuestion.model_validate(raw)
        except ValidationError as exc:
            raise EvalSetError(f"{where}: {label}: {_describe(exc)}") from None
        except RecursionError:
            raise EvalSetError(f"{where}: {label}: nested too deeply") from None
        if question.id in seen:
            raise EvalSetError(f"{where}: {label}: duplicate id (also question #{seen[question.id]})")
        seen[question.id] = index
        questions.append(question)

    evalset = EvalSet(filing=data["filing"].strip(), questions=questions)
    evalset._filing_path = _resolve_filing(evalset.filing, path.parent, corpus, where)
    evalset._source = path
    return evalset
