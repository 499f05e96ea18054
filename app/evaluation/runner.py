"""`filingqa eval`: run evaluation sets against the answering service and report how they score.

Every set is validated (and its filing found) before any question is asked, so a typo in the last set
fails in a second rather than after an hour of answering. Results go out three ways: a table for people,
JSONL for diffing runs, JUnit XML for CI. The exit code gates CI on the total pass rate.
"""

from __future__ import annotations

import json
import sys
import time
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TextIO

from filingqa.app.engine.model import Answer
from filingqa.app.evaluation.evalset import EvalQuestion, EvalSet, EvalSetError, load_evalset
from filingqa.app.evaluation.scoring import Outcome, describe, score

_COLUMNS = ("set", "questions", "pass", "wrong figure", "abstained", "missed", "pass rate")


class _IngestReport(Protocol):
    id: str


class AnsweringService(Protocol):
    """What the runner needs from the service: ingest a file, answer a question about an ingested filing."""

    def ingest_file(self, path: Path) -> _IngestReport: ...

    def answer(self, question: str, filing_id: str) -> Answer: ...


@dataclass
class QuestionResult:
    question: EvalQuestion
    answer: Answer
    outcome: Outcome
    reason: str
    seconds: float


@dataclass
class SetResult:
    name: str
    results: list[QuestionResult] = field(default_factory=list)
    xbrl_checked: int = 0  # the filing's table cells checked against its XBRL tags
    xbrl_disagree: int = 0  # of those, cells the tag contradicts (reported, never resolved)

    @property
    def counts(self) -> Counter[Outcome]:
        return Counter(r.outcome for r in self.results)


def _rate(passed: int, total: int) -> float:
    return passed / total if total else 0.0


def _row(name: str, counts: Counter[Outcome], total: int) -> tuple[str, ...]:
    passed = counts[Outcome.PASS]
    return (
        name,
        str(total),
        str(passed),
        str(counts[Outcome.WRONG_FIGURE]),
        str(counts[Outcome.ABSTAINED]),
        str(counts[Outcome.MISSED]),
        f"{100 * _rate(passed, total):.1f}%",
    )


def format_report(sets: list[SetResult], min_pass: float) -> str:
    """The per-set table, the TOTAL line, the wrong-figure count and the non-passing questions."""
    total_counts: Counter[Outcome] = Counter()
    rows = [_COLUMNS]
    for s in sets:
        total_counts.update(s.counts)
        rows.append(_row(s.name, s.counts, len(s.results)))
    total = sum(len(s.results) for s in sets)
    rows.append(_row("TOTAL", total_counts, total))
    widths = [max(len(r[i]) for r in rows) for i in range(len(_COLUMNS))]

    def line(r: tuple[str, ...]) -> str:
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))).rstrip()

    out = [line(r) for r in rows[:-1]]
    out.append("  ".join("-" * w for w in widths))
    out.append(line(rows[-1]))
    out.append("")
    out.append(f"wrong figures: {total_counts[Outcome.WRONG_FIGURE]}")
    if any(s.xbrl_checked for s in sets):
        checked = sum(s.xbrl_checked for s in sets)
        disagree = sum(s.xbrl_disagree for s in sets)
        out.append(f"XBRL: {checked} tagged cells checked against the filer's tags, {disagree} disagree")
    rate = _rate(total_counts[Outcome.PASS], total)
    verdict = "PASS" if rate >= min_pass else "FAIL"
    out.append(f"pass rate {100 * rate:.1f}% (minimum {100 * min_pass:.1f}%): {verdict}")
    failures = [(s.name, r) for s in sets for r in s.results if r.outcome is not Outcome.PASS]
    if failures:
        out.append("")
        out.append("not passing:")
        out.extend(f"  {name} {r.question.id} [{r.outcome.value}] {r.reason}" for name, r in failures)
    return "\n".join(out)


def _jsonl_record(set_name: str, r: QuestionResult) -> dict[str, Any]:
    return {
        "set": set_name,
        "id": r.question.id,
        "question": r.question.question,
        "kind": r.question.kind,
        "outcome": r.outcome.value,
        "answer": r.answer.model_dump(mode="json"),
        "expect": r.question.expect.model_dump(mode="json"),
        "reason": r.reason,
    }


