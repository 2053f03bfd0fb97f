"""Dutch-aware sentence splitting with character offsets, on top of NLTK's Punkt Dutch model."""

from __future__ import annotations

import functools
import re
from pathlib import Path

import nltk.data
from nltk.tokenize.punkt import PunktSentenceTokenizer, load_punkt_params

Span = tuple[int, int]

# Abbreviations that never end a sentence, lowercased and without their final period.
DUTCH_ABBREVIATIONS: frozenset[str] = frozenset(
    {
        "o.a", "d.w.z", "bijv", "bv", "b.v", "dhr", "mevr", "mw", "mr", "drs", "dr", "prof", "ir", "ing",
        "blz", "p", "pag", "e.d", "i.p.v", "m.b.t", "t.a.v", "t.o.v", "z.g.a.n", "ca", "nr", "jl", "resp",
        "enz", "etc", "vs", "incl", "excl", "evt", "m.a.w", "c.q", "a.s", "i.v.m", "m.i", "n.a.v", "o.b.v",
        "i.s.m", "z.s.m", "t.z.t", "d.d", "e.a", "e.v", "m.n", "o.m", "o.i", "vnl", "jr", "sr", "st",
        "mln", "mld", "mrd", "min", "max", "gem", "afd", "tel", "zgn", "zog", "ongev", "vgl", "zie", "wo",
    }
)

# NLTK's Dutch Punkt model ships with this package (package data), found through NLTK's own data API.
NLTK_DATA = Path(__file__).resolve().parent / "nltk_data"
_CLOSING_QUOTES = "’”"
_QUOTED_END = re.compile(r"[?!…][’”'\"]$")
_AMBIGUOUS_QUOTES = "'\""
# Sentence-final punctuation glued to the next word, e.g. "Sport.Met" or "geheel.’Derde".
_GLUED_END = re.compile(r"[.!?…]+(?P<close>[’”'\"]?)(?=(?P<open>[‘“'\"]?)(?P<cap>\w))")


@functools.lru_cache(maxsize=1)
def dutch_tokenizer() -> PunktSentenceTokenizer:
    """The Punkt Dutch tokenizer, extended with common Dutch abbreviations; loaded once."""
    if str(NLTK_DATA) not in nltk.data.path:
        nltk.data.path.append(str(NLTK_DATA))  # NLTK's documented way to add a data folder (it checks reads)
    params = load_punkt_params(nltk.data.find("tokenizers/punkt_tab/dutch/", paths=[str(NLTK_DATA)]))
    params.abbrev_types.update(DUTCH_ABBREVIATIONS)
    return PunktSentenceTokenizer(params)


def _last_token(text: str) -> str:
    """The final whitespace-separated token, lowercased, without leading brackets or quotes."""
    parts = text.split()
    return parts[-1].lower().lstrip("([{‘“'\"") if parts else ""


def is_abbreviation(token: str) -> bool:
    """Whether `token` (e.g. "o.a." or "Dhr.") is a known abbreviation."""
    return token.endswith(".") and token.lower().lstrip("([{‘“'\"")[:-1] in DUTCH_ABBREVIATIONS


def _merge_after_abbreviations(text: str, spans: list[Span]) -> list[Span]:
    """Undo Punkt breaks after known abbreviations: Punkt still splits "o.a. De Boer" on the capital."""
    merged: list[Span] = []
    for start, end in spans:
        if merged and is_abbreviation(_last_token(text[merged[-1][0] : merged[-1][1]])):
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def _merge_quoted_questions(text: str, spans: list[Span]) -> list[Span]:
    """Undo breaks after a quoted question or exclamation that the sentence goes on from:
    "‘Zijn jullie daar geweest?’ vroeg Lex Staal." is one sentence."""
    merged: list[Span] = []
    for start, end in spans:
        if merged and _QUOTED_END.search(text[merged[-1][0] : merged[-1][1]]) and text[start : start + 1].islower():
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def _reattach_closing_quotes(text: str, spans: list[Span]) -> list[Span]:
    """Give a closing quote back to the sentence it closes: Punkt splits "geheel.’Derde" before it."""
    fixed: list[Span] = []
    for start, end in spans:
        if fixed and fixed[-1][1] == start and start < end and _closes(text, start):
            fixed[-1] = (fixed[-1][0], start + 1)
            start += 1
        if start < end:
            fixed.append((start, end))
    return fixed


