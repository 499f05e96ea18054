"""Evaluation: load question sets over filings, score the service's answers, report pass rates.

The runner is what `filingqa eval` calls; the set format and the pass rules are
/work/shared/evalsets/FORMAT.md, implemented in `evalset` (format) and `scoring` (rules).
"""

from filingqa.app.evaluation.evalset import EvalQuestion, EvalSet, EvalSetError, load_evalset
from filingqa.app.evaluation.scoring import Outcome, describe, score

__all__ = ["EvalQuestion", "EvalSet", "EvalSetError", "Outcome", "describe", "load_evalset", "score"]
