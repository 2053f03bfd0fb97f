"""Append-only JSONL store for thumbs up/down: one line per event, durable before we answer."""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any


class FeedbackStore:
    """Appends feedback records to a JSONL file; safe to share between threads."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()

    def append(self, record: dict[str, Any]) -> dict[str, Any]:
        """Write one record (a timestamp is added) and fsync it, so a crash right after keeps it."""
        line = {"time": time.strftime("%Y-%m-%dT%H:%M:%S%z")} | record
        data = json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path, "a", encoding="utf-8") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
        return line

    def __iter__(self) -> Iterator[dict[str, Any]]:
        """The stored records in order; a torn last line (crash mid-write) is skipped."""
        if not self.path.exists():
            return
        with open(self.path, encoding="utf-8") as fh:
            for raw in fh:
                try:
                    yield json.loads(raw)
                except json.JSONDecodeError:
                    continue

    def read(self) -> list[dict[str, Any]]:
        return list(self)
