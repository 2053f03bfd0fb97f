"""Attribution traps: a person whose view a question asks for must speak, or be named, where the topic is.

"Wat zegt Hans Zuiver over de coronapandemie?" names Zuiver, who speaks in one article, and a topic only
another article discusses. Word overlap finds both and the answer would put words in his mouth. Here the
question's view holders ("wat vindt X", "volgens X", "de visie van X", "X zegt") are looked up in the
articles: the sentences they say or are named in, with one sentence either side, must cover the topic
(the question's other subject words, weighted by how rare they are across the articles). When they do
not, and three sentences in a row elsewhere in the retrieved articles do, the topic is someone else's:
the question is refused with a pointer to that article. When nothing covers the topic well the question
is a paraphrase, and it goes on to be answered (or refused) as any other.
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from typing import TYPE_CHECKING

from assistant.core.types import Passage, SentenceCheck
from assistant.rag.relevance import subject_words
from assistant.text.attribution import Attribution, Sentence, names_in, sentences_for_person
from ingest.sentences import attribute_article, from_records
from assistant.text.stems import content_stems

if TYPE_CHECKING:
    from ingest.documents import Article, SentenceRecord

    Stored = dict[str, list[SentenceRecord]]  # per source, as the index version stores them

MIN_COVERAGE = 0.5  # share of the topic's weight the holder's sentences must carry
# ... when three sentences in a row that are no holder's carry this much of it: the topic is someone
# else's. Below it the question's words are a paraphrase no passage matches well, and it is answered.
ELSEWHERE = 0.8
_MIN_STEM = 5  # shorter stems only match exactly
_PARTICLES = {"van", "de", "der", "den", "ten", "ter", "het", "'t", "von"}
_VERBS = (
    "zegt zeggen zei zeiden vindt vinden vond vonden denkt denken dacht meent menen noemt noemen noemde "
    "schrijft schrijven schreef stelt stellen stelde ziet zien pleit pleiten vreest vrezen reageert "
    "reageren reageerde vertelt vertellen vertelde verklaart beweert betoogt constateert constateerde "
    "concludeert adviseert waarschuwt oordeelt kijkt kijken bedoelt verstaat wil willen"
).split()
_VIEW_NOUNS = (
    "visie mening standpunt kijk oordeel opvatting opvattingen kritiek reactie idee ideeën analyse "
    "bezwaar bezwaren twijfels houding"
).split()
_HAS = ("heeft", "hebben", "had")  # "welke kritiek heeft X op …": a view only beside a view noun
_TOPIC = re.compile(r"^\s*(?:,\s*)?(?:over|van|op|aan|naar|tegen|omtrent|ten aanzien van)\s+(?P<topic>.+?)\s*\?*\s*$")


@dataclass(frozen=True)
class AttributionVerdict:
    """Whether every view holder in the question speaks on its topic; if not, what to tell the user."""

    ok: bool
    holders: tuple[str, ...] = ()
    person: str = ""  # the holder who does not
    message: str = ""  # the refusal, with a pointer to the article on the topic where there is one
    pointer: Passage | None = None
    checks: tuple[SentenceCheck, ...] = ()


@dataclass(frozen=True)
class _Attributed:
    article: Article
    sentences: tuple[Sentence, ...]
    attributions: tuple[Attribution, ...]
    stems: tuple[frozenset[str], ...]  # per sentence
    vocabulary: frozenset[str]  # the whole article's


class AttributionChecker:
    """Checks questions against the articles' sentence attributions, computed once per index version."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, str], _Attributed] = {}
        self._lock = threading.Lock()

    def warm_up(self, articles: dict[str, Article], version: str, stored: Stored | None = None) -> None:
        """Read (or, for an older index, find) every article's speakers now rather than in the first question."""
        for article in articles.values():
            self._attributed(article, version, stored)

    def check(
        self, question: str, passages: Sequence[Passage], articles: dict[str, Article], version: str,
        stored: Stored | None = None,
    ) -> AttributionVerdict:
        """The verdict on `question` (as the user typed it) given the retrieved `passages`."""
        corpus = [self._attributed(a, version, stored) for a in articles.values()]
        groups = view_holders(question, [c.article.text for c in corpus])
        if not groups:
            return AttributionVerdict(True)
        holders = tuple(name for group in groups for name in group)
        topic = subject_words(question) - set().union(*(content_stems(n) for n in holders))
        weights = _weights(topic, corpus)
        retrieved = [c for c in corpus if c.article.source in {p.source for p in passages}]
        own: set[tuple[str, int]] = set()  # the holders' sentences and their neighbours
        results = {name: self._coverage(name, weights, retrieved, corpus, own) for name in holders}
        # Only the retrieved articles: over the whole collection a paraphrase's odd word is found somewhere.
        elsewhere, window = _best_window(weights, retrieved, own)
        source = window.source if window else ""
        checks = [_record(name, *results[name], weights) for name in holders]
        failed = ""
        if elsewhere >= ELSEWHERE:
            for group in groups:
                # "volgens Moerbeek en Bruinsma": co-signers; one who speaks on the topic speaks for the group.
                if not any(results[name][0] >= MIN_COVERAGE for name in group):
                    failed = group[0]
                    break
        checks.append(_record_elsewhere(elsewhere, source, failed))
        if not failed:
            return AttributionVerdict(True, holders, checks=tuple(checks))
        pointer = next((p for p in passages if p.source == source), window)
        return AttributionVerdict(
            False, holders, failed, refusal(question, failed, pointer), pointer, tuple(checks)
        )

    def speakers(
        self, article: Article, version: str, start: int, end: int, stored: Stored | None = None
    ) -> tuple[str, ...]:
        """Who says the article's text[start:end]: each sentence's speaker (a quoted person, or the author)."""
        attributed = self._attributed(article, version, stored)
        found = [
            attribution.speaker
            for sentence, attribution in zip(attributed.sentences, attributed.attributions, strict=True)
            if sentence.start < end and start < sentence.end and attribution.speaker
        ]
        return tuple(dict.fromkeys(found))

    def _attributed(self, article: Article, version: str, stored: Stored | None) -> _Attributed:
        key = (version, article.source)
        cached = self._cache.get(key)
        if cached is None:
            cached = _attribute_article(article, (stored or {}).get(article.source))
            with self._lock:
                if any(v != version for v, _ in self._cache):
                    self._cache = {k: v for k, v in self._cache.items() if k[0] == version}
                self._cache[key] = cached
        return cached

    def _coverage(
        self,
        name: str,
        weights: dict[str, float],
        retrieved: Sequence[_Attributed],
        corpus: Sequence[_Attributed],
        own: set[tuple[str, int]],
    ) -> tuple[float, bool]:
        """The share of the topic's weight the person's sentences (and their neighbours) carry; found at all.

        The sentences are added to `own`, as (source, index).
        """
        for articles in (retrieved, corpus):  # an article retrieval missed still counts for who the person is
            present: set[str] = set()
            found = False
            for attributed in articles:
                matches = sentences_for_person(name, attributed.sentences, attributed.attributions)
                for match in matches:
                    found = True
                    for i in range(max(match.index - 1, 0), min(match.index + 2, len(attributed.stems))):
                        present |= attributed.stems[i]
                        own.add((attributed.article.source, i))
            if found:
                total = sum(weights.values())
                if not total:
                    return 1.0, True
                return sum(w for s, w in weights.items() if _covered(s, present)) / total, True
        return 0.0, False


