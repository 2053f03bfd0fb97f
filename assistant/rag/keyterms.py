"""Whether a written answer kept the facts of the best evidence, or the reader is better off with the evidence.

The best evidence item is what the extractive answer leads with. Its key terms are what a summary most
easily loses: the number a question asks for ("hoeveel", "welk percentage"), and the content words
that answer rather than repeat the question. A written answer that carries fewer of them than the
extractive answer does is worse than the evidence, however fluent it reads. Who is named is checked
for "Wie …?" questions by the service itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from assistant.rag.evidence import Cues
from assistant.text.answer_form import numbers_in
from assistant.text.stems import content_stems

# Share of the best evidence's answering words a written answer must keep (tuned on the question set:
# a faithful one-sentence summary keeps about half of a long evidence sentence's content words).
MIN_WORD_SHARE = 0.3


@dataclass(frozen=True)
class KeyTerms:
    numbers: frozenset[str]  # numbers of the evidence (as words), when the question asks for one
    words: frozenset[str]  # content stems of the evidence the question does not give

    @classmethod
    def of(cls, evidence: str, question: str) -> KeyTerms:
        numbers = frozenset(numbers_in(evidence)) if Cues.of(question).number else frozenset()
        return cls(numbers, frozenset(content_stems(evidence) - content_stems(question)))

    def carried(self, answer: str) -> tuple[bool, float]:
        """(whether `answer` gives a number the evidence gives, if one is asked; share of the answering words)."""
        number = not self.numbers or bool(self.numbers & numbers_in(answer))
        share = len(self.words & content_stems(answer)) / len(self.words) if self.words else 1.0
        return number, share

    def lost_by(self, written: str, extracted: str) -> str:
        """Why the written answer is worse than the extracted one ("" when it is not)."""
        number, share = self.carried(written)
        number_there, share_there = self.carried(extracted)
        if number_there and not number:
            return "geeft niet het getal van het beste citaat (" + ", ".join(sorted(self.numbers)) + ")"
        if share < min(MIN_WORD_SHARE, share_there):
            return f"houdt {share:.0%} van de kernwoorden van het beste citaat over"
        return ""
