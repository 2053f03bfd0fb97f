"""The `extractive` backend: no LLM, the passages' own best-matching sentences, each cited."""

from __future__ import annotations

from assistant.answer import Passage
from assistant.textmatch import content_stems
from ingest.sentences import split_sentences

MAX_SENTENCES = 3


def extract(question: str, passages: list[Passage]) -> str:
    """Up to three sentences that share the most content words with the question, with [n] markers."""
    wanted = content_stems(question)
    candidates: list[tuple[float, int, int, str]] = []
    for n, passage in enumerate(passages, 1):
        for position, (start, end) in enumerate(split_sentences(passage.text)):
            sentence = passage.text[start:end]
            if len(sentence) < 25 or sentence == passage.heading:
                continue  # headings and fragments say little on their own
            hits = len(wanted & content_stems(sentence))
            # Earlier passages ranked higher in retrieval; break ties in their favour.
            candidates.append((hits + 0.5 / n, n, position, sentence))
    if not candidates:
        return ""
    best = sorted(candidates, key=lambda c: c[0], reverse=True)
    chosen = [c for c in best[:MAX_SENTENCES] if c[0] >= 1] or best[:1]
    chosen.sort(key=lambda c: (c[1], c[2]))  # read in passage order, as the text flows
    return " ".join(f"{sentence} [{n}]" for _, n, _, sentence in chosen)
