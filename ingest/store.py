"""A versioned index: each ingest writes a complete new version, then flips one pointer.

The pointer is the `CURRENT` file, or with a database URL a row in the database that every replica reads
(the versions' manifests are there too; vectors are in Chroma). A kill or an error at any moment leaves the
pointer at a complete version, so readers always see either the old index or the new one, never a
half-written one.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.core.errors import IndexMissing, VersionMissing, WelzijnError, storage_error
from assistant.db.shared_index import SharedIndex
from ingest.documents import Article, Block, Chunk, SentenceRecord

if TYPE_CHECKING:
    import chromadb

    from assistant.core.settings import StorageSettings

FORMAT = 1


@dataclass(frozen=True)
class IndexInfo:
    """What `CURRENT` says: which version is live and how it was built."""

    version: str
    collection: str
    embed_model: str
    fingerprint: str
    files: dict[str, str]  # source -> sha256 of the file's bytes
    created: float
    chunks: int
    format: int = FORMAT


@dataclass
class Manifest:
    """Everything besides vectors: the cleaned articles and their chunks."""

    articles: dict[str, Article]
    chunks: list[Chunk] = field(default_factory=list)
    sentences: list[SentenceRecord] = field(default_factory=list)  # empty in versions built before they were stored


def write_atomic(path: Path, data: str) -> None:
    """Write a file so that readers see the old content or the new, never a torn one."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class IndexStore:
    """Reads and publishes index versions under `storage.index_dir` (and in the database, when one is set)."""

    changes_here = 0  # publishes and rollbacks by this process: a reader that polls rarely looks at once

    def __init__(self, storage: StorageSettings) -> None:
        self.storage = storage
        self.root = storage.index_dir
        self.pointer = self.root / "CURRENT"
        self.shared = SharedIndex(storage) if storage.database_url is not None else None

    # Reading
    def current(self) -> IndexInfo | None:
        """The live version, or None when nothing was ever ingested."""
        if self.shared is not None:
            live = self.shared.live()
            return IndexInfo(**live) if live else None
        try:
            raw = json.loads(self.pointer.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            raise WelzijnError(f"De index-aanwijzer {self.pointer} is onleesbaar ({exc}); run `welzijn ingest --rebuild`.") from exc
        return IndexInfo(**raw)

    def require_current(self) -> IndexInfo:
        info = self.current()
        if info is None:
            raise IndexMissing("Er is nog geen index: run eerst `welzijn ingest` (index not built).")
        return info

    def manifest(self, info: IndexInfo) -> Manifest:
        """The articles and chunks of a version."""
        if self.shared is not None:
            raw = self.shared.manifest(info.version)
            if raw is None:
                raise VersionMissing(f"Indexversie {info.version} bestaat niet (meer).")
        else:
            raw = json.loads((self.version_dir(info.version) / "manifest.json").read_text(encoding="utf-8"))
        articles = {
            a["source"]: Article(**{**a, "blocks": tuple(Block(**b) for b in a["blocks"]), "removed": tuple(a["removed"])})
            for a in raw["articles"]
        }
        sentences = [SentenceRecord(**r) for r in raw.get("sentences", [])]
        return Manifest(articles, [Chunk(**c) for c in raw["chunks"]], sentences)

    def version_dir(self, version: str) -> Path:
        return self.root / "versions" / version

    def versions(self) -> list[IndexInfo]:
        """Every complete version, newest first (the live one among them)."""
        if self.shared is not None:
            return [IndexInfo(**info) for info in self.shared.versions()]
        versions_root = self.root / "versions"
        if not versions_root.is_dir():
            return []
        found = []
        for vdir in versions_root.iterdir():
            try:
                found.append(IndexInfo(**json.loads((vdir / "info.json").read_text(encoding="utf-8"))))
            except (OSError, ValueError, TypeError):
                continue  # unfinished (no info.json yet) or not ours
        return sorted(found, key=lambda info: info.created, reverse=True)

    def client(self, version: str) -> chromadb.ClientAPI:
        """A Chroma client for a version: its own embedded folder, or the configured server."""
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
        if self.storage.chroma_host:
            return chromadb.HttpClient(
                host=self.storage.chroma_host, port=self.storage.chroma_port, settings=chroma_settings
            )
        return chromadb.PersistentClient(path=str(self.version_dir(version) / "chroma"), settings=chroma_settings)

    def collection(self, info: IndexInfo) -> chromadb.Collection:
        return self.client(info.version).get_collection(info.collection, embedding_function=None)

    # Writing
    def publish(
        self,
        manifest: Manifest,
        embeddings: list[list[float]],
        *,
        embed_model: str,
        fingerprint: str,
        files: dict[str, str],
    ) -> IndexInfo:
        """Write a complete new version and make it the live one (one publish at a time)."""
        with self._locked():
            return self._publish(manifest, embeddings, embed_model, fingerprint, files)

    def activate(self, version: str) -> IndexInfo:
        """Make a kept earlier version the live one again (a rollback); readers switch on their next request."""
        with self._locked():
            if self.shared is not None:
                live = self.shared.activate(version)
                if live is None:
                    raise VersionMissing(f"Indexversie {version} bestaat niet (meer).")
                IndexStore.changes_here += 1
                return IndexInfo(**live)
            found = {info.version: info for info in self.versions()}.get(version)
            if found is None or not (self.version_dir(version) / "manifest.json").is_file():
                raise VersionMissing(f"Indexversie {version} bestaat niet (meer).")
            try:
                write_atomic(self.pointer, json.dumps(asdict(found)))
            except OSError as exc:
                raise storage_error(self.root, exc) from exc
            IndexStore.changes_here += 1
            return found

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """One writer of the pointer at a time, across processes (and replicas, through the database)."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            lock = os.open(self.root / ".publish.lock", os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise storage_error(self.root, exc) from exc
        try:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released by the kernel if this process is killed
            if self.shared is None:
                yield
            else:
                with self.shared.exclusive("index-publish"):
                    yield
        finally:
            os.close(lock)

    def _publish(self, manifest, embeddings, embed_model, fingerprint, files) -> IndexInfo:
        previous = self.current()
        self._drop_unfinished(previous)  # leftovers of killed ingests: free their space first
        version = time.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]
        vdir = self.version_dir(version)
        try:
            return self._write_version(vdir, version, manifest, embeddings, embed_model, fingerprint, files, previous)
        except (OSError, sqlite3.Error) as exc:
            live = self.current()
            if live is None or live.version != version:  # never delete what CURRENT already points at
                shutil.rmtree(vdir, ignore_errors=True)
            raise storage_error(vdir.parent, exc) from exc
        except Exception as exc:
            if not _disk_trouble(exc):
                raise
            shutil.rmtree(vdir, ignore_errors=True)
            raise storage_error(vdir.parent, exc) from exc

    def _write_version(self, vdir, version, manifest, embeddings, embed_model, fingerprint, files, previous):
        vdir.mkdir(parents=True, exist_ok=False)
        info = IndexInfo(
            version=version,
            collection=f"welzijn-{version}",
            embed_model=embed_model,
            fingerprint=fingerprint,
            files=files,
            created=time.time(),
            chunks=len(manifest.chunks),
        )
        self._write_vectors(info, manifest.chunks, embeddings)
        payload = {
            "articles": [asdict(a) for a in manifest.articles.values()],
            "chunks": [asdict(c) for c in manifest.chunks],
            "sentences": [asdict(r) for r in manifest.sentences],
        }
        if self.shared is not None:
            self.shared.publish(asdict(info), payload)  # the flip, for every replica at once
            IndexStore.changes_here += 1
            self._collect_garbage(info, previous)
            return info
        write_atomic(vdir / "manifest.json", json.dumps(payload, ensure_ascii=False))
        write_atomic(vdir / "info.json", json.dumps(asdict(info)))
        # The flip: until this rename, readers keep the old version.
        write_atomic(self.pointer, json.dumps(asdict(info)))
        IndexStore.changes_here += 1
        self._collect_garbage(info, previous)
        return info

    def _write_vectors(self, info: IndexInfo, chunks: list[Chunk], embeddings: list[list[float]]) -> None:
        from llama_index.core.schema import TextNode
        from llama_index.vector_stores.chroma import ChromaVectorStore

        client = self.client(info.version)
        collection = client.create_collection(
            info.collection, embedding_function=None, metadata={"hnsw:space": "cosine"}
        )
        store = ChromaVectorStore(chroma_collection=collection)
        nodes = [
            TextNode(id_=c.id, text=c.text, embedding=list(e), metadata=chunk_metadata(c))
            for c, e in zip(chunks, embeddings, strict=True)
        ]
        for i in range(0, len(nodes), 1000):
            store.add(nodes[i : i + 1000])
        if collection.count() != len(nodes):
            raise WelzijnError(f"Chroma bevat {collection.count()} van {len(nodes)} passages; ingest afgebroken.")

    def _collect_garbage(self, live: IndexInfo, previous: IndexInfo | None) -> None:
        """Keep the live version, the one it replaced (a server may still read it) and the newest others
        up to `keep_index_versions`; drop every other one and stray temp files."""
        older = [info.version for info in self.versions() if info.version not in {live.version, getattr(previous, "version", None)}]
        kept_old = ([previous.version] if previous else []) + older
        keep = {live.version, *kept_old[: self.storage.keep_index_versions]}
        if self.shared is not None:  # versions other replicas published too: their Chroma collections go with them
            doomed = [info.version for info in self.versions() if info.version not in keep]
            self.shared.forget(doomed)
            for name in doomed:
                if self.storage.chroma_host:
                    self._drop_server_collection(f"welzijn-{name}")
        self._drop_versions(lambda name: name not in keep)
        for tmp in self.root.glob(".*.tmp"):  # a pointer write cut short by a kill
            tmp.unlink(missing_ok=True)

    def _drop_unfinished(self, current: IndexInfo | None) -> None:
        """Remove versions a killed ingest left half-written (no info.json, or not in the database), never the
        current one."""
        live = current.version if current else None
        versions_root = self.root / "versions"
        if self.shared is not None:
            published = {info.version for info in self.versions()}
            self._drop_versions(lambda name: name != live and name not in published)
            return
        self._drop_versions(lambda name: name != live and not (versions_root / name / "info.json").exists())

    def _drop_versions(self, drop: Callable[[str], bool]) -> None:
        versions_root = self.root / "versions"
        if not versions_root.is_dir():
            return
        for name in sorted(p.name for p in versions_root.iterdir() if p.is_dir()):
            if not drop(name):
                continue
            if self.storage.chroma_host:
                self._drop_server_collection(f"welzijn-{name}")
            shutil.rmtree(versions_root / name, ignore_errors=True)

    def _drop_server_collection(self, name: str) -> None:
        from chromadb.errors import NotFoundError

        try:
            self.client(name).delete_collection(name)
        except (NotFoundError, ValueError):
            pass


def _disk_trouble(exc: BaseException) -> bool:
    """Chroma reports a full or read-only disk as its own error types; recognise them by message."""
    text = str(exc).lower()
    return any(s in text for s in ("disk is full", "no space left", "readonly database", "read-only file system",
                                   "disk i/o error", "database or disk is full"))


def chunk_metadata(chunk: Chunk) -> dict[str, Any]:
    """Chroma metadata holds only flat scalars; None becomes an empty string."""
    return {
        "source": chunk.source,
        "title": chunk.title,
        "heading": chunk.heading or "",
        "start": chunk.start,
        "end": chunk.end,
        "is_comment": chunk.is_comment,
    }
