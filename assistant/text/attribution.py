"""Who says each sentence of a Dutch article: the person it quotes, or else the article's author.

Pure: it takes sentences already split (text plus offsets into the cleaned article) and the author.
A speaker is found from cues in the sentence or its neighbour: "zegt X", "aldus X", "vroeg X",
"X vindt dat", "volgens X", "X: ‘…", "Dat schrijft X" (for the sentences before it), and quotation
marks that carry a quote over several sentences. Short forms are resolved to the full name used
elsewhere in the article ("Lex" → "Lex Staal", "Van Dijk" → "Gert van Dijk"). Sentences more than one
character apart are taken to be in different paragraphs (the cleaned text separates blocks by a blank
line); a quotation never crosses a paragraph. Reader comments are not the author's words: callers
attribute those themselves.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

# How a speaker was found: none (the author), a cue in the sentence, the cue of the quotation it lies
# in, the speaker before an unannounced quotation, or "Dat zegt X" in the next sentence.
Cue = Literal["author", "cue", "quote", "continued", "next"]

_CAP = r"[A-ZÀ-Þ][a-zà-ÿ]+(?:-[A-ZÀ-Þa-zà-ÿ][a-zà-ÿ]+)?"
_ACRONYM = r"[A-Z][A-Z0-9]+(?:-?[a-z]+)?"  # WRR, C3, MOgroep, SEO-onderzoek
_PARTICLES = ("van", "de", "der", "den", "ten", "ter", "het", "'t", "von", "la", "le", "du", "da")
_MID = "(?:" + "|".join(_PARTICLES) + ")"
_LEAD = r"(?:Van|De|Den|Der|Ten|Ter|Von)(?:\s+(?:der|den|de|het|'t))?"
NAME = rf"(?<!\w)(?:{_LEAD}\s+{_CAP}|{_CAP}(?:\s+(?:{_MID}\s+){{0,3}}{_CAP}){{0,2}}|{_ACRONYM})(?!\w)"
_NAME_RE = re.compile(NAME)
# Capitalised words that open sentences and questions; never a name on their own or at a name's front.
_NOT_NAMES = frozenset(
    "de het een dit dat deze die dan zij hij ze wij we ik je u er ook maar en of in op als toen zo wat "
    "wie welke waar hoe waarom wanneer hoeveel daarom volgens bij met voor na door naast uit om tot nu "
    "later eerst niet geen alle elk iedere veel sommige want dus toch wel al bijvoorbeeld natuurlijk "
    "inderdaad helaas daarmee daarnaast daarbij evenmin behalve hoewel resultaat welk "
    "onder boven tussen tegen zonder binnen buiten over sinds vanaf via per aan hierin daarin "
    "who what which how why when where whom whose according the".split()
)
_ROLES = (
    "auteur schrijver stadssocioloog socioloog directeur voorzitter onderzoeker hoogleraar wethouder "
    "minister staatssecretaris woordvoerder bestuurder lector"
).split()
_ROLE = "(?:" + "|".join(_ROLES) + ")"
# Verbs that report what someone says or thinks (third person singular, present and past). The first
# carry a view by themselves; the others only with "dat" or a colon after them ("Hij schreef de
# publicatie" reports no view).
_VIEW = frozenset(
    (
        "zegt zei aldus vroeg antwoordt antwoordde reageert reageerde vindt vond meent meende vreest "
        "vreesde gelooft geloofde pleit pleitte waarschuwt waarschuwde betoogt betoogde noemt noemde "
        "signaleert signaleerde constateert constateerde benadrukt benadrukte erkent erkende concludeert "
        "concludeerde"
    ).split()
)
_NEEDS_DAT = (
    "vraagt stelt stelde denkt dacht schrijft schreef omschrijft omschreef vervolgt vervolgde verklaart "
    "verklaarde vertelt vertelde geeft gaf"
).split()
_VERB = "(?:" + "|".join([*_VIEW, *_NEEDS_DAT]) + ")"
_WHO = (
    rf"[Dd]e\s+(?P<role>{_ROLE})(?!\w)|(?P<pronoun>[Hh]ij|[Zz]ij)(?!\w)"
    rf"|(?:(?:[Dd]e|[Hh]et)\s+)?(?P<name>{NAME})"
)
# "‘…’ zegt Hans Zuiver", "aldus de auteur", "Dat schrijft stadssocioloog Roelof Hortulanus"
_VERB_FIRST = re.compile(rf"(?<!\w)(?P<verb>{_VERB})\s+(?:{_ROLE}\s+)?(?:{_WHO})")
# "Van Dijk vindt dat …", "Thijs Torreman, directeur van Thermiek, gelooft er niet zo in: ‘…"
_SUBJECT_FIRST = re.compile(
    rf"(?:^|(?:,\s*maar|;)\s+)(?:(?:Ook|Maar|En|Nu|Toch|Zo)\s+)?(?:{_WHO})(?:\s*,[^,]{{1,80}},)?\s+"
    rf"(?P<verb>{_VERB})(?!\w)(?P<rest>.*)",
    re.S,
)
_ACCORDING = re.compile(rf"(?<!\w)[Vv]olgens\s+(?:{_WHO})")
_COLON = re.compile(rf"^\W*(?:{_WHO})\s*:")
_BACKWARD = re.compile(rf"^(?:Dat|Dit)\s+{_VERB}\s")
_ACRONYM_AFTER = re.compile(rf"[^.;:]{{0,60}}?\((?P<acronym>{_ACRONYM})\)")
_OPEN, _CLOSE, _STRAIGHT = "‘“„", "’”", "'\""
_PLACEHOLDER = "«»"
QUOTED_SHARE = 0.5  # a sentence mostly inside quotation marks is the quoted speaker's
CONTINUE_WINDOW = 3  # an unannounced quotation continues the speaker quoted this many sentences back


@dataclass(frozen=True)
class Sentence:
    """One sentence of an article and where it stands in the article's text."""

    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Attribution:
    """Who says one sentence, and how that was decided."""

    speaker: str | None  # a full name where the article gives one; the author (None if unknown)
    quoted: bool  # someone other than the author speaks
    cue: Cue


