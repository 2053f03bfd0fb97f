"""Server-rendered pages: an article with the cited span marked, the /embed chat, widget.js and its example page."""

from __future__ import annotations

import html
import re
from importlib import resources
from typing import TYPE_CHECKING

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from assistant.web.security import error_response

if TYPE_CHECKING:
    from ingest.documents import Article

# Pages we write ourselves run no inline code and load nothing from elsewhere.
ARTICLE_CSP = "default-src 'none'; style-src 'self' 'unsafe-inline'; base-uri 'none'; form-action 'none'"
EMBED_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
    "base-uri 'none'; form-action 'none'"
)
# The example host page: its own inline styles and the widget, whose Shadow DOM carries a <style>.
EXAMPLE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; frame-src 'self'; "
    "base-uri 'none'; form-action 'none'"
)
_BLOCK_TAGS = {"title": "h1", "heading": "h2", "paragraph": "p", "comment": "p"}


def static_text(name: str) -> str:
    """A file from assistant/web/static, read at request time (edits show without restart)."""
    return resources.files("assistant.web").joinpath("static", name).read_text(encoding="utf-8")


def render_article(article: Article, start: int | None, end: int | None) -> str:
    """The cleaned article as HTML; all text escaped; [start, end) wrapped in <mark>."""
    n = len(article.text)
    span = (start, end) if start is not None and end is not None and 0 <= start < end <= n else None
    body: list[str] = []
    first_mark = True
    in_comments = False
    for block in article.blocks:
        if block.kind == "comment" and not in_comments:
            in_comments = True
            body.append('<h2 class="comments">Reacties onder het artikel</h2>')
        tag = _BLOCK_TAGS.get(block.kind, "p")
        pieces = []
        if span and span[0] < block.end and block.start < span[1]:
            a, b = max(span[0], block.start), min(span[1], block.end)
            mark_id = f' id="c-{span[0]}-{span[1]}"' if first_mark else ""
            first_mark = False
            pieces = [
                html.escape(article.text[block.start : a]),
                f"<mark{mark_id}>{html.escape(article.text[a:b])}</mark>",
                html.escape(article.text[b : block.end]),
            ]
        else:
            pieces = [html.escape(article.text[block.start : block.end])]
        css = ' class="comment"' if block.kind == "comment" else ""
        body.append(f"<{tag}{css}>{''.join(pieces)}</{tag}>")
    meta = " · ".join(html.escape(x) for x in (article.author, article.date) if x)
    notice = ""
    if span:
        where = "een reactie onder het artikel" if _in_comment(article, span[0]) else "het artikel"
        notice = (
            f'<p class="notice">De geciteerde passage in {where} is <a href="#c-{span[0]}-{span[1]}">'
            "gemarkeerd</a>.</p>"
        )
    return _ARTICLE_PAGE.format(
        title=html.escape(article.title),
        meta=f'<p class="meta">{meta}</p>' if meta else "",
        source=html.escape(article.source),
        notice=notice,
        body="\n".join(body),
    )


def example_page_html() -> str:
    """The widget's example page; the code it shows is the widget tag it really uses, escaped."""
    page = static_text("voorbeeld.html")
    tag = re.search(r'<script src="\.\./widget\.js".*?</script>', page, re.S)
    shown = tag.group(0).replace("../widget.js", "https://assistent.example.org/widget.js") if tag else ""
    return page.replace("<!-- the widget tag below, shown by the server -->", html.escape(shown))


def _in_comment(article: Article, offset: int) -> bool:
    return any(b.kind == "comment" and b.start <= offset < b.end for b in article.blocks)


def make_router() -> APIRouter:
    """The article page, the embeddable chat page, the widget script and the widget's example page."""
    router = APIRouter(include_in_schema=False)

    @router.get("/articles/{source:path}", response_class=HTMLResponse)
    def article_page(
        source: str,
        request: Request,
        start: int | None = Query(None, ge=0),
        end: int | None = Query(None, ge=0),
    ) -> Response:
        # Only a lookup in the index: the name never reaches the filesystem.
        article = request.app.state.assistant.knowledge.articles().get(source)
        if article is None:
            return error_response(404, "Dit artikel staat niet in de index.")
        return _html(render_article(article, start, end), ARTICLE_CSP, request)

    @router.get("/embed", response_class=HTMLResponse)
    def embed_page(request: Request) -> Response:
        return _html(static_text("embed.html"), EMBED_CSP, request)

    @router.get("/embed/voorbeeld", response_class=HTMLResponse)
    def example_page(request: Request) -> Response:
        return _html(example_page_html(), EXAMPLE_CSP, request)

    add_static(router, "/embed", "embed.js", "embed.css")

    @router.get("/widget.js")
    def widget_js() -> Response:
        return Response(
            static_text("widget.js"),
            media_type="text/javascript; charset=utf-8",
            # Any site may load the script; only allowed origins may frame /embed (frame-ancestors).
            headers={"Cache-Control": "public, max-age=300", "Cross-Origin-Resource-Policy": "cross-origin"},
        )

    return router


_MEDIA_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}


def add_static(router: APIRouter, prefix: str, *names: str) -> None:
    """Serve files of assistant/web/static at `prefix/name` (script and style files of our own pages)."""
    for name in names:
        media_type = _MEDIA_TYPES[name[name.rindex("."):]]

        def serve(name: str = name, media_type: str = media_type) -> Response:
            return Response(static_text(name), media_type=media_type)

        router.add_api_route(f"{prefix}/{name}", serve, methods=["GET"], name=name)


def _html(page: str, csp: str, request: Request) -> HTMLResponse:
    """A page with its content policy plus the sites that may frame it."""
    return HTMLResponse(page, headers={"Content-Security-Policy": f"{csp}; {request.app.state.frame_ancestors}"})


_ARTICLE_PAGE = """<!doctype html>
<html lang="nl">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · Welzijn-assistent</title>
<style>
  body {{ font: 17px/1.65 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1f2937;
         background: #f7f7f4; margin: 0; }}
  main {{ max-width: 46rem; margin: 0 auto; padding: 2rem 1.25rem 4rem; background: #fff;
         min-height: 100vh; box-shadow: 0 0 0 1px #e5e7eb; }}
  header {{ border-bottom: 1px solid #e5e7eb; margin-bottom: 1.5rem; }}
  .brand {{ font-size: .85rem; color: #0f766e; letter-spacing: .04em; text-transform: uppercase; }}
  h1 {{ font-size: 1.6rem; line-height: 1.25; margin: .3rem 0 .6rem; }}
  h2 {{ font-size: 1.15rem; margin: 1.8rem 0 .4rem; }}
  .meta, .source {{ color: #6b7280; font-size: .9rem; margin: .2rem 0; }}
  .notice {{ background: #fef9c3; border-left: 4px solid #ca8a04; padding: .5rem .8rem; font-size: .95rem; }}
  mark {{ scroll-margin-top: 25vh; background: #fde68a; padding: .1em 0; box-shadow: 0 0 0 2px #fde68a; border-radius: 2px; }}
  p.comment {{ border-left: 3px solid #d1d5db; padding-left: .8rem; color: #374151; font-size: .95rem; }}
  h2.comments {{ border-top: 1px solid #e5e7eb; padding-top: 1.2rem; }}
  main > h1:first-of-type {{ display: none; }}
</style>
</head>
<body>
<main>
<header>
<div class="brand">Welzijn-assistent · bronartikel</div>
<h1>{title}</h1>
{meta}
<p class="source">Bestand: {source}</p>
{notice}
</header>
{body}
</main>
</body>
</html>
"""
