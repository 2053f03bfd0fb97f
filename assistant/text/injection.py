"""Text in an article that addresses the language model ("negeer alle eerdere instructies …").

Such an instruction is blanked out, from the sentence that starts it to the end of its paragraph,
before any passage reaches the model, the extractive backend or the citation check. The blanks keep
every offset in place, so citations still point at the exact article text.
"""

from __future__ import annotations

import re
from dataclasses import replace

from assistant.core.types import Passage
from assistant.text.sentences import split_sentences

_INSTRUCTION = re.compile(
    r"\b(?:negeer|vergeet|ignore|disregard|forget)\b[^.!?\n]{0,60}?"
    r"\b(?:instructies?|opdrachten|regels|prompts?|instructions?|rules|directions)\b"
    r"|\b(?:systeem-?prompts?|systeeminstructies|system[ -]?prompts?|system (?:instructions|message))\b"
    r"|\b(?:je bent nu|vanaf nu ben je|jij bent nu|you are now|from now on,? you)\b"
    r"|\b(?:ai|taalmodel|chatbot|llm|language model|assistant)\s*[:,]\s*(?:negeer|zeg|antwoord|ignore|say|answer)\b",
    re.IGNORECASE,
)


def has_instruction(text: str) -> bool:
    return bool(_INSTRUCTION.search(text))


def blank_instructions(text: str) -> str:
    """`text` with every instruction to the model, to the end of its paragraph, replaced by spaces."""
    if not _INSTRUCTION.search(text):
        return text
    chars = list(text)
    for start, end in split_sentences(text):
        if not _INSTRUCTION.search(text, start, end):
            continue
        stop = text.find("\n", end)
        stop = len(text) if stop < 0 else stop
        for i in range(start, stop):
            if chars[i] != "\n":
                chars[i] = " "
    return "".join(chars)


def without_instructions(passage: Passage) -> Passage:
    text = blank_instructions(passage.text)
    return passage if text == passage.text else replace(passage, text=text)
