"""Bounded LLM generation: a few answers at a time, a short queue, and `Busy` for everyone beyond it."""

from __future__ import annotations

import contextlib
import math
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING

from assistant.core.errors import Busy

if TYPE_CHECKING:
    from assistant.core.settings import LimitsSettings


class GenerationGate:
    """At most `max_concurrent` generations run; at most `max_queued` more requests wait for a slot.

    A request is admitted (or refused at once) when it starts, so a streamed answer can still get a
    429 status; it takes a slot only for the LLM calls themselves. Waiting longer than `timeout`
    seconds for a slot also ends in `Busy`. Without this, every caller would load the model's
    working memory at the same time and the process could run out of memory.
    """

    def __init__(self, max_concurrent: int = 1, max_queued: int = 8, timeout: float = 60.0) -> None:
        self.max_concurrent = max_concurrent
        self.capacity = max_concurrent + max_queued
        self.timeout = timeout
        self._slots = threading.BoundedSemaphore(max_concurrent)
        self._lock = threading.Lock()
        self._admitted = 0
        self.running = 0
        self.peak = 0  # most generations seen running at once

    @classmethod
    def from_settings(cls, limits: LimitsSettings) -> GenerationGate:
        return cls(limits.max_concurrent_generations, limits.max_queued_requests, limits.queue_timeout)

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
    def slot(self) -> Iterator[None]:
        """Run one LLM generation; waits up to `timeout` seconds for a free slot, then `Busy`."""
        if not self._slots.acquire(timeout=self.timeout):
            raise Busy(retry_after=self.retry_after)
        with self._lock:
            self.running += 1
            self.peak = max(self.peak, self.running)
        try:
            yield
        finally:
            with self._lock:
                self.running -= 1
            self._slots.release()
