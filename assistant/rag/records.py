"""The conversation log: each answered question as a record in the database (see `assistant.db`)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from assistant.core.errors import WelzijnError
from assistant.db.records import RecordLog

if TYPE_CHECKING:
    from assistant.core.settings import StorageSettings
    from assistant.core.types import Answer

log = logging.getLogger(__name__)


class ConversationLog:
    """Each answered question as one record (setting `log_conversations`); written when the answer is done."""

    def __init__(self, storage: StorageSettings, enabled: bool = True) -> None:
        self.records = RecordLog(storage, "conversation")
        self.enabled = enabled

    def record(self, channel: str, answer: Answer) -> dict[str, Any] | None:
        """Store the answer; a failing database is logged, never an error for the person asking."""
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
            return self.records.append(entry)
        except WelzijnError as exc:
            log.warning("gesprekslog niet bijgewerkt: %s", exc)
            return None

    def read(self) -> list[dict[str, Any]]:
        return self.records.read()