@dataclass(frozen=True)
class PersonMatch:
    """A sentence that a person says, or names."""

    index: int
    said: bool
    mentioned: bool


@dataclass
class _Quote:
    first: int  # index of the sentence it opens in
    open_at: int  # offset of the opening mark in that sentence
    last: int = -1  # index of the sentence it closes in (or the paragraph's last one)
    close_at: int = -1  # offset just after the closing mark; -1 when it never closes
    speaker: str | None = None
    cue: Cue = "quote"
    found: bool = False


# --- names --------------------------------------------------------------------------------------


def _clean_name(name: str) -> str | None:
    """A matched name without leading sentence words ("Volgens Hortulanus" → "Hortulanus")."""
    tokens = name.split()
    while tokens and tokens[0].casefold() in _NOT_NAMES and not _particle_led(tokens):
        tokens.pop(0)
    return " ".join(tokens) or None


def _particle_led(tokens: list[str]) -> bool:
    """Whether a capitalised particle leads a surname: "De Boer", "Van der Lans"."""
    return len(tokens) > 1 and tokens[0].casefold() in _PARTICLES and tokens[-1][0].isupper()


def names_in(text: str) -> list[str]:
    """Names of people and organisations in a text (a question, a sentence), in order, no repeats."""
    found = (_clean_name(m.group()) for m in _NAME_RE.finditer(text))
    return list(dict.fromkeys(name for name in found if name))


def people_in(text: str) -> list[str]:
    """The names in a text that can be people's (not acronyms such as WRR or C3)."""
    return [name for name in names_in(text) if not _is_acronym(name)]


def _is_acronym(name: str) -> bool:
    return re.fullmatch(_ACRONYM, name) is not None


def _full_names(texts: Iterable[str]) -> list[str]:
    """Names of two or more words that start with a given name: "Gert van Dijk", not "Van Dijk"."""
    names: list[str] = []
    for text in texts:
        for name in names_in(text):
            tokens = name.split()
            if len(tokens) > 1 and tokens[0].casefold() not in _PARTICLES and not _is_acronym(tokens[0]):
                names.append(name)
    return list(dict.fromkeys(names))


