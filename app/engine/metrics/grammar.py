"""One arithmetic grammar for library formulas and for definitions stated in questions.

    expr := prod (('+' | '-') prod)*
    prod := power (('*' | '/' | 'as a % of') power)*
    power := unary ('^' unary)?
    unary := '-' unary | atom
    atom := NUMBER | '(' expr ')' | FUNC '(' expr ')' | ITEM gloss*
    gloss := '(' words with no operator ')'        "capital expenditures (payments for PP&E)"

Operators may be symbols or words ("plus", "minus", "less", "divided by", "over", "times", "x",
"as a percentage of"); a hyphen is subtraction only with space around it ("short-term" is a word).
What an ITEM means is the caller's: the library maps concept keys, a question's definition maps
analyst phrases with their periods ("average PP&E between FY2018 and FY2019").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from filingqa.app.engine.metrics.expr import BinOp, Expr, Neg, Num, Rel

FUNCS = ("avg", "prior", "change", "start")

# Word operators first (longest first), then symbols. "less" before "allowances" is part of a label
# ("Receivables, less allowances"), never subtraction.
_OPERATOR = re.compile(
    r"(?P<pct>\bas\s+a\s+(?:%|percent(?:age)?|share)\s+of\b)"
    r"|(?P<div>\bdivided\s+by\b|\bover\b(?!\s+(?:the\s+)?(?:fy|fiscal|last|past|prior|previous|years?|\d{4}|periods?|same|two|three|four|five))|\s/\s|/|÷)"
    r"|(?P<mul>\bmultiplied\s+by\b|\btimes\b|(?<=\s)[x×](?=\s)|\*|×)"
    r"|(?P<add>\bplus\b|\+)"
    r"|(?P<sub>\bminus\b|\bless\b(?!\s+(?:allowances?|accumulated|reserves?))|(?:(?<=\s)|^)[-–−](?=\s))"
    r"|(?P<pow>\^|\*\*)"
    r"|(?P<lp>\()|(?P<rp>\))",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"^\s*(\d+(?:,\d{3})*(?:\.\d+)?|\.\d+)\s*%?\s*$")
_OPS = {"add": "+", "sub": "-", "mul": "*", "div": "/", "pct": "%of", "pow": "^"}


class GrammarError(ValueError):
    """The formula text cannot be read as arithmetic; the message says where."""


@dataclass
class Token:
    kind: str  # op | lp | rp | text | num
    text: str
    op: str = ""


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    for m in _OPERATOR.finditer(text):
        _chunk(text[pos : m.start()], tokens)
        kind = m.lastgroup
        if kind in ("lp", "rp"):
            tokens.append(Token(kind, m.group(0)))
        elif kind == "pow" and m.group(0) == "**":
            tokens.append(Token("op", "^", "^"))
        else:
            tokens.append(Token("op", m.group(0).strip(), _OPS[kind]))
        pos = m.end()
    _chunk(text[pos:], tokens)
    return tokens


def _chunk(text: str, tokens: list[Token]) -> None:
    t = text.strip(" ,;:")
    if not t:
        return
    if _NUMBER.match(t) and not re.fullmatch(r"(?:19|20)\d{2}", t.strip()):
        tokens.append(Token("num", t.strip().rstrip("%").strip()))
    else:
        tokens.append(Token("text", t))


ItemFn = Callable[[str, list[str]], Expr]


def parse(text: str, item: ItemFn) -> tuple[Expr, bool]:
    """The expression, and whether it asked for a percentage ("X as a % of Y")."""
    p = _Parser(tokenize(text), item, text)
    expr = p.expr()
    if p.i < len(p.tokens):
        raise GrammarError(f"cannot read {p.tokens[p.i].text!r} in formula {text!r}")
    return expr, p.percent


class _Parser:
    def __init__(self, tokens: list[Token], item: ItemFn, source: str):
        self.tokens, self.item, self.source, self.i, self.percent = tokens, item, source, 0, False

    def peek(self) -> Token | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> Token:
        t = self.peek()
        if t is None:
            raise GrammarError(f"formula {self.source!r} ends where a line item or number is expected")
        self.i += 1
        return t

    def expr(self) -> Expr:
        left = self.prod()
        while (t := self.peek()) and t.kind == "op" and t.op in "+-":
            self.i += 1
            left = BinOp(t.op, left, self.prod())
        return left

    def prod(self) -> Expr:
        left = self.power()
        while (t := self.peek()) and t.kind == "op" and t.op in ("*", "/", "%of"):
            self.i += 1
            if t.op == "%of":
                self.percent = True
            left = BinOp("*" if t.op == "*" else "/", left, self.power())
        return left

    def power(self) -> Expr:
        base = self.unary()
        if (t := self.peek()) and t.kind == "op" and t.op == "^":
            self.i += 1
            return BinOp("^", base, self.unary())
        return base

    def unary(self) -> Expr:
        t = self.peek()
        if t and t.kind == "op" and t.op == "-":
            self.i += 1
            return Neg(self.unary())
        return self.atom()

    def atom(self) -> Expr:
        t = self.take()
        if t.kind == "num":
            return Num(Decimal(t.text.replace(",", "")), t.text)
        if t.kind == "lp":
            inner = self.expr()
            self.close()
            return inner
        if t.kind == "text":
            if t.text.lower() in FUNCS and (n := self.peek()) and n.kind == "lp":
                self.i += 1
                inner = self.expr()
                self.close()
                return Rel(t.text.lower(), inner)
            parts, glosses = [t.text], []
            while self._gloss_ahead():
                gloss = self.tokens[self.i + 1].text
                self.i += 3
                if (n := self.peek()) and n.kind == "text":
                    # "income (loss) before income taxes": the parenthesis is inside one label.
                    parts += [f"({gloss})", n.text]
                    self.i += 1
                else:
                    glosses.append(gloss)
            return self.item(" ".join(parts), glosses)
        raise GrammarError(f"unexpected {t.text!r} in formula {self.source!r}")

    def close(self) -> None:
        if self.peek() is None:
            raise GrammarError(f"expected ')' at the end of formula {self.source!r}")
        t = self.take()
        if t.kind != "rp":
            raise GrammarError(f"expected ')' before {t.text!r} in formula {self.source!r}")

    def _gloss_ahead(self) -> bool:
        """A parenthesis of plain words right after an item glosses it: "(payments for PP&E)"."""
        t = self.tokens[self.i : self.i + 3]
        return len(t) == 3 and t[0].kind == "lp" and t[1].kind == "text" and t[2].kind == "rp"
