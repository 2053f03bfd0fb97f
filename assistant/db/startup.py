"""The database a process works with: opened, migrated and, once per data folder, the old JSONL logs imported."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from assistant.db.engine import Database, open_database
from assistant.db.jsonl_import import import_jsonl

if TYPE_CHECKING:
    from assistant.core.settings import StorageSettings

_IMPORTED: set[tuple[str, str]] = set()
_LOCK = threading.Lock()


def database_for(storage: StorageSettings) -> Database:
    """The ready database for these settings; the first call per data folder imports its old JSONL logs."""
    db = open_database(storage).ready()
    key = (db.name, str(storage.data_dir.resolve()))
    if key not in _IMPORTED:
        with _LOCK:
            if key not in _IMPORTED:
                import_jsonl(db, storage.conversations_path, "conversation")
                import_jsonl(db, storage.feedback_path, "feedback")
                _IMPORTED.add(key)
    return db
