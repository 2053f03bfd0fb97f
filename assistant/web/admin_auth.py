"""Who may manage: the admin token as a Bearer header (API) or a signed session cookie (pages).

Without a token in the settings the management pages and API do not exist (404). The token itself is
never stored in the cookie, a page, a response or a log line: the cookie is signed with a key derived
from it, so changing the token also ends every session.
"""

from __future__ import annotations

import hashlib
import hmac
from http.cookies import SimpleCookie
from typing import TYPE_CHECKING

from fastapi.responses import RedirectResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from assistant.web.access import presented_key
from assistant.web.routes import ADMIN_API, ADMIN_PAGES
from assistant.web.security import error_response

if TYPE_CHECKING:
    from pydantic import SecretStr

COOKIE = "welzijn_beheer"
SESSION_SECONDS = 8 * 3600
LOGIN = f"{ADMIN_PAGES}/inloggen"
OPEN_PAGES = frozenset({LOGIN, f"{ADMIN_PAGES}/beheer.css", f"{ADMIN_PAGES}/beheer.js"})
TOKEN_MISSING = "Beheer vraagt het beheertoken: stuur `Authorization: Bearer <token>`."
TOKEN_WRONG = "Het beheertoken klopt niet."


def is_admin_path(path: str) -> bool:
    return any(path == p or path.startswith(p + "/") for p in (ADMIN_API, ADMIN_PAGES))


class AdminAuth:
    """Checks the token in constant time and issues and checks session cookies."""

    def __init__(self, token: SecretStr) -> None:
        from itsdangerous import TimestampSigner

        self._token = token.get_secret_value().encode()
        key = hmac.new(self._token, b"welzijn-beheer-sessie", hashlib.sha256).digest()
        self._signer = TimestampSigner(key, salt="beheer")

    def token_ok(self, given: str | bytes | None) -> bool:
        if given is None:
            return False
        given = given.encode() if isinstance(given, str) else given
        return hmac.compare_digest(given, self._token)

    def new_session(self) -> str:
        return self._signer.sign(b"beheer").decode()

    def session_ok(self, value: str | None) -> bool:
        from itsdangerous import BadSignature

        if not value:
            return False
        try:
            return self._signer.unsign(value, max_age=SESSION_SECONDS) == b"beheer"
        except BadSignature:  # also an expired one
            return False

    def set_cookie(self, response) -> None:
        response.set_cookie(
            COOKIE, self.new_session(), max_age=SESSION_SECONDS, path="/", httponly=True, samesite="strict",
            secure=False,  # the server runs on plain HTTP behind a TLS proxy or on localhost
        )


def session_cookie(headers: dict[bytes, bytes]) -> str | None:
    jar = SimpleCookie()
    try:
        jar.load(headers.get(b"cookie", b"").decode("latin-1"))
    except Exception:  # noqa: BLE001  # http.cookies raises CookieError or others on junk: no session
        return None
    morsel = jar.get(COOKIE)
    return morsel.value if morsel else None


class AdminGuardMiddleware:
    """Before any body is read: 404 when management is off, 401 (API) or the login page (pages) without a valid token."""

    def __init__(self, app: ASGIApp, auth: AdminAuth | None) -> None:
        self.app = app
        self.auth = auth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not is_admin_path(path):
            await self.app(scope, receive, send)
            return
        if self.auth is None:
            await error_response(404, "Niet gevonden.")(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        if path in OPEN_PAGES or self.auth.session_ok(session_cookie(headers)):
            await self.app(scope, receive, send)
            return
        if path.startswith(ADMIN_PAGES):
            await RedirectResponse(LOGIN, status_code=303)(scope, receive, send)
            return
        given = presented_key(headers)
        if self.auth.token_ok(given):
            await self.app(scope, receive, send)
            return
        response = error_response(
            401, TOKEN_MISSING if given is None else TOKEN_WRONG,
            headers={"WWW-Authenticate": 'Bearer realm="welzijn-beheer"'},
        )
        await response(scope, receive, send)
