"""Turn a scraped article into an `Article`: drop chrome, rebuild paragraphs, find headings and comments."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from ingest.documents import Article, Block, BlockKind

UnitKind = Literal["paragraph", "bullet", "heading", "comment", "comments_start", "body_end"]
MarkerKind = Literal["comments_start", "body_end"]
MARKERS: tuple[MarkerKind, ...] = ("comments_start", "body_end")

COMMENTS_HEADING = "Reacties"
BULLET_PREFIX = "• "


@dataclass(frozen=True)
class _Unit:
    """One paragraph-sized piece of the article while it is being cleaned."""

    kind: UnitKind
    text: str


def _rx(*patterns: str) -> tuple[re.Pattern[str], ...]:
    """Compile case-insensitive patterns that must match a whole line."""
    return tuple(re.compile(p, re.IGNORECASE) for p in patterns)


# View counters sit at the end of an article body, before any reader comments.
VIEW_COUNTER_PATTERNS: tuple[re.Pattern[str], ...] = _rx(
    r"(?:dit artikel is |deze pagina is )?\d[\d.]*\s*(?:keer )?(?:bekeken|gelezen|views?|weergaven)\.?",
    r"(?:bekeken|gelezen|views?|weergaven)\s*:?\s*\d[\d.]*(?: keer)?\.?",
)
# Site chrome: whole lines, matched case-insensitively after bullets and whitespace are stripped.
CHROME_PATTERNS: tuple[re.Pattern[str], ...] = _rx(
    # registration / login prompts
    r"(?:registreren|inloggen|log ?in)(?:\W.{0,150}\b(?:registreren|lees meer|account|wachtwoord)\b.*)?",
    r"aanmelden",
    r"(?:waarom moet (?:u|je) (?:zich|je) registreren|(?:je|u) hebt? een account nodig"
    r"|maak (?:een |gratis )?account aan|heb je (?:nog )?geen account|wachtwoord vergeten).*",
    r"(?:artikel|pagina) (?:bewaren|opslaan|delen|printen|mailen|doorsturen)",
    r"(?:bewaar|deel|print) (?:dit )?artikel",
    # comment widgets and forms
    r"reacties?\s*\(?\d*\)?:?",
    r"(?:\d+ )?reacties? op (?:dit|het) (?:artikel|bericht|stuk)\s*\(?\d*\)?:?",
    r"(?:reactie|reageer|reageren)(?: (?:toevoegen|plaatsen|schrijven))?",
    r"commentaar (?:toevoegen|plaatsen|schrijven)",
    r"(?:geef|plaats|schrijf|laat) (?:je|uw|een) (?:reactie|antwoord|commentaar)(?: achter)?\.?",
    r"(?:om te kunnen reageren|(?:je|u) moet ingelogd zijn|log in om te reageren).*",
    r"(?:of )?registreer (?:je|u|jezelf) (?:om|voor) te (?:kunnen )?reageren\.?",
    r"(?:het|je|uw) e-?mailadres wordt niet gepubliceerd.*|vereiste velden zijn (?:gemarkeerd|aangegeven).*",
    r"plain text|(?:geen|beperkte) html(?:-tags)? toegestaan\.?|toegestane html[- ]?(?:tags|elementen).*",
    r"adressen van webpagina'?s en e-?mailadressen worden automatisch.*",
    r"regels en alinea'?s worden automatisch (?:gesplitst|afgebroken)\.?",
    # byline noise from the CMS
    r"administrator|admin|webmaster|beheerder|redactie ?[a-z]*\.?(?:nl|com)",
    # promo and navigation
    r"meer (?:weten|informatie|info|lezen) over\b.{0,150}",
    r"lees (?:meer|verder|ook|het hele artikel)(?:\s*[:»›>].*)?\.?|lees ook:.*|gerelateerde artikelen",
    r"(?:foto|beeld|illustratie|fotografie|foto's)\s*:\s*.{1,80}",
    r"(?:deel|delen)(?: dit artikel| deze pagina)?(?: via| op)?:?"
    r"(?:[ ,]+(?:facebook|twitter|linkedin|whatsapp|e-?mail|x))*",
    r"facebook|twitter|linkedin|whatsapp|print|e-?mail",
    r"(?:tags|trefwoorden|onderwerpen|categorie(?:ën)?)\s*:.*",
    r".*\bcookies?\b.{0,100}\b(?:accepteren|instellingen|akkoord)\b.*",
) + VIEW_COUNTER_PATTERNS
# Lines that open the reader comments section (also chrome themselves).
COMMENTS_HEADER_PATTERNS: tuple[re.Pattern[str], ...] = _rx(
    r"(?:reacties?|comments?)(?: op (?:dit|het) (?:artikel|bericht|stuk))?\s*\(?(?P<n>\d+)?\)?:?",
    r"(?P<n>\d+) (?:reacties?|comments?)(?: op (?:dit|het) (?:artikel|bericht|stuk))?:?",
    r"(?:lees de |bekijk de )?reacties? van lezers:?",
)
# Contact details: a group of short lines where several match is a contact block, not article text.
CONTACT_PATTERNS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(p)
    for p in (
        r"(?i:t|tel|telefoon|m|mob|mobiel|f|fax)\.?\s*:?\s*\+?\d[\d \-()]{7,}",
        r"(?i:e|e-?mail|mail)?\s*:?\s*[\w.+-]+@[\w-]+(?:\.[\w-]+)+",
        r"(?i:w|www|web|website|i|internet)\s*:\s*\S+\.\w+\S*",
        r"\d{4} ?[A-Z]{2}\s+[A-Z][\w'-]+.*",  # postcode and city
        r"(?i:postbus|bezoekadres|postadres|adres)\b.*",
        r"[A-Z][\w.'-]+(?: [\w.'-]+){0,3} \d{1,4}[a-z]?(?:-\d+)?",  # street and number
    )
)

MONTHS = (
    r"(?:jan(?:uari)?|feb(?:ruari)?|maart|mrt|apr(?:il)?|mei|jun(?:i)?|jul(?:i)?|aug(?:ustus)?"
    r"|sep(?:t(?:ember)?)?|okt(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
WEEKDAYS = r"(?:maandag|dinsdag|woensdag|donderdag|vrijdag|zaterdag|zondag|ma|di|wo|do|vr|za|zo)"
DATE = (
    rf"(?:{WEEKDAYS},? )?"
    rf"(?:\d{{1,2}}[-/.]\d{{1,2}}[-/.]\d{{2,4}}|\d{{1,2}} {MONTHS}\.? \d{{4}}|\d{{4}}-\d{{2}}-\d{{2}})"
)
TIME = r"\d{1,2}[:.]\d{2}(?: uur)?"
DATE_LINE = re.compile(
    rf"(?:(?:datum|gepubliceerd|geplaatst|publicatiedatum)(?: op)?\s*:?\s*)?(?P<date>{DATE})", re.I
)

_PARTICLES = r"(?:van|de|der|den|ten|ter|te|het|'t|von|la|le|du|da|di|del|el|bin|op|in)"
_CAP_WORD = r"[A-ZÀ-Þ][a-zà-ÿ'’]+(?:-[A-ZÀ-Þa-zà-ÿ][a-zà-ÿ'’]+)?"
NAME = rf"{_CAP_WORD}(?:\s+(?:{_PARTICLES}\s+){{0,3}}{_CAP_WORD}){{1,3}}"
# Capitalised words that start sentences, not names ("De Boer" is a name, but "Het Rijk is" is not).
NOT_NAME_STARTS = frozenset(
    "de het een dit dat deze die zij hij wij ik er ook maar en of in op als toen zo wat wie waar hoe "
    "daarom volgens bij met voor na door naast".split()
)

# Only the label is case-insensitive: the name itself must be capitalised.
AUTHOR_LINE = re.compile(r"(?i:auteur|door|tekst|geschreven door|schrijver)\s*:?\s*(?P<name>" + NAME + r")?")
AUTHOR_LABEL = re.compile(r"(?:auteur|tekst|schrijver)s?\s*:", re.I)
SIGN_OFF = re.compile(r"(?P<body>.*?[.!?…’”'\"])?\s*(?P<sig>/\s?(?P<name>" + NAME + r"))", re.S)
AUTHOR_BIO = re.compile(r"(?P<name>" + NAME + r") is (?:\w+ )?[a-zà-ÿ]")

# Lines that begin one reader comment, e.g. "Jan Jansen schreef:" or "12 maart 2010 om 14:32".
COMMENT_START_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(
        rf"{NAME}(?: \(.{{1,40}}\))? (?:schreef|zegt|reageerde|says|wrote)(?: op {DATE}(?: om {TIME})?)?:?"
    ),
    re.compile(rf"(?i:reactie|commentaar) (?i:van|door) {NAME}(?: (?i:op) {DATE}(?: (?i:om) {TIME})?)?:?"),
    re.compile(rf"(?:op )?{DATE},?(?: om| at|,)? {TIME}", re.I),
)
COMMENT_NUMBER = re.compile(r"\d{1,3}[.)]\s+(?=\S)")

BULLET = re.compile(r"[•·▪◦●■\-–*]\s+(?=\S)")
# A short capitalised phrase glued between a sentence end and the next sentence: "geheel.’Derde pijlerHet".
GLUED_HEADING = re.compile(
    r"(?<=[.!?…])(?P<close>[’”'\"]?)"
    r"(?P<heading>[A-ZÀ-Þ][a-zà-ÿ]{2,}(?: [A-Za-zÀ-ÿ][a-zà-ÿ]*){0,7})"
    r"(?=[‘“'\"]?[A-ZÀ-Þ][a-zà-ÿ])"
)
SENTENCE_END = ".!?…:;"
# Words a heading does not end on; a wrapped line often does.
FUNCTION_WORDS = frozenset(
    "de het een van voor over en of in op te met aan als dat die om tot bij naar door uit maar want dan "
    "the a an of and to for in on with".split()
)
MAX_HEADING_CHARS = 80
MAX_HEADING_WORDS = 12
MIN_DUPLICATE_CHARS = 30
MAX_TITLE_CHARS = 250


def _fullmatch_any(patterns: Iterable[re.Pattern[str]], text: str) -> re.Match[str] | None:
    """The first pattern that matches all of `text`, if any."""
    for pattern in patterns:
        match = pattern.fullmatch(text)
        if match:
            return match
    return None


def _collapse_spaces(text: str) -> str:
    """Collapse runs of spaces (also non-breaking ones) inside a line to one space."""
    return re.sub(r"[^\S\n]+", " ", text).strip()


def _normalise_lines(raw: str) -> list[str]:
    """Split into lines with collapsed spaces; blank lines become ""."""
    text = raw.replace("\r\n", "\n").replace("\r", "\n").replace("\u200b", "").replace("\ufeff", "")
    return [_collapse_spaces(line) for line in text.split("\n")]


def _strip_bullet(line: str) -> str:
    """The line without a leading bullet character."""
    match = BULLET.match(line)
    return line[match.end() :] if match else line


def is_chrome(line: str) -> bool:
    """Whether a line is site chrome (login prompts, comment forms, counters, promo)."""
    text = _strip_bullet(line.strip())
    if not text or len(text) > 250:
        return False
    return _fullmatch_any(CHROME_PATTERNS, text) is not None or comments_header_count(text) is not None


def comments_header_count(line: str) -> int | None:
    """For a line that opens a comments section: the comment count it states (-1 if none); else None."""
    match = _fullmatch_any(COMMENTS_HEADER_PATTERNS, line.strip())
    if not match:
        return None
    count = match.groupdict().get("n")
    return int(count) if count else -1


def _line_groups(lines: Sequence[str]) -> list[list[int]]:
    """Indices of runs of consecutive non-blank lines."""
    groups: list[list[int]] = []
    current: list[int] = []
    for i, line in enumerate(lines):
        if line:
            current.append(i)
        elif current:
            groups.append(current)
            current = []
    if current:
        groups.append(current)
    return groups


def _is_contact_group(group: Sequence[str]) -> bool:
    """A run of short lines of which several are phone numbers, e-mail or postal addresses."""
    if len(group) < 2 or any(len(line) > 80 for line in group):
        return False
    hits = sum(1 for line in group if _fullmatch_any(CONTACT_PATTERNS, line))
    return hits >= 2 and hits * 2 >= len(group)


def _remove_contact_blocks(lines: list[str], removed: list[str]) -> list[str]:
    """Blank out contact blocks (name, street, postcode, phone, e-mail) such as a firm's footer."""
    lines = list(lines)
    for group in _line_groups(lines):
        if _is_contact_group([lines[i] for i in group]):
            for i in group:
                removed.append(lines[i])
                lines[i] = ""
    return lines


