"""The `extractive` backend: no LLM, the ranked evidence itself, best sentence first, each cited."""

from __future__ import annotations

import re

from assistant.core.types import Passage
from assistant.rag.evidence import Cues, Evidence, Voices, rank, select, subject_covered
from assistant.rag.relevance import NUMBER_WORDS
from assistant.text import language

MAX_ITEMS = 3
_BULLET = re.compile(r"^\s*(?:[•\-–*]|\d+[.)])\s+")


def extract(question: str, passages: list[Passage], asked: str = "", voices: Voices | None = None) -> str:
    """The best evidence first, then up to two items that add something new, with [n] markers.

    `asked` is what the user typed when `question` is a follow-up's standalone version; `voices` who
    says a sentence (see `rank`).
    """
    return from_ranked(rank(question, passages, asked, voices), asked or question)


def from_ranked(ranked: list[Evidence], asked: str) -> str:
    """The extractive answer from evidence already ranked for the question the user `asked`."""
    if not ranked:
        return ""
    chosen = select(ranked, MAX_ITEMS)
    if Cues.of(asked).number and not _counts(chosen, asked):
        return ""  # a "how many" question answered without its number is no answer
    # One sentence per line: a source line without a full stop must not merge with the next one.
    return "\n".join(line for item in chosen for line in render(item))


def _counts(chosen: list[Evidence], question: str) -> bool:
    """Whether a chosen item gives a number about what the question asks (not some other count).

    A question in another language shares no words with the articles; a number then has to do.
    """
    numbered = [item for item in chosen if NUMBER_WORDS.search(item.text)]
    if not numbered:
        return False
    if language.detect(question) != "nl":
        return True
    return any(subject_covered(item, question) >= 0.5 for item in numbered)


def render(item: Evidence) -> list[str]:
    """The item's lines with their marker: a colon's sentence takes the first item of its list, so no
    line ends in ':'; the further items follow a line each (each is then quoted on its own)."""
    lines: list[str] = []
    for sentence in item.sentences:
        part = _BULLET.sub("", sentence)
        if lines and lines[-1].endswith(":"):
            lines[-1] += " " + part
        else:
            lines.append(part)
    return [f"{_closed(line)} [{item.n}]" for line in lines]


def _closed(line: str) -> str:
    """The line ending in sentence punctuation (a joined list gets its full stop back)."""
    line = line.rstrip(" :;")
    return line if line[-1:] in ".!?…’”\"')" else line + "."
