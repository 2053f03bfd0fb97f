"""The management API under /api/admin: articles, index versions and insights (behind the admin token)."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
from typing import Any

from fastapi import APIRouter, Depends, File, Query, Request, UploadFile
from fastapi.responses import Response

from assistant.core.errors import WelzijnError
from assistant.rag.insights import CHANNELS, Period, insights, questions
from assistant.web.routes import ADMIN_API
from assistant.web.security import error_response

_FORMULA = ("=", "+", "-", "@", "\t", "\r")
AUTH = {401: {"description": "Geen of een verkeerd beheertoken"}, 404: {"description": "Niet gevonden"}}


def library(request: Request):
    """The article library of this server, sharing the assistant's embedder (one model in memory)."""
    return request.app.state.library


def period(
    channel: str | None = Query(None, description=f"Kanaal: {', '.join(CHANNELS)}; leeg: alle."),
    start: str | None = Query(None, alias="van", description="Eerste dag (JJJJ-MM-DD); leeg: geen grens."),
    end: str | None = Query(None, alias="tot", description="Laatste dag, inbegrepen (JJJJ-MM-DD); leeg: geen grens."),
) -> Period:
    """The filter of the insights; the page's form sends empty fields for 'no limit'."""
    return Period(channel if channel in CHANNELS else None, _day(start, "van"), _day(end, "tot"))


def _day(value: str | None, name: str) -> dt.date | None:
    if not value or not value.strip():
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise WelzijnError(f"{name}: geen datum, gebruik JJJJ-MM-DD.") from None  # a 400, as the API's other errors


def make_router() -> APIRouter:
    router = APIRouter(prefix=ADMIN_API, tags=["beheer"], responses=AUTH)

    @router.get("/articles", summary="Articles of the live index")
    def list_articles(request: Request) -> list[dict[str, Any]]:
        """Title, author, date, number of passages and when each article was added."""
        return [dataclasses.asdict(a) for a in library(request).articles()]

    @router.post("/articles", summary="Upload one or more articles (txt, md, html, pdf)")
    def upload(request: Request, files: list[UploadFile] = File(description="De artikelbestanden.")):
        """Each file is checked by the ingest's rules; good ones become a new index version, bad ones are
        reported per file and change nothing. 422 when every file was turned down."""
        change = library(request).add([(f.filename or "", f.file) for f in files])
        body = dataclasses.asdict(change)
        if all(f.refused for f in change.files):
            return error_response(422, "Geen van de bestanden is toegevoegd.", **body)
        return body

    @router.delete("/articles/{source:path}", summary="Delete one article (a new index version)")
    def delete(source: str, request: Request) -> dict[str, Any]:
        return dataclasses.asdict(library(request).remove(source))

    @router.get("/versions", summary="Kept index versions, newest first")
    def versions(request: Request) -> list[dict[str, Any]]:
        return [dataclasses.asdict(v) for v in library(request).versions()]

    @router.post("/versions/{version}/activate", summary="Make a kept version live again (rollback)")
    def activate(version: str, request: Request) -> dict[str, Any]:
        info = library(request).activate(version)
        return {"version": info.version, "articles": len(info.files), "passages": info.chunks}

    @router.get("/insights", summary="Questions per day, refusals, thumbs, refused and disliked answers")
    def insights_json(request: Request, chosen: Period = Depends(period)) -> dict[str, Any]:
        found = insights(request.app.state.settings.storage, chosen)
        return dataclasses.asdict(found) | {"asked": found.asked}

    @router.get("/insights.csv", summary="The questions of the period as CSV", response_class=Response)
    def insights_csv(request: Request, chosen: Period = Depends(period)) -> Response:
        rows = questions(request.app.state.settings.storage, chosen)
        return Response(
            questions_csv(rows), media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="vragen.csv"'},
        )

    return router


def questions_csv(rows) -> str:
    """One line per question; a cell that a spreadsheet would run as a formula is quoted with '."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["tijd", "kanaal", "vraag", "geweigerd", "antwoord", "bronnen"])
    for row in rows:
        cells = [row.time, row.channel, row.question, "ja" if row.refused else "nee", row.answer, " ".join(row.sources)]
        writer.writerow(["'" + c if c[:1] in _FORMULA else c for c in cells])
    return out.getvalue()
