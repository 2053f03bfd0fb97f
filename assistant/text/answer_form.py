"""How an answer reads: malformed sentences, and the names and numbers its citations do not back.

Pure text checks on an answer's claims (its sentences without markers, each with the citation numbers
it carries), so they score any backend the same way.
"""

from __future__ import annotations

import re
from functools import lru_cache
from collections.abc import Mapping, Sequence

Claim = tuple[str, Sequence[int]]

# Numbers, or words that start with a letter (digits, hyphens and apostrophes may follow: "C3", "MO-groep").
_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_][\w'’-]*")
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_SOURCE_LABEL = re.compile(r"\b(?:bron|source)\s*\[?\d+\]?\s*:", re.IGNORECASE)
# A word after one of these opens a (quoted) sentence: its capital says nothing about it being a name.
_OPENERS = ":;‘“\"'(•–-"
MIN_WORDS = 4

FRAGMENT = "fragment"
LOWER_CASE_START = "kleine letter aan het begin"
SOURCE_LABEL = "label 'Bron n:'"
TRAILING_COLON = "eindigt op een dubbele punt"
BARE_URL = "kale URL"
CUT_OFF = "afgebroken zin"
# A sentence does not end on one of these: "… te activeren en afzijdige en" was cut off.
_OPEN_ENDED = frozenset(
    "de het een en of maar dat die dit deze van voor met door op in aan om te tot naar bij als dan zoals "
    "waarin waarbij waar wat wie hun zijn haar ons onze mijn hij zij ze wij we ik je er".split()
)


def _opens_sentence(text: str, start: int) -> bool:
    before = text[:start].rstrip()
    return not before or before[-1] in _OPENERS


def _is_acronym(token: str) -> bool:
    """"WRR", "VWS", "C3", "MOgroep": a capitalised token that is a name wherever it stands."""
    return sum(c.isupper() for c in token) >= 2 or any(c.isdigit() for c in token)


def entities(claim: str) -> list[str]:
    """The numbers and capitalised names in a claim, in order, without repeats.

    A capitalised word that opens the sentence (or a quotation inside it) counts only when it is an
    acronym: "Derde pijler" and "Het rapport" open with ordinary words.
    """
    found: list[str] = []
    for match in _TOKEN.finditer(_URL.sub(" ", claim)):
        token = match.group()
        if token[0].isdigit():
            found.append(token)
        elif token[0].isupper() and (_is_acronym(token) or not _opens_sentence(match.string, match.start())):
            found.append(token)
    return list(dict.fromkeys(found))


def occurs(token: str, text: str) -> bool:
    """Whether a name or number occurs in a case-folded text as a whole word ("20" also as "twintig")."""
    forms = [token.casefold()]
    if token.isdigit() and int(token) <= 1000:
        forms.append(_number_word(int(token)))
    return any(re.search(rf"(?<!\w){re.escape(form)}(?!\w)", text) for form in forms)


_NUMBER_WORD = re.compile(
    r"(?<!\w)(?:\d+(?:[.,]\d+)?|(?:een|twee|drie|vier|vijf|zes|zeven|acht|negen|tien|elf|twaalf|dertien|"
    r"veertien|vijftien|twintig|dertig|veertig|vijftig|zestig|zeventig|tachtig|negentig|honderd|duizend)"
    r"(?:en(?:twintig|dertig|veertig|vijftig|zestig|zeventig|tachtig|negentig))?)(?!\w)",
    re.IGNORECASE,
)


def numbers_in(text: str) -> set[str]:
    """The numbers a text gives, as Dutch words ("20" and "twintig" are one number); "een" only as a digit."""
    found = set()
    for match in _NUMBER_WORD.finditer(text):
        token = match.group().casefold()
        if token.isdigit():
            found.add(_number_word(int(token)) if int(token) <= 1000 else token)
        elif token != "een":
            found.add(token)
    return found


@lru_cache(maxsize=1024)
def _number_word(number: int) -> str:
    """The Dutch word for a number: articles write "twintig procent" where a summary writes "20"."""
    from num2words import num2words

    return num2words(number, lang="nl")


def unsupported_entities(claims: Sequence[Claim], quotes: Mapping[int, str]) -> tuple[int, int]:
    """(unsupported, total): names and numbers of each claim absent from the quotes that claim cites."""
    unsupported = total = 0
    for claim, numbers in claims:
        cited = " ".join(quotes[n] for n in numbers if n in quotes).casefold()
        names = entities(claim)
        total += len(names)
        unsupported += sum(not occurs(name, cited) for name in names)
    return unsupported, total


def _words(text: str) -> list[str]:
    return _TOKEN.findall(text)


def sentence_problems(claim: str) -> list[str]:
    """Why one answer sentence (markers removed) reads as malformed; empty when it is a proper sentence."""
    problems = []
    prose = _URL.sub(" ", claim)
    if prose != claim and len(_words(prose)) < MIN_WORDS:
        problems.append(BARE_URL)
    elif len(_words(claim)) < MIN_WORDS and not entities(claim):
        problems.append(FRAGMENT)
    first = next((c for c in prose if c.isalnum()), "")
    if first.islower():
        problems.append(LOWER_CASE_START)
    if claim.rstrip().endswith(":"):
        problems.append(TRAILING_COLON)
    words = _words(prose)
    if words and words[-1].casefold() in _OPEN_ENDED and claim.rstrip()[-1:].isalpha():
        problems.append(CUT_OFF)
    return problems


def malformed_reasons(answer: str, claims: Sequence[Claim]) -> list[str]:
    """Every problem found in the answer, once each (empty: well formed)."""
    problems = [SOURCE_LABEL] if _SOURCE_LABEL.search(answer) else []
    for claim, _ in claims:
        problems += sentence_problems(claim)
    return list(dict.fromkeys(problems))
