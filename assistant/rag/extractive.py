"""The `extractive` backend: no LLM, the passages' own best-matching sentences, each cited."""

from __future__ import annotations

from assistant.core.types import Passage
from assistant.rag.relevance import HOW_MANY, NUMBER_WORDS
from assistant.text.scoring import scored_sentences
from assistant.text.stems import content_stems

MAX_SENTENCES = 3


def extract(question: str, passages: list[Passage]) -> str:
    """Up to three sentences that share the most content words with the question, with [n] markers."""
    wanted = content_stems(question)
    wants_number = bool(HOW_MANY.search(question))
    candidates: list[tuple[float, int, int, str]] = []
    for n, passage in enumerate(passages, 1):
        for position, (start, end, hits) in enumerate(scored_sentences(passage.text, wanted)):
            sentence = passage.text[start:end]
            if len(sentence) < 25 or sentence == passage.heading or sentence.rstrip("’”'\"").endswith("?"):
                continue  # headings, fragments and the article's own questions answer nothing
            if wants_number and NUMBER_WORDS.search(sentence):
                hits += 1
            # Earlier passages ranked higher in retrieval; break ties in their favour.
            candidates.append((hits + 0.5 / n, n, position, sentence))
    if not candidates:
        return ""
    best = sorted(candidates, key=lambda c: c[0], reverse=True)
    chosen = [c for c in best[:MAX_SENTENCES] if c[0] >= 1] or best[:1]
    if wants_number and not any(NUMBER_WORDS.search(c[3]) for c in chosen):
        return ""  # a "how many" question answered without a number is no answer
    chosen.sort(key=lambda c: (c[1], c[2]))  # read in passage order, as the text flows
    # One sentence per line: a source line without a full stop must not merge with the next one.
    return "\n".join(f"{sentence} [{n}]" for _, n, _, sentence in chosen)
