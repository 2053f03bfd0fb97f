"""How many question words each sentence of a text shares: the one scoring behind trims, quotes and extracts."""

from __future__ import annotations

from assistant.text.sentences import split_sentences
from assistant.text.stems import content_stems

Scored = tuple[int, int, int]  # (start, end, shared content stems)


def scored_sentences(text: str, wanted: set[str]) -> list[Scored]:
    """Each sentence of `text` as (start, end, number of `wanted` stems it contains), in text order."""
    return [(start, end, len(wanted & content_stems(text[start:end]))) for start, end in split_sentences(text)]
