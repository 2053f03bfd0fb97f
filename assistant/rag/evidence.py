"""Evidence ranking: the retrieved passages' sentences, best first, for the extractive answer and prompts.

A sentence scores by the question's content stems it shares (exact, or a long common prefix for
inflections and compounds), by what the question type asks for (wie → a name, hoeveel → a number,
wanneer → a date, welke → a list, waarom → a reason, hoe heet → a title), by naming the person whose
view is asked, and a little by its passage's retrieval rank. Articles restate a question in one
sentence and answer it in the next, so a sentence also inherits the question words of the sentence
before it that it does not repeat itself: half of them, all of them when it gives what the question
type asks for and the sentence before does not (the restatement, then the answer). The question's
names (and "volgens de voorzitter van …") frame it: a sentence that shares only those, where others
share its subject, is an introduction or a signature and counts half.

Dense similarity is left out on purpose: embedding the candidate sentences costs ~25 ms each on the
2-core CPU this runs on, more than the whole extractive answer takes, and it does not help: adding
the e5 similarity to the question to the scores of the best 8 sentences (weights 2 to 20, on the
question set) never raised the share of answers whose first sentence holds a key fact, and from
weight 5 on lowered it. The sentence most like the question is the one that restates it.

Each item is a contiguous slice of its passage, so a citation still points at real article text: a
sentence that leans on the one before it ("Hij…", "Dat…", "Daarom…") brings that sentence along, and
a sentence that ends in a colon brings the list after it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from assistant.core.types import Passage
from assistant.rag.relevance import HOW_MANY, NUMBER_WORDS, covered
from assistant.text.attribution import NAME, names_in, people_in, same_person
from assistant.text.sentences import split_sentences
from assistant.text.stems import content_stems

# Words that shape a question but say nothing about its subject: matching them proves nothing.
_FRAME = content_stems(
    "zegt zeggen vindt vinden volgens noemt noemen beschrijf beschrijft geef leg uit waarom welke wat wie hoe "
    "artikel artikelen auteur schrijft schreef schrijver stelt stellen bedoelt bedoeld mening visie precies "
    "eigenlijk hoeveel hoe vaak wanneer percentage according say says think article author describe mention "
    "mentions explain which how many much when geeft geven gaf rol speelt spelen doet doen deed"
)
# "volgens de voorzitter van de MO-groep", "volgens het verslag van C3": who says it, as a name does.
_SOURCE = re.compile(r"\bvolgens\s+(?:de|het)\s+([\w-]+(?:\s+van\s+(?:de\s+|het\s+)?[A-Z][\w-]*)?)")
_WHO = re.compile(r"^\W*(wie|who|door wie|van wie|welke (persoon|personen|organisatie|organisaties))\b", re.I)
_HOW_MANY = re.compile(rf"{HOW_MANY.pattern}|\b(welk|hoe ?groot)\w* (percentage|aandeel|deel)\b|\bwhat (share|percentage)\b", re.I)
# A number joined to a word ("Covid-19") is part of a name, not a count.
_COUNT = re.compile(rf"(?<!-){NUMBER_WORDS.pattern}", re.I)
_WHEN = re.compile(r"\b(wanneer|sinds wanneer|in welk jaar|when|what year)\b", re.I)
# "welke partijen", "welke vier typen", "which examples": a plural asks for a list ("welke rol" does not).
_WHICH = re.compile(r"\b(welke|which|what)\s+(\w+\s+)?\w+(en|s)\b|^\W*noem\b", re.I)
# "Waarom …?", and its other forms: "Wat maakt X zo lastig?", "Hoe komt het dat …?", "Waardoor …?"
_WHY = re.compile(r"^\W*(waarom|why|waardoor|hoe komt het)\b|\bwat maakt\b[^?]*\bzo\b", re.I)
_BECAUSE = re.compile(r"\b(omdat|doordat|want|vanwege|daardoor|waardoor|zodat|door|oorzaak|reden|because)\b", re.I)
_CALLED = re.compile(r"\b(hoe heet|hoe heette|welke (naam|titel)|what is the (name|title)|called)\b", re.I)
_TITLED = re.compile(r"[‘“'\"][A-Z][^’”'\"]{3,80}[’”'\"]")
_DATE = re.compile(
    r"\b(1[89]\d\d|20\d\d|januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|"
    r"december|maandag|dinsdag|woensdag|donderdag|vrijdag|zaterdag|zondag|gisteren|vorig jaar|vorige week)\b",
    re.I,
)
_SPEAKS = re.compile(r"\b(zegt|zei|aldus|vindt|vond|stelt|schrijft|schreef|vroeg|meent|noemt|gelooft|vreest)\b")
# A sentence that opens with one of these points back at the sentence before it.
_LEANS = re.compile(
    r"^\W*(hij|zij|ze|dat|dit|deze|die|daarom|daardoor|daarmee|daarbij|daarnaast|daarvoor|hierdoor|hiermee|"
    r"hierbij|dus|ook dat|zo'n|zulke)\b",
    re.I,
)
_PERSONAL = re.compile(r"^\W*(hij|zij|ze)\b", re.I)
_CAUSAL = re.compile(r"^\W*(daarom|daardoor|daarmee|hierdoor|dus)\b", re.I)
_ATTRIBUTES = re.compile(r"^\W*(dat|dit)\s+(zegt|zei|schrijft|schreef|stelt|vindt|meent|noemt)\b", re.I)
_OPINION = re.compile(r"\b(zegt|zei|vindt|vond|vertelde|vertelt|reageert|reageerde|noemt|stelt|denkt|meent|says|think)\b", re.I)
_ACCORDING = re.compile(r"\bvolgens\b|\baccording to\b", re.I)
# "Jet Bussemaker is voorzitter van …", "Saskia Moerbeek, directeur …": who someone is, not what they think.
_INTRODUCES = re.compile(rf"^\W*(?P<name>{NAME})(?:\s+(?:is|was|werd|wordt)\s|\s*,\s)")
_URL = re.compile(r"(https?://|www\.)\S+", re.I)
_BULLET = re.compile(r"^\s*([•\-–*]|\d+[.)])\s+")
_FULL_STOP = ".!?…’”'\""
_ENDS = _FULL_STOP + ")"  # "Saskia Moerbeek, directeur stichting … (BMP)": a signature says who someone is
CARRY = 0.5  # share of the previous sentence's overlap a sentence inherits (tuned on the question set)
CARRY_ANSWER = 1.0  # ... when it gives what the question type asks for and the previous one does not
NAMES_ONLY = 0.5  # weight of a sentence's overlap when it shares only the question's names
MIN_WORDS = 6  # shorter lines are headings, captions or signatures, not evidence
OTHER_VOICE = 1.0  # taken off a sentence someone else says, in an article that never names the question's people
INTRODUCTION = 2.0  # taken off "X is voorzitter van …" when X's view is asked


@dataclass(frozen=True)
class Voices:
    """Who says what in the passages' articles, for questions that name people."""

    said: Callable[[int, int, int], tuple[str, ...]]  # passage n (1-based), start, end in its text → speakers
    article: Callable[[int], str]  # passage n → the whole text of its article


