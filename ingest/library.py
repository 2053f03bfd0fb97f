"""The managed article set behind /beheer: a folder of article files that always matches the live index.

Every change (upload, delete, rollback) runs the normal ingest over the new set of files, so it becomes a
new index version through the atomic publish. Each file is also kept by content hash in an article
store, from which a rollback puts the folder back as that version had it. With a database URL the files are
kept in the database too, so a replica can restore what another one published; each change is also an
admin-action record (`assistant.db.records`).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import math
import os
import re
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from assistant.core.errors import NotFound, WelzijnError, storage_error
from assistant.db.records import RecordLog
from ingest import loaders
from ingest.pipeline import read_article, run_ingest
from ingest.store import IndexInfo, IndexStore

if TYPE_CHECKING:
    from assistant.core.settings import Settings
    from assistant.models.embedder import LazyEmbedder

log = logging.getLogger(__name__)
_SAFE_NAME = re.compile(r"^[^/\\\x00-\x1f\x7f]{1,200}$")


@dataclass(frozen=True)
class FileOutcome:
    """What happened to one uploaded file."""

    name: str
    added: bool  # in the new version (added or replaced)
    message: str
    refused: bool = False  # the ingest's rules turned it down


@dataclass(frozen=True)
class Change:
    """The result of an upload or a delete: per-file outcomes and the live version afterwards."""

    files: tuple[FileOutcome, ...]
    version: str | None  # the live version after the change
    changed: bool  # whether a new version was published


@dataclass(frozen=True)
class ArticleEntry:
    """One article of the live index, as the management page lists it."""

    source: str
    title: str
    author: str | None
    date: str | None
    passages: int
    added: float  # when this content first came into the index, as far as the kept versions and the store know


@dataclass(frozen=True)
class VersionEntry:
    """One kept index version."""

    version: str
    created: float
    articles: int
    passages: int
    live: bool
    restorable: bool  # every file of it is in the article store
    oldest: bool = False  # the oldest kept version: nothing to compare it with
    added: tuple[str, ...] = ()  # against the next older kept version
    removed: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()


class ArticleLibrary:
    """Upload, delete and roll back articles; every method keeps the folder and the live index in step."""

    def __init__(self, settings: Settings, embedder: LazyEmbedder | None = None) -> None:
        self.settings = settings
        self.embedder = embedder
        self.store = IndexStore(settings.storage)
        self.folder = settings.storage.article_files_dir
        self.blobs = settings.storage.article_store_dir

    # Reading
    def articles(self) -> list[ArticleEntry]:
        """The live index's articles, newest first."""
        info = self.store.current()
        if info is None:
            return []
        manifest = self.store.manifest(info)
        passages = Counter(chunk.source for chunk in manifest.chunks)
        first_seen: dict[tuple[str, str], float] = {}
        for kept in self.store.versions():  # newest first: the last one written is the oldest
            first_seen.update({item: kept.created for item in kept.files.items()})
        entries = []
        for a in manifest.articles.values():
            sha = info.files.get(a.source, "")
            added = min(self._blob_time(sha), first_seen.get((a.source, sha), info.created))
            entries.append(ArticleEntry(a.source, a.title, a.author, a.date, passages[a.source], added))
        return sorted(entries, key=lambda e: (-e.added, e.source))

    def versions(self) -> list[VersionEntry]:
        """The kept index versions, newest first, each with what changed against the one before it."""
        live = self.store.current()
        infos = self.store.versions()
        shared = self.store.shared.file_hashes() if self.store.shared else set()
        entries = []
        for info, older in zip(infos, [*infos[1:], None][: len(infos)], strict=True):
            before = older.files if older else {}
            entries.append(VersionEntry(
                info.version, info.created, len(info.files), info.chunks,
                live is not None and info.version == live.version,
                all((self.blobs / sha).is_file() or sha in shared for sha in info.files.values()),
                oldest=older is None,
                added=tuple(sorted(set(info.files) - set(before))) if older else (),
                removed=tuple(sorted(set(before) - set(info.files))),
                changed=tuple(sorted(s for s in info.files if s in before and before[s] != info.files[s])),
            ))
        return entries

    # Changing
    def add(self, uploads: list[tuple[str, BinaryIO]]) -> Change:
        """Add (or replace) articles; a file the ingest would skip is reported and changes nothing."""
        with self._locked() as current:
            staging = Path(tempfile.mkdtemp(prefix=".upload-", dir=self.settings.storage.data_dir))
            try:
                outcomes, good = self._stage(uploads, staging)
                if not good:
                    return self._audited("upload", Change(tuple(outcomes), _version(current), changed=False))
                kept = [p for p in self._files() if p.name not in good]
                for path in good.values():
                    self._keep_blob(path)  # before the publish: a crash after it can still restore the folder
                report = run_ingest(self.settings, kept + list(good.values()), embedder=self.embedder)
                for name, path in good.items():
                    os.replace(path, self.folder / name)
                self._drop_unused_blobs()
                return self._audited("upload", Change(tuple(outcomes), report.version, changed=not report.up_to_date))
            except OSError as exc:
                raise storage_error(self.folder, exc) from exc
            finally:
                shutil.rmtree(staging, ignore_errors=True)

    def remove(self, source: str) -> Change:
        """Delete one article: a new version without it."""
        with self._locked() as current:
            if current is None or source not in current.files:
                raise NotFound("Dit artikel staat niet in de index.")
            kept = [p for p in self._files() if p.name != source]
            if not kept:
                raise WelzijnError("Dit is het laatste artikel: voeg eerst een ander toe, een lege index kan niet.")
            report = run_ingest(self.settings, kept, embedder=self.embedder)
            (self.folder / source).unlink(missing_ok=True)
            self._drop_unused_blobs()
            return self._audited("delete", Change((FileOutcome(source, False, "Verwijderd."),), report.version, changed=True))

    def activate(self, version: str) -> IndexInfo:
        """Roll back (or forward) to a kept version; the folder follows."""
        with self._locked(sync=False):  # the folder follows the chosen version, whatever it holds now
            entry = next((v for v in self.versions() if v.version == version), None)
            if entry is None:
                raise NotFound(f"Indexversie {version} bestaat niet (meer).")
            if not entry.restorable:
                raise WelzijnError(f"De bestanden van indexversie {version} zijn niet bewaard; terugzetten kan niet.")
            info = self.store.activate(version)
            self._sync(info)
            self._audit({"action": "rollback", "version": info.version, "files": sorted(info.files)})
            return info

    def _audited(self, action: str, change: Change) -> Change:
        files = [{"name": f.name, "added": f.added, "refused": f.refused, "message": f.message} for f in change.files]
        self._audit({"action": action, "version": change.version, "changed": change.changed, "files": files})
        return change

    def _audit(self, record: dict) -> None:
        """An admin-action record; the change itself is done, so a failing database is only logged."""
        try:
            RecordLog(self.settings.storage, "admin").append({"channel": "beheer", **record})
        except WelzijnError as exc:
            log.warning("beheeractie niet vastgelegd: %s", exc)

    # The folder and the article store
    @contextmanager
    def _locked(self, sync: bool = True) -> Iterator[IndexInfo | None]:
        """One change at a time (across processes); the folder is first brought in line with the live index."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            self.blobs.mkdir(parents=True, exist_ok=True)
            lock = os.open(self.settings.storage.data_dir / ".articles.lock", os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise storage_error(self.settings.storage.data_dir, exc) from exc
        try:
            fcntl.flock(lock, fcntl.LOCK_EX)
            with self.store.shared.exclusive("articles") if self.store.shared else contextlib.nullcontext():
                current = self.store.current()
                if current is not None and sync:
                    self._sync(current)
                yield current
        finally:
            os.close(lock)

    def _files(self) -> list[Path]:
        return sorted(p for p in self.folder.iterdir() if p.is_file() and not p.name.startswith("."))

    def _stage(self, uploads: list[tuple[str, BinaryIO]], staging: Path) -> tuple[list[FileOutcome], dict[str, Path]]:
        """Each upload written to `staging` and checked by the ingest's own rules."""
        outcomes: list[FileOutcome] = []
        good: dict[str, Path] = {}
        existing = {p.name: p for p in self._files()}
        for raw_name, data in uploads:
            name = Path(raw_name.replace("\\", "/")).name.strip()
            problem = _name_problem(name, good)
            if problem is None:
                path = staging / name
                with open(path, "wb") as out:
                    shutil.copyfileobj(data, out, 1024 * 1024)
                result = read_article(path, self.settings)
                problem = result.reason if isinstance(result, loaders.Skipped) else None
            if problem is not None:
                outcomes.append(FileOutcome(name or raw_name, False, f"Niet toegevoegd: {problem}.", refused=True))
                continue
            if name in existing and _sha256(existing[name]) == _sha256(path):
                outcomes.append(FileOutcome(name, False, "Ongewijzigd: dit bestand staat al zo in de index."))
                continue
            good[name] = path
            outcomes.append(FileOutcome(name, True, "Vervangen." if name in existing else "Toegevoegd."))
        return outcomes, good

    def _sync(self, info: IndexInfo) -> None:
        """Make the folder hold exactly the files of `info` (after a rollback, a crash or a CLI ingest)."""
        present = {p.name: p for p in self._files()}
        for name, path in present.items():
            sha = _sha256(path)
            self._keep_blob(path, sha)
            if info.files.get(name) != sha:
                path.unlink()
        for name, sha in info.files.items():
            target = self.folder / name
            if target.is_file():  # what is left of the folder matches already
                continue
            blob = self.blobs / sha
            if not blob.is_file():
                self._fetch_blob(sha)
            if not blob.is_file():
                found = self._find_in_sources(name, sha)
                if found is None:
                    raise WelzijnError(f"Het bestand {name} van de live index is nergens meer te vinden.")
                self._keep_blob(found, sha)
            tmp = self.folder / f".{name}.restore"
            shutil.copy2(blob, tmp)
            os.replace(tmp, target)

    def _find_in_sources(self, name: str, sha: str) -> Path | None:
        """The file a CLI ingest indexed, in the configured sources (the seeds on first use)."""
        files, _ = loaders.discover(list(self.settings.storage.sources))
        return next((p for p in files if p.name == name and _sha256(p) == sha), None)

    def _keep_blob(self, path: Path, sha: str | None = None) -> None:
        blob = self.blobs / (sha or _sha256(path))
        if blob.is_file():
            return
        tmp = self.blobs / f".{blob.name}.tmp"
        shutil.copyfile(path, tmp)
        now = time.time()
        os.utime(tmp, (now, now))  # the blob's time is when the article first came in
        if self.store.shared is not None:  # other replicas restore it from there
            self.store.shared.keep_file(blob.name, tmp.read_bytes(), now)
        os.replace(tmp, blob)

    def _fetch_blob(self, sha: str) -> None:
        """A file another replica kept, from the database into this replica's article store."""
        found = self.store.shared.file(sha) if self.store.shared else None
        if found is None:
            return
        content, added = found
        tmp = self.blobs / f".{sha}.tmp"
        tmp.write_bytes(content)
        os.utime(tmp, (added, added))
        os.replace(tmp, self.blobs / sha)

    def _drop_unused_blobs(self) -> None:
        """Forget files no kept version and no current file uses."""
        used = {sha for info in self.store.versions() for sha in info.files.values()}
        if self.store.shared is not None:
            self.store.shared.forget_files(used)
        for blob in self.blobs.iterdir():
            if blob.name not in used:
                blob.unlink(missing_ok=True)

    def _blob_time(self, sha: str) -> float:
        """When the file first came into the article store (infinity when it is not there)."""
        try:
            return (self.blobs / sha).stat().st_mtime if sha else math.inf
        except OSError:
            return math.inf


def _name_problem(name: str, good: dict[str, Path]) -> str | None:
    if not name or name.startswith(".") or not _SAFE_NAME.match(name):
        return "ongeldige bestandsnaam"
    if Path(name).suffix.lower() not in loaders.SUPPORTED:
        return f"bestandstype {Path(name).suffix or '(geen)'} wordt niet ondersteund (wel: txt, md, html, pdf)"
    if name in good:
        return "dit bestand zit twee keer in de upload"
    return None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def _version(info: IndexInfo | None) -> str | None:
    return info.version if info else None
