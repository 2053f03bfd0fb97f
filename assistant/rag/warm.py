"""A tiny generation at start-up, so the first visitor does not pay the local model's first-use costs.

The first generation after loading is slow: llama.cpp reads the weights from disk as they are first
touched and sets up its buffers. The prompt opens with the answer prompt's fixed system message, so
llama.cpp also keeps that part evaluated and the first real answer starts from it, as later ones do.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from assistant.rag import prompts
from assistant.text import language

if TYPE_CHECKING:
    from llama_index.core.llms import LLM

WARM_UP_TOKENS = 2
_EVIDENCE = "[1] de auteur, 2020: Sociaal werkers helpen mensen in de wijk."
_QUESTION = "Wat doen sociaal werkers?"


def first_generation(llm: LLM) -> str:
    """A couple of tokens for a fixed question on one evidence item; the text is of no use."""
    from llama_index.core.base.llms.types import ChatMessage

    user = prompts.EVIDENCE_ANSWER.format(evidence=_EVIDENCE, question=_QUESTION, language=language.name("nl"))
    messages = [ChatMessage(role="system", content=prompts.EVIDENCE_SYSTEM), ChatMessage(role="user", content=user)]
    return llm.chat(messages, max_tokens=WARM_UP_TOKENS).message.content or ""