@dataclass(frozen=True)
class Evidence:
    """One ranked piece of evidence: `passage.text[start:end]` of passage `n` (1-based), with its score.

    `start`/`end` cover what is shown (a leaned-on sentence before, a list after); `core_start` and
    `core_end` are the sentence that earned the score.
    """

    n: int
    start: int
    end: int
    core_start: int
    core_end: int
    text: str
    score: float
    stems: frozenset[str]

    @property
    def sentences(self) -> list[str]:
        """The item as whole sentences/lines, in text order (its own text split again)."""
        return [self.text[a:b] for a, b in split_sentences(self.text)]


@dataclass(frozen=True)
class Cues:
    """What kind of answer the question asks for."""

    who: bool
    why: bool
    called: bool
    number: bool
    date: bool
    listing: bool

    @classmethod
    def of(cls, question: str) -> Cues:
        return cls(
            who=bool(_WHO.search(question)),
            why=bool(_WHY.search(question)),
            called=bool(_CALLED.search(question)),
            number=bool(_HOW_MANY.search(question)),
            date=bool(_WHEN.search(question)),
            listing=bool(_WHICH.search(question)) and not _WHO.search(question),
        )


@dataclass(frozen=True)
class _Query:
    """The question as the scorer sees it."""

    wanted: frozenset[str]  # content stems of the (standalone) question, without its frame words
    subject: frozenset[str]  # those that are not names (nor the source after "volgens")
    latest: frozenset[str]  # those the user typed last (a follow-up's own words)
    framing: frozenset[str]  # stems of its names: "volgens Moerbeek" frames the question more than its subject
    names: frozenset[str]  # names in the question, casefolded
    surnames: frozenset[str]  # stems of the last word of each person or organisation named
    speaker: str  # "Wat vindt Jet Bussemaker van …": the stem of the person whose view is asked, if any
    holders: tuple[str, ...]  # the people whose view is asked ("volgens Moerbeek en Bruinsma"), as named
    people: tuple[str, ...]  # every person the question names
    cues: Cues

    @classmethod
    def of(cls, question: str, asked: str) -> _Query:
        names = names_in(question)
        # "Wat zegt hij over …?" after "Wie is Hans Zuiver?": the person is in the standalone question.
        opinion = (names_in(asked) or names) if _OPINION.search(asked) else []
        speaker = content_stems(opinion[0].split()[-1]) if opinion else set()
        wanted = content_stems(question) - _FRAME or content_stems(question)
        framing = content_stems(" ".join(names + _SOURCE.findall(question)))
        people = tuple(people_in(question))
        return cls(
            wanted=frozenset(wanted),
            subject=frozenset(wanted - framing),
            latest=frozenset(content_stems(asked) - _FRAME),
            framing=frozenset(framing),
            names=frozenset(name.casefold() for name in names),
            surnames=frozenset(content_stems(" ".join(name.split()[-1] for name in names))),
            speaker=next(iter(speaker), ""),
            holders=people if _OPINION.search(asked) or _ACCORDING.search(question) else (),
            people=people,
            cues=Cues.of(asked),
        )


