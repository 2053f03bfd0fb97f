"""Requests per client in the last minute: counted in this process, or in Redis so that replicas share one limit.

A Redis that cannot be reached never fails a request: the request passes (fail-open) and one warning is
logged per outage. A public assistant that stops answering because its rate-limit store is down would be
worse than one that is briefly unlimited; the generation queue still bounds the load on each replica.
After a failure Redis is left alone for `RETRY_AFTER` seconds, so a dead server costs one timeout, not
one per request.
"""

from __future__ import annotations

import logging
import math
import threading
import time

log = logging.getLogger(__name__)

RETRY_AFTER = 5.0  # seconds without Redis calls after a failure
REDIS_TIMEOUT = 1.0  # seconds to connect to or hear from Redis before a request passes uncounted
KEY_PREFIX = "welzijn-limits"


class RequestCounts:
    """`retry_after(client)`: None while a client is within `per_minute`, else the seconds until it may ask again."""

    def __init__(self, per_minute: int, redis_url: str | None = None) -> None:
        from limits import RateLimitItemPerMinute
        from limits.storage import MemoryStorage, storage_from_string
        from limits.strategies import MovingWindowRateLimiter

        self.item = RateLimitItemPerMinute(per_minute)
        self.shared = redis_url is not None
        storage = MemoryStorage() if redis_url is None else storage_from_string(
            redis_url, wrap_exceptions=True, key_prefix=KEY_PREFIX,
            socket_connect_timeout=REDIS_TIMEOUT, socket_timeout=REDIS_TIMEOUT,
        )
        self.limiter = MovingWindowRateLimiter(storage)
        self._paused_until = 0.0  # monotonic time until which Redis is not asked (after a failure)
        self._outage = False
        self._lock = threading.Lock()

    def retry_after(self, client: str) -> int | None:
        """Count one request of `client`; None if it may pass, else whole seconds to wait (at least 1)."""
        from limits.errors import StorageError

        if time.monotonic() < self._paused_until:
            return None
        try:
            allowed = self.limiter.hit(self.item, client)
            reset = None if allowed else self.limiter.get_window_stats(self.item, client).reset_time
        except StorageError as exc:
            self._failed(exc)
            return None
        self._reachable()
        return None if reset is None else max(1, math.ceil(reset - time.time()))

    def _failed(self, exc: Exception) -> None:
        with self._lock:
            self._paused_until = time.monotonic() + RETRY_AFTER
            if not self._outage:
                self._outage = True
                log.warning(
                    "rate limit: Redis cannot be reached (%s); requests pass uncounted (fail-open), "
                    "Redis is tried again every %.0f s", exc, RETRY_AFTER,
                )

    def _reachable(self) -> None:
        if self._outage:
            with self._lock:
                if self._outage:
                    self._outage = False
                    log.warning("rate limit: Redis can be reached again; the shared limit applies")
