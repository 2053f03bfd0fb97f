"""Read article files into raw text; bad files become `Skipped` entries with a reason."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

SUPPORTED = {".txt", ".md", ".markdown", ".html", ".htm", ".pdf"}
MAX_FILE_BYTES = 20 * 1024 * 1024
# Block-level tags end a line, so paragraphs survive the HTML-to-text step.
_BLOCK_TAGS = "p, h1, h2, h3, h4, h5, h6, li, br, div, section, article, blockquote, tr, header, footer"


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


def load(path: Path) -> RawFile | Skipped:
    """Read one file as text, or say why it cannot be used."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        return Skipped(path, f"onleesbaar: {exc.strerror or exc}")
    if not data.strip():
        return Skipped(path, "leeg bestand")
    if len(data) > MAX_FILE_BYTES:
        return Skipped(path, f"te groot ({len(data) // 1_000_000} MB, max {MAX_FILE_BYTES // 1_000_000} MB)")
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
    tree.strip_tags(["script", "style", "noscript", "template", "iframe", "svg", "nav", "form"])
    root = tree.body or tree.root
    if root is None:
        return ""
    for node in root.css(_BLOCK_TAGS):
        node.insert_after("\n\n")
    return root.text(separator="", strip=False)


def markdown_to_text(markdown: str) -> str:
    """Markdown rendered and read back as text: `# Kop` becomes a heading line, `**x**` plain x."""
    from markdown_it import MarkdownIt

    return html_to_text(MarkdownIt("commonmark", {"html": False}).render(markdown))


def _pdf_text(data: bytes) -> str | None:
    """Text of a PDF's pages, or None when it cannot be parsed."""
    import io

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        return "\n\n".join(page.extract_text() or "" for page in reader.pages)
    except (PdfReadError, ValueError, KeyError, OSError):
        return None