@dataclass(frozen=True)
class _Sentence:
    """One sentence of a passage as the scorer sees it."""

    start: int
    end: int
    stems: frozenset[str]
    matched: dict[str, float]  # the question's stems it contains, with their weights
    cue: float  # what the question type asks for: given (> 0) or missing (< 0)
    new_paragraph: bool


def rank(question: str, passages: list[Passage], asked: str = "", voices: Voices | None = None) -> list[Evidence]:
    """Every usable sentence of the passages as evidence, best first.

    `question` is the standalone question; `asked` the words the user typed, when they differ (a
    follow-up): its words and its question type lead, the earlier questions' words count half.
    `voices` tells who says a sentence (the person quoted, else the author): when the question names
    people, a sentence someone else says, in an article that never names them, counts less.
    """
    query = _Query.of(question, asked or question)
    read = [_read(passage.text, query) for passage in passages]
    # A question in English shares no subject words with the articles: then its names are all it has.
    subject_found = any(s.matched.keys() & query.subject for sentences in read for s in sentences)
    items: list[Evidence] = []
    foreign: dict[str, bool] = {}  # per article: it names none of the question's people
    for n, (passage, sentences) in enumerate(zip(passages, read, strict=True), 1):
        text = passage.text
        spans = [(s.start, s.end) for s in sentences]
        # A passage that names the people the question names (a quote, a signature) is more likely theirs.
        named = 0.5 if query.surnames and query.surnames <= content_stems(text) else 0.0
        # "Volgens Bussemaker …" and Hortulanus's article, which never names her: his words, not about her.
        if voices is not None and passage.source not in foreign:
            foreign[passage.source] = _names_none(voices.article(n), query.people)
        for i, current in enumerate(sentences):
            if not _usable(text[current.start : current.end], passage.heading):
                continue
            own = sum(current.matched.values())
            if subject_found and current.matched and not current.matched.keys() & query.subject:
                own *= NAMES_ONLY
            carried = _carried(sentences[i - 1], current) if i else 0.0
            score = own + current.cue + carried + 0.3 / n + named
            said = voices.said(n, current.start, current.end) if foreign.get(passage.source) else ()  # type: ignore[union-attr]
            if _other_voice(said, query.people):
                score -= OTHER_VOICE
            first, last = _extend(text, spans, i, query)
            core = (current.start, current.end)
            items.append(Evidence(n, first, last, *core, text[first:last], round(score, 3), current.stems))
    return sorted(items, key=lambda e: (-e.score, e.n, e.core_start))


