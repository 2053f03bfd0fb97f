"""The one web process: JSON API, Gradio chat page at /, /embed, /widget.js and article pages."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from starlette.exceptions import HTTPException as StarletteHTTPException

from assistant.core.errors import Busy, WelzijnError
from assistant.web import admin_api, admin_pages, api, pages
from assistant.web.access import ApiKeyMiddleware, RateLimitMiddleware
from assistant.web.admin_auth import AdminAuth, AdminGuardMiddleware
from assistant.web.feedback import FeedbackStore
from assistant.web.routes import ADMIN_API, ADMIN_PAGES, API, API_PATHS, CHANNELS
from assistant.web.security import (
    BodyLimitMiddleware,
    SecurityHeadersMiddleware,
    clean_origins,
    error_response,
    frame_ancestors,
    plain_errors,
    validation_message,
)
from assistant.web.warmup import Warmup

if TYPE_CHECKING:
    from assistant.rag.service import Assistant
    from assistant.core.settings import Settings


def create_app(settings: Settings, assistant: Assistant | None = None) -> FastAPI:
    """Build the app; models load in a background thread once the server starts."""
    import gradio as gr

    from assistant.web.ui import build_ui, theme

    if assistant is None:
        from assistant.rag.wiring import build_assistant

        assistant = build_assistant(settings)
    warmup = Warmup(assistant, settings.llm.backend)

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        warmup.start()
        yield

    app = FastAPI(
        title="Welzijn-assistent API",
        description="Vragen over het debat over welzijnswerk en sociaal werk, beantwoord met genummerde bronnen.",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,  # served below from local files: the default page loads Swagger UI from a CDN
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.assistant = assistant
    app.state.warmup = warmup
    app.state.feedback = FeedbackStore(settings.storage)
    app.state.conversations = assistant.conversations  # written by the service itself
    app.state.frame_ancestors = frame_ancestors(settings.web.allowed_origins)

    _add_error_handlers(app)
    _add_docs(app)
    # The widget's own copy of the API is never behind the key (anyone may use a public widget), still rate-limited.
    for channel in CHANNELS:
        app.include_router(api.make_router(channel))
    app.include_router(pages.make_router())
    _add_management(app, settings, assistant)

    @app.api_route(API.prefix + "/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False)
    async def unknown_api_route(rest: str):
        # Without this the chat page (mounted at /) would answer with its own, differently shaped 404.
        return error_response(404, "Onbekend API-adres of -methode: zie /docs.")

    # Middleware added last runs first: size limit, CORS, headers, rate limit, then the API key.
    if settings.limits.api_key is not None:
        app.add_middleware(ApiKeyMiddleware, key=settings.limits.api_key)
    app.add_middleware(AdminGuardMiddleware, auth=app.state.admin_auth)
    if settings.limits.rate_limit_per_minute:
        app.add_middleware(
            RateLimitMiddleware, per_minute=settings.limits.rate_limit_per_minute, redis_url=settings.limits.redis_url
        )
    app.add_middleware(SecurityHeadersMiddleware, frame_policy=app.state.frame_ancestors)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=clean_origins(settings.web.allowed_origins),
        allow_methods=["GET", "POST", "OPTIONS"],
        allow_headers=["*"],  # gradio's own client (the <gradio-app> element) sends extra headers
        allow_credentials=False,
        max_age=600,
    )
    # Uploads under /api/admin are checked per file (max_file_mb) after the guard has let them in.
    app.add_middleware(BodyLimitMiddleware, prefix=(*API_PATHS, f"{ADMIN_PAGES}/"), exclude=(f"{ADMIN_API}/",))

    blocks = build_ui(assistant, settings, app.state.feedback, warmup)
    return gr.mount_gradio_app(
        app,
        blocks,
        path="/",
        theme=theme(),
        css=pages.static_text("ui.css"),
        js=pages.static_text("ui.js"),
        footer_links=["api"],
        run_history=False,
        ssr_mode=False,
        server_name=settings.web.host,
        server_port=settings.web.port,
    )


def _add_management(app: FastAPI, settings: Settings, assistant: Assistant) -> None:
    """/beheer and /api/admin, only when an admin token is set (otherwise the guard answers 404)."""
    app.state.admin_auth = None
    if settings.limits.admin_token is None:
        return
    from ingest.library import ArticleLibrary

    app.state.admin_auth = AdminAuth(settings.limits.admin_token)
    knowledge = getattr(assistant, "knowledge", None)
    app.state.library = ArticleLibrary(settings, getattr(knowledge, "embedder", None))  # the model the server already has
    app.include_router(admin_api.make_router())
    app.include_router(admin_pages.make_router())


def _add_docs(app: FastAPI) -> None:
    """Swagger UI at /docs from the swagger-ui-bundle package, so it works without internet."""
    import swagger_ui_bundle
    from fastapi.openapi.docs import get_swagger_ui_html
    from fastapi.staticfiles import StaticFiles

    app.mount("/docs-static", StaticFiles(directory=swagger_ui_bundle.swagger_ui_path), name="docs-static")

    @app.get("/docs", include_in_schema=False)
    async def docs():
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} — docs",
            swagger_js_url="/docs-static/swagger-ui-bundle.js",
            swagger_css_url="/docs-static/swagger-ui.css",
            swagger_favicon_url="/docs-static/favicon-32x32.png",
        )


def _add_error_handlers(app: FastAPI) -> None:
    """Every error the API returns has the shape {"error": message}; none is a bare 500."""

    @app.exception_handler(WelzijnError)
    async def welzijn_error(_: Request, exc: WelzijnError):
        headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, Busy) else None
        return error_response(api.error_status(exc), str(exc), headers=headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, exc: RequestValidationError):
        errors = list(exc.errors())
        return error_response(422, validation_message(errors), details=plain_errors(errors))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException):
        message = _DUTCH.get(exc.detail, exc.detail) if isinstance(exc.detail, str) else "Fout in de aanvraag."
        return error_response(exc.status_code, message, headers=exc.headers)


# Starlette's and FastAPI's own messages, as the API's users read them.
_DUTCH = {
    "There was an error parsing the body": "Ongeldige aanvraag: de body is geen JSON in UTF-8.",
    "Not Found": "Niet gevonden.",
    "Method Not Allowed": "Deze methode is hier niet toegestaan.",
}
