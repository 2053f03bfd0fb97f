"""The one-time move of the old JSONL logs (conversations, feedback) into the records table."""

from __future__ import annotations

import hashlib
import json
import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.db.schema import imports, record_row, records

if TYPE_CHECKING:
    from assistant.db.engine import Database

log = logging.getLogger(__name__)


def import_jsonl(db: Database, path: Path, kind: str) -> int:
    """Copy the file's records in once (known by its content hash, so never twice); then rename it to
    `<name>.imported`. Returns the number of records imported now (0 when there was nothing to do)."""
    from sqlalchemy import select
    from sqlalchemy.exc import IntegrityError

    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return 0
    except OSError as exc:
        log.warning("%s niet ingelezen in de database: %s", path, exc)
        return 0
    key = f"jsonl:{kind}:{hashlib.sha256(data).hexdigest()}"
    rows = [record_row(kind, record) for record in _records(data)]
    imported = 0
    try:
        with db.begin() as connection:
            if connection.execute(select(imports.c.key).where(imports.c.key == key)).first() is None:
                connection.execute(imports.insert().values(key=key, records=len(rows), done=time.time()))
                if rows:
                    connection.execute(records.insert(), rows)
                imported = len(rows)
    except IntegrityError:
        pass  # another process imported the same file at the same moment
    _set_aside(path, imported, db)
    return imported


def _records(data: bytes) -> list[dict[str, Any]]:
    """The file's records in order; a torn or unreadable line is skipped (as the JSONL reader did)."""
    found = []
    for raw in data.splitlines():
        try:
            record = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError):
            continue
        if isinstance(record, dict):
            found.append(record)
    return found


def _set_aside(path: Path, imported: int, db: Database) -> None:
    target = path.with_name(path.name + ".imported")
    if target.exists():
        target = path.with_name(f"{path.name}.{time.strftime('%Y%m%dT%H%M%S')}.imported")
    try:
        path.rename(target)
    except OSError as exc:  # a read-only folder: the import is still marked done, so it never runs twice
        log.warning("%s: %d records in de database %s gezet; hernoemen mislukte (%s)", path, imported, db.name, exc)
        return
    log.info("%s: %d records in de database %s gezet; het bestand heet nu %s", path, imported, db.name, target.name)