def _chrome_marker(line: str) -> MarkerKind | None:
    """What a chrome line tells about the layout: comments announced here, or the article body ended."""
    count = comments_header_count(line)
    if count is not None:
        return "comments_start" if count != 0 else None
    return "body_end" if _fullmatch_any(VIEW_COUNTER_PATTERNS, line) else None


def _remove_chrome(lines: list[str], removed: list[str]) -> tuple[list[str], dict[int, MarkerKind]]:
    """Blank out chrome lines; also return the layout markers some of them give, by line index."""
    lines = list(lines)
    markers: dict[int, MarkerKind] = {}
    for i, line in enumerate(lines):
        if not line or not is_chrome(line):
            continue
        marker = _chrome_marker(line)
        if marker:
            markers[i] = marker
        removed.append(line)
        lines[i] = ""
    return lines, markers


def _is_name(text: str) -> bool:
    """Whether `text` is a person's name and not a capitalised sentence start."""
    return bool(re.fullmatch(NAME, text)) and text.split()[0].lower() not in NOT_NAME_STARTS


def _take_author_line(lines: list[str], removed: list[str]) -> str | None:
    """Find and blank an author byline ("Auteur: X", "Door X", or "Auteur:" above the name)."""
    for i, line in enumerate(lines):
        match = AUTHOR_LINE.fullmatch(line) if line and len(line) <= 80 else None
        if not match:
            continue
        name = match.group("name")
        if name and _is_name(name):
            removed.append(line)
            lines[i] = ""
            return name
        if not name and AUTHOR_LABEL.fullmatch(line):
            following = next((j for j in range(i + 1, len(lines)) if lines[j]), None)
            if following is not None and _is_name(lines[following]):
                name = lines[following]
                removed.extend([line, name])
                lines[i] = lines[following] = ""
                return name
    return None


