"""Turn raw model output into an answer whose every marker points at a passage that backs it."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from assistant.core.types import Citation, Passage, SentenceCheck
from assistant.rag.evidence import points_back
from assistant.rag.prompts import NOT_FOUND
from assistant.text.answer_form import CUT_OFF, entities, occurs, sentence_problems
from assistant.text.attribution import claimed_holders, names_in, people_in, same_person
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
_NAME_GLUE = frozenset("de het een van voor en der den op in the of".split())  # between a name's words
COPIED_SHARE = 0.5  # of a quote's words, that a written sentence repeating them is a copy and not a summary
CLAIM_SUPPORT = 0.8  # share of a written sentence's content words its quote must hold (tuned on the eval)
VIEW_SUPPORT = 1.0  # … and of a sentence that says what someone thinks: a view is exactly what its quote says
_LEADING = re.compile(r"^\s*\[\s*\d+")
_TRAILING = re.compile(r"([.!?…:;]+[’”'\"]*)$")
_QUOTES = (("‘", "’"), ("“", "”"))


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
    """The claim with its markers before its closing punctuation ("… burgers [1]."), and its quotation
    marks paired: a sentence cut from a longer quotation is shown as a whole one."""
    match = _TRAILING.search(claim)
    body, tail = (claim[: match.start()], match.group(1)) if match else (claim, ".")
    for opening, closing in _QUOTES:
        opened = _count(body, opening) - _count(body, closing)
        if closing in tail and opened <= 0:
            tail = tail.replace(closing, "")  # closes a quotation opened in an earlier sentence, not shown here
        elif closing not in tail and opened > 0:
            tail += closing  # the quotation goes on in the next sentence, not shown here: closed where it stops
    return f"{body.rstrip()} {markers}{tail}"


def _count(text: str, mark: str) -> int:
    """How often a quotation mark occurs in a text; not ’ as an apostrophe ("zo’n")."""
    return len(re.findall(rf"(?<!\w){mark}|{mark}(?!\w)", text))


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


def speaker_named(checked: Checked, author_of: Callable[[str], str | None]) -> Checked:
    """The answer to a "Wie …?" question, its first sentence saying who says it where the quote does not.

    "En, niet onbelangrijk, medewerkers zullen anders opgeleid moeten worden, wat mij betreft … [1]."
    answers "Wie vindt dat …?" only for a reader who opens the citation; as "Jet Bussemaker schrijft:
    ‘En, niet onbelangrijk, …’ [1]." it answers it. Only a verbatim quote that names no one is changed,
    with the speaker recorded for it (`Citation.speaker`; `author_of` tells "schrijft" from "zegt").
    """
    spans = split_sentences(checked.text)
    if checked.refused or not spans:
        return checked
    first = checked.text[spans[0][0] : spans[0][1]]
    numbers = _valid_numbers(first, len(checked.citations))
    plain = MARKER.sub("", first).strip()
    if not numbers or people_in(plain[1:]) or any(mark in plain for mark in "‘’“”\""):
        return checked
    cited = checked.citations[numbers[0] - 1]
    body = plain.rstrip(".!?")
    if not cited.speaker or cited.is_comment or normalize_space(body) not in normalize_space(cited.quote):
        return checked
    verb = "schrijft" if same_person(cited.speaker, author_of(cited.source) or "") else "zegt"
    named = f"{cited.speaker} {verb}: ‘{body}’ [{', '.join(map(str, numbers))}]."
    text = checked.text[: spans[0][0]] + named + checked.text[spans[0][1] :]
    return replace(checked, text=text)


def with_evidence(written: Checked, evidence: Checked, covered: float = 0.5, copied: float = 0.8) -> Checked:
    """The written answer, with each evidence sentence whose words it does not already carry.

    The model may only add: its checked sentences lead, and no fact of the extractive answer is lost.
    An evidence sentence counts as carried when `covered` of its content words and every name and
    number it holds are in the written text ("Jet Bussemaker was voorzitter" does not carry "… en
    voormalig staatssecretaris van Volksgezondheid"). One that is not carried takes the place of a
    written sentence that only copies it (`copied` of that sentence's words are the quote's): a near copy
    that loses a fact adds nothing, and the two together read as a repetition. Any other follows.
    Citations are merged (one number per quoted span) and numbered 1..m in order of use.
    """
    parts = [(written.text[a:b], written.citations) for a, b in split_sentences(written.text)]
    plain = MARKER.sub("", written.text).casefold()
    said = content_stems(plain)
    copies = [frozenset(content_stems(MARKER.sub("", text))) for text, _ in parts]
    changed = False
    for start, end in split_sentences(evidence.text):
        sentence = evidence.text[start:end]
        stems = content_stems(MARKER.sub("", sentence))
        carried = not stems or len(stems & said) / len(stems) >= covered
        if carried and all(occurs(name, plain) for name in entities(MARKER.sub("", sentence))):
            continue
        said |= stems
        changed = True
        copy = next((i for i, own in enumerate(copies) if _copies(parts[i][0], own, stems, copied)), None)
        if copy is None:
            parts.append((sentence, evidence.citations))
        else:
            parts[copy] = (sentence, evidence.citations)
            copies[copy] = frozenset()  # one quote per written sentence
    kept = _without_repeats(parts)
    if not changed and len(kept) == len(parts):
        return written
    text, citations = _merged(kept)
    return Checked(text, citations, written.checks, False)


def _without_repeats(parts: list[tuple[str, tuple[Citation, ...]]]) -> list[tuple[str, tuple[Citation, ...]]]:
    """The sentences less those that add nothing: a bare name after the first sentence ("De Wetenschappelijke
    Raad voor het Regeringsbeleid [3].": only as the opening does a name answer "wie"), and one whose words
    (`CLAIM_SUPPORT` of them) an earlier sentence citing the same text already says: "Dit zou betreft
    minder specialismen in de diepte [1]." after the quote itself."""
    kept: list[tuple[str, tuple[Citation, ...]]] = []
    seen: list[tuple[frozenset[str], list[Citation]]] = []
    for sentence, own in parts:
        plain = MARKER.sub("", sentence)
        stems = frozenset(content_stems(plain) - _REPORTING)
        spans = [own[n - 1] for n in _valid_numbers(sentence, len(own))]
        if kept and _only_names(plain):
            continue
        if stems and any(_overlap(spans, cited) and len(stems & said) / len(stems) >= CLAIM_SUPPORT for said, cited in seen):
            continue
        kept.append((sentence, own))
        seen.append((stems, spans))
    return kept


def _overlap(some: list[Citation], others: list[Citation]) -> bool:
    """Whether two sentences cite overlapping text of one article."""
    return any(a.source == b.source and a.start < b.end and b.start < a.end for a in some for b in others)


def _only_names(sentence: str) -> bool:
    """Whether a sentence is nothing but names ("Pieter van Vollenhoven.", "De Wetenschappelijke Raad voor
    het Regeringsbeleid.")."""
    names = names_in(sentence)
    rest = sentence
    for name in names:
        rest = rest.replace(name, " ")
    return bool(names) and all(w.casefold() in _NAME_GLUE for w in re.findall(r"[\w’'-]+", rest))


def _copies(sentence: str, own: frozenset[str], quote: set[str], copied: float) -> bool:
    """Whether a written sentence is a copy of a quote rather than a summary of it: `copied` of its words
    are the quote's, and it repeats half the quote or opens by pointing at nothing ("Dit is een goede zet").
    "Lex Staal is de directeur van Sociaal Werk Nederland" sums up a longer quote and stays before it; a
    name alone opens an answer to "wie".
    """
    if not own or len(own & quote) / len(own) < copied or _only_names(MARKER.sub("", sentence)):
        return False
    return len(own & quote) / len(quote) >= COPIED_SHARE or points_back(sentence)


def _merged(parts: list[tuple[str, tuple[Citation, ...]]]) -> tuple[str, tuple[Citation, ...]]:
    """Sentences whose markers number their own citations, as one text numbered 1..m in order of use."""
    number: dict[tuple[str, int, int], int] = {}
    citations: list[Citation] = []
    texts = []
    for sentence, own in parts:

        def renumber(match: re.Match[str], own: tuple[Citation, ...] = own) -> str:
            numbers = []
            for n in re.findall(r"\d+", match.group(1)):
                old = own[int(n) - 1]
                key = (old.source, old.start, old.end)
                if key not in number:
                    number[key] = len(citations) + 1
                    citations.append(replace(old, n=number[key]))
                numbers.append(str(number[key]))
            return f" [{', '.join(dict.fromkeys(numbers))}]"

        texts.append(MARKER.sub(renumber, sentence))
    return " ".join(texts), tuple(citations)
