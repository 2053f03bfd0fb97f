"""A cache of passage vectors, so an ingest never re-embeds a passage it has seen with the same model."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Sequence
from pathlib import Path

from assistant.core.errors import storage_error


class EmbeddingCache:
    """Passage vectors keyed by model and text, in SQLite (each write is one transaction)."""

    def __init__(self, path: Path, model_key: str) -> None:
        self._folder = path.parent
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path)
            self._db.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vector BLOB NOT NULL)")
        except (OSError, sqlite3.Error) as exc:
            raise storage_error(path.parent, exc) from exc
        self._model_key = model_key

    def key(self, text: str) -> str:
        return hashlib.sha256(f"{self._model_key}\0{text}".encode()).hexdigest()

    def get_many(self, texts: Sequence[str]) -> dict[str, list[float]]:
        """Cached vectors for the texts that have one, by text."""
        import numpy as np

        keys = {self.key(t): t for t in texts}
        found: dict[str, list[float]] = {}
        items = list(keys)
        for i in range(0, len(items), 500):
            batch = items[i : i + 500]
            rows = self._db.execute(
                f"SELECT key, vector FROM vectors WHERE key IN ({','.join('?' * len(batch))})", batch
            )
            for key, blob in rows:
                found[keys[key]] = np.frombuffer(blob, dtype=np.float32).tolist()
        return found

    def put_many(self, items: dict[str, list[float]]) -> None:
        import numpy as np

        rows = [(self.key(t), np.asarray(v, dtype=np.float32).tobytes()) for t, v in items.items()]
        try:
            with self._db:  # one transaction: a full disk rolls the whole batch back
                self._db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?)", rows)
        except sqlite3.OperationalError as exc:
            raise storage_error(self._folder, exc) from exc

    def close(self) -> None:
        self._db.close()