def _comments_line(lines: Sequence[str], markers: dict[int, MarkerKind]) -> int:
    """Index of the line that opens the comments; a header above the article text does not count."""
    for index in sorted(markers):
        if markers[index] == "comments_start" and sum(1 for line in lines[:index] if line) >= 2:
            return index
    return len(lines)


def _take_date_line(lines: list[str], removed: list[str], before: int) -> str | None:
    """Find and blank the first stand-alone date line before index `before`."""
    for i, line in enumerate(lines[:before]):
        match = DATE_LINE.fullmatch(line) if line else None
        if match:
            removed.append(line)
            lines[i] = ""
            return match.group("date")
    return None


def _wrap_width(lines: Sequence[str]) -> int | None:
    """The width a hard-wrapped text was wrapped at, or None when lines are whole paragraphs."""
    inner = [
        len(lines[i])
        for group in _line_groups(lines)
        for i in group[:-1]
        if not BULLET.match(lines[i])
    ]
    typical = [n for n in inner if 40 <= n <= 100]
    if len(inner) < 5 or len(typical) < 0.6 * len(inner):
        return None
    return max(typical)


def _ends_sentence(text: str) -> bool:
    """Whether the text ends on sentence punctuation, possibly followed by a closing quote or bracket."""
    return text.rstrip("’”'\")]").endswith(tuple(SENTENCE_END))


