"""Index versions, the live-version pointer and article files in the database, for replicas that each have
their own data folder (vectors are in the shared Chroma server)."""

from __future__ import annotations

import json
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from assistant.db.schema import article_files, index_pointer, index_versions
from assistant.db.startup import database_for

if TYPE_CHECKING:
    from assistant.core.settings import StorageSettings

LIVE = "live"


class SharedIndex:
    """What `IndexStore` keeps in files on one machine, in the database instead (`database_url` set)."""

    def __init__(self, storage: StorageSettings) -> None:
        self.storage = storage

    @contextmanager
    def exclusive(self, name: str) -> Iterator[None]:
        """One publisher (or article change) at a time across all replicas."""
        db = database_for(self.storage)
        with db.failures(), db.exclusive(name):
            yield

    def live(self) -> dict[str, Any] | None:
        """The live version's info (as `IndexInfo` fields), or None before the first publish."""
        from sqlalchemy import select

        query = (
            select(index_versions.c.info)
            .join(index_pointer, index_pointer.c.version == index_versions.c.version)
            .where(index_pointer.c.name == LIVE)
        )
        with database_for(self.storage).begin() as connection:
            row = connection.execute(query).first()
        return json.loads(row[0]) if row else None

    def versions(self) -> list[dict[str, Any]]:
        """Every published version's info, newest first."""
        from sqlalchemy import select

        query = select(index_versions.c.info).order_by(index_versions.c.created.desc())
        with database_for(self.storage).begin() as connection:
            return [json.loads(info) for (info,) in connection.execute(query)]

    def manifest(self, version: str) -> dict[str, Any] | None:
        from sqlalchemy import select

        query = select(index_versions.c.manifest).where(index_versions.c.version == version)
        with database_for(self.storage).begin() as connection:
            row = connection.execute(query).first()
        return json.loads(zlib.decompress(row[0])) if row else None

    def publish(self, info: dict[str, Any], manifest: dict[str, Any]) -> None:
        """Add a version and make it live in one transaction: readers see the old version or the new one."""
        packed = zlib.compress(json.dumps(manifest, ensure_ascii=True).encode("ascii"), 6)
        with database_for(self.storage).begin() as connection:
            connection.execute(index_versions.insert().values(
                version=info["version"], created=info["created"], info=json.dumps(info), manifest=packed,
            ))
            _point(connection, info["version"])

    def activate(self, version: str) -> dict[str, Any] | None:
        """Make a kept version live again; None when it is not kept."""
        from sqlalchemy import select

        with database_for(self.storage).begin() as connection:
            row = connection.execute(select(index_versions.c.info).where(index_versions.c.version == version)).first()
            if row is None:
                return None
            _point(connection, version)
        return json.loads(row[0])

    def forget(self, versions: list[str]) -> None:
        """Drop kept versions (never the live one)."""
        if not versions:
            return
        from sqlalchemy import delete, select

        with database_for(self.storage).begin() as connection:
            live = connection.execute(select(index_pointer.c.version).where(index_pointer.c.name == LIVE)).scalar()
            doomed = [v for v in versions if v != live]
            connection.execute(delete(index_versions).where(index_versions.c.version.in_(doomed)))

    # Article files, by content hash
    def keep_file(self, sha256: str, content: bytes, added: float) -> None:
        from sqlalchemy import select
        from sqlalchemy.exc import IntegrityError

        try:
            with database_for(self.storage).begin() as connection:
                if connection.execute(select(article_files.c.sha256).where(article_files.c.sha256 == sha256)).first():
                    return
                connection.execute(article_files.insert().values(sha256=sha256, content=content, added=added))
        except IntegrityError:
            pass  # another replica stored the same file at the same moment

    def file(self, sha256: str) -> tuple[bytes, float] | None:
        """An article file's bytes and when it first came in, or None."""
        from sqlalchemy import select

        query = select(article_files.c.content, article_files.c.added).where(article_files.c.sha256 == sha256)
        with database_for(self.storage).begin() as connection:
            row = connection.execute(query).first()
        return (bytes(row[0]), float(row[1])) if row else None

    def file_hashes(self) -> set[str]:
        from sqlalchemy import select

        with database_for(self.storage).begin() as connection:
            return set(connection.execute(select(article_files.c.sha256)).scalars())

    def forget_files(self, keep: set[str]) -> None:
        from sqlalchemy import delete

        with database_for(self.storage).begin() as connection:
            connection.execute(delete(article_files).where(article_files.c.sha256.not_in(keep)))


def _point(connection, version: str) -> None:
    from sqlalchemy import update

    changed = connection.execute(
        update(index_pointer).where(index_pointer.c.name == LIVE).values(version=version, changed=time.time())
    )
    if changed.rowcount == 0:
        connection.execute(index_pointer.insert().values(name=LIVE, version=version, changed=time.time()))
