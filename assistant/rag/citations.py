"""Turn raw model output into an answer whose every marker points at a passage that backs it."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from assistant.core.types import Citation, Passage, SentenceCheck
from assistant.rag.prompts import NOT_FOUND
from assistant.text.answer_form import CUT_OFF, entities, occurs, sentence_problems
from assistant.text.attribution import claimed_holders, same_person
from assistant.text.scoring import scored_sentences
from assistant.text.sentences import split_sentences
from assistant.text.stems import content_stems, normalize_space, support

MARKER = re.compile(r"\s*\[(\s*\d+(?:\s*[,;]\s*\d+)*\s*)\]")
_LOOSE_MARKER = re.compile(r"\s*\((?:bron|source)\s*(\d+)\)", re.IGNORECASE)
_REFUSAL = re.compile(
    rf"{NOT_FOUND}|niet (?:te vinden |terug te vinden )?in de bronnen|bronnen (?:geven|bevatten) geen"
    r"|not (?:found )?in the sources|sources do not (?:contain|answer|mention)",
    re.IGNORECASE,
)
_REPORTING = content_stems(
    "zegt zei zeggen vindt vond vinden noemt noemde noemen schrijft schreef schrijven stelt stelde meent "
    "meende aldus volgens vertelt vertelde reageert reageerde mening"
)
CLAIM_SUPPORT = 0.8  # share of a written sentence's content words its quote must hold (tuned on the eval)
VIEW_SUPPORT = 1.0  # … and of a sentence that says what someone thinks: a view is exactly what its quote says
_LEADING = re.compile(r"^\s*\[\s*\d+")
_TRAILING = re.compile(r"([.!?…:;]+[’”'\"]*)$")


@dataclass(frozen=True)
class Checked:
    """The repaired answer text with its citations and per-sentence checks."""

    text: str
    citations: tuple[Citation, ...]
    checks: tuple[SentenceCheck, ...]
    refused: bool


def says_not_found(raw: str) -> bool:
    """True when the model states that the sources do not answer the question."""
    return bool(_REFUSAL.search(raw))


def check_answer(
    raw: str, passages: list[Passage], threshold: float, speakers: Sequence[Sequence[str]] | None = None
) -> Checked:
    """Repair markers, drop sentences no passage supports, renumber, and quote the supporting sentences.

    With `speakers` (per passage: who says it, and its author) a sentence that gives a view to someone
    else than the passages it cites is replaced by their text too.
    """
    if says_not_found(raw) or not raw.strip():
        return Checked("", (), (), True)
    text = _markers_last(_LOOSE_MARKER.sub(lambda m: f" [{m.group(1)}]", raw.strip()))
    kept: list[tuple[str, list[int]]] = []
    checks: list[SentenceCheck] = []
    seen: set[str] = set()
    spans = split_sentences(text)
    if spans and _unfinished(raw, text[spans[-1][0] :]):
        spans = spans[:-1]  # the model ran out of tokens mid-sentence: that sentence is not an answer
    for start, end in spans:
        sentence = text[start:end]
        claim = MARKER.sub("", sentence).strip()
        if not claim or not re.search(r"\w", claim):
            continue  # a marker alone on a line, or stray punctuation
        if normalize_space(claim) in seen:
            continue  # small models sometimes repeat a sentence verbatim
        seen.add(normalize_space(claim))
        cited = _valid_numbers(sentence, len(passages))
        numbers, score = _best_support(claim, cited, passages, threshold)
        ok = score >= threshold
        checks.append(SentenceCheck(claim, tuple(numbers), round(score, 3), ok))
        if ok:
            kept.append((claim, numbers))
    if not kept:
        return Checked("", (), tuple(checks), True)
    return _renumber(kept, passages, tuple(checks), speakers)


def _unfinished(raw: str, last: str) -> bool:
    """Whether the model stopped mid-sentence: no closing punctuation and no marker after the last words.

    A last sentence written marker first ("[3] Jet Bussemaker is voor") has its marker, and is unfinished
    when it ends where no sentence ends (on "voor", "de", "en", …).
    """
    if not raw.rstrip()[-1:].isalnum():
        return False
    if not MARKER.search(last):
        return True
    marker_first = MARKER.match(last.lstrip()) or _LEADING.match(raw.strip())
    return bool(marker_first) and CUT_OFF in sentence_problems(MARKER.sub("", last).strip())


def _markers_last(text: str) -> str:
    """'[1] claim [2] other claim' (markers leading their claims, as small models write lists) becomes
    'claim [1]\nother claim [2]', the form the rest of the checks read."""
    if not _LEADING.match(text):
        return text
    parts = MARKER.split(text)  # ['', '1', ' claim ', '2', ' other claim']
    return "\n".join(f"{claim.strip()} [{number}]" for number, claim in zip(parts[1::2], parts[2::2], strict=True) if claim.strip())


def _valid_numbers(sentence: str, n_passages: int) -> list[int]:
    """Marker numbers in a sentence that refer to a passage the model was given, in order."""
    found: list[int] = []
    for group in MARKER.findall(sentence):
        for part in re.split(r"[,;]", group):
            n = int(part)
            if 1 <= n <= n_passages and n not in found:
                found.append(n)
    return found


def _best_support(claim: str, cited: list[int], passages: list[Passage], threshold: float) -> tuple[list[int], float]:
    """The cited passages that back the claim, or else the single passage that backs it best."""
    scored = {n: support(claim, passages[n - 1].text) for n in cited}
    backing = [n for n in cited if scored[n] >= threshold]
    if backing:
        return backing, max(scored[n] for n in backing)
    # Repair: a missing or wrong marker is replaced by the passage that really contains the claim.
    best_n, best = 0, -1.0
    for n, passage in enumerate(passages, 1):
        score = support(claim, passage.text)
        if score > best:
            best_n, best = n, score
    return ([best_n] if best_n else []), max(best, 0.0)


def _renumber(
    kept: list[tuple[str, list[int]]], passages: list[Passage], checks: tuple[SentenceCheck, ...],
    speakers: Sequence[Sequence[str]] | None,
) -> Checked:
    """Number citations 1..m in order of first use; each is the passage sentence(s) backing its claim.

    Two claims citing different sentences of one passage get two citations, so every quote is the
    specific text behind the sentence that carries its number.
    """
    numbers_by_span: dict[tuple[int, int], int] = {}
    citations: list[Citation] = []
    sentences: list[str] = []
    strict: list[SentenceCheck] = []
    for claim, cited in kept:
        markers = ""
        quotes = []
        for n in cited:
            citation = _quote(len(citations) + 1, passages[n - 1], claim)
            if speakers and speakers[n - 1]:
                citation = replace(citation, speaker=speakers[n - 1][0])
            key = (citation.start, citation.end)
            if key not in numbers_by_span:
                numbers_by_span[key] = citation.n
                citations.append(citation)
            quotes.append(citations[numbers_by_span[key] - 1].quote)
            marker = f"[{numbers_by_span[key]}]"
            if marker not in markers:
                markers += marker
        allowed = None if speakers is None else [name for n in cited for name in speakers[n - 1]]
        problem = claim_problem(claim, " ".join(quotes), allowed)
        if problem:
            # The model's wording lost or invented a fact: the reader gets the evidence itself instead.
            strict.append(SentenceCheck(f"{claim} → {problem}; vervangen door het citaat", (), 0.0, False))
            quote, marker = " ".join(quotes[0].split()), markers[: markers.index("]") + 1]
            sentence = " ".join(_with_markers(quote[a:b], marker) for a, b in split_sentences(quote))
        else:
            sentence = _with_markers(claim, markers)
        if sentence not in sentences:
            sentences.append(sentence)
    # Replacements can leave a citation unused: number the ones in use 1..m again, in order of use.
    order: dict[int, int] = {}
    for group in MARKER.findall(" ".join(sentences)):
        order.setdefault(int(group), len(order) + 1)
    text = MARKER.sub(lambda m: m.group(0).split("[")[0] + f"[{order[int(m.group(1))]}]", " ".join(sentences))
    kept_citations = sorted((replace(c, n=order[c.n]) for c in citations if c.n in order), key=lambda c: c.n)
    return Checked(text, tuple(kept_citations), checks + tuple(strict), False)


def claim_problem(claim: str, evidence: str, speakers: Sequence[str] | None = None) -> str:
    """Why a written sentence may not stand next to the evidence it cites ("" when it may).

    Every number and capitalised name must occur in that evidence, and the sentence must be a
    well-formed sentence: no fragment, no lower-case start, no trailing colon, no bare URL. With
    `speakers` (who says the evidence), a view the sentence gives to someone must be one of theirs.
    """
    # A name may come from who says the evidence ("aldus Lex": the label says Lex Staal).
    evidence = " ".join([evidence, *(speakers or ())]).casefold()
    missing = [name for name in entities(claim) if not occurs(name, evidence)]
    if missing:
        return "niet in het citaat: " + ", ".join(missing)
    if speakers is not None:
        # A written sentence may leave words out, not bring its own: "C3 is een organisatie die …"
        # has every name and number of its quote, and still says what the quote does not.
        holders = claimed_holders(claim)
        share = _own_words_supported(claim, evidence)
        # "X vindt de visie positief": what a view is must be the quote's own words, every one of them.
        if share < (VIEW_SUPPORT if holders else CLAIM_SUPPORT):
            return f"eigen woorden ({share:.0%} in het citaat)"
        wrong = [h for h in holders if not any(same_person(h, s) for s in speakers)]
        if wrong:
            said = ", ".join(dict.fromkeys(speakers)) or "onbekend"
            return f"legt de woorden bij {', '.join(wrong)}; het citaat is van {said}"
    return "; ".join(sentence_problems(claim))


def _own_words_supported(claim: str, evidence: str) -> float:
    """Share of the claim's content words in the evidence, not counting words that say who says it."""
    words = content_stems(claim) - _REPORTING
    return len(words & content_stems(evidence)) / len(words) if words else 1.0


