"""Ingest throughput: the real pipeline into a fresh data folder, then a re-ingest of the same files."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from evals.bench.stats import rate
from ingest.pipeline import run_ingest

if TYPE_CHECKING:
    from assistant.core.settings import Settings
    from assistant.models.embedder import LazyEmbedder


class EmbedTimer:
    """A `run_ingest` progress hook that adds up the time spent in the embedding loop."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def __call__(self, batches: Iterable[list[str]], total: int) -> Iterator[list[str]]:
        began = time.perf_counter()
        try:
            yield from batches  # the caller embeds each batch before asking for the next
        finally:
            self.seconds += time.perf_counter() - began


def bench_ingest(settings: Settings, paths: list[Path], embedder: LazyEmbedder, label: str) -> dict[str, object]:
    """Ingest `paths` into the (empty) data folder of `settings`, then once more unchanged."""
    timer = EmbedTimer()
    first = run_ingest(settings, paths, embedder=embedder, progress=timer)
    again = run_ingest(settings, paths, embedder=embedder)
    return {
        "label": label,
        "files": first.files,
        "chunks": first.chunks,
        "embedded": first.embedded,
        "embed_s": round(timer.seconds, 3),
        "total_s": round(first.seconds, 3),
        "embed_chunks_per_s": rate(first.embedded, timer.seconds),
        "total_chunks_per_s": rate(first.chunks, first.seconds),
        "reingest_s": round(again.seconds, 4),
        "reingest_up_to_date": again.up_to_date,
        "reingest_embedded": again.embedded,
    }


def scaling(small: dict[str, object], large: dict[str, object]) -> dict[str, float | None]:
    """How time grew against chunks between two ingests: per-chunk ratio 1.0 is exactly linear."""
    chunks = float(large["chunks"]) / float(small["chunks"])  # type: ignore[arg-type]
    total = float(large["total_s"]) / float(small["total_s"])  # type: ignore[arg-type]
    embed = float(large["embed_s"]) / float(small["embed_s"]) if small["embed_s"] else None  # type: ignore[arg-type]
    return {
        "chunk_ratio": round(chunks, 2),
        "total_time_ratio": round(total, 2),
        "embed_time_ratio": None if embed is None else round(embed, 2),
        "total_per_chunk_ratio": round(total / chunks, 2),
        "embed_per_chunk_ratio": None if embed is None else round(embed / chunks, 2),
    }
