"""The words of financial questions: stopwords, stems and the synonyms filers and askers trade.

Lexical matching sits beside the embedding model because the model alone confuses neighbours that
matter ("Net income" and "Net income per share"), while words alone miss paraphrase ("sales" for
"revenues", "profit" for "income"). Both meet in `labels.py`.
"""

from __future__ import annotations

import re

from filingqa.app.engine import concepts

_POSSESSIVE = re.compile(r"(?<=\w)'s\b|(?<=s)'(?=\s|$)")
# "FY2018", "FY18", "Q2", "H1", "2004": period tokens, never line-item words.
_PERIOD_TOKEN = re.compile(r"(?:19|20)\d\d|\d{1,2}|fy\d{2,4}|q[1-4]|h[12]|[1-4]q(?:\d{2,4})?|q[1-4]fy\d{2,4}")
_WORD = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*")

STOPWORDS = frozenset(
    """a an the of for in on at to and or by with from as is was were be been being are did do does
    what which who whom whose when where how much many much this that these those its it their there
    report reported reports record recorded show shown shows stated statement statements
    during period periods ended ending end company company's companys amount amounts value
    figure number filing filings please tell me give year-over-year versus vs compared same prior
    year ago quarter quarters month months week weeks fiscal first second third fourth half full
    three six nine twelve thirteen twenty-six thirty-nine fifty-two q1 q2 q3 q4 fy i we you our s
    had has have hold held generate generated bring brought spend spent line item items reported
    contribute contributed bring brought he she his her hers him they their them it its who whom over versus named listed name title role position balance dollar dollars amount out according per per-the corp corporation inc incorporated ltd llc plc make makes made earn earned post posted book booked log logged achieve achieved""".split()
)
# Period words are not line-item words: "three months ended" must not pull "months" into a label.
PERIOD_WORDS = frozenset(
    """january february march april may june july august september october november december jan feb
    mar apr jun jul aug sep sept oct nov dec year years quarter quarters month months week weeks
    ended ending fiscal first second third fourth half three six nine twelve thirteen twenty-six
    thirty-nine thirty nine twenty six year-ago year-end prior-year full date as calendar earlier ago
    year-earlier""".split()
)

# Each group: words that name the same thing in a filing's labels and in people's questions.
SYNONYM_GROUPS: list[set[str]] = [
    {"revenue", "revenues", "sales", "sale", "turnover"},
    {"income", "profit", "earnings", "earning"},
    {"loss", "losses", "deficit"},
    {"expense", "expenses", "cost", "costs", "spending", "charges", "charge"},
    {"eps", "per-share"},
    {"tax", "taxes"},
    {"operating", "operations", "operation"},
    {"cash", "cash-equivalents"},
    {"shares", "share"},
    {"r&d", "research"},
    {"provision", "expense"},
    {"equity", "stockholders", "shareholders"},
    {"outstanding", "weighted"},
    {"inventory", "inventories"},
    {"receivable", "receivables"},
    {"payable", "payables"},
    {"liability", "liabilities"},
    {"asset", "assets"},
    {"debt", "borrowings"},
    {"diluted", "dilution"},
    {"purchases", "purchase", "acquisition", "acquisitions", "acquire", "acquired", "buy", "bought"},
    {"pay", "paid", "payment", "payments", "paying", "payout"},
    {"generate", "generated", "generates", "provide", "provided", "provides", "providing"},
    {"used", "use", "burn", "burned", "consumed"},
    {"franchised", "franchise"},
    {"marketable", "investments"},
    {"growth", "grow", "increase", "inc", "change"},
    {"guide", "guidance", "outlook", "expect", "expects", "expected", "anticipate", "anticipates", "forecast", "projects"},
    {"range", "between"},
    {"less", "excluding", "exclusive", "excluded", "excl"},
    {"quote", "quoted", "said", "says", "commented", "stated", "remarked"},
]
# Qualifiers that exclude each other: a question naming one is not answered by a row naming the other.
OPPOSITES = [("gaap", "nongaap"), ("basic", "diluted"), ("domestic", "international"), ("continuing", "discontinued"), ("current", "noncurrent")]
# Irregular forms a stemmer cannot reach.
IRREGULAR = {"sold": "sell", "spent": "spend", "paid": "pay", "grew": "grow", "rose": "rise", "fell": "fall",
             "made": "make", "bought": "buy", "held": "hold", "won": "win", "led": "lead", "began": "begin"}
_SYNONYM = {w: min(g) for g in SYNONYM_GROUPS for w in g}
_SYNONYM_VALUES = frozenset(_SYNONYM.values())

# Phrases rewritten before matching, so both sides speak the filing's words. Line items with many
# names are concepts (`concepts.py`), rewritten first to one token each; these are the rest.
PHRASES = [
    (re.compile(r"\bper[- ]share\b"), " eps "),
    (re.compile(r"\bhow much did (?:\w+'?s? ){0,3}sell\b"), " how much net sales "),
    (re.compile(r"\bresearch and development\b|\br ?& ?d\b"), " research development "),
    (re.compile(r"\bgross profit\b"), " gross margin "),
    (re.compile(r"\b(?:on|in|from|of|for) (?:the|this|its) (?:[\w-]+ ){0,4}?(?:press release|release|filing|report|document|form 8-k|8-k|10-q|10-k|announcement)\b"), " "),
    (re.compile(r"\bnon[\s-]gaap\b"), " nongaap "),
    (re.compile(r"\btop line\b"), " revenues "),
]


def normalise(text: str, with_concepts: bool = True) -> str:
    text = text.lower().replace("’", "'").replace("–", "-").replace("—", "-")
    if with_concepts:
        text = concepts.rewrite(text)
    for pattern, replacement in PHRASES:
        text = pattern.sub(replacement, text)
    return text


_SUFFIXES = ("ations", "ation", "ating", "ated", "ates", "ings", "ing", "ies", "ed", "es", "ions", "ion", "ly", "s", "e")


def stem(word: str) -> str:
    """A light suffix stripper, applied alike to questions and filings ("incorporated" and
    "incorporation" meet at "incorpor"); synonyms are mapped before and after."""
    if concepts.is_concept_token(word):
        return word
    word = IRREGULAR.get(word, word)
    word = _SYNONYM.get(word, word)
    if word in _SYNONYM_VALUES or len(word) <= 4 or not word.isalpha():
        return word
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4 and not word.endswith("ss"):
            base = word[: -len(suffix)] + ("y" if suffix == "ies" else "")
            return _SYNONYM.get(base, base)
    return word


def content_words(text: str, drop_periods: bool = True, with_concepts: bool = True) -> list[str]:
    """The words that name a thing, stemmed and mapped to one synonym each; a line item's name
    is one concept token (`concepts.py`) unless `with_concepts` is off."""
    out = []
    # "long-term" and "long term" must meet: hyphenated words count as their parts.
    for w in _WORD.findall(_POSSESSIVE.sub("", normalise(text, with_concepts)).replace("-", " ")):
        if w in STOPWORDS and w not in {"total", "net"}:
            continue
        if drop_periods and (w in PERIOD_WORDS or _PERIOD_TOKEN.fullmatch(w)):
            continue
        out.append(stem(w))
    return out


def filing_words(text: str, drop_periods: bool = True) -> list[str]:
    """A filing's words both ways: its concept tokens and its literal words. A question that
    names the item by its concept ("capex") meets the token; one that spells the label's own
    words in another order ("cash did operating activities generate") meets the words."""
    return list(dict.fromkeys(content_words(text, drop_periods) + content_words(text, drop_periods, with_concepts=False)))
