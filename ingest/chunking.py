"""Split a cleaned article into passages that keep their exact offsets in the article."""

from __future__ import annotations

import hashlib

from assistant.text.sentences import split_sentences
from ingest.documents import Article, Block, Chunk


def chunk_article(article: Article, size: int, overlap: int) -> list[Chunk]:
    """Passages of about `size` characters; a heading starts a new passage, comments stay apart."""
    spans: list[tuple[int, int, Block]] = []
    group: list[Block] = []

    def flush() -> None:
        if group:
            spans.append((group[0].start, group[-1].end, group[-1]))
            group.clear()

    for block in article.blocks:
        if block.kind == "title":
            continue
        if group and (
            block.kind == "heading"
            or (block.kind == "comment") != (group[-1].kind == "comment")
            or block.end - group[0].start > size
            or block.kind == "comment"  # each reader comment is its own passage: its own author
        ):
            flush()
        if block.end - block.start > size:
            flush()
            spans.extend((s, e, block) for s, e in _split_long(article.text, block, size, overlap))
            continue
        group.append(block)
    flush()
    return [_make_chunk(article, start, end, block) for start, end, block in spans]


def _split_long(text: str, block: Block, size: int, overlap: int) -> list[tuple[int, int]]:
    """Windows of whole sentences inside one long block, with `overlap` sentences repeated."""
    sentences = [(block.start + s, block.start + e) for s, e in split_sentences(text[block.start : block.end])]
    windows: list[tuple[int, int]] = []
    i = 0
    while i < len(sentences):
        j = i + 1
        while j < len(sentences) and sentences[j][1] - sentences[i][0] <= size:
            j += 1
        windows.append((sentences[i][0], sentences[j - 1][1]))
        if j >= len(sentences):
            break
        i = max(j - overlap, i + 1)
    return windows


def _make_chunk(article: Article, start: int, end: int, block: Block) -> Chunk:
    text = article.text[start:end]
    digest = hashlib.sha1(f"{article.source}\0{start}\0{text}".encode()).hexdigest()[:16]
    return Chunk(
        id=f"{article.source}:{digest}",
        source=article.source,
        title=article.title,
        text=text,
        start=start,
        end=end,
        heading=block.heading,
        is_comment=block.kind == "comment",
    )
