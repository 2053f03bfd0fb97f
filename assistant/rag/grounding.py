"""The evidence a written answer is built from: the ranked sentences as short, labelled, numbered items.

The model no longer reads 450-character passage cuts. It reads the few sentences the evidence ranking
put first, each with who says it (the person quoted, or the article's author), the article and its
year, and it may cite only those. Each item is a passage of its own whose offsets point at the exact
article text, so the citation check, the quotes a reader sees and the strict claim check all work on
the same few sentences.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from assistant.core.types import EvidenceFound, EvidenceItem, Passage
from assistant.rag.evidence import Evidence

MAX_ITEMS = 4
# Characters of evidence text the prompt may carry (Dutch runs about 3 characters per token here); the
# service then drops items from the end while the prompt is over its token budget.
MAX_EVIDENCE_CHARS = 640


@dataclass(frozen=True)
class Ground:
    """Numbered evidence items (item n is `passages[n - 1]`) with who says each."""

    passages: tuple[Passage, ...]
    speakers: tuple[tuple[str, ...], ...]  # per item: the people whose words it holds (or its author)
    authors: tuple[str, ...]  # per item: the article's author ("" unknown)
    years: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.passages)

    def first(self, count: int) -> Ground:
        """The best `count` items."""
        return Ground(self.passages[:count], self.speakers[:count], self.authors[:count], self.years[:count])

    def allowed_speakers(self, n: int) -> tuple[str, ...]:
        """Who a sentence citing item n may say holds the view: its speakers and its article's author."""
        return tuple(dict.fromkeys([*self.speakers[n - 1], *([self.authors[n - 1]] if self.authors[n - 1] else [])]))

    def found(self) -> EvidenceFound:
        """The items as the plain-data event front ends show while the model writes."""
        return EvidenceFound(tuple(
            EvidenceItem(
                n=n, source=p.source, title=p.title, quote=p.text, start=p.start, end=p.end,
                speakers=self.speakers[n - 1], author=self.authors[n - 1], year=self.years[n - 1],
                is_comment=p.is_comment,
            )
            for n, p in enumerate(self.passages, 1)
        ))


Speakers = Callable[[Passage, int, int], tuple[str, ...]]  # passage, start, end (article offsets) → speakers
Authorship = Callable[[str], tuple[str, str]]  # source → (author, year)


def ground(
    items: Sequence[Evidence], passages: Sequence[Passage], speakers: Speakers, authorship: Authorship,
    max_items: int = MAX_ITEMS, max_chars: int = MAX_EVIDENCE_CHARS,
) -> Ground:
    """The chosen evidence (best first) as numbered items within the prompt's budget.

    The best item always goes in, however long; a further one only while the budget allows.
    """
    chosen: list[Passage] = []
    said: list[tuple[str, ...]] = []
    authors: list[str] = []
    years: list[str] = []
    used = 0
    for item in items:
        if len(chosen) == max_items or (chosen and used + len(item.text) > max_chars):
            break
        passage = passages[item.n - 1]
        start, end = passage.start + item.start, passage.start + item.end
        chosen.append(replace(passage, id=f"{passage.id}@{start}", text=item.text, start=start, end=end))
        said.append(speakers(passage, start, end))
        author, year = authorship(passage.source)
        authors.append(author)
        years.append(year)
        used += len(item.text)
    return Ground(tuple(chosen), tuple(said), tuple(authors), tuple(years))
