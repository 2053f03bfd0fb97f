"""The JSON API under /api/: ask, ask/stream (server-sent events), health, articles, feedback."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sse_starlette import EventSourceResponse
from starlette.concurrency import run_in_threadpool

from assistant.core.types import Answer, Event, EvidenceFound, Status, Token
from assistant.core.errors import (
    BackendUnavailable,
    Busy,
    IndexMissing,
    ModelMissing,
    NotFound,
    StorageError,
    WelzijnError,
)
from assistant.core.settings import backend_names
from assistant.rag.service import Assistant
from assistant.rag.streaming import stream_answer
from assistant.web.present import answer_json, evidence_json
from assistant.web.routes import API, Channel
from assistant.web.security import dumps, error_response
from assistant.web.warmup import ready_service

ERRORS = {404: {"description": "Niet gevonden"}, 400: {"description": "Ongeldige vraag"}}


class ChatTurn(BaseModel):
    """One earlier message of the conversation."""

    model_config = ConfigDict(extra="ignore")

    role: Literal["user", "assistant"] = Field(description="Who said it.")
    content: str = Field(max_length=8000, description="What was said (answers without the sources).")


class AskRequest(BaseModel):
    """A question, optionally with the conversation so far (the server keeps no conversation state)."""

    model_config = ConfigDict(extra="forbid")

    question: str = Field(description="De vraag, in het Nederlands (of Engels).", examples=["Wie is Lex Staal?"])
    history: list[ChatTurn] = Field(
        default_factory=list, max_length=40, description="Earlier turns, oldest first, for follow-up questions."
    )
    backend: str | None = Field(
        None, pattern=r"^[a-z][a-z0-9_-]{0,31}$", description=f"{backend_names()}; unset: the default."
    )


class FeedbackCitation(BaseModel):
    model_config = ConfigDict(extra="ignore")

    n: int
    source: str = Field(max_length=300)
    title: str = Field("", max_length=500)
    quote: str = Field("", max_length=5000)
    start: int = 0
    end: int = 0


class FeedbackRequest(BaseModel):
    """A thumbs up or down for one answer."""

    model_config = ConfigDict(extra="forbid")

    question: str = Field(max_length=4000)
    answer: str = Field(max_length=20000)
    citations: list[FeedbackCitation] = Field(default_factory=list, max_length=30)
    liked: bool = Field(description="true: thumbs up; false: thumbs down.")
    backend: str | None = Field(None, max_length=40)


def error_status(exc: WelzijnError) -> int:
    """HTTP status for a project error: the user's fault is 400, a missing part of the server is 503."""
    if isinstance(exc, Busy):
        return 429
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, (IndexMissing, BackendUnavailable, ModelMissing, StorageError)):
        return 503
    return 400  # BadQuestion and anything else the user can fix by asking differently


def make_router(channel: Channel = API) -> APIRouter:
    """The API under the channel's prefix; the widget's copy stays out of the OpenAPI schema."""
    router = APIRouter(prefix=channel.prefix, tags=["api"], include_in_schema=channel.public)

    @router.post("/ask", summary="Answer one question", responses=ERRORS)
    def ask(body: AskRequest, assistant: Assistant = Depends(ready_service)) -> dict[str, Any]:
        """The checked answer with numbered citations (`Answer.to_json()` plus notice, links, suggestions)."""
        return answer_json(assistant.answer(body.question, _history(body), body.backend, channel.name))

    @router.post(
        "/ask/stream",
        summary="Answer one question as server-sent events",
        responses={200: {"content": {"text/event-stream": {}}}, **ERRORS},
    )
    async def ask_stream(body: AskRequest, assistant: Assistant = Depends(ready_service)):
        """Events: `status` (progress text); `evidence` (JSON `{"items": [...]}`: the ranked article sentences a
        model is about to write from, each with `n`, `source`, `title`, `quote`, `start`, `end`, `speakers`,
        `author`, `year`, `is_comment`, `label` and `href`; sent once, before the first token, and only when
        a model writes the answer); `token` (answer text); then `answer` (JSON, whose citations replace the
        evidence) or `error` ({"error"})."""
        events = stream_answer(assistant, body.question, _history(body), body.backend, channel=channel.name)
        # The first event comes after the question is checked: bad input still gets a 4xx status.
        first = await anext(events, None)
        # A client that goes away ends `events` early, which stops the answer and frees its place.
        return EventSourceResponse(_sse(first, events), ping=15, sep="\n")

    @router.get("/health", summary="Readiness, index version and the generation queue")
    def health(request: Request) -> JSONResponse:
        """`status` is "loading" while the models warm up, then "ok"; 503 with "no_index" when no index is
        built, and with "degraded" while a generation is stuck past the maximum generation time."""
        state = request.app.state
        info = state.assistant.knowledge.store.current()
        queue = state.assistant.gate.state()
        body: dict[str, Any] = {
            "status": state.warmup.status,
            "index_version": info.version if info else None,
            "backend": state.settings.llm.backend,
            "articles": len(info.files) if info else 0,
            "queue": queue.to_json(),
        }
        if state.warmup.error:
            body["notice"] = state.warmup.error
        if info is None:
            body |= {"status": "no_index", "error": "Er is nog geen index: run `welzijn ingest`."}
            return JSONResponse(body, status_code=503)
        if queue.stuck:
            body |= {"status": "degraded", "error": "Een antwoord loopt vast: deze server kan nu niet antwoorden."}
            return JSONResponse(body, status_code=503)
        return JSONResponse(body)

    @router.get("/articles", summary="The indexed articles")
    def articles(request: Request) -> list[dict[str, Any]]:
        return [_article_meta(a) for a in request.app.state.assistant.knowledge.articles().values()]

    @router.get("/articles/{source:path}", summary="One cleaned article", responses=ERRORS)
    def article(source: str, request: Request):
        # A dictionary lookup only: the given name never touches the filesystem.
        found = request.app.state.assistant.knowledge.articles().get(source)
        if found is None:
            return error_response(404, "Dit artikel staat niet in de index.")
        return _article_meta(found) | {"text": found.text}

    @router.post("/feedback", summary="Thumbs up or down for an answer", status_code=201)
    def feedback(body: FeedbackRequest, request: Request) -> dict[str, Any]:
        record = {"channel": channel.name, **body.model_dump()}
        request.app.state.feedback.append(record)
        return {"stored": True}

    return router


def _history(body: AskRequest) -> list[dict[str, str]]:
    return [turn.model_dump() for turn in body.history]


def _article_meta(article) -> dict[str, Any]:
    return {"source": article.source, "title": article.title, "author": article.author, "date": article.date}


async def _sse(first: Event | None, events: AsyncIterator[Event]) -> AsyncIterator[dict[str, str]]:
    """Engine events as SSE messages; a project error mid-stream becomes an `error` event."""
    try:
        if first is not None:
            yield _event(first)
        async for event in events:
            yield _event(event)
    except WelzijnError as exc:
        yield {"event": "error", "data": dumps({"error": str(exc)})}
    finally:
        await events.aclose()  # type: ignore[attr-defined]  # also when the client went away


def _event(event: Event) -> dict[str, str]:
    if isinstance(event, Token):
        return {"event": "token", "data": event.text}
    if isinstance(event, Status):
        return {"event": "status", "data": event.text}
    if isinstance(event, EvidenceFound):
        return {"event": "evidence", "data": dumps(evidence_json(event))}
    if isinstance(event, Answer):
        return {"event": "answer", "data": dumps(answer_json(event))}
    raise TypeError(f"unknown event {event!r}")
