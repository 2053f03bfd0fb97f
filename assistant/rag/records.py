"""Append-only JSON Lines files (feedback, conversations) that survive crashes and restarts."""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.core.errors import StorageError, storage_error

if TYPE_CHECKING:
    from assistant.core.types import Answer

log = logging.getLogger(__name__)


class JsonlStore:
    """One JSON record per line; each append is fsynced before it returns.

    A crash mid-append leaves at most one torn last line: reading skips it, and the next append cuts
    it off first, so a new record never glues onto half an old one.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()  # threads of this process; flock below guards other processes

    def append(self, record: dict[str, Any]) -> dict[str, Any]:
        """Write one record (a timestamp is added) durably; a full or read-only disk is a `StorageError`."""
        line = {"time": time.strftime("%Y-%m-%dT%H:%M:%S%z")} | record
        data = (json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
        with self._lock:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
            except OSError as exc:
                raise storage_error(self.path.parent, exc) from exc
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                size = _cut_torn_tail(fd)
                try:
                    _write_all(fd, data)
                    os.fsync(fd)
                except OSError as exc:
                    with contextlib.suppress(OSError):  # a device such as /dev/full cannot be truncated
                        os.ftruncate(fd, size)  # no half record left behind by a full disk
                    raise storage_error(self.path.parent, exc) from exc
            finally:
                os.close(fd)  # also releases the flock
        return line

    def __iter__(self) -> Iterator[dict[str, Any]]:
        """The stored records in order; a torn or unreadable line is skipped."""
        try:
            fh = open(self.path, "rb")
        except FileNotFoundError:
            return
        with fh:
            for raw in fh:
                try:
                    record = json.loads(raw)
                except (json.JSONDecodeError, UnicodeDecodeError):
                    continue
                if isinstance(record, dict):
                    yield record

    def read(self) -> list[dict[str, Any]]:
        return list(self)


def _cut_torn_tail(fd: int) -> int:
    """Truncate a last line that has no newline (a write cut short by a crash); returns the new size."""
    size = os.fstat(fd).st_size
    if size == 0 or os.pread(fd, 1, size - 1) == b"\n":
        return size
    end = size
    while end > 0:
        start = max(0, end - 65536)
        newline = os.pread(fd, end - start, start).rfind(b"\n")
        if newline >= 0:
            end = start + newline + 1
            break
        end = start
    os.ftruncate(fd, end)
    return end


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


class ConversationLog:
    """Each answered question as one line of data_dir/conversations.jsonl (setting `log_conversations`)."""

    def __init__(self, path: Path, enabled: bool = True) -> None:
        self.store = JsonlStore(path)
        self.enabled = enabled

    def record(self, channel: str, answer: Answer) -> dict[str, Any] | None:
        """Store the answer; a failing disk is logged, never an error for the person asking."""
        if not self.enabled:
            return None
        entry = {
            "channel": channel,
            "question": answer.question,
            "answer": answer.answer,
            "refused": answer.refused,
            "citations": [c.to_json() for c in answer.citations],
            "backend": answer.backend,
            "notice": answer.notice,
            "timings_ms": answer.timings_ms,
        }
        try:
            return self.store.append(entry)
        except StorageError as exc:
            log.warning("gesprekslog niet bijgewerkt: %s", exc)
            return None

    def read(self) -> list[dict[str, Any]]:
        return self.store.read()
