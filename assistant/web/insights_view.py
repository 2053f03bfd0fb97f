"""HTML of the insights page: filters, totals, an inline SVG bar chart per day and the two lists."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING
from urllib.parse import quote, urlencode

from assistant.rag.insights import CHANNELS, RECENT
from assistant.web.admin_views import frame, table
from assistant.web.routes import ADMIN_API, ADMIN_PAGES

if TYPE_CHECKING:
    from assistant.rag.insights import DayCount, Exchange, Insights, Period

ANSWERED_COLOUR = "#0f766e"
REFUSED_COLOUR = "#d97706"


def query_string(period: Period) -> str:
    values = {"channel": period.channel, "van": period.start, "tot": period.end}
    return urlencode({k: str(v) for k, v in values.items() if v})


def insights_page(found: Insights) -> str:
    period = found.period
    totals = "".join(
        f'<div class="total{extra}"><span class="figure">{value}</span><span class="label">{label}</span></div>'
        for value, label, extra in (
            (found.asked, "vragen", ""),
            (found.answered, "beantwoord", " answered"),
            (found.refused, "geweigerd", " refused"),
            (found.thumbs_up, "duim omhoog", ""),
            (found.thumbs_down, "duim omlaag", ""),
        )
    )
    csv_link = f"{ADMIN_API}/insights.csv" + (f"?{query_string(period)}" if query_string(period) else "")
    body = f"""
<section class="card">
<h1>Inzichten</h1>
{_filters(period)}
<div class="totals">{totals}</div>
</section>
<section class="card">
<h2>Vragen per dag</h2>
{bar_chart(found.days)}
<p class="actions"><a class="button" href="{escape(csv_link)}" download>Vragen exporteren als CSV</a></p>
</section>
<section class="card">
<h2>Geweigerde vragen <span class="count">{len(found.refused_questions)}</span></h2>
<p class="hint">Vragen waarop de artikelen geen antwoord gaven: misschien een onderwerp voor een nieuw artikel.</p>
{_refused_table(found.refused_questions)}
</section>
<section class="card">
<h2>Laatste vragen <span class="count">{len(found.recent)}</span></h2>
<p class="hint">De nieuwste {RECENT} vragen in deze periode; de CSV bevat ze allemaal.</p>
{_recent_table(found.recent)}
</section>
<section class="card">
<h2>Antwoorden met een duim omlaag <span class="count">{len(found.disliked)}</span></h2>
{_disliked_table(found.disliked)}
</section>"""
    return frame("Inzichten", body, active="inzichten")


def _filters(period: Period) -> str:
    options = [("", "Alle kanalen")] + list(CHANNELS.items())
    select = "".join(
        f'<option value="{key}"{" selected" if (period.channel or "") == key else ""}>{escape(label)}</option>'
        for key, label in options
    )
    start = period.start.isoformat() if period.start else ""
    end = period.end.isoformat() if period.end else ""
    return f"""<form class="filters" method="get" action="{ADMIN_PAGES}/inzichten">
<label>Kanaal <select name="channel">{select}</select></label>
<label>Van <input type="date" name="van" value="{start}"></label>
<label>Tot en met <input type="date" name="tot" value="{end}"></label>
<button type="submit">Toon</button>
</form>"""


def bar_chart(days: tuple[DayCount, ...] | list[DayCount], width: int = 720, height: int = 220) -> str:
    """Stacked bars (answered below, refused on top) per day, as inline SVG with presentation attributes only."""
    if not days:
        return '<p class="empty">Geen vragen in deze periode.</p>'
    top = max(d.asked for d in days) or 1
    left, bottom, plot_h = 36, 34, height - 34 - 12
    step = (width - left - 8) / len(days)
    bar = max(2.0, min(36.0, step * 0.7))
    every = max(1, round(len(days) / 12))  # at most about twelve date labels
    parts = [
        f'<line x1="{left}" y1="{12 + plot_h}" x2="{width - 4}" y2="{12 + plot_h}" stroke="#9ca3af"/>',
        f'<text x="{left - 6}" y="16" text-anchor="end" font-size="11" fill="#6b7280">{top}</text>',
        f'<text x="{left - 6}" y="{12 + plot_h}" text-anchor="end" font-size="11" fill="#6b7280">0</text>',
    ]
    for i, d in enumerate(days):
        x = left + i * step + (step - bar) / 2
        answered_h = plot_h * d.answered / top
        refused_h = plot_h * d.refused / top
        y = 12 + plot_h - answered_h
        label = f"{d.day.isoformat()}: {d.asked} vragen, {d.answered} beantwoord, {d.refused} geweigerd"
        parts.append(f"<g><title>{escape(label)}</title>")
        if d.answered:
            parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{answered_h:.1f}" fill="{ANSWERED_COLOUR}"/>')
        if d.refused:
            parts.append(
                f'<rect x="{x:.1f}" y="{y - refused_h:.1f}" width="{bar:.1f}" height="{refused_h:.1f}" fill="{REFUSED_COLOUR}"/>'
            )
        parts.append("</g>")
        if i % every == 0:
            parts.append(
                f'<text x="{x + bar / 2:.1f}" y="{height - 14}" text-anchor="middle" font-size="11" fill="#374151">'
                f"{d.day.day}-{d.day.month}</text>"
            )
    legend = (
        f'<span class="key answered"></span> beantwoord <span class="key refused"></span> geweigerd'
    )
    return (
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="Vragen per dag">'
        + "".join(parts)
        + f'</svg><p class="legend">{legend}</p>'
    )


def _sources(exchange: Exchange) -> str:
    if not exchange.sources:
        return "–"
    return ", ".join(
        f'<a href="/articles/{quote(s)}" target="_blank" rel="noopener">{escape(s)}</a>' for s in exchange.sources
    )


def _refused_table(rows: tuple[Exchange, ...]) -> str:
    if not rows:
        return '<p class="empty">Geen geweigerde vragen in deze periode.</p>'
    return table(("Tijd", "Kanaal", "Vraag"), [_cells(r) for r in rows])


def _disliked_table(rows: tuple[Exchange, ...]) -> str:
    if not rows:
        return '<p class="empty">Geen antwoorden met een duim omlaag in deze periode.</p>'
    return table(
        ("Tijd", "Kanaal", "Vraag", "Antwoord", "Bronnen"),
        [_cells(r) + f'<td class="answer">{escape(r.answer)}</td><td>{_sources(r)}</td>' for r in rows],
    )


def _recent_table(rows: tuple[Exchange, ...]) -> str:
    if not rows:
        return '<p class="empty">Geen vragen in deze periode.</p>'
    outcome = {True: '<span class="refused">geweigerd</span>', False: '<span class="answered">beantwoord</span>'}
    return table(
        ("Tijd", "Kanaal", "Vraag", "Uitkomst", "Bronnen"),
        [_cells(r) + f"<td>{outcome[r.refused]}</td><td>{_sources(r)}</td>" for r in rows],
    )


def _cells(exchange: Exchange) -> str:
    moment = exchange.time[:16].replace("T", " ")
    channel = CHANNELS.get(exchange.channel, exchange.channel)
    return f'<td class="when">{escape(moment)}</td><td>{escape(channel)}</td><td>{escape(exchange.question)}</td>'