def _canonical(name: str, full_names: Sequence[str]) -> str:
    """The one full name a short form stands for ("Lex", "Zuiver", "Van Dijk"); else the name itself."""
    if name in full_names:
        return name
    key = name.casefold()
    matches = [
        full
        for full in full_names
        if full.split(maxsplit=1)[1].casefold() == key or full.split()[0] == name or full.casefold() == key
    ]
    return matches[0] if len(matches) == 1 else name


def _known(name: str, full_names: Sequence[str]) -> bool:
    """Whether a name may be a speaker: several words, an acronym, or a short form of a full name."""
    tokens = name.split()
    return (len(tokens) > 1 and tokens[0].casefold() not in _NOT_NAMES) or _particle_led(tokens) or (
        _is_acronym(name) or _canonical(name, full_names) != name
    )


def _role_bindings(texts: Iterable[str], full_names: Sequence[str]) -> dict[str, str]:
    """Role nouns that name one person: "stadssocioloog Roelof Hortulanus" binds "stadssocioloog"."""
    seen: dict[str, set[str]] = {}
    for text in texts:
        for m in re.finditer(rf"(?<!\w)(?P<role>{_ROLE})\s+(?P<name>{NAME})", text):
            seen.setdefault(m.group("role"), set()).add(_canonical(m.group("name"), full_names))
        for m in re.finditer(rf"(?P<name>{NAME}),\s+(?:\w+\s+)?(?P<role>{_ROLE})\b", text):
            seen.setdefault(m.group("role"), set()).add(_canonical(m.group("name"), full_names))
    return {role: next(iter(names)) for role, names in seen.items() if len(names) == 1}


# --- quotation marks ----------------------------------------------------------------------------


def _marks(text: str) -> list[tuple[int, bool]]:
    """(offset, opens) of each quotation mark; apostrophes ("vmbo’s", "zo'n") are left out."""
    marks = []
    for i, ch in enumerate(text):
        if ch not in _OPEN + _CLOSE + _STRAIGHT:
            continue
        before = text[i - 1] if i else " "
        after = text[i + 1] if i + 1 < len(text) else " "
        if before.isalnum() and after.isalnum():
            continue
        if ch in _OPEN:
            marks.append((i, True))
        elif ch in _CLOSE:
            if not before.isspace():
                marks.append((i, False))
        elif before.isspace() or before in "([":
            if not after.isspace():
                marks.append((i, True))
        else:
            marks.append((i, False))
    return marks


def _scan_quotes(
    sentences: Sequence[Sentence], breaks: Sequence[bool]
) -> tuple[list[_Quote], list[list[tuple[int, int, int]]]]:
    """The quotations, and per sentence its quoted stretches as (start, end, quote number).

    Marks nest ("‘Opzoomeren en ‘Mensen maken de Stad’ zijn …"): a quotation closes at its own mark.
    """
    quotes: list[_Quote] = []
    spans: list[list[tuple[int, int, int]]] = []
    current: int | None = None
    depth = 0
    for i, sentence in enumerate(sentences):
        if breaks[i]:
            current, depth = None, 0
        here: list[tuple[int, int, int]] = []
        start = 0
        for n, (pos, opens) in enumerate(_marks(sentence.text)):
            if opens:
                if current is None:
                    quotes.append(_Quote(first=i, open_at=pos))
                    current, start = len(quotes) - 1, pos
                depth += 1
            elif current is not None:
                depth -= 1
                if depth == 0:
                    here.append((start, pos + 1, current))
                    quotes[current].last, quotes[current].close_at = i, pos + 1
                    current = None
            elif n == 0 and i > 0 and not breaks[i]:
                # A quotation whose opening mark the sentence splitter left with an earlier sentence.
                quotes.append(_Quote(first=i, open_at=0, last=i, close_at=pos + 1))
                here.append((0, pos + 1, len(quotes) - 1))
        if current is not None:
            here.append((start, len(sentence.text), current))
            quotes[current].last = i
        spans.append(here)
    return quotes, spans


def _outside(text: str, spans: Sequence[tuple[int, int, int]]) -> str:
    """The sentence with its quoted stretches replaced by a placeholder: where cues may stand."""
    parts, pos = [], 0
    for start, end, _ in spans:
        parts += [text[pos:start], _PLACEHOLDER]
        pos = end
    return "".join(parts + [text[pos:]])


