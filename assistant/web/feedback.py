"""Thumbs up/down, one record per event in the database, committed before we answer."""

from __future__ import annotations

from typing import TYPE_CHECKING

from assistant.db.records import RecordLog

if TYPE_CHECKING:
    from assistant.core.settings import StorageSettings


class FeedbackStore(RecordLog):
    """Appends feedback records; a failing database is a `StorageError` (the API answers 503)."""

    def __init__(self, storage: StorageSettings) -> None:
        super().__init__(storage, "feedback")
