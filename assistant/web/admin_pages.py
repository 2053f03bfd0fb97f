"""The management pages at /beheer: login, articles and versions, insights (the guard checks the session)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from assistant.rag.insights import Period, insights
from assistant.web.admin_api import period
from assistant.web.admin_auth import COOKIE, LOGIN
from assistant.web.admin_views import articles_page, login_page
from assistant.web.insights_view import insights_page
from assistant.web.pages import add_static
from assistant.web.routes import ADMIN_PAGES

ADMIN_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
_HEADERS = {"Content-Security-Policy": ADMIN_CSP, "Cache-Control": "no-store", "Referrer-Policy": "same-origin"}


def _page(html: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(html, status_code=status, headers=_HEADERS)


def make_router() -> APIRouter:
    router = APIRouter(prefix=ADMIN_PAGES, include_in_schema=False)

    @router.get("/inloggen")
    def login_form() -> Response:
        return _page(login_page())

    @router.post("/inloggen")
    async def login(request: Request) -> Response:
        form = await request.form(max_files=0, max_fields=4)
        token = form.get("token")
        auth = request.app.state.admin_auth
        if not isinstance(token, str) or not auth.token_ok(token.strip()):
            return _page(login_page("Dit token klopt niet. Probeer het opnieuw."), status=401)
        response = RedirectResponse(ADMIN_PAGES, status_code=303)
        auth.set_cookie(response)
        return response

    @router.post("/uitloggen")
    def logout() -> Response:
        response = RedirectResponse(LOGIN, status_code=303)
        response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")
        return response

    @router.get("")
    def articles(request: Request) -> Response:
        library = request.app.state.library
        return _page(articles_page(library.articles(), library.versions()))

    @router.get("/inzichten")
    def insights_view(request: Request, chosen: Period = Depends(period)) -> Response:
        return _page(insights_page(insights(request.app.state.settings.storage, chosen)))

    add_static(router, "", "beheer.css", "beheer.js")
    return router
