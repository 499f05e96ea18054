"""The filer's own inline-XBRL tags, as read from a filing: contexts, units, numeric facts, dei.

These types stay inside ingest: the loader reads an `XbrlInstance` beside the text, the linker
turns the facts that sit in table cells into `XbrlRef`s on the parsed rows, and the Filing keeps
only the `Dei` cover facts and the `XbrlCoverage` summary (how many tags were linked and agree).
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field


class XbrlContext(BaseModel):
    """`xbrli:context`: who (entity), when (an instant, or start/end) and which dimension members."""

    id: str
    entity: str | None = None
    instant: dt.date | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    dimensions: dict[str, str] = Field(default={}, description="explicit (and typed) members: axis -> member")

    @property
    def is_instant(self) -> bool:
        return self.instant is not None

    @property
    def last_day(self) -> dt.date | None:
        return self.instant or self.end

    @property
    def days(self) -> int | None:
        return (self.end - self.start).days if self.start and self.end else None


class XbrlFact(BaseModel):
    """One numeric fact (`ix:nonFraction`, or a numeric item of an XBRL instance).

    `shown` is the number as printed inside the tag (always unsigned: parentheses and minus signs
    are outside the tag); `value` is the fact's value: `shown` x 10^scale, negated by sign="-".
    `printed_negative` says whether the page prints it negative (a "(" or minus just before the
    tag in its cell), which is what the table parser must read.
    """

    id: str
    concept: str
    context: str
    unit: str | None = None
    decimals: str | None = None
    scale: int = 0
    sign: str | None = None
    format: str | None = None
    shown: str = ""
    value: float | None = None
    error: str | None = Field(default=None, description="why `shown` could not be read by its format")
    printed_negative: bool = False
    hidden: bool = False
    nested: list[str] = Field(default=[], description="ids of tags nested inside this one (the same number, another concept or context)")


class Dei(BaseModel):
    """The cover facts the filer tags (dei taxonomy): the filer attests to them."""

    company: str | None = Field(default=None, description="dei:EntityRegistrantName")
    cik: str | None = Field(default=None, description="dei:EntityCentralIndexKey, without leading zeros")
    form: str | None = Field(default=None, description="dei:DocumentType")
    period_end: dt.date | None = Field(default=None, description="dei:DocumentPeriodEndDate")
    fiscal_year_focus: int | None = Field(default=None, description="dei:DocumentFiscalYearFocus")
    fiscal_period_focus: str | None = Field(default=None, description="dei:DocumentFiscalPeriodFocus: FY, Q1..Q4, H1, H2")
    fiscal_year_end: str | None = Field(default=None, description="dei:CurrentFiscalYearEndDate as 'MM-DD'")
    trading_symbol: str | None = Field(default=None, description="dei:TradingSymbol")

    def empty(self) -> bool:
        return not any(self.model_dump().values())


class XbrlInstance(BaseModel):
    """Everything read from a filing's inline XBRL (or its XBRL instance document)."""

    contexts: dict[str, XbrlContext] = {}
    units: dict[str, str] = Field(default={}, description="unit id -> measure, 'iso4217:USD', 'xbrli:shares', 'iso4217:USD/xbrli:shares'")
    facts: dict[str, XbrlFact] = {}
    dei: Dei = Dei()
    source: str = Field(default="inline", description="'inline' (tags in the HTML) or 'instance' (a separate XBRL instance document)")

    def merge(self, other: "XbrlInstance", prefix: str = "") -> dict[str, str]:
        """Add `other`'s facts, renaming its ids (and contexts, units) with `prefix` so a second
        document's ids cannot collide; returns old id -> new id. Dei facts already known win."""
        renamed = {fid: prefix + fid for fid in other.facts}
        ctx = {cid: prefix + cid for cid in other.contexts}
        units = {uid: prefix + uid for uid in other.units}
        for cid, c in other.contexts.items():
            self.contexts[ctx[cid]] = c.model_copy(update={"id": ctx[cid]})
        for uid, measure in other.units.items():
            self.units[units[uid]] = measure
        for fid, f in other.facts.items():
            self.facts[renamed[fid]] = f.model_copy(
                update={
                    "id": renamed[fid],
                    "context": ctx.get(f.context, prefix + f.context),
                    "unit": units.get(f.unit, prefix + f.unit) if f.unit else None,
                    "nested": [renamed.get(n, prefix + n) for n in f.nested],
                }
            )
        mine = self.dei.model_dump()
        theirs = other.dei.model_dump()
        self.dei = Dei(**{k: mine[k] if mine[k] is not None else theirs[k] for k in mine})
        return renamed


class XbrlRef(BaseModel):
    """The filer's tag on one parsed table cell, and whether the parser's reading agrees with it.

    `agrees` is None until the cell is checked; False means the parser's value, scale, printed
    sign, unit or period contradicts the tag, and `problem` says how. Nothing is resolved: the
    parsed value stays what the page prints (see README, "XBRL cross-check").
    """

    id: str
    concept: str = ""
    context: str = ""
    dimensions: dict[str, str] = {}
    period_start: dt.date | None = None
    period_end: dt.date | None = Field(default=None, description="the context's end, or its instant")
    instant: bool = False
    unit: str | None = None
    value: float | None = Field(default=None, description="the fact's value in base units (scale and sign applied)")
    agrees: bool | None = None
    problem: str | None = None
    negated: bool = Field(default=False, description="printed with the opposite sign of the fact (a negated presentation label)")
    period_checked: bool = Field(default=False, description="the column's own period was compared with the context")
    also: list[str] = Field(default=[], description="other concepts tagged on the same number")


class UnlinkedTag(BaseModel):
    """A tagged number inside a parsed table that no parsed value cell carries, and why."""

    id: str
    concept: str
    shown: str
    line: int
    reason: str


class XbrlCoverage(BaseModel):
    """How the filing's tags met its parsed tables."""

    facts: int = Field(default=0, description="numeric facts in the filing")
    in_tables: int = Field(default=0, description="tagged numbers inside the parsed tables' rows")
    linked: int = Field(default=0, description="of those, carried by a parsed row: a value cell, or its label or a text cell (in_text)")
    in_text: int = Field(default=0, description="of the linked, printed in a row's label or a range cell, which the parser does not read as a value")
    agree: int = 0
    disagree: int = 0
    unlinked: list[UnlinkedTag] = []