def _weights(topic: set[str], corpus: Sequence[_Attributed]) -> dict[str, float]:
    """Each topic stem that occurs in some article, weighted by rarity; one in no article cannot tell."""
    weights = {}
    for stem in topic:
        df = sum(_covered(stem, c.vocabulary) for c in corpus)
        if df:
            weights[stem] = math.log((len(corpus) + 1) / df)
    return weights


def _attribute_article(article: Article, stored: Sequence[SentenceRecord] | None) -> _Attributed:
    """Sentences, speakers and stems of one article: as the index stores them, else found now."""
    sentences, attributions = from_records(article, list(stored)) if stored else attribute_article(article)
    stems = tuple(frozenset(content_stems(s.text)) for s in sentences)
    return _Attributed(article, sentences, attributions, stems, frozenset().union(*stems))


def view_holders(question: str, texts: Iterable[str] = ()) -> list[tuple[str, ...]]:
    """The people or organisations whose view the question asks for, grouped where joined by "en"."""
    texts = list(texts)
    names = [_known_form(n, texts) for n in names_in(question)]
    has_view_noun = any(re.search(rf"(?<!\w){n}(?!\w)", question, re.I) for n in _VIEW_NOUNS)
    verbs = _VERBS + (list(_HAS) if has_view_noun else [])
    groups: list[list[str]] = []
    previous_end = -1
    for name in names:
        at = question.find(name)
        if at < 0:
            continue
        before = question[:at]
        joined = previous_end >= 0 and re.fullmatch(r"\s*(?:,|en|,?\s*en\s+volgens)\s*", question[previous_end:at])
        if joined and groups:
            groups[-1].append(name)
        elif _holds(before, verbs):
            groups.append([name])
        else:
            previous_end = -1
            continue
        previous_end = at + len(name)
    return [tuple(g) for g in groups]


