"""The live index in memory: articles, BM25 over the chunks, and dense search in Chroma.

It reloads by itself when `welzijn ingest` publishes a new version, so a running server never
answers from a stale Chroma client. With a database the pointer is shared by every replica: it is read at
most every `index_poll_seconds` (at once after a change by this process).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from assistant.core.types import Passage
from ingest.store import IndexInfo, IndexStore

if TYPE_CHECKING:
    from assistant.core.settings import RetrievalSettings, StorageSettings
    from assistant.models.embedder import LazyEmbedder
    from ingest.documents import Article, Chunk, SentenceRecord


@dataclass
class _Loaded:
    info: IndexInfo
    articles: dict[str, Article]
    chunks: dict[str, Chunk]
    bm25: Any
    vector_store: Any
    sentences: dict[str, list[SentenceRecord]]  # per source; empty for versions built before they were stored


class Knowledge:
    """Retrieval over the current index version; thread-safe, reloads on a new version."""

    def __init__(self, storage: StorageSettings, retrieval: RetrievalSettings, embedder: LazyEmbedder) -> None:
        self.retrieval_settings = retrieval
        self.embedder = embedder
        self.store = IndexStore(storage)
        self._loaded: _Loaded | None = None
        self._lock = threading.Lock()
        self._poll = storage.index_poll_seconds if storage.database_url is not None else 0.0
        self._checked = (-float("inf"), -1)  # (monotonic time, IndexStore.changes_here) of the last look

    def _current(self) -> _Loaded:
        loaded = self._loaded
        when, changes = self._checked
        if loaded is not None and changes == IndexStore.changes_here and time.monotonic() - when < self._poll:
            return loaded
        self._checked = (time.monotonic(), IndexStore.changes_here)
        info = self.store.require_current()
        loaded = self._loaded
        if loaded is not None and loaded.info.version == info.version:
            return loaded
        with self._lock:
            if self._loaded is None or self._loaded.info.version != info.version:
                self._loaded = self._load(info)
            return self._loaded

    def _load(self, info: IndexInfo) -> _Loaded:
        import Stemmer
        from llama_index.core.schema import TextNode
        from llama_index.retrievers.bm25 import BM25Retriever
        from llama_index.vector_stores.chroma import ChromaVectorStore

        manifest = self.store.manifest(info)
        nodes = [TextNode(id_=c.id, text=c.indexed_text) for c in manifest.chunks]
        # BM25 is rebuilt from the stored chunks: a persisted one would lose its Dutch stemmer.
        bm25 = BM25Retriever.from_defaults(
            nodes=nodes,
            similarity_top_k=min(self.retrieval_settings.candidates_k, len(nodes)),
            stemmer=Stemmer.Stemmer("dutch"),
            language="dutch",
        )
        vector_store = ChromaVectorStore(chroma_collection=self.store.collection(info))
        sentences: dict[str, list[SentenceRecord]] = {}
        for record in manifest.sentences:
            sentences.setdefault(record.source, []).append(record)
        return _Loaded(info, manifest.articles, {c.id: c for c in manifest.chunks}, bm25, vector_store, sentences)

    def snapshot(self) -> Snapshot:
        """The live version, pinned: an answer in flight keeps reading it while a new one is published."""
        return Snapshot(self._current(), self.retrieval_settings, self.embedder)

    def version(self) -> str:
        return self._current().info.version

    def articles(self) -> dict[str, Article]:
        return self._current().articles

    def query_vector(self, question: str) -> list[float]:
        """The question's vector (entry points run it on one torch thread: `core.process`)."""
        return self.embedder.query(question)

    def dense(self, question: str) -> list[tuple[str, float]]:
        return self.snapshot().dense(question)

    def sparse(self, question: str) -> list[tuple[str, float]]:
        return self.snapshot().sparse(question)

    def retrieve(self, question: str, top_k: int | None = None, people: Sequence[str] = ()) -> list[Passage]:
        return self.snapshot().retrieve(question, top_k, people)


