"""What people asked and how they rated it: the conversation log and the feedback, counted as plain data."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from assistant.db.records import RecordLog

if TYPE_CHECKING:
    from assistant.core.settings import StorageSettings

RECENT = 50  # questions in the "latest questions" list

# The channels the log and the feedback name, with the words the management page shows.
CHANNELS = {"ui": "chatpagina", "widget": "widget", "api": "API", "cli": "opdrachtregel"}


@dataclass(frozen=True)
class Period:
    """Which records count: one channel (None: all) between two days, both included (None: open)."""

    channel: str | None = None
    start: dt.date | None = None
    end: dt.date | None = None

    def holds(self, record: dict[str, Any]) -> bool:
        if self.channel and record.get("channel") != self.channel:
            return False
        day = record_day(record)
        if day is None:
            return self.start is None and self.end is None
        return (self.start is None or day >= self.start) and (self.end is None or day <= self.end)


@dataclass(frozen=True)
class DayCount:
    day: dt.date
    answered: int
    refused: int

    @property
    def asked(self) -> int:
        return self.answered + self.refused


@dataclass(frozen=True)
class Exchange:
    """A logged question with its answer (or a rated one, with `liked`)."""

    time: str
    channel: str
    question: str
    answer: str
    sources: tuple[str, ...]
    refused: bool = False
    liked: bool | None = None


@dataclass(frozen=True)
class Insights:
    period: Period
    days: tuple[DayCount, ...]  # every day from the first to the last with a question
    answered: int
    refused: int
    thumbs_up: int
    thumbs_down: int
    refused_questions: tuple[Exchange, ...]  # newest first
    disliked: tuple[Exchange, ...]  # thumbs-down answers, newest first
    recent: tuple[Exchange, ...] = ()  # the latest questions, answered or not, newest first

    @property
    def asked(self) -> int:
        return self.answered + self.refused


def record_day(record: dict[str, Any]) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(record.get("time", ""))[:10])
    except ValueError:
        return None


def questions(storage: StorageSettings, period: Period) -> list[Exchange]:
    """The logged questions in the period, oldest first."""
    logged = RecordLog(storage, "conversation").read(period.channel, period.start, period.end)
    return [_exchange(r) for r in logged if period.holds(r) and r.get("question")]


def insights(storage: StorageSettings, period: Period) -> Insights:
    """Questions per day, answered against refused, thumbs, the refused questions and the disliked answers."""
    asked = questions(storage, period)
    rated = [r for r in RecordLog(storage, "feedback").read(period.channel, period.start, period.end) if period.holds(r)]
    liked = [_liked(r.get("liked")) for r in rated]
    disliked = [_exchange(r, liked=False) for r, up in zip(rated, liked, strict=True) if up is False]
    return Insights(
        period=period,
        days=_per_day(asked),
        answered=sum(not q.refused for q in asked),
        refused=sum(q.refused for q in asked),
        thumbs_up=liked.count(True),
        thumbs_down=liked.count(False),
        refused_questions=tuple(reversed([q for q in asked if q.refused])),
        disliked=tuple(reversed(disliked)),
        recent=tuple(reversed(asked[-RECENT:])),
    )


def _per_day(asked: Iterable[Exchange]) -> tuple[DayCount, ...]:
    counts: dict[dt.date, list[int]] = {}
    for exchange in asked:
        day = record_day({"time": exchange.time})
        if day is not None:
            counts.setdefault(day, [0, 0])[exchange.refused] += 1
    if not counts:
        return ()
    first, last = min(counts), max(counts)
    days = (first + dt.timedelta(days=n) for n in range((last - first).days + 1))
    return tuple(DayCount(day, *counts.get(day, [0, 0])) for day in days)


def _exchange(record: dict[str, Any], liked: bool | None = None) -> Exchange:
    citations = record.get("citations") or []
    sources = dict.fromkeys(str(c.get("source", "")) for c in citations if isinstance(c, dict))
    return Exchange(
        time=str(record.get("time", "")),
        channel=str(record.get("channel", "")),
        question=str(record.get("question", "")),
        answer=str(record.get("answer", "")),
        sources=tuple(s for s in sources if s),
        refused=bool(record.get("refused", False)),
        liked=liked,
    )


def _liked(value: object) -> bool | None:
    """Feedback's `liked`: a boolean from the API and the widget, "Like"/"Dislike" from some chat pages."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    return True if text in {"like", "true", "up"} else False if text in {"dislike", "false", "down"} else None
