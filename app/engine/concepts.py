"""The finance vocabulary: line items as analysts and filers name them, kept as data.

Each concept is one line item that people and filings name in many ways ("capex", "capital
expenditures", "Purchases of property, plant and equipment", "Payments for acquisition of property,
plant and equipment"). Before words are compared, every name of a concept is rewritten, on both
sides (question and row label alike), to one token (`cxcapex`), so "capex" meets its row whatever
the filer calls it, and a near neighbour with another concept ("Total liabilities and stockholders'
equity" for "total liabilities", "Other income, net" for "bottom line") shares nothing with it.

Names are regular-expression fragments over lowercased text, tried longest concept first (the
order below: "net loss per share" is earnings per share before it is a net loss). A concept names
what it is never to be answered by (`not_`) only where the words alone would meet; the token
rewrite already keeps most neighbours apart.

`xbrl` lists the US-GAAP concepts that tag the item, for filings that carry inline XBRL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PREFIX = "cx"  # concept tokens: "cx" + id; never a word of English or of a filing


@dataclass(frozen=True)
class Concept:
    id: str
    names: tuple[str, ...]
    statement: str  # income | balance | cashflow | any
    instant: bool = False  # a balance at a date (balance sheet), not a flow over a period
    xbrl: tuple[str, ...] = ()
    description: str = ""

    @property
    def token(self) -> str:
        return PREFIX + self.id.replace("_", "")


_NET_INCOME_WORDS = r"(?:income|earnings|loss|profit)(?:\s*\((?:loss|earnings)\)|\s*(?:/|or|and)\s*\(?(?:net\s+)?(?:loss|income|earnings)\)?)?"
_PER_SHARE = r"per\s+(?:common\s+|basic\s+|diluted\s+|ordinary\s+|basic\s+and\s+diluted\s+)*share"

CONCEPTS: tuple[Concept, ...] = (
    Concept(
        "eps",
        (
            rf"(?:net\s+)?(?:income|earnings|loss|\(loss\)\s+income)(?:\s*\(loss\)|\s*/\s*\(?loss\)?)?\s+{_PER_SHARE}",
            r"earnings\s+per\s+share",
            r"\beps\b",
            r"per[\s-]share\s+(?:earnings|income|loss)",
        ),
        "income",
        xbrl=("EarningsPerShareBasic", "EarningsPerShareDiluted", "EarningsPerShareBasicAndDiluted"),
        description="earnings (or loss) per share; basic and diluted stay qualifiers",
    ),
    Concept(
        "pretax_income",
        (
            r"(?:income|earnings|loss|profit)(?:\s*\((?:loss|income)\))?(?:\s+from\s+continuing\s+operations)?\s+before\s+(?:provision\s+for\s+|benefit\s+from\s+)?(?:income\s+)?tax(?:es)?(?:\s+(?:expense|provision))?",
            r"\(loss\)\s+income\s+before\s+(?:provision\s+for\s+)?(?:income\s+)?tax(?:es)?",
            r"pre[\s-]?tax\s+(?:income|loss|earnings|profit)(?:\s*\(loss\))?",
            r"(?:income|earnings)\s+before\s+taxes",
        ),
        "income",
        xbrl=("IncomeLossFromContinuingOperationsBeforeIncomeTaxesExtraordinaryItemsNoncontrollingInterest",
              "IncomeLossFromContinuingOperationsBeforeIncomeTaxesMinorityInterestAndIncomeLossFromEquityMethodInvestments"),
    ),
    Concept(
        "net_income",
        (
            rf"net\s+{_NET_INCOME_WORDS}(?!\s+(?:per|before|from|attributable\s+to\s+non))",
            r"bottom[\s-]line",
            r"net\s+\(loss\)\s+income",
        ),
        "income",
        xbrl=("NetIncomeLoss", "ProfitLoss", "NetIncomeLossAvailableToCommonStockholdersBasic"),
        description="the bottom line; never 'other income, net'",
    ),
    Concept(
        "operating_income",
        (
            r"(?:operating|operations)\s+(?:income|profit|loss|earnings)(?:\s*\(loss\))?",
            r"(?:income|loss|profit|earnings)(?:\s*\(loss\))?\s+from\s+operations",
            r"\(loss\)\s+income\s+from\s+operations",
            r"\bebit\b(?!da)",
        ),
        "income",
        xbrl=("OperatingIncomeLoss",),
    ),
    Concept(
        "cogs",
        (r"(?:total\s+)?cost\s+of\s+(?:goods\s+sold|sales|revenues?|products\s+sold)", r"\bcogs\b"),
        "income",
        xbrl=("CostOfRevenue", "CostOfGoodsAndServicesSold"),
    ),
    Concept(
        "sga",
        (r"selling,?\s+general,?\s+and\s+administrative(?:\s+expenses?)?", r"\bsg\s*&\s*a\b"),
        "income",
        xbrl=("SellingGeneralAndAdministrativeExpense",),
    ),
    Concept(
        "ga",
        (r"general\s+and\s+administrative(?:\s+expenses?)?", r"\bg\s*&\s*a\b"),
        "income",
        xbrl=("GeneralAndAdministrativeExpense",),
    ),
    Concept(
        "da",
        (r"depreciation,?\s+(?:depletion,?\s+)?(?:and\s+)?amortization(?:,?\s+and\s+decommissioning)?", r"\bd\s*&\s*a\b"),
        "cashflow",
        xbrl=("DepreciationDepletionAndAmortization", "DepreciationAndAmortization"),
    ),
    Concept(
        "capex",
        (
            r"capital\s+expenditures?",
            r"\bcapex\b",
            r"capital\s+spending",
            r"(?:purchases?|payments?|acquisitions?|additions?|expenditures?|investments?)\s+(?:for|of|to|in)\s+(?:(?:the\s+)?acquisitions?\s+of\s+)?(?:property|premises),?\s+(?:plant,?\s+)?(?:and\s+)?equipment",
        ),
        "cashflow",
        xbrl=("PaymentsToAcquirePropertyPlantAndEquipment", "PaymentsToAcquireProductiveAssets"),
    ),
    Concept(
        "ppe_net",
        (
            r"(?:net\s+)?property,?\s+(?:plant,?\s+)?(?:and\s+)?equipment(?:,?\s+net|\s*-\s*net)?",
            r"(?:net\s+)?pp\s*&\s*e(?:,?\s+net)?",
            r"(?:net\s+)?ppne\b",
            r"fixed\s+assets",
        ),
        "balance",
        instant=True,
        xbrl=("PropertyPlantAndEquipmentNet",),
    ),
    Concept(
        "receivables",
        (
            r"(?:net\s+)?(?:trade\s+)?(?:accounts\s+)?receivables?(?:,?\s+net)?(?:\s+of\s+allowances?(?:\s+for\s+(?:doubtful\s+accounts|credit\s+losses))?)?",
            r"(?:net\s+)?\ba/?r\b",
        ),
        "balance",
        instant=True,
        xbrl=("AccountsReceivableNetCurrent", "ReceivablesNetCurrent"),
    ),
    Concept(
        "payables",
        (r"accounts\s+payable", r"(?<!&\s)\ba/?p\b", r"trade\s+payables"),
        "balance",
        instant=True,
        xbrl=("AccountsPayableCurrent",),
    ),
    Concept(
        "cash",
        (r"cash\s+(?:and|&)\s+(?:cash\s+)?equivalents", r"cash\s+and\s+equivalents"),
        "balance",
        instant=True,
        xbrl=("CashAndCashEquivalentsAtCarryingValue",),
    ),
    Concept(
        "liabilities_and_equity",
        (r"total\s+liabilities,?\s+(?:\w+\s+){0,4}?and\s+(?:total\s+)?(?:stockholders|shareholders|shareowners|owners)'?\s+(?:equity|deficit|investment)",
         r"total\s+liabilities\s+and\s+(?:total\s+)?equity"),
        "balance",
        instant=True,
        xbrl=("LiabilitiesAndStockholdersEquity",),
    ),
    Concept("total_liabilities", (r"total\s+liabilities(?!\s+and)(?!,)",), "balance", instant=True, xbrl=("Liabilities",)),
    Concept(
        "operating_cash_flow",
        (
            r"(?:net\s+)?cash(?:\s+flows?)?\s+(?:(?:provided|generated|used)\s+(?:by|in|from)\s+(?:\(used\s+in\)\s+)?|\(used\s+in\)\s+provided\s+by\s+|from\s+)operat(?:ing|ions)(?:\s+activities)?",
            r"operating\s+cash\s+flows?",
            r"cash\s+(?:provided|generated)\s+by\s+operations",
        ),
        "cashflow",
        xbrl=("NetCashProvidedByUsedInOperatingActivities",),
    ),
    Concept(
        "dividends_paid",
        (
            r"(?:cash\s+)?dividends(?:\s+and\s+dividend\s+equivalents)?\s+paid",
            r"payments?\s+(?:of|for)\s+(?:cash\s+)?dividends(?:\s+and\s+dividend\s+equivalents)?",
            r"(?:pay|paid|payout|pay\s+out|paid\s+out)\s+(?:\w+\s+){0,2}?in\s+(?:cash\s+)?dividends",
        ),
        "cashflow",
        xbrl=("PaymentsOfDividends", "PaymentsOfDividendsCommonStock"),
    ),
    Concept(
        "buybacks",
        (
            r"(?:re)?purchases?\s+(?:of\s+)?(?:its\s+)?(?:own\s+)?(?:common\s+stock|treasury\s+stock|shares|ordinary\s+shares)(?:\s+for\s+treasury)?",
            r"(?:share|stock)\s+repurchases?",
            r"common\s+stock\s+repurchased",
            r"buy(?:ing)?[\s-]?backs?(?:\s+(?:of\s+)?(?:its\s+)?(?:own\s+)?(?:common\s+)?(?:stock|shares))?",
            r"repurchas(?:e|ed|ing)\s+(?:of\s+)?(?:its\s+)?(?:own\s+)?(?:common\s+)?(?:stock|shares)",
        ),
        "cashflow",
        xbrl=("PaymentsForRepurchaseOfCommonStock",),
    ),
    Concept(
        "sbc",
        (r"(?:stock|share)[\s-]based\s+compensation(?:\s+expense)?", r"\bsbc\b"),
        "cashflow",
        xbrl=("ShareBasedCompensation", "AllocatedShareBasedCompensationExpense"),
    ),
    Concept(
        "other_income",
        (r"other\s+(?:income|expense)(?:\s*\((?:expense|income)\))?(?:,?\s+net)?", r"other\s+\((?:income|expense)\)\s+(?:income|expense)(?:,?\s+net)?"),
        "income",
        xbrl=("OtherNonoperatingIncomeExpense", "NonoperatingIncomeExpense"),
    ),
)

BY_TOKEN = {c.token: c for c in CONCEPTS}

# One pattern per concept, compiled once; tried in the order above.
_PATTERNS: tuple[tuple[re.Pattern, str], ...] = tuple(
    (re.compile(r"(?<![\w-])(?:" + "|".join(c.names) + r")(?![\w-])"), c.token) for c in CONCEPTS
)


def rewrite(text: str) -> str:
    """Lowercased text with every concept name replaced by its token (padded with spaces)."""
    for pattern, token in _PATTERNS:
        text = pattern.sub(f" {token} ", text)
    return text


def is_concept_token(word: str) -> bool:
    return word.startswith(PREFIX) and word in BY_TOKEN
