"""Edge protections: request-size limit, framing policy, and the JSON error shape."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_BODY_BYTES = 64 * 1024
_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.\-]+(:\d{1,5})?$|^https?://\[[0-9A-Fa-f:.]+\](:\d{1,5})?$")


def error_response(status: int, message: str, headers: dict[str, str] | None = None, **extra: object) -> JSONResponse:
    """The API's one error shape: {"error": message}."""
    return JSONResponse({"error": message, **extra}, status_code=status, headers=headers)


def clean_origins(origins: Iterable[str]) -> list[str]:
    """Configured origins that are well-formed (scheme://host[:port]); anything else is dropped."""
    out = []
    for origin in origins:
        origin = origin.strip().rstrip("/")
        if origin == "*" or _ORIGIN.match(origin):
            out.append(origin)
    return out


def frame_ancestors(origins: Iterable[str]) -> str:
    """The CSP directive: this server's own origin plus the configured ones."""
    return " ".join(["frame-ancestors", "'self'", *clean_origins(origins)])


class BodyLimitMiddleware:
    """Answers 413 to requests under `prefix` whose body is larger than `limit` bytes."""

    def __init__(
        self, app: ASGIApp, limit: int = MAX_BODY_BYTES, prefix: str | tuple[str, ...] = "/api/",
        exclude: tuple[str, ...] = (),
    ) -> None:
        self.app = app
        self.limit = limit
        self.prefix = prefix
        self.exclude = exclude  # paths with their own limits (uploads)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope["path"] if scope["type"] == "http" else ""
        if scope["type"] != "http" or not path.startswith(self.prefix) or path.startswith(self.exclude):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            await self._too_large(scope, receive, send)
            return
        # A chunked body has no length up front: read it (bounded) and replay it to the app.
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                await self._too_large(scope, receive, send)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        kb = self.limit // 1024
        response = error_response(413, f"De aanvraag is te groot (maximaal {kb} KB).")
        await response(scope, receive, send)


class SecurityHeadersMiddleware:
    """Adds nosniff everywhere and, to HTML without its own CSP, the frame-ancestors policy."""

    def __init__(self, app: ASGIApp, frame_policy: str) -> None:
        self.app = app
        self.frame_policy = frame_policy.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or [])
                names = {k.lower() for k, _ in headers}
                if b"x-content-type-options" not in names:
                    headers.append((b"x-content-type-options", b"nosniff"))
                content_type = dict((k.lower(), v) for k, v in headers).get(b"content-type", b"")
                if content_type.startswith(b"text/html") and b"content-security-policy" not in names:
                    headers.append((b"content-security-policy", self.frame_policy))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def validation_message(errors: list[dict]) -> str:
    """A short Dutch message from pydantic's errors, naming the fields."""
    parts = []
    for err in errors:
        if err.get("type") == "json_invalid":
            return "Ongeldige JSON in de aanvraag."
        loc = ".".join(str(x) for x in err.get("loc", ()) if x != "body")
        parts.append(f"{loc or 'body'}: {err.get('msg', 'ongeldig')}")
    return "Ongeldige aanvraag: " + "; ".join(parts)


def plain_errors(errors: list[dict]) -> list[dict]:
    """Pydantic errors reduced to JSON-safe fields."""
    return [
        {"loc": [str(x) for x in e.get("loc", ())], "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
        for e in errors
    ]


def dumps(data: object) -> str:
    return json.dumps(data, ensure_ascii=False)
