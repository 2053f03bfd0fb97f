"""The plain data every front end shares: an answer, its citations and the passages behind it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk of an article with its fused score."""

    id: str
    source: str
    title: str
    text: str
    start: int
    end: int
    score: float
    heading: str = ""
    is_comment: bool = False
    dense: float = 0.0  # cosine similarity to the question, used for the relevance floor

    def to_json(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in ("source", "title", "text", "score", "start", "end")}


@dataclass(frozen=True)
class Citation:
    """Marker [n] in the answer: the exact supporting sentence(s) of one passage."""

    n: int
    source: str
    title: str
    quote: str  # == article text[start:end]
    start: int
    end: int
    is_comment: bool = False
    speaker: str = ""  # who says the quote, where a written answer relied on it ("" unrecorded)

    def to_json(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in ("n", "source", "title", "quote", "start", "end")}


@dataclass(frozen=True)
class SentenceCheck:
    """Whether one answer sentence is backed by the passage its marker points at."""

    sentence: str
    citations: tuple[int, ...]
    support: float
    supported: bool


@dataclass(frozen=True)
class Answer:
    """What `answer()` returns; the CLI, API, UI and evals only format it."""

    question: str
    answer: str
    refused: bool
    citations: tuple[Citation, ...]
    retrieved: tuple[Passage, ...]
    timings_ms: dict[str, float]
    backend: str
    standalone_question: str = ""
    checks: tuple[SentenceCheck, ...] = ()
    notice: str = ""  # e.g. "the local model is not installed: extractive answers"
    suggestions: tuple[Passage, ...] = field(default=())
    prompt_tokens: int = 0  # tokens the local model evaluated for this answer (0: no local model ran)

    def to_json(self) -> dict[str, Any]:
        """The documented JSON shape shared by `ask --json`, the HTTP API and the evals."""
        return {
            "question": self.question,
            "answer": self.answer,
            "refused": self.refused,
            "citations": [c.to_json() for c in self.citations],
            "retrieved": [p.to_json() for p in self.retrieved],
            "timings_ms": self.timings_ms,
            "backend": self.backend,
        }


@dataclass(frozen=True)
class Token:
    """A streamed piece of the answer text."""

    text: str


@dataclass(frozen=True)
class Status:
    """A progress line while nothing is streamed yet (e.g. "zoeken in de artikelen")."""

    text: str


@dataclass(frozen=True)
class EvidenceItem(Citation):
    """Item [n] of the evidence a model is about to write from: a quote as it would be cited, and who says it."""

    speakers: tuple[str, ...] = ()  # the people whose words it holds
    author: str = ""  # the article's author ("" unknown)
    year: str = ""

    def to_json(self) -> dict[str, Any]:
        who = {"speakers": list(self.speakers), "author": self.author, "year": self.year}
        return super().to_json() | who | {"is_comment": self.is_comment}


@dataclass(frozen=True)
class EvidenceFound:
    """The ranked evidence, sent before a model writes the answer from it; the answer's sources replace it."""

    items: tuple[EvidenceItem, ...]


Event = Token | Status | EvidenceFound | Answer