# --- attribution --------------------------------------------------------------------------------


class _Article:
    """Everything the speaker of a sentence may depend on, found once per article."""

    def __init__(self, sentences: Sequence[Sentence], author: str | None) -> None:
        self.sentences = sentences
        self.author = author
        texts = [s.text for s in sentences] + ([author] if author else [])
        self.full_names = _full_names(texts)
        self.roles = _role_bindings(texts, self.full_names)
        self.breaks = [i == 0 or s.start - sentences[i - 1].end > 1 for i, s in enumerate(sentences)]
        self.quotes, self.spans = _scan_quotes(sentences, self.breaks)
        self.result: list[Attribution] = []

    def focus(self, index: int, window: int | None) -> str | None:
        """The speaker last quoted before sentence `index` (within `window` sentences, if given)."""
        for j in range(len(self.result) - 1, -1, -1):
            if window is not None and index - j > window:
                return None
            if self.result[j].quoted:
                return self.result[j].speaker
        return None

    def who(self, match: re.Match[str], index: int) -> str | None:
        """The person a cue names: a name, a role ("de auteur") or a pronoun, resolved; None if unsure."""
        if match.group("role"):
            role = match.group("role")
            bound = self.roles.get(role) or self.focus(index, None)
            return bound or (self.author if role in ("auteur", "schrijver") else None)
        if match.group("pronoun"):
            return self.focus(index, CONTINUE_WINDOW)
        name = _clean_name(match.group("name"))
        # "constateerde de Raad voor Maatschappelijk Ontwikkeling (RMO)": the acronym names it.
        acronym = _ACRONYM_AFTER.match(match.string, match.start("name"))
        if name and " " not in name and acronym:
            return acronym.group("acronym")
        return _canonical(name, self.full_names) if name and _known(name, self.full_names) else None

    def cue(self, text: str, index: int) -> str | None:
        """The speaker a stretch of text (quotations blanked) announces, if any."""
        for pattern in (_COLON, _SUBJECT_FIRST, _VERB_FIRST, _ACCORDING):
            for match in pattern.finditer(text):
                if pattern is _SUBJECT_FIRST and not _reports(match):
                    continue
                speaker = self.who(match, index)
                if speaker:
                    return speaker
        return None

    def quote_speaker(self, number: int) -> tuple[str | None, Cue]:
        """Who speaks a quotation: the cue after it closes, the cue before it opens, or the last speaker."""
        quote = self.quotes[number]
        if not quote.found:
            quote.found = True
            speaker = None
            if quote.close_at >= 0:
                last = self.sentences[quote.last].text
                later = [start for start, _, _ in self.spans[quote.last] if start >= quote.close_at]
                speaker = self.cue(last[quote.close_at : min(later, default=len(last))], quote.last)
            if speaker is None:
                first = self.sentences[quote.first].text
                earlier = [span for span in self.spans[quote.first] if span[1] <= quote.open_at]
                speaker = self.cue(_outside(first[: quote.open_at], earlier), quote.first)
            quote.speaker, quote.cue = speaker, "quote"
            if speaker is None:
                quote.speaker, quote.cue = self.focus(quote.first, CONTINUE_WINDOW), "continued"
        return quote.speaker, quote.cue

    def attribute(self, index: int) -> Attribution:
        """A mostly quoted sentence is the quotation's speaker's; else its own cue's, else the author's."""
        sentence, spans = self.sentences[index], self.spans[index]
        letters = sum(c.isalnum() for c in sentence.text) or 1
        by_quote: dict[int, int] = {}
        for start, end, number in spans:
            by_quote[number] = by_quote.get(number, 0) + sum(c.isalnum() for c in sentence.text[start:end])
        if by_quote:
            number, quoted = max(by_quote.items(), key=lambda item: item[1])
            if quoted / letters >= QUOTED_SHARE:
                speaker, how = self.quote_speaker(number)
                if speaker:
                    return Attribution(speaker, speaker != self.author, how)
        speaker = self.cue(_outside(sentence.text, spans), index)
        if speaker:
            return Attribution(speaker, speaker != self.author, "cue")
        return Attribution(self.author, False, "author")

    def run(self) -> list[Attribution]:
        """Every sentence in order: a quotation's speaker may be the one quoted just before."""
        for index, sentence in enumerate(self.sentences):
            attribution = self.attribute(index)
            self.result.append(attribution)
            if attribution.cue == "cue" and _BACKWARD.match(_outside(sentence.text, self.spans[index])):
                self._carry_back(index, attribution)
        return self.result

    def _carry_back(self, index: int, attribution: Attribution) -> None:
        """After "Dat schrijft X", the author's sentences just before it in its paragraph are X's."""
        j = index
        while j > 0 and not self.breaks[j] and index - j < CONTINUE_WINDOW:
            if self.result[j - 1].cue != "author":
                return
            j -= 1
            self.result[j] = Attribution(attribution.speaker, attribution.quoted, "next")