def _with_markers(claim: str, markers: str) -> str:
    match = _TRAILING.search(claim)
    body, tail = (claim[: match.start()], match.group(1)) if match else (claim, ".")
    return f"{body.rstrip()} {markers}{tail}"


def _quote(n: int, passage: Passage, claim: str) -> Citation:
    """The passage sentence(s) that best match the claim, located in the article."""
    wanted = content_stems(claim)
    scored = scored_sentences(passage.text, wanted) or [(0, len(passage.text), len(wanted & content_stems(passage.text)))]
    spans = [(s, e) for s, e, _ in scored]
    scores = [h for _, _, h in scored]
    best = max(range(len(spans)), key=scores.__getitem__)
    start, end = spans[best]
    # A claim that spans two sentences of the source gets both, when the neighbour adds enough matches.
    # Not across a blanked-out instruction (a long run of spaces): the quote must be the article's text.
    follows = best + 1 < len(spans) and len(passage.text[spans[best][1] : spans[best + 1][0]]) < 8
    if follows and scores[best + 1] >= max(2, scores[best] // 2):
        end = spans[best + 1][1]
    return Citation(
        n=n,
        source=passage.source,
        title=passage.title,
        quote=passage.text[start:end],
        start=passage.start + start,
        end=passage.start + end,
        is_comment=passage.is_comment,
    )


def with_evidence(written: Checked, evidence: Checked, covered: float = 0.5) -> Checked:
    """The written answer, followed by each evidence sentence whose words it does not already carry.

    The model may only add: its checked sentences lead, and no fact of the extractive answer is lost.
    An evidence sentence counts as carried when `covered` of its content words and every name and
    number it holds are in the written text ("Jet Bussemaker was voorzitter" does not carry "… en
    voormalig staatssecretaris van Volksgezondheid").
    Citations are merged (one number per quoted span) and numbered 1..m in order of use.
    """
    plain = MARKER.sub("", written.text).casefold()
    said = content_stems(plain)
    citations = list(written.citations)
    number = {(c.source, c.start, c.end): c.n for c in citations}
    added: list[str] = []
    for start, end in split_sentences(evidence.text):
        sentence = evidence.text[start:end]
        stems = content_stems(MARKER.sub("", sentence))
        carried = not stems or len(stems & said) / len(stems) >= covered
        if carried and all(occurs(name, plain) for name in entities(MARKER.sub("", sentence))):
            continue
        said |= stems

        def renumber(match: re.Match[str]) -> str:
            old = evidence.citations[int(match.group(1)) - 1]
            key = (old.source, old.start, old.end)
            if key not in number:
                number[key] = len(citations) + 1
                citations.append(replace(old, n=number[key]))
            return f" [{number[key]}]"

        added.append(re.sub(r"\s*\[(\d+)\]", renumber, sentence))
    if not added:
        return written
    return Checked(" ".join([written.text, *added]), tuple(citations), written.checks, False)
