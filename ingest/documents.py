"""Plain data that flows through the ingest pipeline: cleaned articles and their chunks."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

BlockKind = Literal["title", "heading", "paragraph", "comment"]


@dataclass(frozen=True)
class Block:
    """One heading or paragraph of a cleaned article, located by offsets into `Article.text`."""

    kind: BlockKind
    start: int
    end: int
    heading: str | None = None  # the section heading this block falls under, if any


@dataclass(frozen=True)
class Article:
    """A cleaned article: the text a reader sees, plus the structure found in it."""

    source: str  # file name, e.g. "003_b4ac6d7293bc88c6.txt": what citations point at
    title: str
    text: str  # cleaned full text; blocks are separated by blank lines
    blocks: tuple[Block, ...]
    author: str | None = None
    date: str | None = None
    removed: tuple[str, ...] = field(default=())  # site-chrome lines that were dropped, for reporting

    def block_text(self, block: Block) -> str:
        return self.text[block.start : block.end]


@dataclass(frozen=True)
class Chunk:
    """A retrievable passage: a slice of one article's cleaned text."""

    id: str
    source: str
    title: str
    text: str  # == article.text[start:end]
    start: int
    end: int
    heading: str | None
    is_comment: bool

    @property
    def indexed_text(self) -> str:
        """What retrieval sees of the passage (embedded and BM25-indexed): the title gives it context."""
        return f"{self.title}\n{self.text}"


@dataclass(frozen=True)
class SentenceRecord:
    """One sentence of an article as the index stores it: where it is and who says it."""

    id: str  # "<source>#<index>"
    source: str
    start: int  # text == article.text[start:end]
    end: int
    speaker: str | None  # the person quoted, else the article's author (None: unknown, or a reader's comment)
    quoted: bool  # someone other than the author speaks
    cue: str  # how the speaker was found: author, cue, quote, continued, next
