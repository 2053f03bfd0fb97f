"""Retrieval latency through the project's own `Knowledge`: dense, BM25 and the fused hybrid."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from assistant.rag.retriever import Knowledge
from evals.bench.stats import profile_top, summarize_ms, time_calls
from ingest.store import IndexInfo, IndexStore

if TYPE_CHECKING:
    import numpy as np

    from assistant.core.settings import Settings
    from assistant.models.embedder import LazyEmbedder
    from evals.bench.corpus import GrownCorpus

WARMUP_QUERIES = 3
PROFILED_QUERIES = 20


def publish(settings: Settings, corpus: GrownCorpus, vectors: np.ndarray, like: IndexInfo) -> dict[str, object]:
    """Write the corpus as a new index version through `IndexStore.publish`, under cProfile."""
    began = time.perf_counter()
    profile = profile_top(
        lambda _: IndexStore(settings.storage).publish(
            corpus.manifest, vectors.tolist(), embed_model=like.embed_model, fingerprint=like.fingerprint,
            files=like.files,
        ),
        [None],
    )
    return {"build_s": round(time.perf_counter() - began, 2), "build_profile": profile}


def bench_retrieval(settings: Settings, embedder: LazyEmbedder, queries: Sequence[str]) -> dict[str, object]:
    """Load time of the index, then warm per-query latencies of each retriever."""
    knowledge = Knowledge(settings.storage, settings.retrieval, embedder)
    began = time.perf_counter()
    knowledge.version()  # loads manifest, BM25 and the Chroma collection
    load_s = round(time.perf_counter() - began, 2)
    for question in queries[:WARMUP_QUERIES]:
        knowledge.retrieve(question)
    return {
        "chunks": IndexStore(settings.storage).require_current().chunks,
        "load_s": load_s,
        "query_embedding": summarize_ms(time_calls(knowledge.query_vector, queries)),
        "query_embedding_torch_threads": summarize_ms(time_calls(embedder.query, queries)),
        "dense": summarize_ms(time_calls(knowledge.dense, queries)),
        "bm25": summarize_ms(time_calls(knowledge.sparse, queries)),
        "hybrid": summarize_ms(time_calls(knowledge.retrieve, queries)),
        "hybrid_profile": profile_top(knowledge.retrieve, queries[:PROFILED_QUERIES]),
    }