def _reports(match: re.Match[str]) -> bool:
    """Whether "X <verb> …" reports a view: a view verb, or "dat"/a colon soon after the verb."""
    if match.group("verb") in _VIEW:
        return True
    rest = match.group("rest")
    return re.match(r"^(?:\s+\S+){0,5}?\s+dat\b", rest) is not None or ":" in rest[:60]


_HOLDER_VERB = rf"(?:{_VERB}|heeft\s+(?:de\s+mening|kritiek)|is\s+van\s+mening|vraagt\s+zich\s+af)"
_HOLDS = re.compile(
    rf"(?<!\w)[Vv]olgens\s+(?P<according>{NAME})"
    rf"|(?P<subject>{NAME})(?:\s*,[^,]{{1,80}},)?\s+{_HOLDER_VERB}(?!\w)"
    rf"|(?<!\w)(?:aldus|zegt|zei|vindt|vond|meent|noemt|noemde|schrijft|schreef|stelt|stelde)\s+(?P<after>{NAME})"
)


def claimed_holders(sentence: str) -> list[str]:
    """The people a written sentence says a view belongs to: "Volgens X", "X vindt/zegt …", "aldus X"."""
    found = []
    for match in _HOLDS.finditer(sentence):
        name = _clean_name(match.group("according") or match.group("subject") or match.group("after"))
        if name and not _is_acronym(name):
            found.append(name)
    return list(dict.fromkeys(found))


def same_person(name: str, other: str) -> bool:
    """Whether two forms name the same person: "Lex" and "Lex Staal", "Van Dijk" and "Gert van Dijk"."""
    words = {w.casefold() for w in name.split()} - set(_PARTICLES)
    others = {w.casefold() for w in other.split()} - set(_PARTICLES)
    return bool(words) and bool(others) and (words <= others or others <= words)


def attribute(sentences: Sequence[Sentence], author: str | None) -> list[Attribution]:
    """For each sentence of one article, in order: who says it."""
    return _Article(sentences, author).run()


def sentences_for_person(
    person: str, sentences: Sequence[Sentence], attributions: Sequence[Attribution]
) -> list[PersonMatch]:
    """The sentences a person (as named in a question) says or is named in, in article order."""
    full_names = _full_names([s.text for s in sentences] + [a.speaker for a in attributions if a.speaker])
    canonical = _canonical(person, full_names)
    pattern = _mention_pattern(canonical, full_names)
    matches = []
    for index, (sentence, attribution) in enumerate(zip(sentences, attributions, strict=True)):
        said = attribution.speaker is not None and _canonical(attribution.speaker, full_names) == canonical
        mentioned = pattern.search(sentence.text) is not None
        if said or mentioned:
            matches.append(PersonMatch(index, said, mentioned))
    return matches


def _mention_pattern(name: str, full_names: Sequence[str]) -> re.Pattern[str]:
    """The full name, its surname with particles in either case, and a first name no one else has."""
    tokens = name.split()
    forms = [tokens]
    if len(tokens) > 1 and tokens[0].casefold() not in _PARTICLES:
        forms.append(tokens[1:])
        if sum(full.split()[0] == tokens[0] for full in full_names) == 1:
            forms.append(tokens[:1])

    def form(words: list[str]) -> str:
        return r"\s+".join(
            f"(?i:{re.escape(w)})" if w.casefold() in _PARTICLES else re.escape(w) for w in words
        )

    return re.compile(r"(?<!\w)(?:" + "|".join(form(f) for f in forms) + r")(?!\w)")