def looks_like_heading(text: str) -> bool:
    """A short capitalised line without final punctuation, commas or trailing function word."""
    words = text.split()
    if not words or len(text) > MAX_HEADING_CHARS or len(words) > MAX_HEADING_WORDS:
        return False
    first_letter = text.lstrip("‘“'\"(")[:1]
    if not first_letter.isupper() or _ends_sentence(text):
        return False
    if "," in text or "@" in text or "://" in text or "www." in text or BULLET.match(text):
        return False
    if DATE_LINE.fullmatch(text) or words[-1].lower() in FUNCTION_WORDS:
        return False
    return True


def _is_short_heading(line: str, width: int) -> bool:
    """In hard-wrapped text: a heading is a heading-like line clearly shorter than the wrap width."""
    return len(line) < 0.6 * width and looks_like_heading(line)


def _is_soft_break(line: str, next_line: str, width: int) -> bool:
    """In hard-wrapped text: whether the break between two lines is a wrap rather than a paragraph end."""
    if _ends_sentence(line) and _is_short_heading(next_line, width):
        return False
    if len(line) >= 0.6 * width:
        return True
    return not looks_like_heading(line) and not _ends_sentence(line)


def _group_units(group: Sequence[str], width: int | None) -> list[_Unit]:
    """Paragraph units of one run of lines: join wrapped lines, split bullets and real line breaks."""
    units: list[_Unit] = []
    previous = ""
    for line in group:
        bullet = BULLET.match(line)
        if bullet:
            units.append(_Unit("bullet", BULLET_PREFIX + line[bullet.end() :]))
        elif units and width and _is_soft_break(previous, line, width):
            units[-1] = replace(units[-1], text=units[-1].text + " " + line)
        else:
            units.append(_Unit("paragraph", line))
        previous = line
    return units


