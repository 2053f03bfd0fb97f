"""Larger Dutch corpora for the benchmark: the seeds' own sentences, recombined into new articles.

The original articles stay inside every grown corpus, so the usual questions keep their answers.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from assistant.text.sentences import split_sentence_texts
from ingest.chunking import chunk_article
from ingest.documents import Article, Block
from ingest.store import Manifest

if TYPE_CHECKING:
    import numpy as np

# Sentences this long fit a paragraph of one chunk; shorter ones are mostly captions and fragments.
MIN_SENTENCE, MAX_SENTENCE = 40, 400
TITLE_WORDS = 8


@dataclass(frozen=True)
class GrownCorpus:
    """An index's articles and chunks: the seed chunks first, then the synthetic ones."""

    manifest: Manifest
    seed_chunks: int
    members: list[tuple[int, ...]]  # bank indices of the sentences in each synthetic chunk, in order


def sentence_bank(manifest: Manifest) -> list[str]:
    """The distinct sentences of the articles' paragraphs, in article order."""
    seen: dict[str, None] = {}
    for source in sorted(manifest.articles):
        article = manifest.articles[source]
        for block in article.blocks:
            if block.kind != "paragraph":
                continue
            for sentence in split_sentence_texts(article.block_text(block)):
                if MIN_SENTENCE <= len(sentence) <= MAX_SENTENCE:
                    seen.setdefault(sentence, None)
    return list(seen)


def synthetic_files(
    bank: Sequence[str], count: int, *, paragraphs: int, chunk_size: int, seed: int = 0
) -> dict[str, str]:
    """`count` article files (name → text): a title line, then paragraphs of recombined sentences."""
    rng = random.Random(seed)
    files = {}
    for n in range(count):
        body = [_paragraph(rng, bank, chunk_size)[0] for _ in range(paragraphs)]
        files[f"synth_{n:05d}.txt"] = "\n\n".join([_title(rng, bank), *body]) + "\n"
    return files


def grow(
    seed_manifest: Manifest, bank: Sequence[str], size: int, *, chunk_size: int, per_article: int = 20, seed: int = 0
) -> GrownCorpus:
    """The seed articles plus synthetic ones, `size` chunks in all (at least the seeds' chunks)."""
    rng = random.Random(seed)
    articles = dict(seed_manifest.articles)
    chunks = list(seed_manifest.chunks)
    members: list[tuple[int, ...]] = []
    missing = max(0, size - len(chunks))
    n = 0
    while missing > 0:
        paragraphs = [_paragraph(rng, bank, chunk_size) for _ in range(min(per_article, missing))]
        article = _article(f"synth_{n:06d}.txt", _title(rng, bank), [text for text, _ in paragraphs])
        new = chunk_article(article, chunk_size, 0)
        if len(new) != len(paragraphs):
            raise AssertionError(f"{article.source}: {len(paragraphs)} paragraphs became {len(new)} chunks")
        articles[article.source] = article
        chunks.extend(new)
        members.extend(ids for _, ids in paragraphs)
        missing -= len(new)
        n += 1
    return GrownCorpus(Manifest(articles, chunks), len(seed_manifest.chunks), members)


def corpus_vectors(corpus: GrownCorpus, seed_vectors: np.ndarray, sentence_vectors: np.ndarray) -> np.ndarray:
    """Seed chunks keep their real vectors; a synthetic chunk gets the normalised mean of its sentences'."""
    import numpy as np

    if not corpus.members:
        return np.asarray(seed_vectors, dtype=np.float32)
    flat = np.fromiter((i for ids in corpus.members for i in ids), dtype=np.int64)
    starts = np.cumsum([0] + [len(ids) for ids in corpus.members[:-1]])
    sums = np.add.reduceat(np.asarray(sentence_vectors, dtype=np.float32)[flat], starts, axis=0)
    sums /= np.linalg.norm(sums, axis=1, keepdims=True)
    return np.vstack([np.asarray(seed_vectors, dtype=np.float32), sums])


def _paragraph(rng: random.Random, bank: Sequence[str], chunk_size: int) -> tuple[str, tuple[int, ...]]:
    """Sentences drawn from the bank until the paragraph is over half a chunk: one paragraph, one chunk."""
    ids: list[int] = []
    length = -1
    for _ in range(1000):
        if length > chunk_size // 2 + 20:
            break
        i = rng.randrange(len(bank))
        if length + 1 + len(bank[i]) <= chunk_size:
            ids.append(i)
            length += 1 + len(bank[i])
    return " ".join(bank[i] for i in ids), tuple(ids)


def _title(rng: random.Random, bank: Sequence[str]) -> str:
    words = bank[rng.randrange(len(bank))].rstrip(".!?…").split()
    return " ".join(words[:TITLE_WORDS])


def _article(source: str, title: str, paragraphs: list[str]) -> Article:
    """An article shaped as cleaning makes them: the title block, then one block per paragraph."""
    blocks, offset = [Block("title", 0, len(title))], len(title) + 2
    for text in paragraphs:
        blocks.append(Block("paragraph", offset, offset + len(text)))
        offset += len(text) + 2
    return Article(source=source, title=title, text="\n\n".join([title, *paragraphs]), blocks=tuple(blocks))
