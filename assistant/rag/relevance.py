"""Whether the retrieved passages can answer a question at all (else the assistant refuses)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.core.types import Passage
from assistant.text.stems import content_stems

# Words that shape a question but say nothing about its subject.
_QUESTION_WORDS = content_stems(
    "zegt zeggen vindt vinden volgens noemt noem beschrijf beschrijft geef leg uit waarom welke wat wie hoe "
    "artikel artikelen auteur schrijft schrijver stelt stellen bedoelt mening visie precies eigenlijk "
    "according say says think article author describe mention mentions explain"
)
_NUMBER = re.compile(r"\b\d+\b")
HOW_MANY = re.compile(r"\b(hoeveel|how (many|much))\b", re.IGNORECASE)
NUMBER_WORDS = re.compile(
    r"\b(\d+|twee|drie|vier|vijf|zes|zeven|acht|negen|tien|twintig|dertig|honderd|duizend|miljoen|"
    r"miljard|procent|kwart|helft)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Verdict:
    answerable: bool
    reason: str
    coverage: float


def judge(
    question: str,
    passages: list[Passage],
    excerpts: list[Passage],
    lang: str,
    min_relevance: float,
    min_coverage: float,
    asked: str = "",
) -> Verdict:
    """Refuse when nothing is close, when the question's subject words are absent, or numbers don't match.

    `question` is the standalone question; `asked` the words the user typed, whose subject words must
    be covered too (a follow-up's new topic must be in the passages, not only the earlier one's).
    Numbers are looked up in the whole `passages`; subject words in the `excerpts` the LLM will see.
    """
    if not passages:
        return Verdict(False, "niets gevonden", 0.0)
    best = max(p.dense for p in passages)
    if best < min_relevance:
        return Verdict(False, f"geen passage lijkt genoeg op de vraag ({best:.2f})", 0.0)
    context = " ".join(f"{p.title} {p.text}" for p in passages)
    years = [n for n in _NUMBER.findall(question) if n not in context]
    if years:
        return Verdict(False, f"de artikelen noemen {', '.join(years)} niet", 0.0)
    if HOW_MANY.search(question) and not NUMBER_WORDS.search(context):
        return Verdict(False, "er staat geen aantal in de gevonden passages", 0.0)
    if lang != "nl":
        return Verdict(True, "", 1.0)  # word overlap means little across languages
    present = content_stems(" ".join(f"{p.title} {p.text}" for p in excerpts))
    texts = {question}
    if len(subject_words(asked)) >= 2:  # one word ("oplossing") is too little to judge a follow-up by
        texts.add(asked)
    coverage = min(_coverage(text, present) for text in texts)
    if coverage < min_coverage:
        return Verdict(False, f"de kernwoorden van de vraag komen niet voor ({coverage:.0%})", coverage)
    return Verdict(True, "", coverage)


def subject_words(question: str) -> set[str]:
    """Stems of the words that say what the question is about."""
    return {w for w in content_stems(question) - _QUESTION_WORDS if not NUMBER_WORDS.fullmatch(w)}


def _coverage(question: str, present: set[str]) -> float:
    """Share of the question's subject words that occur in the passages."""
    wanted = subject_words(question)
    if not wanted:
        return 1.0
    return sum(covered(w, present) for w in wanted) / len(wanted)


def covered(stem: str, present: set[str]) -> bool:
    """A stem occurs, or shares a long prefix with a word that does (inflections, compounds)."""
    if stem in present:
        return True
    if len(stem) < 5:
        return False
    return any(len(p) >= 5 and (p.startswith(stem) or stem.startswith(p)) for p in present)
