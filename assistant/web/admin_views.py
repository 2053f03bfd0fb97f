"""HTML of the management pages: the frame, the login form, and the articles and versions page."""

from __future__ import annotations

import time
from html import escape
from typing import TYPE_CHECKING
from urllib.parse import quote

from assistant.web.routes import ADMIN_API, ADMIN_PAGES

if TYPE_CHECKING:
    from ingest.library import ArticleEntry, VersionEntry

ACCEPT = ".txt,.md,.markdown,.html,.htm,.pdf"
_MONTHS = ("jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec")


def when(epoch: float, seconds: bool = False) -> str:
    """A moment as people here write it: 2 dec 2026 08:15 (08:15:07 with seconds)."""
    t = time.localtime(epoch)
    clock = f"{t.tm_hour:02d}:{t.tm_min:02d}" + (f":{t.tm_sec:02d}" if seconds else "")
    return f"{t.tm_mday} {_MONTHS[t.tm_mon - 1]} {t.tm_year} {clock}"


def frame(title: str, body: str, active: str = "", signed_in: bool = True) -> str:
    """The page around a management view: header with navigation, the stylesheet and the script."""
    links = ""
    if signed_in:
        items = [("artikelen", ADMIN_PAGES, "Artikelen"), ("inzichten", f"{ADMIN_PAGES}/inzichten", "Inzichten")]
        current = ' aria-current="page"'
        nav = "".join(f'<a href="{href}"{current if key == active else ""}>{label}</a>' for key, href, label in items)
        links = (
            f'<nav>{nav}</nav><form method="post" action="{ADMIN_PAGES}/uitloggen" class="logout">'
            '<button type="submit" class="link">Uitloggen</button></form>'
        )
    return _PAGE.format(title=escape(title), links=links, body=body, base=ADMIN_PAGES)


def login_page(error: str = "") -> str:
    message = f'<p class="error" role="alert">{escape(error)}</p>' if error else ""
    body = f"""
<section class="card narrow">
<h1>Inloggen voor beheer</h1>
<p class="hint">Vul het beheertoken in (de waarde van <code>WELZIJN_ADMIN_TOKEN</code> op de server).</p>
{message}
<form method="post" action="{ADMIN_PAGES}/inloggen">
<label for="token">Beheertoken</label>
<input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
<button type="submit">Inloggen</button>
</form>
</section>"""
    return frame("Inloggen", body, signed_in=False)


def articles_page(articles: list[ArticleEntry], versions: list[VersionEntry]) -> str:
    body = f"""
<div id="meldingen" role="status" aria-live="polite"></div>
<section class="card">
<h1>Artikelen toevoegen</h1>
<p class="hint">Tekst (.txt), Markdown (.md), HTML (.html) of PDF (.pdf). Elke wijziging wordt een nieuwe
versie van de index; de assistent antwoordt daar binnen enkele seconden uit.</p>
<form id="upload" data-api="{ADMIN_API}/articles">
<input id="bestanden" name="files" type="file" multiple accept="{ACCEPT}" class="hidden-input">
<label for="bestanden" class="picker">Bestanden kiezen…</label>
<span id="gekozen" class="chosen">Nog geen bestanden gekozen</span>
<button type="submit">Uploaden</button>
</form>
<div id="voortgang" hidden><progress max="100" value="0"></progress> <span></span></div>
</section>
<section class="card">
<h2>Artikelen in de index <span class="count">{len(articles)}</span></h2>
{_articles_table(articles)}
</section>
<section class="card">
<h2>Indexversies</h2>
<p class="hint">De nieuwste bovenaan. Terugzetten maakt een eerdere versie weer actief, met haar artikelen.</p>
{_versions_table(versions)}
</section>"""
    return frame("Artikelen", body, active="artikelen")


def _articles_table(articles: list[ArticleEntry]) -> str:
    if not articles:
        return '<p class="empty">Nog geen artikelen: upload er hierboven een.</p>'
    rows = [
        f"""<td><a href="/articles/{quote(a.source)}" target="_blank" rel="noopener">{escape(a.title)}</a>
<div class="file">{escape(a.source)}</div></td>
<td>{escape(a.author or "–")}</td><td>{escape(a.date or "–")}</td><td class="num">{a.passages}</td>
<td class="when">{when(a.added)}</td>
<td><button type="button" class="danger" data-delete="{escape(a.source)}" data-api="{ADMIN_API}/articles/{quote(a.source)}">Verwijderen</button></td>"""
        for a in articles
    ]
    return table(("Titel", "Auteur", "Datum", "#Passages", "Toegevoegd", ""), rows)


def _versions_table(versions: list[VersionEntry]) -> str:
    if not versions:
        return '<p class="empty">Er is nog geen index.</p>'
    rows = []
    for v in versions:
        if v.live:
            action = '<span class="badge">actief</span>'
        elif v.restorable:
            action = (
                f'<button type="button" data-activate="{escape(v.version)}" '
                f'data-api="{ADMIN_API}/versions/{quote(v.version)}/activate">Terugzetten</button>'
            )
        else:
            action = '<span class="muted">bestanden niet bewaard</span>'
        rows.append(
            f'<td class="when">{when(v.created, seconds=True)}<div class="file">{escape(v.version)}</div></td><td>{_change(v)}</td>'
            f'<td class="num">{v.articles}</td><td class="num">{v.passages}</td><td>{action}</td>'
        )
    return table(("Gemaakt", "Wijziging", "#Artikelen", "#Passages", ""), rows, live=[v.live for v in versions])


def _change(version: VersionEntry) -> str:
    """What this version changed against the one before it: + added, − removed, ~ replaced."""
    marks = [("plus", "+", version.added), ("min", "−", version.removed), ("anders", "~", version.changed)]
    parts = [f'<div class="{css}">{sign} {escape(name)}</div>' for css, sign, names in marks for name in names]
    if version.oldest:
        return '<span class="muted">oudste bewaarde versie</span>'
    return "".join(parts) or '<span class="muted">zelfde bestanden, opnieuw ingelezen</span>'



def table(headings: tuple[str, ...], rows: list[str], live: list[bool] | None = None) -> str:
    """A list table; a heading starting with # is a right-aligned number column; `live` rows are marked."""
    head = "".join(f'<th class="num">{h[1:]}</th>' if h.startswith("#") else f"<th>{h}</th>" for h in headings)
    marked = ' class="live"'
    body = "".join(
        f"<tr{marked if mark else ''}>{row}</tr>" for row, mark in zip(rows, live or [False] * len(rows), strict=True)
    )
    return f'<table class="list"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


_PAGE = """<!doctype html>
<html lang="nl">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{title} · Beheer · Welzijn-assistent</title>
<link rel="stylesheet" href="{base}/beheer.css">
<script src="{base}/beheer.js" defer></script>
</head>
<body>
<header class="top">
<div class="brand">Welzijn-assistent · beheer</div>
{links}
</header>
<main>
{body}
</main>
</body>
</html>
"""