class Snapshot:
    """Retrieval over one loaded index version (see `Knowledge.snapshot`)."""

    def __init__(self, loaded: _Loaded, retrieval: RetrievalSettings, embedder: LazyEmbedder) -> None:
        self._loaded = loaded
        self.retrieval_settings = retrieval
        self.embedder = embedder

    def version(self) -> str:
        return self._loaded.info.version

    def articles(self) -> dict[str, Article]:
        return self._loaded.articles

    def sentences(self) -> dict[str, list[SentenceRecord]]:
        """Each article's stored sentences with who says them (empty for an index built before they were stored)."""
        return self._loaded.sentences

    def dense(self, question: str) -> list[tuple[str, float]]:
        """Chunk ids and cosine similarity, best first."""
        from llama_index.core.vector_stores.types import VectorStoreQuery

        query = VectorStoreQuery(
            query_embedding=self.embedder.query(question), similarity_top_k=self.retrieval_settings.candidates_k
        )
        result = self._loaded.vector_store.query(query)
        return list(zip(result.ids or [], result.similarities or [], strict=True))

    def sparse(self, question: str) -> list[tuple[str, float]]:
        """Chunk ids and BM25 scores, best first (only words that occur count)."""
        from llama_index.core.schema import QueryBundle

        hits = self._loaded.bm25.retrieve(QueryBundle(question))
        return [(h.node.node_id, float(h.score or 0.0)) for h in hits if (h.score or 0.0) > 0]

    def retrieve(self, question: str, top_k: int | None = None, people: Sequence[str] = ()) -> list[Passage]:
        """Hybrid retrieval: dense and BM25 ranks fused by weighted reciprocal-rank fusion (see `ranking`)."""
        return self.ranking(question).top(top_k or self.retrieval_settings.top_k, people)

    def ranking(self, question: str) -> Ranking:
        """Every candidate chunk's fused score: dense and BM25 ranks by weighted reciprocal-rank fusion."""
        settings = self.retrieval_settings
        dense = self.dense(question) if settings.dense_weight > 0 else []
        sparse = self.sparse(question) if settings.bm25_weight > 0 else []
        fused: dict[str, float] = {}
        for weight, ranked in ((settings.dense_weight, dense), (settings.bm25_weight, sparse)):
            for rank, (chunk_id, _) in enumerate(ranked):
                fused[chunk_id] = fused.get(chunk_id, 0.0) + weight / (settings.rrf_k + rank + 1)
        return Ranking(fused, dict(dense), self._loaded, settings)


class Ranking:
    """One question's fused candidates, from which passages are taken with or without a boost for people.

    A question that names people ("Wat vindt Jet Bussemaker van …?") is about the articles that name them:
    their chunks gain `person_weight` times a first rank's share. The attribution trap check reads the
    ranking without it, so a person boosted into view cannot hide that the topic is someone else's.
    """

    def __init__(
        self, fused: dict[str, float], cosines: dict[str, float], loaded: _Loaded, settings: RetrievalSettings
    ) -> None:
        self._fused = fused
        self._cosines = cosines
        self._loaded = loaded
        self._settings = settings

    def top(self, top_k: int, people: Sequence[str] = ()) -> list[Passage]:
        """The `top_k` best chunks as passages; chunks of articles naming one of `people` boosted."""
        chunks = self._loaded.chunks
        scores = dict(self._fused)
        naming = self._sources_naming(people)
        if naming and self._settings.person_weight > 0:
            bonus = self._settings.person_weight / (self._settings.rrf_k + 1)
            scores = {i: s + bonus if i in chunks and chunks[i].source in naming else s for i, s in scores.items()}
        best = sorted(scores, key=scores.__getitem__, reverse=True)[:top_k]
        return [_passage(chunks[i], scores[i], self._cosines.get(i, 0.0)) for i in best if i in chunks]

    def _sources_naming(self, people: Sequence[str]) -> set[str]:
        """The candidates' articles whose text names one of `people` as the question spells them (whole words)."""
        patterns = [re.compile(rf"(?<!\w){re.escape(name)}(?!\w)") for name in people if name.strip()]
        if not patterns:
            return set()
        chunks, articles = self._loaded.chunks, self._loaded.articles
        candidates = {chunks[i].source for i in self._fused if i in chunks}
        return {s for s in candidates if s in articles and any(p.search(articles[s].text) for p in patterns)}


def _passage(chunk: Chunk, score: float, cosine: float) -> Passage:
    return Passage(
        id=chunk.id, source=chunk.source, title=chunk.title, text=chunk.text, start=chunk.start,
        end=chunk.end, score=round(score, 6), heading=chunk.heading or "", is_comment=chunk.is_comment,
        dense=round(cosine, 6),
    )
