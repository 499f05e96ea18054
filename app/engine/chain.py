"""The answer pipeline as a LangChain runnable: analyse -> answer (figure | derived | narrative | abstain).

    chain = build_chain(engine)
    chain.invoke({"question": "...", "filing": "<id>"}) -> Answer

Each stage is a named RunnableLambda over the engine's plain functions, so the pipeline can be
traced, batched (`chain.batch`) and composed like any LangChain runnable, while the stages stay
testable on their own.
"""

from __future__ import annotations

from langchain_core.runnables import Runnable, RunnableLambda

from filingqa.app.engine.engine import AnswerEngine, Context
from filingqa.app.engine.model import Answer


def build_chain(engine: AnswerEngine) -> Runnable:
    def analyse(request: dict) -> Context:
        return engine.start(request["question"], request["filing"])

    def answer(ctx: Context) -> Answer:
        return engine.respond(ctx)

    return RunnableLambda(analyse, name="analyse") | RunnableLambda(answer, name="answer")
