"""Formatting shared by the web front ends: links to cited spans and Markdown that shows text as text."""

from __future__ import annotations

import html
import re
from typing import Any
from urllib.parse import quote

from assistant.core.types import Answer, Citation, EvidenceFound, EvidenceItem

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>$:])")
_ESCAPED_MARKER = re.compile(r"\\\[(\d+)\\\]")
COMMENT_NOTE = "reactie onder het artikel"
EVIDENCE_TITLE = "Gevonden in de artikelen"  # the heading over the evidence while the answer is written


def article_href(source: str, start: int | None = None, end: int | None = None) -> str:
    """Relative link to the article page, with the cited span highlighted and scrolled to."""
    href = "articles/" + quote(source, safe="")
    if start is not None and end is not None:
        href += f"?start={int(start)}&end={int(end)}#c-{int(start)}-{int(end)}"
    return href


def md_text(text: str) -> str:
    """Markdown that renders `text` literally: no HTML, no links, no emphasis, no LaTeX."""
    return _MD_SPECIAL.sub(r"\\\1", html.escape(text, quote=False))


def md_answer(answer: Answer) -> str:
    """The answer text, escaped, with each [n] marker linked to its cited span."""
    by_n = {c.n: c for c in answer.citations}

    def link(match: re.Match[str]) -> str:
        citation = by_n.get(int(match.group(1)))
        if citation is None:
            return match.group(0)
        return f"[\\[{citation.n}\\]]({article_href(citation.source, citation.start, citation.end)})"

    return _ESCAPED_MARKER.sub(link, md_text(answer.answer))


def md_sources(answer: Answer) -> str:
    """The numbered sources under an answer: title (linked to the span), comment note, quote."""
    lines = [_md_quoted(c, _said_by(c)) for c in answer.citations]
    if not answer.citations and answer.suggestions:
        lines.append("Misschien relevant:")
        seen: set[str] = set()
        for p in answer.suggestions:
            if p.source not in seen:
                seen.add(p.source)
                lines.append(f"- [{md_text(p.title)}]({article_href(p.source, p.start, p.end)})")
    return "\n\n".join(lines)


def md_evidence(found: EvidenceFound) -> str:
    """The evidence shown while the answer is written, laid out as the sources that replace it."""
    return "\n\n".join(_md_quoted(e, _md_who(e)) for e in found.items)


def evidence_label(item: EvidenceItem) -> str:
    """Who says it and when, e.g. "Saskia Moerbeek · 2014" ("" when neither is known)."""
    return " · ".join(x for x in (", ".join(item.speakers) or item.author, item.year) if x)


def md_footer(answer: Answer, model: str) -> str:
    """Which backend (and model) answered, and how long it took; plus the notice, if any."""
    total = answer.timings_ms.get("total", 0) / 1000
    who = answer.backend if not model or model == answer.backend else f"{answer.backend} · {model}"
    footer = f"*Beantwoord door {md_text(who)} · {md_text(f'{total:.1f}')} s*"
    if answer.notice:
        footer = f"*Let op: {md_text(answer.notice)}*\n\n" + footer
    return footer


def _md_quoted(c: Citation, who: str = "") -> str:
    """Number, title (linked to the span), who says it, comment note, and the quote below."""
    return f"**\\[{c.n}\\]** {_md_title_link(c)}{who}{_comment_note(c)}\n\n> “{md_text(c.quote)}”"


def _md_title_link(c: Citation) -> str:
    return f"[{md_text(c.title)}]({article_href(c.source, c.start, c.end)})"


def _said_by(c: Citation) -> str:
    return f" · *{md_text(c.speaker)}*" if c.speaker else ""


def _md_who(item: EvidenceItem) -> str:
    label = evidence_label(item)
    return f" · *{md_text(label)}*" if label else ""


def _comment_note(c: Citation) -> str:
    return f" — *{COMMENT_NOTE}*" if c.is_comment else ""


def citation_json(c: Citation) -> dict[str, Any]:
    """A citation for the widget and the feedback log: the API shape plus the comment flag and link."""
    return c.to_json() | {
        "is_comment": c.is_comment, "speaker": c.speaker, "href": article_href(c.source, c.start, c.end)
    }


def evidence_json(found: EvidenceFound) -> dict[str, Any]:
    """The `evidence` event's data: each item's plain data plus its label and the link to its span."""
    return {"items": [
        e.to_json() | {"label": evidence_label(e), "href": article_href(e.source, e.start, e.end)} for e in found.items
    ]}


def answer_json(answer: Answer) -> dict[str, Any]:
    """`Answer.to_json()` with the web extras: notice, per-citation comment flag and article link."""
    data = answer.to_json()
    data["citations"] = [citation_json(c) for c in answer.citations]
    data["notice"] = answer.notice
    data["suggestions"] = [
        p.to_json() | {"href": article_href(p.source, p.start, p.end)} for p in answer.suggestions
    ]
    return data
