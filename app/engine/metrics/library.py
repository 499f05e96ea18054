"""The metric library (library.yaml) loaded into concepts and metrics, with lookups by phrase and name."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from filingqa.app.engine.metrics import grammar
from filingqa.app.engine.metrics.expr import Expr, Slot, Term

LIBRARY_PATH = Path(__file__).with_name("library.yaml")
STATEMENTS = ("income", "balance", "cash_flow")
UNITS = ("percent", "ratio", "days", "USD", "USD/share")
SIGNS = ("as_printed", "magnitude", "expense")
_SLOTS = ("item", "part", "whole", "years")
_KEY_CHARS = re.compile(r"[^a-z0-9&%@_]+")
# Words that qualify a stated phrase without changing the line item ("year-end receivables").
_QUALIFIERS = re.compile(
    r"^(?:the|a|an|its|company's|total\s+(?=reported)|reported|as\s+reported|unadjusted|gaap|consolidated|annual|yearly|full[\s-]year|fiscal(?:\s+year)?(?:\s+\d{4})?|"
    r"fy\s*\d{4}|\d{4}|year[\s-]end|end[\s-]of[\s-](?:the[\s-])?year|ending|closing|period[\s-]end)\s+",
    re.IGNORECASE,
)


def phrase_key(text: str) -> str:
    """A phrase as an index key: case, punctuation, hyphens, apostrophes and plurals do not matter
    ("Capital expenditure" is "capital expenditures")."""
    t = text.lower().replace("’", "'").replace("'s ", " ").replace("'", "")
    return " ".join(_singular(w) for w in _KEY_CHARS.sub(" ", t).split())


def _singular(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")) else word


@dataclass(frozen=True)
class Concept:
    key: str
    phrases: tuple[str, ...]
    statement: str
    period: str  # duration | instant
    sign: str = "as_printed"
    negate_when: tuple[re.Pattern, ...] = ()
    alternatives: tuple[str, ...] = ()

    @property
    def instant(self) -> bool:
        return self.period == "instant"

    def term(self) -> Term:
        return Term(self.phrases[0], self.phrases, self.key, self.statement, self.instant, sign=self.sign)

    def signed(self, value, label: str):
        """The value as the formula uses it: outflows as magnitudes, inverted labels flipped."""
        if self.sign == "magnitude":
            return abs(value)
        if self.sign == "expense" and any(p.search(label or "") for p in self.negate_when):
            return -value
        return value


@dataclass(frozen=True)
class Metric:
    key: str
    names: tuple[str, ...]
    formula: str
    unit: str
    decimals: int | None
    generic: bool
    money_variant: str | None = None
    expr: Expr = field(compare=False, repr=False, default=None)

    @property
    def name(self) -> str:
        return self.names[0]


@dataclass
class Library:
    concepts: dict[str, Concept]
    metrics: dict[str, Metric]
    _phrase_index: dict[str, str] = field(default_factory=dict, repr=False)
    _name_pattern: re.Pattern | None = field(default=None, repr=False)
    _names: dict[str, str] = field(default_factory=dict, repr=False)

    def concept_for(self, phrase: str) -> Concept | None:
        """The concept a stated phrase names, or None: exact phrase first, then without qualifiers."""
        key = phrase_key(phrase)
        while True:
            if key in self._phrase_index:
                return self.concepts[self._phrase_index[key]]
            stripped = phrase_key(_QUALIFIERS.sub("", key, count=1))
            if stripped == key or not stripped:
                return None
            key = stripped

    def find_metric(self, text: str, generic: bool = False) -> tuple[Metric, re.Match] | None:
        """The library metric a question names (longest name first), with where it is named."""
        for m in self._name_pattern.finditer(text):
            metric = self.metrics[self._names[_name_key(m.group(0))]]
            if generic or not metric.generic:
                return metric, m
        return None

    def metric_named(self, name: str) -> Metric | None:
        key = _name_key(name)
        if key in self._names:
            return self.metrics[self._names[key]]
        m = self._name_pattern.fullmatch(name.strip().lower())
        return self.metrics[self._names[_name_key(m.group(0))]] if m else None


def _name_key(name: str) -> str:
    return " ".join(re.split(r"[\s-]+", name.lower().replace("’", "'")))


def _name_regex(name: str) -> str:
    words = re.split(r"[\s-]+", name.lower())
    return r"(?<![\w&/-])" + r"[\s-]+".join(re.escape(w) for w in words) + r"(?![\w&/-])"


@lru_cache(maxsize=4)
def load(path: Path = LIBRARY_PATH) -> Library:
    data = yaml.safe_load(path.read_text())
    concepts: dict[str, Concept] = {}
    for key, c in data["concepts"].items():
        problem = _check_concept(key, c)
        if problem:
            raise ValueError(f"{path.name}: concept {key!r}: {problem}")
        concepts[key] = Concept(
            key=key,
            phrases=tuple(c["phrases"]),
            statement=c["statement"],
            period=c["period"],
            sign=c.get("sign", "as_printed"),
            negate_when=tuple(re.compile(p, re.IGNORECASE) for p in c.get("negate_when", [])),
            alternatives=tuple(c.get("alternatives", [])),
        )
    lib = Library(concepts, {})
    # Phrase index: a concept's own first phrase beats a fallback phrase another concept lists.
    for rank in range(max(len(c.phrases) for c in concepts.values())):
        for c in concepts.values():
            if rank < len(c.phrases):
                lib._phrase_index.setdefault(phrase_key(c.phrases[rank]), c.key)
    raw = data["metrics"]
    for key, m in raw.items():
        if m.get("unit") not in UNITS:
            raise ValueError(f"{path.name}: metric {key!r}: unit must be one of {UNITS}, not {m.get('unit')!r}")
        if not m.get("names") or not m.get("formula"):
            raise ValueError(f"{path.name}: metric {key!r} needs names and a formula")
        lib.metrics[key] = Metric(key, tuple(m["names"]), m["formula"], m["unit"], m.get("decimals"), bool(m.get("generic")), m.get("money_variant"))
    for key, m in lib.metrics.items():
        if m.money_variant and m.money_variant not in lib.metrics:
            raise ValueError(f"{path.name}: metric {key!r}: money_variant {m.money_variant!r} is not a metric")
    for key in list(lib.metrics):
        _compile_metric(lib, raw, key, ())
    for c in concepts.values():
        for alt in c.alternatives:
            compile_formula(lib, alt)  # fail at load, naming the bad alternative, not at question time
    names = sorted(((_name_key(n), m.key) for m in lib.metrics.values() for n in m.names), key=lambda x: -len(x[0]))
    lib._names = dict(names)
    lib._name_pattern = re.compile("|".join(_name_regex(n) for n, _ in names), re.IGNORECASE)
    return lib


def _check_concept(key: str, c: dict) -> str | None:
    if not c.get("phrases"):
        return "needs phrases"
    if c.get("statement") not in STATEMENTS:
        return f"statement must be one of {STATEMENTS}"
    if c.get("period") not in ("duration", "instant"):
        return "period must be duration or instant"
    if c.get("sign", "as_printed") not in SIGNS:
        return f"sign must be one of {SIGNS}"
    return None


def _compile_metric(lib: Library, raw: dict, key: str, stack: tuple[str, ...]) -> Expr:
    metric = lib.metrics[key]
    if metric.expr is not None:
        return metric.expr
    if key in stack:
        raise ValueError(f"library.yaml: metric {key!r} is defined in terms of itself ({' -> '.join(stack + (key,))})")

    def item(text: str, glosses: list[str]) -> Expr:
        name = text.strip()
        if name.startswith("@"):
            ref = name[1:]
            if ref not in lib.metrics:
                raise ValueError(f"library.yaml: metric {key!r} refers to unknown metric {ref!r}")
            return _compile_metric(lib, raw, ref, stack + (key,))
        return _identifier(lib, name, f"metric {key!r}")

    expr, _ = grammar.parse(metric.formula, item)
    object.__setattr__(metric, "expr", expr)
    return expr


def _identifier(lib: Library, name: str, where: str) -> Expr:
    if name in _SLOTS:
        return Slot(name)
    if name in lib.concepts:
        return lib.concepts[name].term()
    raise ValueError(f"library.yaml: {where} uses {name!r}, which is neither a concept nor a placeholder")


def compile_formula(lib: Library, formula: str) -> Expr:
    """A formula over concept keys (a concept's alternative definition)."""
    expr, _ = grammar.parse(formula, lambda text, glosses: _identifier(lib, text.strip(), f"formula {formula!r}"))
    return expr