def _closes(text: str, pos: int) -> bool:
    """Whether the quote character at `pos` closes a quotation."""
    char = text[pos]
    if char in _CLOSING_QUOTES:
        return True
    return char in _AMBIGUOUS_QUOTES and not _quote_opens(text, pos)


def _looks_like_url(token: str) -> bool:
    """Web addresses and e-mail addresses contain periods that are no sentence ends."""
    lowered = token.lower()
    return "://" in lowered or lowered.startswith("www.") or "@" in lowered


def _token_start(text: str, pos: int) -> int:
    """Start of the run of non-space characters that ends at or contains position `pos`."""
    while pos > 0 and not text[pos - 1].isspace():
        pos -= 1
    return pos


def _token_end(text: str, pos: int) -> int:
    """End of the run of non-space characters that contains position `pos`."""
    while pos < len(text) and not text[pos].isspace():
        pos += 1
    return pos


def _quote_opens(text: str, pos: int) -> bool:
    """Whether the straight quote at `pos` opens a quotation: an even number precede it in its paragraph."""
    char = text[pos]
    paragraph_start = text.rfind("\n\n", 0, pos) + 1
    count = 0
    for i in range(paragraph_start, pos):
        # An apostrophe between letters ("zo'n", "alinea's") is no quotation mark.
        if text[i] == char and not (text[i - 1 : i].isalpha() and text[i + 1 : i + 2].isalpha()):
            count += 1
    return count % 2 == 0


def _glued_break(text: str, match: re.Match[str]) -> int | None:
    """Where to break for one glued sentence end, or None when it is no sentence end."""
    if not match.group("cap").isupper():
        return None
    word_end = match.start()
    word_start = word_end
    while word_start > 0 and text[word_start - 1].isalpha():
        word_start -= 1
    # Single letters before the period are initials or parts of "o.a.", "J.P.Balkenende".
    if word_end - word_start == 1:
        return None
    token_start = _token_start(text, word_end)
    if _looks_like_url(text[token_start : _token_end(text, word_end)]):
        return None
    if is_abbreviation(text[token_start:word_end] + "."):
        return None
    close = match.group("close")
    if close and close in _AMBIGUOUS_QUOTES and _quote_opens(text, match.end() - 1):
        return match.end() - 1  # the straight quote opens the next sentence
    return match.end()


def _split_glued(text: str, start: int, end: int) -> list[Span]:
    """Split one sentence where scraped text glued the next sentence on without a space."""
    cuts = [start]
    for match in _GLUED_END.finditer(text, start, end):
        if match.end() >= end:
            continue
        cut = _glued_break(text, match)
        if cut is not None and cut > cuts[-1]:
            cuts.append(cut)
    cuts.append(end)
    return [(a, b) for a, b in zip(cuts, cuts[1:])]


def _trim(text: str, start: int, end: int) -> Span | None:
    """Shrink a span to exclude surrounding whitespace; None when nothing is left."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


def _line_spans(text: str) -> list[Span]:
    """Spans of the non-blank lines of `text`: a line break always ends a sentence."""
    spans: list[Span] = []
    offset = 0
    for line in text.split("\n"):
        trimmed = _trim(text, offset, offset + len(line))
        if trimmed:
            spans.append(trimmed)
        offset += len(line) + 1
    return spans


def split_sentences(text: str) -> list[Span]:
    """Character spans (start, end) of the sentences in `text`, end exclusive, trimmed of whitespace."""
    tokenizer = dutch_tokenizer()
    spans: list[Span] = []
    for line_start, line_end in _line_spans(text):
        line = text[line_start:line_end]
        punkt = [(line_start + a, line_start + b) for a, b in tokenizer.span_tokenize(line)]
        merged = _merge_after_abbreviations(text, _reattach_closing_quotes(text, punkt))
        for start, end in _merge_quoted_questions(text, merged):
            for piece in _split_glued(text, start, end):
                trimmed = _trim(text, *piece)
                if trimmed:
                    spans.append(trimmed)
    return spans


def split_sentence_texts(text: str) -> list[str]:
    """The sentences of `text` as strings."""
    return [text[start:end] for start, end in split_sentences(text)]
