"""The ingest service: files → clean articles → chunks → vectors → a new index version."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.core.errors import storage_error
from assistant.models.embedder import LazyEmbedder, make_embed_model
from ingest import chunking, cleaning, loaders
from ingest.documents import Article, Chunk
from ingest.embedding_cache import EmbeddingCache
from ingest.sentences import sentence_records
from ingest.store import IndexInfo, IndexStore, Manifest

if TYPE_CHECKING:
    from assistant.core.settings import Settings

CLEANING_VERSION = 4  # bump when cleaning, chunking or the stored sentence records change

Progress = Callable[[Iterable[list[str]], int], Iterable[list[str]]]


@dataclass(frozen=True)
class IngestReport:
    """What an ingest did, for the CLI to print."""

    files: int
    chunks: int
    embedded: int  # passages that needed the model this time
    reused: int  # passages whose vectors came from the cache
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    skipped: list[loaders.Skipped] = field(default_factory=list)
    up_to_date: bool = False
    version: str | None = None
    seconds: float = 0.0


def fingerprint(settings: Settings) -> str:
    """Everything besides file contents that changes the chunks or their vectors."""
    spec = [CLEANING_VERSION, settings.ingest.chunk_size, settings.ingest.chunk_overlap, embed_key(settings)]
    return hashlib.sha256(json.dumps(spec).encode()).hexdigest()[:16]


def max_bytes(settings: Settings) -> int:
    return settings.ingest.max_file_mb * 2**20


def embed_key(settings: Settings) -> str:
    return f"{settings.embedding.embed_model}|{settings.embedding.embed_passage_prefix}"


def _no_progress(batches: Iterable[list[str]], total: int) -> Iterable[list[str]]:
    return batches


def run_ingest(
    settings: Settings,
    paths: list[Path] | None = None,
    *,
    rebuild: bool = False,
    embedder: LazyEmbedder | None = None,
    progress: Progress = _no_progress,
) -> IngestReport:
    """Index exactly the supported files under `paths`; unchanged input costs nothing."""
    began = time.perf_counter()
    store = IndexStore(settings.storage)
    current = store.current()
    files, skipped = loaders.discover(paths or settings.storage.sources)
    raws: dict[str, loaders.RawFile] = {}
    for path in files:
        loaded = loaders.load(path, max_bytes(settings))
        if isinstance(loaded, loaders.Skipped):
            skipped.append(loaded)
        elif loaded.source in raws:
            skipped.append(loaders.Skipped(path, f"dubbele bestandsnaam: {loaded.source} is al ingelezen"))
        else:
            raws[loaded.source] = loaded
    hashes = {source: raw.sha256 for source, raw in raws.items()}
    diff = _diff(current, hashes)
    fp = fingerprint(settings)
    if current and not rebuild and current.fingerprint == fp and current.files == hashes:
        return IngestReport(
            files=len(raws), chunks=current.chunks, embedded=0, reused=0, skipped=skipped,
            up_to_date=True, version=current.version, seconds=time.perf_counter() - began,
        )
    articles: dict[str, Article] = {}
    for source, raw in raws.items():
        article = clean(raw)
        if isinstance(article, loaders.Skipped):
            skipped.append(article)
        else:
            articles[source] = article
    hashes = {s: h for s, h in hashes.items() if s in articles}
    chunks = [c for a in articles.values() for c in chunking.chunk_article(a, settings.ingest.chunk_size, settings.ingest.chunk_overlap)]
    embedder = embedder or LazyEmbedder(lambda: make_embed_model(settings))
    _check_writable(settings.storage.data_dir / "cache", store.root / "versions")  # before any model loads
    vectors, embedded = _embed(settings, chunks, embedder, progress)
    info = store.publish(
        Manifest(articles, chunks, [r for a in articles.values() for r in sentence_records(a)]), vectors, embed_model=settings.embedding.embed_model, fingerprint=fp, files=hashes
    )
    return IngestReport(
        files=len(articles), chunks=len(chunks), embedded=embedded, reused=len(chunks) - embedded,
        skipped=skipped, version=info.version, seconds=time.perf_counter() - began, **_diff(current, hashes),
    )


def read_article(path: Path, settings: Settings) -> Article | loaders.Skipped:
    """One file as the ingest would index it, or why it would skip it (the same rules as `run_ingest`)."""
    loaded = loaders.load(path, max_bytes(settings))
    return loaded if isinstance(loaded, loaders.Skipped) else clean(loaded)


def clean(raw: loaders.RawFile) -> Article | loaders.Skipped:
    """The cleaned article, or a skip when too little article text is left."""
    article = cleaning.clean_article(raw.text, raw.source)
    if not article.text.strip() or len(article.blocks) < 2:
        return loaders.Skipped(raw.path, "geen artikeltekst over na het opschonen")
    return article


def _check_writable(*folders: Path) -> None:
    """A read-only or full data folder is a clear `StorageError` now, not a traceback halfway."""
    for folder in folders:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            # An unnamed file (O_TMPFILE on Linux): a kill during the probe leaves nothing behind.
            with tempfile.TemporaryFile(dir=folder) as fh:
                fh.write(b"x")
                fh.flush()
                os.fsync(fh.fileno())
        except OSError as exc:
            raise storage_error(folder, exc) from exc


def _diff(current: IndexInfo | None, hashes: dict[str, str]) -> dict[str, list[str]]:
    old = current.files if current else {}
    return {
        "added": sorted(set(hashes) - set(old)),
        "changed": sorted(s for s in hashes if s in old and old[s] != hashes[s]),
        "removed": sorted(set(old) - set(hashes)),
    }


def _embed(
    settings: Settings, chunks: list[Chunk], embedder: LazyEmbedder, progress: Progress
) -> tuple[list[list[float]], int]:
    """Vectors for all chunks, computing only those not in the cache; returns (vectors, computed)."""
    cache = EmbeddingCache(settings.storage.data_dir / "cache" / "embeddings.sqlite", embed_key(settings))
    try:
        texts = [c.indexed_text for c in chunks]
        known = cache.get_many(texts)
        missing = list(dict.fromkeys(t for t in texts if t not in known))
        size = settings.embedding.embed_batch_size
        batches = [missing[i : i + size] for i in range(0, len(missing), size)]
        for batch in progress(batches, len(missing)):
            fresh = dict(zip(batch, embedder.passages(batch), strict=True))
            cache.put_many(fresh)  # a kill mid-ingest keeps the work done so far
            known.update(fresh)
        return [known[t] for t in texts], len(missing)
    finally:
        cache.close()