def _holds(before: str, verbs: Sequence[str]) -> bool:
    """Whether the words before a name make it the holder of a view ("wat vindt", "volgens", "visie van")."""
    lead = r"(?:\s+(?:de|het))?\s+$"
    if re.search(rf"(?<!\w)(?:{'|'.join(verbs)}|volgens|door){lead}", before, re.I):
        return True
    return re.search(rf"(?<!\w)(?:{'|'.join(_VIEW_NOUNS)}|die)\s+van{lead}", before, re.I) is not None


def _known_form(name: str, texts: Sequence[str]) -> str:
    """The longest leading part of a name that the articles use ("Thijs Torreman van de Eigen" → "Thijs Torreman")."""
    tokens = name.split()
    for end in range(len(tokens), 0, -1):
        if end < len(tokens) and tokens[end].casefold() not in _PARTICLES:
            continue
        candidate = " ".join(tokens[:end])
        if any(candidate in text for text in texts):
            return candidate
    return name


def _covered(stem: str, present: Iterable[str]) -> bool:
    """A stem occurs as such, inflected (buurthuis/buurthuiz) or as the head of a compound (buurtbudget)."""
    if stem in present:
        return True
    if len(stem) < _MIN_STEM:
        return False
    for word in present:
        if len(word) < _MIN_STEM:
            continue
        shorter, longer = sorted((stem, word), key=len)
        if len(longer) - len(shorter) <= 2 and longer.startswith(shorter[:-1]):
            return True
        if len(word) >= 6 and stem.endswith(word):
            return True
    return False


def _best_window(
    weights: dict[str, float], articles: Sequence[_Attributed], own: set[tuple[str, int]]
) -> tuple[float, Passage | None]:
    """How much of the topic the best three sentences in a row carry that are no holder's, and those."""
    total = sum(weights.values())
    best: tuple[float, _Attributed | None, int] = (0.0, None, 0)
    if not total:
        return 0.0, None
    for attributed in articles:
        source = attributed.article.source
        for i in range(len(attributed.stems)):
            if (source, i) in own:
                continue
            present = frozenset().union(*attributed.stems[max(i - 1, 0) : i + 2])
            score = sum(w for s, w in weights.items() if _covered(s, present)) / total
            if score > best[0]:
                best = (score, attributed, i)
    score, attributed, i = best
    if attributed is None:
        return 0.0, None
    first, last = attributed.sentences[max(i - 1, 0)], attributed.sentences[min(i + 1, len(attributed.sentences) - 1)]
    article = attributed.article
    window = Passage(
        id=f"{article.source}:{first.start}", source=article.source, title=article.title,
        text=article.text[first.start : last.end], start=first.start, end=last.end, score=0.0,
    )
    return score, window


def topic_phrase(question: str, person: str) -> str:
    """What the question asks the person about: the words after "over", "van", "op" … ("de coronapandemie")."""
    at = question.find(person)
    rest = question[at + len(person) :] if at >= 0 else ""
    match = _TOPIC.match(rest)
    return match.group("topic") if match else ""


def refusal(question: str, person: str, pointer: Passage | None) -> str:
    """"De artikelen zeggen niet wat X daarover vindt. Over <topic> gaat ‘<title>’."."""
    text = f"De artikelen zeggen niet wat {person} daarover vindt."
    if pointer is not None:
        topic = topic_phrase(question, person)
        text += f" Over {topic} gaat ‘{pointer.title}’." if topic else f" Daarover gaat ‘{pointer.title}’."
    return text


def _record_elsewhere(coverage: float, source: str, failed: str) -> SentenceCheck:
    """The decision as a whole: how well the topic is covered where no holder speaks, and the verdict."""
    verdict = f"geweigerd: {failed} spreekt er niet over" if failed else "beantwoord"
    return SentenceCheck(
        sentence=f"toeschrijving: onderwerp elders: {source or '-'}; {verdict}",
        citations=(),
        support=round(coverage, 3),
        supported=not failed,
    )


def _record(name: str, coverage: float, found: bool, weights: dict[str, float]) -> SentenceCheck:
    """The decision for one holder, as a check line: who, what topic, how much of it their sentences carry."""
    topic = ", ".join(sorted(weights)) or "-"
    where = "spreekt of wordt genoemd" if found else "komt in de artikelen niet voor"
    return SentenceCheck(
        sentence=f"toeschrijving: {name} ({where}); onderwerp: {topic}",
        citations=(),
        support=round(coverage, 3),
        supported=found and coverage >= MIN_COVERAGE,
    )
