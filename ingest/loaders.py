"""Read article files into raw text; bad files become `Skipped` entries with a reason."""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from pathlib import Path

SUPPORTED = {".txt", ".md", ".markdown", ".html", ".htm", ".pdf"}
MAX_FILE_BYTES = 20 * 1024 * 1024
# Block-level tags end a line, so paragraphs survive the HTML-to-text step.
_BLOCK_TAGS = "p, h1, h2, h3, h4, h5, h6, li, br, div, section, article, blockquote, tr, header, footer"
# Content a reader never sees: code, embedded frames and objects, and elements hidden by attribute or
# inline style. Hidden text is where pages put instructions aimed at language models.
_UNSEEN_TAGS = ["script", "style", "noscript", "template", "iframe", "frame", "frameset", "object", "embed",
                "svg", "math", "canvas", "audio", "video", "nav", "form", "button", "select", "textarea"]
_HIDDEN = "[hidden], [aria-hidden], [style], input[type]"
_HIDDEN_STYLE = re.compile(
    r"display\s*:\s*none|visibility\s*:\s*(?:hidden|collapse)|opacity\s*:\s*0(?:\.0*)?\s*(?:;|!|$)"
    r"|font-size\s*:\s*0(?:px|em|rem|pt|%)?\s*(?:;|!|$)|(?<![-\w])(?:width|height)\s*:\s*0(?:px)?\s*(?:;|!|$)"
    r"|(?:left|top|text-indent)\s*:\s*-\d{3,}",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class RawFile:
    """A file's raw text and the hash that decides whether it changed."""

    path: Path
    source: str
    text: str
    sha256: str


@dataclass(frozen=True)
class Skipped:
    """A file that was not ingested, and why."""

    path: Path
    reason: str


def discover(paths: list[Path]) -> tuple[list[Path], list[Skipped]]:
    """Expand folders into files; unsupported or missing paths become `Skipped`."""
    files: list[Path] = []
    skipped: list[Skipped] = []
    for path in paths:
        if path.is_dir():
            candidates = sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))
        elif path.is_file():
            candidates = [path]
        else:
            skipped.append(Skipped(path, "bestaat niet (not found)"))
            continue
        for file in candidates:
            if file.suffix.lower() in SUPPORTED:
                files.append(file)
            else:
                skipped.append(Skipped(file, f"bestandstype {file.suffix or '(geen)'} wordt niet ondersteund"))
    return files, skipped


def load(path: Path, max_bytes: int = MAX_FILE_BYTES) -> RawFile | Skipped:
    """Read one file as text, or say why it cannot be used."""
    try:
        size = path.stat().st_size
        if size > max_bytes:  # checked before reading: a huge file is never loaded into memory
            return Skipped(path, f"te groot ({size / 2**20:.1f} MB, max {max_bytes / 2**20:.0f} MB)")
        data = path.read_bytes()
    except OSError as exc:
        return Skipped(path, f"onleesbaar: {exc.strerror or exc}")
    if not data.strip():
        return Skipped(path, "leeg bestand")
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        text = _pdf_text(data)
        if text is None:
            return Skipped(path, "PDF kon niet gelezen worden")
    else:
        if b"\x00" in data[:8192]:
            return Skipped(path, "binair bestand, geen tekst")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            return Skipped(path, "geen geldige UTF-8-tekst")
        if suffix in {".html", ".htm"}:
            text = html_to_text(text)
        elif suffix in {".md", ".markdown"}:
            text = markdown_to_text(text)
    if not text.strip():
        return Skipped(path, "bevat geen tekst")
    return RawFile(path, path.name, text, hashlib.sha256(data).hexdigest())


def html_to_text(html: str) -> str:
    """Visible text of an HTML page: scripts, styles and navigation dropped, blocks on their own lines."""
    from selectolax.lexbor import LexborHTMLParser

    tree = LexborHTMLParser(html)
    tree.strip_tags(_UNSEEN_TAGS)
    root = tree.body or tree.root
    if root is None:
        return ""
    _drop_hidden(root)
    for node in root.css(_BLOCK_TAGS):
        node.insert_after("\n\n")
    return root.text(separator="", strip=False)


def _drop_hidden(root) -> None:
    """Remove elements hidden by an attribute or an inline style (outermost first: no node twice)."""
    hidden = [node for node in root.css(_HIDDEN) if _is_hidden(node.attributes)]
    ids = {node.mem_id for node in hidden}
    for node in hidden:
        parent, inside = node.parent, False
        while parent is not None and not inside:
            inside, parent = parent.mem_id in ids, parent.parent
        if not inside:
            node.decompose()


def _is_hidden(attrs: dict[str, str | None]) -> bool:
    return (
        "hidden" in attrs
        or (attrs.get("aria-hidden") or "").lower() == "true"
        or (attrs.get("type") or "").lower() == "hidden"
        or bool(_HIDDEN_STYLE.search(attrs.get("style") or ""))
    )


def markdown_to_text(markdown: str) -> str:
    """Markdown rendered and read back as text: `# Kop` becomes a heading line, `**x**` plain x."""
    from markdown_it import MarkdownIt

    # Raw HTML in Markdown is parsed like a page's, so hidden elements and scripts are dropped here too.
    return html_to_text(MarkdownIt("commonmark", {"html": True}).render(markdown))


def _pdf_text(data: bytes) -> str | None:
    """Text of a PDF's pages, or None when it cannot be parsed."""
    import io

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    # pypdf logs its parse warnings ("EOF marker not found"); the skip reason already says it.
    log = logging.getLogger("pypdf")
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data))
        return "\n\n".join(page.extract_text() or "" for page in reader.pages)
    except (PdfReadError, ValueError, KeyError, OSError):
        return None
    finally:
        log.setLevel(level)
