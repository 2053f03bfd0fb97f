"""Plain-text rendering of answers for the terminal."""

from __future__ import annotations

import textwrap

from assistant.core.types import Answer, Citation


def citation_label(citation: Citation) -> str:
    """'Title (file)' with a note when the passage is a reader's comment, not the author's words."""
    label = f"{citation.title} ({citation.source})"
    return label + " — een reactie onder het artikel" if citation.is_comment else label


def format_sources(answer: Answer, width: int = 100) -> str:
    """The numbered citations under an answer, or the suggested passages of a refusal."""
    lines: list[str] = []
    if answer.citations:
        lines.append("Bronnen:")
        for c in answer.citations:
            lines.append(f"[{c.n}] {citation_label(c)}, tekens {c.start}-{c.end}")
            quote = f"“{c.quote}”" + (f" — {c.speaker}" if c.speaker else "")
            lines.extend(textwrap.wrap(quote, width, initial_indent="    ", subsequent_indent="    "))
    elif answer.suggestions:
        lines.append("Misschien relevant:")
        lines.extend(f"  - {p.title} ({p.source})" for p in answer.suggestions)
    return "\n".join(lines)


def format_footer(answer: Answer) -> str:
    t = answer.timings_ms
    return (
        f"[{answer.backend} · zoeken {t.get('retrieval', 0):.0f} ms · eerste woord "
        f"{t.get('first_token', 0) / 1000:.1f} s · totaal {t.get('total', 0) / 1000:.1f} s]"
    )


def format_answer(answer: Answer, width: int = 100) -> str:
    """Answer text, then the sources, then timings."""
    parts = []
    if answer.notice:
        parts.append(f"Let op: {answer.notice}")
    parts.append(textwrap.fill(answer.answer, width))
    sources = format_sources(answer, width)
    if sources:
        parts.append(sources)
    parts.append(format_footer(answer))
    return "\n\n".join(parts)