def _build_units(lines: Sequence[str], markers: dict[int, MarkerKind]) -> list[_Unit]:
    """Paragraph units of the whole article, with layout markers where chrome announced them."""
    width = _wrap_width(lines)
    units: list[_Unit] = []
    group: list[str] = []
    for i, line in enumerate([*lines, ""]):
        if line:
            group.append(line)
            continue
        if group:
            units.extend(_group_units(group, width))
            group = []
        if i in markers:
            units.append(_Unit(markers[i], ""))
    return units


def _is_glued_heading(heading: str) -> bool:
    """Whether a phrase found glued between two sentences is a plausible section heading."""
    return len(heading) <= 60 and looks_like_heading(heading)


def _split_glued_headings(text: str) -> list[_Unit]:
    """Split "geheel.’Derde pijlerHet position" into paragraph, heading, paragraph."""
    units: list[_Unit] = []
    rest_start = 0
    for match in GLUED_HEADING.finditer(text):
        heading = match.group("heading")
        if not _is_glued_heading(heading):
            continue
        before = text[rest_start : match.start("heading")].strip()
        if before:
            units.append(_Unit("paragraph", before))
        units.append(_Unit("heading", heading))
        rest_start = match.end()
    tail = text[rest_start:].strip()
    if tail:
        units.append(_Unit("paragraph", tail))
    return units


def _split_sign_off(text: str) -> list[_Unit]:
    """Split a trailing "/Name" sign-off ("het spits af./Eric de Kluis") into its own paragraph."""
    match = SIGN_OFF.fullmatch(text)
    if not match or not _is_name(match.group("name")):
        return [_Unit("paragraph", text)]
    body = (match.group("body") or "").strip()
    return [_Unit("paragraph", body), _Unit("paragraph", match.group("sig"))] if body else [
        _Unit("paragraph", match.group("sig"))
    ]


def _split_glued(units: Sequence[_Unit]) -> list[_Unit]:
    """Give glued headings and sign-offs inside paragraphs their own units."""
    result: list[_Unit] = []
    for unit in units:
        if unit.kind != "paragraph":
            result.append(unit)
            continue
        for piece in _split_glued_headings(unit.text):
            result.extend(_split_sign_off(piece.text) if piece.kind == "paragraph" else [piece])
    return result


def _norm_key(text: str) -> str:
    """A comparison key that ignores case, punctuation and spacing."""
    return " ".join(re.findall(r"\w+", text.lower()))


def _looks_like_headline(text: str) -> bool:
    """Several words, not too long, and not ending on a full stop as body sentences do."""
    return len(text) <= MAX_TITLE_CHARS and len(text.split()) > 1 and not text.endswith(".")


def _title_index(units: Sequence[_Unit]) -> int | None:
    """Index of the headline: the first unit, unless that is a one-word label above a headline."""
    candidates = [i for i, u in enumerate(units) if u.kind in ("paragraph", "heading")]
    if len(candidates) >= 2 and len(units[candidates[0]].text.split()) == 1:
        if _looks_like_headline(units[candidates[1]].text):
            return candidates[1]
    return candidates[0] if candidates else None


def _take_title(units: list[_Unit], removed: list[str]) -> tuple[str | None, list[_Unit]]:
    """The headline and the units without it, its repeats and one-word labels above it."""
    first = _title_index(units)
    if first is None or len(units[first].text) > MAX_TITLE_CHARS:
        return None, units
    title = units[first].text
    rest: list[_Unit] = []
    for i, unit in enumerate(units):
        if i == first:
            continue
        if i < first and unit.kind in ("paragraph", "heading"):
            removed.append(unit.text)  # a section label such as "Opinie" above the headline
            continue
        if unit.kind in ("paragraph", "heading") and _norm_key(unit.text) == _norm_key(title):
            removed.append(unit.text)  # sites repeat the headline above the article
            continue
        rest.append(unit)
    return title, rest


def _classify_headings(units: Sequence[_Unit]) -> list[_Unit]:
    """Stand-alone short lines without final punctuation that precede a paragraph are headings."""
    result = list(units)
    for i, unit in enumerate(result):
        following = result[i + 1] if i + 1 < len(result) else None
        if (
            unit.kind == "paragraph"
            and following is not None
            and following.kind in ("paragraph", "bullet")
            and looks_like_heading(unit.text)
        ):
            result[i] = replace(unit, kind="heading")
    return result