def _read(text: str, query: _Query) -> list[_Sentence]:
    """The passage's sentences with what each shares with the question."""
    spans = split_sentences(text)
    sentences = []
    for i, (start, end) in enumerate(spans):
        sentence = text[start:end]
        stems = content_stems(sentence)
        new_paragraph = i > 0 and "\n\n" in text[spans[i - 1][1] : start]
        cue = _cue(sentence, stems, query)
        sentences.append(_Sentence(start, end, frozenset(stems), _matched(stems, query), cue, new_paragraph))
    return sentences


def _carried(previous: _Sentence, current: _Sentence) -> float:
    """What a sentence inherits from the one before: the question words it does not repeat itself.

    An article restates the question in one sentence and answers it in the next; a sentence that
    gives what the question type asks for, after one that does not, is that answer and inherits all.
    """
    if current.new_paragraph:
        return 0.0  # a new paragraph does not answer the last one
    share = CARRY_ANSWER if current.cue > previous.cue else CARRY
    return share * sum(max(0.0, w - current.matched.get(stem, 0.0)) for stem, w in previous.matched.items())


def _matched(stems: set[str], query: _Query) -> dict[str, float]:
    """The question's stems in the sentence, weighted: names and earlier questions' words count less."""
    found = {w: _weight(w, query) * _match(w, stems) for w in query.wanted}
    return {w: v for w, v in found.items() if v}


def _weight(stem: str, query: _Query) -> float:
    return (0.4 if stem in query.framing else 1.0) * (1.0 if stem in query.latest else 0.5)


def _usable(sentence: str, heading: str) -> bool:
    """Whole sentences only: no headings, questions, bare URLs, list items, captions or signature lines."""
    if sentence == heading or sentence.rstrip("’”'\"").endswith("?"):
        return False
    if _BULLET.match(sentence):
        return False  # a list item only makes sense after the sentence that announces it
    words = _URL.sub("", sentence).split()
    if sentence.endswith(":"):
        return len(words) >= 3  # "Daarom roepen wij op tot:" is whole with the list it brings along
    return len(words) >= MIN_WORDS and sentence[-1:] in _ENDS


def _cue(sentence: str, stems: set[str], query: _Query) -> float:
    """What the question type asks for (a name, a number, a reason, ...): given (> 0) or missing (< 0)."""
    cues = query.cues
    score = 0.0
    names = {name.casefold() for name in names_in(sentence[1:])}  # not the capital that opens it
    if query.speaker and query.speaker in stems:
        score += 0.5  # the person whose view is asked is named here
    if query.holders and not cues.who and _introduces(sentence, query.holders):
        score -= INTRODUCTION
    # "Wie ondertekende naast Saskia Moerbeek …?": a sentence about her ("Saskia Moerbeek, directeur …")
    # does not say who else; "Wie is Saskia Moerbeek?" (no subject besides her) asks just that.
    if cues.who and not (query.subject and _opens_with(sentence, query.framing)):
        others = names - query.names
        score += 1.0 if others else -0.5
        if others and _SPEAKS.search(sentence):
            score += 0.5
    if cues.why and _BECAUSE.search(sentence):
        score += 0.7
    if cues.called and _TITLED.search(sentence):
        score += 1.0
    if cues.number:
        score += 1.5 if _COUNT.search(sentence) else -1.0
    if cues.date:
        score += 1.0 if _DATE.search(sentence) else -0.5
    if cues.listing and (sentence.count(",") >= 2 or sentence.rstrip().endswith(":")):
        score += 0.5
    if sentence[-1:] not in _FULL_STOP + ":" and not cues.who:
        score -= 1.0  # a signature line answers "wie is …?", and little else
    return score


def _names_none(text: str, people: tuple[str, ...]) -> bool:
    """Whether the question is about people in particular and the text names none of them."""
    if not people:
        return False
    words = {w.casefold() for w in re.findall(r"[\w-]+", text)}
    return not any(person.split()[-1].casefold() in words for person in people)


