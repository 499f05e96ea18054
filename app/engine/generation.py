"""Optional phrasing of narrative answers by an OpenAI-compatible model (FILINGQA_LLM_URL).

Off by default: every answer works offline. When on, the model only rephrases the extractive
answer from its cited passages, and its text is used only if every number in it appears in those
passages; otherwise the extractive answer stands. Figures never come from here.
"""

from __future__ import annotations

import re

import httpx

from filingqa.prompts import load

_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
TIMEOUT_S = 20.0


def numbers_in(text: str) -> set[str]:
    """Numbers as digit strings without separators: "$1,234.50" -> "1234.50"."""
    return {m.group(0).replace(",", "") for m in _NUMBER.finditer(text)}


def numbers_supported(generated: str, sources: list[str]) -> bool:
    """True when every number the model wrote is printed in the cited sources."""
    available = set().union(*(numbers_in(s) for s in sources)) if sources else set()
    return numbers_in(generated) <= available


class NarrativePhraser:
    def __init__(self, url: str, model: str | None):
        self.url = url.rstrip("/")
        self.model = model or "default"

    def phrase(self, question: str, passages: list[tuple[int, str]]) -> str | None:
        """The model's answer, or None when it declines, fails, or writes an unsupported number."""
        prompt = load("narrative").format(question=question, passages="\n".join(f"[line {n}] {t}" for n, t in passages))
        try:
            response = httpx.post(
                f"{self.url}/chat/completions" if self.url.endswith("/v1") else f"{self.url}/v1/chat/completions",
                json={"model": self.model, "messages": [{"role": "user", "content": prompt}], "temperature": 0},
                timeout=TIMEOUT_S,
            )
            response.raise_for_status()
            text = response.json()["choices"][0]["message"]["content"].strip()
        except (httpx.HTTPError, KeyError, IndexError, ValueError):
            return None
        if not text or "NOT IN FILING" in text or not numbers_supported(text, [t for _, t in passages]):
            return None
        return text
