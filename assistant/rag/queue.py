"""Bounded LLM generation: a few answers at a time, a short queue, and `Busy` for everyone beyond it."""

from __future__ import annotations

import contextlib
import itertools
import logging
import math
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from assistant.core.errors import Busy, Cancelled

if TYPE_CHECKING:
    from assistant.core.settings import LimitsSettings

log = logging.getLogger(__name__)
_POLL = 0.1  # seconds between checks for a stop while waiting for a slot


@dataclass
class _Holder:
    """One generation holding a slot."""

    started: float
    cancel: threading.Event | None
    reclaimed: bool = False


@dataclass(frozen=True)
class QueueState:
    """What the gate is doing now, for health checks."""

    slots: int
    slots_in_use: int
    admitted: int
    waiting: int
    oldest_slot_s: float
    stuck: int  # generations running past the maximum generation time (their slots were reclaimed)
    reclaimed_total: int

    def to_json(self) -> dict[str, float | int]:
        return dict(self.__dict__)


class GenerationGate:
    """At most `max_concurrent` generations run; at most `max_queued` more requests wait for a slot.

    A request is admitted (or refused at once) when it starts, so a streamed answer can still get a
    429 status; it takes a slot only for the LLM calls themselves. Waiting longer than `timeout`
    seconds for a slot also ends in `Busy`, and a request whose `cancel` event is set stops waiting
    at once (`Cancelled`). Without this, every caller would load the model's working memory at the
    same time and the process could run out of memory.

    A slot held longer than `max_generation` seconds is reclaimed as a safety net: its holder is
    asked to stop and the slot goes to the next caller; until the stuck generation really ends, the
    gate reports it in `state().stuck`.
    """

    def __init__(
        self, max_concurrent: int = 1, max_queued: int = 8, timeout: float = 60.0, max_generation: float = 300.0
    ) -> None:
        self.max_concurrent = max_concurrent
        self.capacity = max_concurrent + max_queued
        self.timeout = timeout
        self.max_generation = max_generation
        self._slots = threading.BoundedSemaphore(max_concurrent)
        self._lock = threading.Lock()
        self._admitted = 0
        self._ids = itertools.count()
        self._holders: dict[int, _Holder] = {}
        self._waiting = 0
        self._reclaimed_total = 0
        self.peak = 0  # most generations seen running at once

    @classmethod
    def from_settings(cls, limits: LimitsSettings) -> GenerationGate:
        return cls(
            limits.max_concurrent_generations,
            limits.max_queued_requests,
            limits.queue_timeout,
            limits.max_generation_seconds,
        )

    @property
    def running(self) -> int:
        """Generations holding a slot now (a reclaimed one no longer does)."""
        return sum(not h.reclaimed for h in list(self._holders.values()))

    @property
    def retry_after(self) -> int:
        """Seconds a refused caller should wait: a rough share of the queue timeout, at least 1."""
        return max(1, math.ceil(self.timeout / 4))

    @contextlib.contextmanager
    def admit(self) -> Iterator[None]:
        """Hold a place among the admitted requests for the whole answer; `Busy` when none is free."""
        with self._lock:
            if self._admitted >= self.capacity:
                raise Busy(retry_after=self.retry_after)
            self._admitted += 1
        try:
            yield
        finally:
            with self._lock:
                self._admitted -= 1

    @contextlib.contextmanager
    def slot(self, cancel: threading.Event | None = None) -> Iterator[None]:
        """Run one LLM generation; waits up to `timeout` seconds for a free slot (then `Busy`).

        While waiting, a set `cancel` ends the wait at once with `Cancelled`.
        """
        self._acquire(cancel)
        key = next(self._ids)
        with self._lock:
            self._holders[key] = _Holder(time.monotonic(), cancel)
            self.peak = max(self.peak, self.running)
        try:
            yield
        finally:
            with self._lock:
                holder = self._holders.pop(key)
            if not holder.reclaimed:  # a reclaimed slot was released already
                self._slots.release()

    def _acquire(self, cancel: threading.Event | None) -> None:
        deadline = time.monotonic() + self.timeout
        with self._lock:
            self._waiting += 1
        try:
            while True:
                if cancel is not None and cancel.is_set():
                    raise Cancelled(stage="queued")
                left = deadline - time.monotonic()
                if left <= 0:
                    raise Busy(retry_after=self.retry_after)
                if self._slots.acquire(timeout=min(_POLL, left)):
                    return
                self.reclaim_stuck()
        finally:
            with self._lock:
                self._waiting -= 1

    def reclaim_stuck(self) -> int:
        """Give back the slots of generations running past `max_generation`; how many were reclaimed."""
        now = time.monotonic()
        freed = []
        with self._lock:
            for holder in self._holders.values():
                if not holder.reclaimed and now - holder.started > self.max_generation:
                    holder.reclaimed = True
                    self._reclaimed_total += 1
                    freed.append(holder)
        for holder in freed:
            if holder.cancel is not None:
                holder.cancel.set()  # asks the generation to stop at its next token
            self._slots.release()
            log.warning(
                "generation slot reclaimed: held %.0f s, longer than the maximum of %.0f s",
                now - holder.started, self.max_generation,
            )
        return len(freed)

    def state(self) -> QueueState:
        """Slots in use, requests admitted and waiting, the oldest slot's age and stuck generations."""
        self.reclaim_stuck()
        now = time.monotonic()
        with self._lock:
            holders = list(self._holders.values())
            return QueueState(
                slots=self.max_concurrent,
                slots_in_use=self.running,
                admitted=self._admitted,
                waiting=self._waiting,
                oldest_slot_s=round(max((now - h.started for h in holders), default=0.0), 1),
                stuck=sum(h.reclaimed for h in holders),
                reclaimed_total=self._reclaimed_total,
            )