def _other_voice(speakers: tuple[str, ...], people: tuple[str, ...]) -> bool:
    """Whether the recorded speakers are known and none of them is one of the question's people."""
    return bool(speakers) and not any(same_person(s, p) for s in speakers for p in people)


def _introduces(sentence: str, holders: tuple[str, ...]) -> bool:
    """"Jet Bussemaker is voorzitter van …": a sentence that says who a person is, not what they think."""
    opening = _INTRODUCES.match(sentence)
    if not opening or _SPEAKS.search(sentence) or any(q in sentence for q in "‘“\""):
        return False
    return any(same_person(opening.group("name"), h) for h in holders)


def _opens_with(sentence: str, framing: frozenset[str]) -> bool:
    """Whether the sentence opens with a name the question gives (its subject is someone already named)."""
    lead = names_in(sentence)[:1]
    return bool(lead) and sentence.startswith(lead[0]) and content_stems(lead[0]) <= framing


def _match(stem: str, stems: set[str]) -> float:
    """1 for the stem itself, 0.6 for an inflection or a compound that ends in it ("welzijnsmedewerker")."""
    if stem in stems:
        return 1.0
    if covered(stem, stems) or (len(stem) >= 5 and any(s.endswith(stem) for s in stems)):
        return 0.6
    return 0.0


def _extend(text: str, spans: list[tuple[int, int]], i: int, query: _Query) -> tuple[int, int]:
    """The sentence's span, with the sentence it leans on before it and the list its colon announces."""
    start, end = spans[i]
    if i > 0 and _leans_on(text[start:end], text[spans[i - 1][0] : spans[i - 1][1]], query):
        start = spans[i - 1][0]
    if text[spans[i][0] : spans[i][1]].rstrip().endswith(":"):
        j = i + 1
        while j < len(spans) and _BULLET.match(text[spans[j][0] : spans[j][1]]):
            end = spans[j][1]
            j += 1
        if j == i + 1 and j < len(spans):
            end = spans[j][1]  # "…roepen wij op tot:" followed by a plain sentence: take that one
    return start, end


def points_back(sentence: str) -> bool:
    """Whether a sentence opens by pointing at the one before it ("Dit is een goede zet.", "Hij …")."""
    return bool(_LEANS.match(sentence)) and not _ATTRIBUTES.match(sentence)


def _leans_on(sentence: str, previous: str, query: _Query) -> bool:
    """Whether `sentence` needs `previous` to be understood, and `previous` is worth showing.

    "Dat schrijft X" attributes rather than leans; "Hij…" needs the sentence that says who he is; a
    reason ("Daarom…") always needs what it follows from; other back references only when the
    sentence before is about the question too.
    """
    if not points_back(sentence):
        return False
    if not _usable(previous, ""):
        return False
    if _PERSONAL.match(sentence):
        # "Hij…" after a sentence naming the person asked about is clear from the question itself;
        # after any other sentence the reader must see who is meant.
        return not any(name in previous.casefold() for name in query.names)
    return bool(_CAUSAL.match(sentence)) or any(_match(w, content_stems(previous)) for w in query.wanted)


def subject_covered(item: Evidence, question: str) -> float:
    """Share of the question's subject words (not its names or frame) that the item contains."""
    names = content_stems(" ".join(names_in(question)))
    subject = content_stems(question) - _FRAME - names
    if not subject:
        return 1.0
    return sum(_match(w, set(item.stems)) > 0 for w in subject) / len(subject)


def select(ranked: list[Evidence], limit: int, min_score: float = 1.0) -> list[Evidence]:
    """The best item first, then items that add something new (content stems not yet shown)."""
    chosen: list[Evidence] = []
    shown: set[str] = set()
    for item in ranked:
        if len(chosen) == limit:
            break
        if chosen and item.score < max(min_score, chosen[0].score / 3):
            break  # far weaker than the best: it would answer another question
        if any(_overlaps(item, c) for c in chosen):
            continue
        new = item.stems - shown
        if chosen and len(new) < 3:
            continue  # repeats what the answer already says
        chosen.append(item)
        shown |= item.stems
    return chosen


def _overlaps(a: Evidence, b: Evidence) -> bool:
    return a.n == b.n and a.start < b.end and b.start < a.end