def _starts_comment(unit: _Unit, body_ended: bool) -> bool:
    """Whether a unit after the article text opens a reader comment."""
    if unit.kind == "comments_start":
        return True
    if unit.kind not in ("paragraph", "heading"):
        return False
    # A "Name schreef:" line is short and unpunctuated, so it may have been taken for a heading.
    if _fullmatch_any(COMMENT_START_PATTERNS, unit.text):
        return True
    # Below a view counter, a list numbered from 1 is the site's comment list.
    return body_ended and unit.kind == "paragraph" and unit.text.startswith(("1. ", "1) "))


def _comments_start(units: Sequence[_Unit]) -> int | None:
    """Index of the first unit of the reader comments, if there are any."""
    body_seen = body_ended = False
    for i, unit in enumerate(units):
        if body_seen and _starts_comment(unit, body_ended):
            return i
        body_ended = body_ended or (body_seen and unit.kind == "body_end")
        body_seen = body_seen or unit.kind in ("paragraph", "bullet")
    return None


def _mark_comments(units: Sequence[_Unit]) -> list[_Unit]:
    """Turn everything after the comments start into comment units, without the site's numbering."""
    start = _comments_start(units)
    body = [u for u in units[: start if start is not None else len(units)] if u.kind not in MARKERS]
    if start is None:
        return body
    comments = [
        _Unit("comment", COMMENT_NUMBER.sub("", unit.text, count=1))
        for unit in units[start:]
        if unit.kind not in MARKERS and unit.text
    ]
    return body + comments


def _drop_duplicates(units: Sequence[_Unit], removed: list[str]) -> list[_Unit]:
    """Drop repeated paragraphs (scrapes often repeat the article's end); keep the first."""
    seen: set[str] = set()
    result: list[_Unit] = []
    for unit in units:
        key = _norm_key(unit.text)
        if unit.kind != "heading" and len(unit.text) >= MIN_DUPLICATE_CHARS and key in seen:
            removed.append(unit.text)
            continue
        seen.add(key)
        result.append(unit)
    return result


def _author_from_body(units: Sequence[_Unit]) -> str | None:
    """An author stated at the end of the body: a "/Name" sign-off or a "Name is ..." biography line."""
    body = [u for u in units if u.kind == "paragraph"]
    for unit in reversed(body[-3:]):
        sign_off = SIGN_OFF.fullmatch(unit.text)
        if sign_off and not sign_off.group("body") and _is_name(sign_off.group("name")):
            return sign_off.group("name")
        bio = AUTHOR_BIO.match(unit.text)
        if bio and len(unit.text) <= 300 and _is_name(bio.group("name")):
            return bio.group("name")
    return None


def _blocks(title: str, units: Sequence[_Unit]) -> tuple[str, tuple[Block, ...]]:
    """Join the title and units into the article text and locate each block in it."""
    parts: list[tuple[BlockKind, str, str | None]] = [("title", title, None)]
    heading: str | None = None
    for unit in units:
        if unit.kind == "heading":
            heading = unit.text
            parts.append(("heading", unit.text, heading))
        elif unit.kind == "comment":
            parts.append(("comment", unit.text, COMMENTS_HEADING))
        else:
            parts.append(("paragraph", unit.text, heading))
    blocks: list[Block] = []
    offset = 0
    for kind, text, block_heading in parts:
        blocks.append(Block(kind=kind, start=offset, end=offset + len(text), heading=block_heading))
        offset += len(text) + 2
    return "\n\n".join(text for _, text, _ in parts), tuple(blocks)


def clean_article(raw: str, source: str) -> Article:
    """Clean one scraped article into title, metadata and located blocks; pure, no I/O."""
    removed: list[str] = []
    lines = _remove_contact_blocks(_normalise_lines(raw), removed)
    lines, markers = _remove_chrome(lines, removed)
    author = _take_author_line(lines, removed)
    date = _take_date_line(lines, removed, before=_comments_line(lines, markers))
    units = _split_glued(_build_units(lines, markers))
    title, units = _take_title(units, removed)
    units = _drop_duplicates(_mark_comments(_classify_headings(units)), removed)
    author = author or _author_from_body(units)
    text, blocks = _blocks(title or source, units)
    return Article(
        source=source,
        title=title or source,
        text=text,
        blocks=blocks,
        author=author,
        date=date,
        removed=tuple(removed),
    )