def junit_xml(sets: list[SetResult]) -> ET.ElementTree:
    """testsuites > testsuite per set > testcase per question; a non-pass is a <failure> with its reason."""
    total = sum(len(s.results) for s in sets)
    failed = sum(1 for s in sets for r in s.results if r.outcome is not Outcome.PASS)
    seconds = sum(r.seconds for s in sets for r in s.results)
    root = ET.Element("testsuites", name="filingqa eval", tests=str(total), failures=str(failed), errors="0", time=f"{seconds:.3f}")
    for s in sets:
        s_failed = sum(1 for r in s.results if r.outcome is not Outcome.PASS)
        suite = ET.SubElement(
            root,
            "testsuite",
            name=s.name,
            tests=str(len(s.results)),
            failures=str(s_failed),
            errors="0",
            skipped="0",
            time=f"{sum(r.seconds for r in s.results):.3f}",
        )
        classname = s.name.removesuffix(".yaml").removesuffix(".yml")
        for r in s.results:
            case = ET.SubElement(suite, "testcase", classname=classname, name=r.question.id, time=f"{r.seconds:.3f}")
            if r.outcome is not Outcome.PASS:
                failure = ET.SubElement(case, "failure", message=f"{r.outcome.value}: {r.reason}", type=r.outcome.value)
                failure.text = f"{r.question.question}\n\n{r.answer.answer}"
    ET.indent(root)
    return ET.ElementTree(root)


def _load_all(set_paths: list[Path], corpus: Path | None) -> list[EvalSet]:
    sets = [load_evalset(p, corpus) for p in set_paths]
    names = Counter(Path(p).name for p in set_paths)
    dupes = [n for n, c in names.items() if c > 1]
    if dupes:
        # JSONL and JUnit identify a set by file name; two sets with one name would be indistinguishable.
        raise EvalSetError(f"{dupes[0]}: given more than once (sets are reported by file name)")
    return sets


def run_eval(
    set_paths: list[Path],
    corpus: Path | None,
    jsonl: Path | None,
    junit: Path | None,
    min_pass: float,
    service: AnsweringService,
    out: TextIO | None = None,
) -> int:
    """Run the sets; 0 if the total pass rate reaches min_pass, 1 if not, 2 if a set or an option is bad."""
    out = out if out is not None else sys.stdout
    if not set_paths:
        print("filingqa eval: error: no evaluation sets given", file=sys.stderr)
        return 2
    if not 0.0 <= min_pass <= 1.0:
        print(f"filingqa eval: error: --min-pass {min_pass} is not a fraction between 0 and 1", file=sys.stderr)
        return 2
    try:
        evalsets = _load_all(set_paths, corpus)
    except EvalSetError as exc:
        print(f"filingqa eval: error: {exc}", file=sys.stderr)
        return 2

    results: list[SetResult] = []
    filing_ids: dict[Path, str] = {}  # one ingest per filing, even when several sets share it
    jsonl_file = jsonl.open("w", encoding="utf-8") if jsonl is not None else None
    try:
        for path, evalset in zip(set_paths, evalsets):
            set_result = SetResult(name=Path(path).name)
            results.append(set_result)
            filing_path = evalset.filing_path
            assert filing_path is not None  # load_evalset resolved it or raised
            if filing_path not in filing_ids:
                report = service.ingest_file(filing_path)
                filing_ids[filing_path] = report.id
                set_result.xbrl_checked = getattr(report, "xbrl_checked", 0)
                set_result.xbrl_disagree = getattr(report, "xbrl_disagree", 0)
            print(f"{set_result.name}: {len(evalset.questions)} questions", file=sys.stderr)
            for question in evalset.questions:
                started = time.perf_counter()
                answer = service.answer(question.question, filing_ids[filing_path])
                seconds = time.perf_counter() - started
                outcome = score(question, answer)
                reason = "" if outcome is Outcome.PASS else describe(question, answer)
                result = QuestionResult(question, answer, outcome, reason, seconds)
                set_result.results.append(result)
                if jsonl_file is not None:
                    # written as we go, so a crash or ^C late in a long run keeps what was scored
                    jsonl_file.write(json.dumps(_jsonl_record(set_result.name, result), ensure_ascii=False) + "\n")
                    jsonl_file.flush()
    finally:
        if jsonl_file is not None:
            jsonl_file.close()

    print(format_report(results, min_pass), file=out)
    if junit is not None:
        junit_xml(results).write(junit, encoding="utf-8", xml_declaration=True)
    total = sum(len(s.results) for s in results)
    passed = sum(s.counts[Outcome.PASS] for s in results)
    return 0 if _rate(passed, total) >= min_pass else 1
