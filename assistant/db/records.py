"""Append-only records (conversations, feedback, admin actions) in the database; no update or delete."""

from __future__ import annotations

import datetime as dt
import json
import time
from typing import TYPE_CHECKING, Any

from assistant.db.schema import record_row, records
from assistant.db.startup import database_for

if TYPE_CHECKING:
    from assistant.core.settings import StorageSettings

KINDS = ("conversation", "feedback", "admin")


class RecordLog:
    """Records of one kind; an append is committed (durable) before it returns."""

    def __init__(self, storage: StorageSettings, kind: str) -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown record kind {kind!r}")
        self.storage = storage
        self.kind = kind

    def append(self, record: dict[str, Any]) -> dict[str, Any]:
        """Store one record (a timestamp is added unless it has one); a failing database is a `StorageError`."""
        line = {"time": time.strftime("%Y-%m-%dT%H:%M:%S%z")} | record
        with database_for(self.storage).begin() as connection:
            connection.execute(records.insert().values(**record_row(self.kind, line)))
        return line

    def read(
        self, channel: str | None = None, start: dt.date | None = None, end: dt.date | None = None
    ) -> list[dict[str, Any]]:
        """The records in the order they were stored; with a channel or dates, only those (a record whose
        time has no readable date only counts when no dates are given)."""
        from sqlalchemy import select

        query = select(records.c.data).where(records.c.kind == self.kind).order_by(records.c.id)
        if channel:
            query = query.where(records.c.channel == channel)
        if start or end:
            query = query.where(records.c.day.is_not(None))
        if start:
            query = query.where(records.c.day >= start.isoformat())
        if end:
            query = query.where(records.c.day <= end.isoformat())
        with database_for(self.storage).begin() as connection:
            return [json.loads(data) for (data,) in connection.execute(query)]
