"""Lean context: only the part of each passage that matters for the question goes to the LLM."""

from __future__ import annotations

from dataclasses import replace

from assistant.core.types import Passage
from assistant.text.injection import without_instructions
from assistant.text.scoring import scored_sentences
from assistant.text.stems import content_stems


def trim(passage: Passage, question: str, max_chars: int) -> Passage:
    """The run of whole sentences (at most `max_chars`) sharing most words with the question.

    The result is still an exact slice of the article, so citations keep pointing at real text;
    instructions aimed at the model are blanked out first (see `assistant.text.injection`).
    """
    passage = without_instructions(passage)
    if len(passage.text) <= max_chars:
        return passage
    scored = scored_sentences(passage.text, content_stems(question))
    if not scored:
        return passage
    spans = [(s, e) for s, e, _ in scored]
    hits = [h for _, _, h in scored]
    best: tuple[int, int, int] = (-1, 0, 0)  # (hits, first, last)
    for first in range(len(spans)):
        last, total = first, hits[first]
        while last + 1 < len(spans) and spans[last + 1][1] - spans[first][0] <= max_chars:
            last += 1
            total += hits[last]
        if total > best[0]:
            best = (total, first, last)
    _, first, last = best
    start, end = spans[first][0], spans[last][1]
    return replace(
        passage, text=passage.text[start:end], start=passage.start + start, end=passage.start + end
    )
