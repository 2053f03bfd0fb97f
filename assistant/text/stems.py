"""Word-level matching in Dutch: content-word stems, and how well a passage backs a sentence."""

from __future__ import annotations

import re
from functools import lru_cache

_WORD = re.compile(r"\w+", re.UNICODE)
# English question words also carry no content when people ask in English.
_ENGLISH = frozenset(
    "the a an of to in on and or is are was were what which who whom whose why how does do did about "
    "according for with by from that this these those it its be as at say says said their they there "
    "than then into can could would should will".split()
)


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("dutch")


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_DUTCH

    return frozenset(STOPWORDS_DUTCH) | _ENGLISH


def content_stems(text: str) -> set[str]:
    """Stems of the words that carry meaning (no stopwords, no one-letter words, no numbers-only)."""
    words = [w for w in _WORD.findall(text.casefold()) if len(w) > 1 and w not in stopwords()]
    return set(_stemmer().stemWords(words))


def support(sentence: str, passage: str) -> float:
    """Share of the sentence's content stems that occur in the passage (1.0 = all of them)."""
    wanted = content_stems(sentence)
    if not wanted:
        return 1.0
    return len(wanted & content_stems(passage)) / len(wanted)


def overlap(a: set[str], b: set[str]) -> int:
    return len(a & b)


def normalize_space(text: str) -> str:
    """Collapse whitespace runs and casefold: how quotes are compared with passages."""
    return " ".join(text.split()).casefold()
