"""Who may do what: an optional API key for /api/*, and a per-client rate limit on the question APIs."""

from __future__ import annotations

import hmac
from typing import TYPE_CHECKING

import anyio
from starlette.types import ASGIApp, Receive, Scope, Send

from assistant.web.routes import ADMIN_API, ADMIN_PAGES, API, API_PATHS
from assistant.web.security import error_response

if TYPE_CHECKING:
    from pydantic import SecretStr

KEY_PREFIX = f"{API.prefix}/"  # the JSON API for third parties; the widget's copy is public
ADMIN_PREFIX = f"{ADMIN_API}/"  # management has its own token (admin_auth)
OPEN_PATHS = frozenset({f"{API.prefix}/health"})  # readiness probes carry no key and reveal nothing
LIMITED_PREFIXES = (*API_PATHS, f"{ADMIN_PAGES}/inloggen")  # the login form too: no guessing the token at speed
KEY_MISSING = "Deze API vraagt een sleutel: stuur `Authorization: Bearer <sleutel>` of `X-API-Key: <sleutel>`."
KEY_WRONG = "De API-sleutel klopt niet."
TOO_MANY = "Te veel vragen in korte tijd. Probeer het over {seconds} seconden opnieuw."


def presented_key(headers: dict[bytes, bytes]) -> bytes | None:
    """The key a request carries in `X-API-Key` or `Authorization: Bearer …`, if any."""
    if b"x-api-key" in headers:
        return headers[b"x-api-key"].strip()
    scheme, _, value = headers.get(b"authorization", b"").partition(b" ")
    if scheme.lower() == b"bearer" and value.strip():
        return value.strip()
    return None


class ApiKeyMiddleware:
    """401 for /api/* requests without the configured key; the comparison takes constant time."""

    def __init__(self, app: ASGIApp, key: SecretStr) -> None:
        self.app = app
        self.key = key.get_secret_value().encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not path.startswith(KEY_PREFIX) or path in OPEN_PATHS or path.startswith(ADMIN_PREFIX):
            await self.app(scope, receive, send)
            return
        if scope["method"] == "OPTIONS":  # CORS preflights carry no credentials
            await self.app(scope, receive, send)
            return
        given = presented_key(dict(scope.get("headers") or []))
        if given is not None and hmac.compare_digest(given, self.key):
            await self.app(scope, receive, send)
            return
        message = KEY_MISSING if given is None else KEY_WRONG
        response = error_response(401, message, headers={"WWW-Authenticate": 'Bearer realm="welzijn-assistent"'})
        await response(scope, receive, send)


class RateLimitMiddleware:
    """429 with Retry-After once a client IP has made `per_minute` API requests in the last minute.

    With `redis_url` the counts live in Redis, shared by every replica that uses the same server; the
    Redis calls run in a worker thread so a slow Redis never blocks the event loop.
    """

    def __init__(self, app: ASGIApp, per_minute: int, redis_url: SecretStr | None = None) -> None:
        from assistant.web.rate_counts import RequestCounts

        self.app = app
        self.counts = RequestCounts(per_minute, None if redis_url is None else redis_url.get_secret_value())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if (
            scope["type"] != "http"
            or not path.startswith(LIMITED_PREFIXES)
            or path in OPEN_PATHS
            or scope["method"] == "OPTIONS"
        ):
            await self.app(scope, receive, send)
            return
        client = (scope.get("client") or ("unknown", 0))[0]
        if self.counts.shared:
            seconds = await anyio.to_thread.run_sync(self.counts.retry_after, client)
        else:
            seconds = self.counts.retry_after(client)
        if seconds is None:
            await self.app(scope, receive, send)
            return
        response = error_response(429, TOO_MANY.format(seconds=seconds), headers={"Retry-After": str(seconds)})
        await response(scope, receive, send)
