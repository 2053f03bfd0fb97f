"""The answering service: question (+ history) → retrieval → LLM or extraction → checked citations."""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import re
import threading
import time
import unicodedata
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from assistant.rag import prompts
from assistant.rag.attribution_check import AttributionChecker
from assistant.text import language
from assistant.text.attribution import names_in, people_in, same_person
from assistant.core.types import Answer, Event, Passage, SentenceCheck, Status, Token
from assistant.rag.citations import MARKER, Checked, check_answer, says_not_found, speaker_named, with_evidence
from assistant.rag.trim import trim
from assistant.core.errors import BackendUnavailable, BadQuestion, Cancelled, ModelMissing, WelzijnError
from assistant.rag import followup, grounding, warm
from assistant.rag.evidence import Evidence, Voices, rank, select
from assistant.rag.extractive import extract, from_ranked
from assistant.rag.grounding import Ground
from assistant.rag.keyterms import KeyTerms
from assistant.rag.queue import GenerationGate
from assistant.rag.records import ConversationLog
from assistant.rag.relevance import judge
from assistant.text.injection import without_instructions

if TYPE_CHECKING:
    from llama_index.core.llms import LLM

    from assistant.rag.retriever import Knowledge, Snapshot
    from assistant.core.settings import Settings

History = Sequence[dict[str, str]]
MAX_PROMPT_TOKENS = 350  # on two cores every 100 prompt tokens cost about a second before the first word
ANSWER_TOKENS = 120  # three short sentences with their markers; the grammar ends the answer sooner
_REFUSAL = {
    "nl": "De artikelen geven geen antwoord op deze vraag.",
    "en": "The articles do not answer this question.",
}
_SUGGEST = {"nl": "Verwante passages:", "en": "Related passages:"}


def clean_question(question: object, max_chars: int) -> str:
    """The question as text, or a `BadQuestion` that says what is wrong with it."""
    if not isinstance(question, str):
        raise BadQuestion("De vraag moet tekst zijn.")
    text = "".join(ch for ch in question if ch in "\n\t" or unicodedata.category(ch)[0] != "C")
    text = " ".join(text.split())
    if not text:
        raise BadQuestion("Stel een vraag: de vraag is leeg.")
    if len(text) > max_chars:
        raise BadQuestion(f"De vraag is te lang ({len(text)} tekens, maximaal {max_chars}). Maak hem korter.")
    return text


class Assistant:
    """Answers questions from the knowledge base with the configured (or a chosen) backend."""

    def __init__(self, settings: Settings, knowledge: Knowledge, llms: dict[str, LLM | None] | None = None) -> None:
        self.settings = settings
        self.knowledge = knowledge
        self.conversations = ConversationLog(settings.storage, enabled=settings.answering.log_conversations)
        self._llms: dict[str, LLM | None] = dict(llms or {})
        self._lock = threading.Lock()
        self.gate = GenerationGate.from_settings(settings.limits)
        self.attribution = AttributionChecker()

    def llm(self, backend: str) -> LLM | None:
        """The backend's LLM, created once and shared (its weights are loaded on first use)."""
        from assistant.models.llms import make_llm

        with self._lock:
            if backend not in self._llms:
                self._llms[backend] = make_llm(self.settings, backend)
            return self._llms[backend]

    def warm_up(self, backend: str | None = None) -> None:
        """Load the index, the embedding model and the backend's LLM now instead of on the first question."""
        self.knowledge.retrieve("welzijn")
        index = self.knowledge.snapshot()
        self.attribution.warm_up(index.articles(), index.version(), index.sentences())
        llm, _, _ = self._resolve(backend or self.settings.llm.backend)
        load = getattr(llm, "load", None)
        if callable(load):  # an in-process model: load it, and run it once (`warm.first_generation`)
            load()
            warm.first_generation(llm)

    def answer(
        self, question: str, history: History = (), backend: str | None = None, channel: str | None = None
    ) -> Answer:
        """One complete answer."""
        for event in self.stream(question, history, backend, channel):
            if isinstance(event, Answer):
                return event
        raise WelzijnError("Er kwam geen antwoord.")  # stream() always ends with an Answer

    def stream(
        self, question: str, history: History = (), backend: str | None = None, channel: str | None = None,
        cancel: threading.Event | None = None,
    ) -> Iterator[Event]:
        """Status lines, the ranked evidence (`EvidenceFound`, before a model writes from it) and answer tokens as
        they come, then the checked `Answer` as the last event.

        With a `channel` (cli, api, widget, ui) the answer also goes to the conversation log; evaluations
        and benchmarks pass none. Setting `cancel` (the caller went away, or pressed Stop) ends the
        stream with `Cancelled` at the next token, or at once while it waits for the model; closing the
        iterator does the same. Either way the queue place and the model's slot are given back.
        """
        clean_question(question, self.settings.answering.max_question_chars)  # a bad question is told so, not queued
        with self._admission(backend or self.settings.llm.backend):  # `Busy` before the first event
            with contextlib.closing(self._stream(question, history, backend, cancel)) as events:
                for event in events:  # closed with this generator, so the model's slot is freed at once
                    if channel is not None and isinstance(event, Answer):
                        self.conversations.record(channel, event)
                    yield event

    def _admission(self, backend: str) -> contextlib.AbstractContextManager[None]:
        """A place in the generation queue when an LLM writes the answer; extraction is cheap and needs none."""
        try:
            uses_llm = self._resolve(backend)[0] is not None
        except WelzijnError:
            uses_llm = False  # the answer itself reports this error
        return self.gate.admit() if uses_llm else contextlib.nullcontext()

    def _llm_text(
        self, llm: LLM, messages: list, backend: str, cancel: threading.Event | None, **kwargs: object
    ) -> Iterator[str]:
        """The LLM's streamed text, generated while holding one of the gate's slots; stops when cancelled."""
        with self.gate.slot(cancel):
            parts = _generate(llm, messages, backend, **kwargs)
            try:
                after_stop = 0
                for delta in parts:
                    if cancel is not None and cancel.is_set():
                        after_stop += 1
                        raise Cancelled(stage="writing", tokens_after_stop=after_stop)
                    yield delta
                    if cancel is not None and cancel.is_set():
                        raise Cancelled(stage="writing")
            finally:
                parts.close()  # stops the model at once: it writes no token nobody reads

    def _stream(
        self, question: str, history: History, backend: str | None, cancel: threading.Event | None
    ) -> Iterator[Event]:
        began = time.perf_counter()
        retrieval = self.settings.retrieval
        question = clean_question(question, self.settings.answering.max_question_chars)
        history = _clean_history(history, self.settings.answering.max_history_turns)
        backend = backend or self.settings.llm.backend
        llm, backend, notice = self._resolve(backend)
        lang = language.detect(question)
        standalone = question
        if history:
            yield Status("Vervolgvraag begrijpen…")
            try:
                standalone = self._condense(question, history, llm, cancel)
            except (BackendUnavailable, ModelMissing) as exc:  # also a model file that fails to load
                llm, backend, notice = self._fallback(exc)
                standalone = self._condense(question, history, None, cancel)
        yield Status("Zoeken in de artikelen…")
        index = self.knowledge.snapshot()  # the whole answer reads one version, also while a new one goes live
        ranking = index.ranking(_retrieval_query(standalone, history))
        # The answer reads the articles of the people the question names first; whether the articles cover
        # the question at all, and whether a named person speaks on its topic, is judged without that boost.
        passages = ranking.top(retrieval.top_k, people_in(standalone))
        plain = ranking.top(retrieval.top_k)
        timings = {"retrieval": _ms(began)}
        context = self._excerpts(passages, standalone)
        verdict = judge(
            standalone, plain[: retrieval.context_passages], self._excerpts(plain, standalone), lang,
            retrieval.min_relevance, retrieval.min_coverage, asked=question,
        )
        if not verdict.answerable:
            timings |= {"first_token": _ms(began), "total": _ms(began)}
            yield self._refusal(question, standalone, passages, timings, backend, notice, lang)
            return
        # A named person must speak where the topic is: a trap is refused before any model is asked.
        attributed = self.attribution.check(
            _holder_question(question, standalone), plain, index.articles(), index.version(), index.sentences()
        )
        if not attributed.ok:
            timings |= {"first_token": _ms(began), "total": _ms(began)}
            yield self._refusal(
                question, standalone, passages, timings, backend, notice, lang, attributed.checks,
                text=attributed.message, pointer=attributed.pointer,
            )
            return
        raw, prompt_tokens = "", 0
        whole = self._whole(passages)
        # Ranked once: the model writes from it, and its answer must be no worse than the extractive one.
        voices = self._voices(whole, index)
        ranked = rank(standalone, whole, asked=question, voices=voices) if llm is not None else []
        ground = self._ground(ranked, whole, index) if llm is not None else None
        if ground:  # shown while the model writes (an extractive answer is the evidence itself)
            yield ground.found()
        if llm is not None:
            timings["ranked"] = _ms(began)  # the evidence the model writes from is ready
            yield Status("Antwoord schrijven…")
            try:
                messages, options, ground, prompt_tokens = self._prompt(question, standalone, context, ground, lang, llm)
                for delta in self._llm_text(llm, messages, backend, cancel, **options):
                    if not raw:
                        timings["first_token"] = _ms(began)
                    raw += delta
                    yield Token(delta)
            except (BackendUnavailable, ModelMissing) as exc:  # also a model file that fails to load
                if raw:
                    raise  # half an answer was shown: say so rather than switch midway
                llm, backend, notice = self._fallback(exc)
        if llm is None:
            raw, context = extract(standalone, whole, asked=question, voices=voices), whole  # it quotes sentences: whole passages
            timings["first_token"] = _ms(began)
            yield Token(raw)
        else:
            timings["generated"] = _ms(began)  # the model is done: what follows is checking
            context = list(ground.passages) if ground else context  # the model cited the evidence items
            raw = prompts.quoted_labels(raw, ground) if ground else raw
        timings.setdefault("first_token", _ms(began))
        speakers = [ground.allowed_speakers(n) for n in range(1, len(ground) + 1)] if llm and ground else None
        checked = check_answer(raw, context, self.settings.answering.support_threshold, speakers)
        if llm is not None and not says_not_found(raw):  # the model may still judge the evidence off-topic
            evidence = check_answer(from_ranked(ranked, question), whole, self.settings.answering.support_threshold)
            checked, notice = self._no_worse_than_evidence(checked, evidence, question, ground, notice)
        timings["total"] = _ms(began)
        if checked.refused:
            yield self._refusal(
                question, standalone, passages, timings, backend, notice, lang, attributed.checks + checked.checks
            )
            return
        checked = self._with_speakers(checked, index)
        if _WHO.match(question):
            checked = speaker_named(checked, lambda source: getattr(index.articles().get(source), "author", None))
        yield Answer(
            question=question, answer=checked.text, refused=False, citations=checked.citations,
            retrieved=tuple(passages), timings_ms=timings, backend=backend, standalone_question=standalone,
            checks=attributed.checks + checked.checks, notice=notice, prompt_tokens=prompt_tokens,
        )

    def _excerpts(self, passages: list[Passage], question: str) -> list[Passage]:
        """The first passages, each cut to the part of `context_chars` that best matches the question."""
        retrieval = self.settings.retrieval
        return [trim(p, question, retrieval.context_chars) for p in passages[: retrieval.context_passages]]

    def _whole(self, passages: list[Passage]) -> list[Passage]:
        """The passages an answer may use, whole, with any instruction to a model blanked out."""
        return [without_instructions(p) for p in passages[: self.settings.retrieval.context_passages]]

    def _speakers(self, index: Snapshot, source: str, start: int, end: int) -> tuple[str, ...]:
        """Who says the article text [start:end] of `source` (the person quoted, else the author)."""
        article = index.articles().get(source)
        if article is None:
            return ()
        return self.attribution.speakers(article, index.version(), start, end, index.sentences())

    def _voices(self, whole: list[Passage], index: Snapshot) -> Voices:
        """Who says a stretch of passage n's text (passage offsets), and its article's whole text."""

        def said(n: int, start: int, end: int) -> tuple[str, ...]:
            passage = whole[n - 1]
            return self._speakers(index, passage.source, passage.start + start, passage.start + end)

        def article(n: int) -> str:
            found = index.articles().get(whole[n - 1].source)
            return found.text if found else whole[n - 1].text

        return Voices(said, article)

    def _ground(self, ranked: list[Evidence], whole: list[Passage], index: Snapshot) -> Ground | None:
        """The ranked evidence, labelled with who says it, that the model writes from (None: there is none)."""
        chosen = select(ranked, grounding.MAX_ITEMS)
        if not chosen:
            return None
        articles = index.articles()

        def speakers(passage: Passage, start: int, end: int) -> tuple[str, ...]:
            return self._speakers(index, passage.source, start, end)

        def authorship(source: str) -> tuple[str, str]:
            article = articles.get(source)
            year = re.search(r"(?:19|20)\d\d", article.date or "") if article else None
            return (article.author or "") if article else "", year.group() if year else ""

        return grounding.ground(chosen, whole, speakers, authorship)

    def _with_speakers(self, checked: Checked, index: Snapshot) -> Checked:
        """Each citation with who says its quote (the person quoted, else the author; none for a comment)."""
        cited = []
        for c in checked.citations:
            said = self._speakers(index, c.source, c.start, c.end)
            cited.append(dataclasses.replace(c, speaker=said[0] if said and not c.is_comment else ""))
        return dataclasses.replace(checked, citations=tuple(cited))

    def _no_worse_than_evidence(
        self, checked: Checked, evidence: Checked, question: str, ground: Ground | None, notice: str
    ) -> tuple[Checked, str]:
        """The written answer, unless it names someone else than the evidence or loses its facts.

        Small models answer "Wie vindt dat …?" with a person from a neighbouring sentence, and drop
        the names and numbers a sentence turns on. Who said what is the point of the answer, so then
        the reader gets the evidence itself (the extractive answer), and `checks` says why.
        """
        if evidence.refused:  # no evidence answers it (e.g. no number about what a "hoeveel" asks): nor does the model
            record = SentenceCheck("de citaten beantwoorden de vraag niet; geen geschreven antwoord", (), 0.0, False)
            return Checked("", (), checked.checks + (record,), True), notice
        if checked.refused:  # nothing the model wrote stands: the evidence does
            record = SentenceCheck("het geschreven antwoord hield geen stand; de letterlijke zinnen", (), 0.0, False)
            return Checked(evidence.text, evidence.citations, checked.checks + evidence.checks + (record,), False), notice
        written = MARKER.sub("", checked.text)
        first = evidence.text.split(" [", 1)[0]
        why, problem = "", ""
        if _WHO.match(question):
            # Who the best evidence names, or who says it: the answer must name one of them.
            wanted = [*names_in(first), *(ground.allowed_speakers(1) if ground else ())]
            named = names_in(written)
            if wanted and not any(same_person(n, w) for n in named for w in wanted):
                problem = f"noemt niet wie het bewijs noemt ({', '.join(dict.fromkeys(wanted))})"
                why = "Het taalmodel noemde een andere persoon dan de bronnen; daarom de letterlijke zinnen uit de bronnen."
        else:  # a "Wie" answer is the name: the evidence's other words are not what was asked
            problem = KeyTerms.of(first, question).lost_by(written, MARKER.sub("", evidence.text))
        if not problem:
            return with_evidence(checked, evidence), notice  # the model may only add to the evidence
        record = SentenceCheck(f"{written} → {problem}; vervangen door de letterlijke zinnen", (), 0.0, False)
        replaced = Checked(evidence.text, evidence.citations, checked.checks + evidence.checks + (record,), False)
        return replaced, " ".join(x for x in (notice, why) if x)

    def _resolve(self, backend: str) -> tuple[LLM | None, str, str]:
        """The LLM to use, falling back to extraction (with a notice) when the backend is unusable."""
        try:
            return self.llm(backend), backend, ""
        except (ModelMissing, BackendUnavailable) as exc:
            return self._fallback(exc)

    def _fallback(self, exc: WelzijnError) -> tuple[None, str, str]:
        """Extraction instead of the LLM, when the settings allow it; otherwise the error stands."""
        if not self.settings.llm.fallback_to_extractive:
            raise exc
        return None, "extractive", f"{exc} Daarom een extractief antwoord (letterlijke zinnen)."

    def _condense(self, question: str, history: History, llm: LLM | None, cancel: threading.Event | None) -> str:
        """A standalone version of a follow-up question, for retrieval: by rules where they can tell,
        else by the model (one short generation), else the earlier questions supply the missing words."""
        earlier = [m["content"] for m in history if m["role"] == "user"][-2:]
        last_question = earlier[-1] if earlier else ""
        resolved = followup.resolve(question, history)
        if resolved is not None:
            return resolved
        if llm is None:
            return " ".join([*earlier, question])
        from llama_index.core.base.llms.types import ChatMessage

        prompt = prompts.CONDENSE.format(history=prompts.format_history(list(history)), question=question)
        message = ChatMessage(role="user", content=prompt)
        reply = "".join(self._llm_text(llm, [message], "condense", cancel, max_tokens=60))
        reply = " ".join(reply.split()).strip('"“” ')
        return reply if 5 < len(reply) < 400 else f"{last_question} {question}"

    def _prompt(
        self, question: str, standalone: str, context: list[Passage], ground: Ground | None, lang: str, llm: LLM
    ) -> tuple[list, dict[str, object], Ground | None, int]:
        """The messages for the model, its options (the grammar that shapes the answer, where supported),
        the evidence items the messages hold, and the prompt's tokens (0 where the backend cannot count).

        With ranked evidence the model reads only those labelled items, as many as fit the prompt's
        token budget; without (nothing ranked well enough) it reads the trimmed passages as before.
        """
        from llama_index.core.base.llms.types import ChatMessage

        asked = question if standalone == question else f"{question} (bedoeld: {standalone})"
        if not ground:
            user = prompts.ANSWER.format(
                sources=prompts.format_sources(context), question=asked, language=language.name(lang)
            )
            messages = [ChatMessage(role="system", content=prompts.SYSTEM), ChatMessage(role="user", content=user)]
            return messages, {}, None, _prompt_tokens(llm, messages)
        while True:
            user = prompts.EVIDENCE_ANSWER.format(
                evidence=prompts.format_evidence(ground), question=asked, language=language.name(lang)
            )
            messages = [ChatMessage(role="system", content=prompts.EVIDENCE_SYSTEM), ChatMessage(role="user", content=user)]
            tokens = _prompt_tokens(llm, messages)
            if len(ground) == 1 or tokens <= MAX_PROMPT_TOKENS:
                break
            ground = ground.first(len(ground) - 1)  # the weakest item goes first
        options: dict[str, object] = {"max_tokens": ANSWER_TOKENS} if getattr(llm, "supports_grammar", False) else {}
        if self.settings.answering.answer_grammar and options:
            options["grammar"] = prompts.answer_grammar(len(ground))
        return messages, options, ground, tokens

    def _refusal(
        self, question, standalone, passages, timings, backend, notice, lang, checks=(), text="", pointer=None
    ) -> Answer:
        # One suggestion per article: the best passage of each of the top articles (the pointer's first).
        best: dict[str, Passage] = {pointer.source: pointer} if pointer is not None else {}
        for passage in passages:
            best.setdefault(passage.source, passage)
        suggestions = tuple(best.values())[:3]
        if not text:
            text = _REFUSAL[lang]
            if suggestions:
                text += " " + _SUGGEST[lang] + " " + "; ".join(f"‘{p.title}’" for p in suggestions) + "."
        return Answer(
            question=question, answer=text, refused=True, citations=(), retrieved=tuple(passages),
            timings_ms=timings, backend=backend, standalone_question=standalone, checks=tuple(checks),
            notice=notice, suggestions=suggestions,
        )


_WHO = re.compile(r"^\s*(?:wie|who)\b", re.IGNORECASE)


def _holder_question(question: str, standalone: str) -> str:
    """The question whose named people are checked: as typed, or its rewrite when it names no one ("hij")."""
    return question if names_in(question) or standalone == question else standalone


def _retrieval_query(standalone: str, history: History) -> str:
    """The rewritten question, plus the previous question when the rewrite may have dropped its subject."""
    earlier = next((m["content"] for m in reversed(history) if m["role"] == "user"), "")
    return standalone if not earlier or earlier in standalone else f"{standalone} {earlier}"


def _prompt_tokens(llm: LLM, messages: list) -> int:
    """Tokens of the prompt, where the backend can count them (the local model); else 0."""
    count = getattr(llm, "prompt_tokens", None)
    return count(messages) if callable(count) else 0


def _generate(llm: LLM, messages: list, backend: str, **kwargs: object) -> Iterator[str]:
    """The LLM's streamed text; a server that is down or refuses becomes `BackendUnavailable`."""
    from assistant.models.llms import transport_errors

    stream = None
    finished = False
    try:
        stream = llm.stream_chat(messages, **kwargs)
        for part in stream:
            if part.delta:
                yield part.delta
        finished = True
    except transport_errors() as exc:
        raise BackendUnavailable(f"Het taalmodel ({backend}) is niet bereikbaar: {exc}") from exc
    finally:
        close = getattr(stream, "close", None)
        if callable(close):
            close()  # ends the generation (in-process) or the upstream HTTP request (servers)
        if not finished:
            # llama-index's callback wrapper keeps the closed stream's GeneratorExit in a reference
            # cycle with the wrapped generator, so the HTTP response to the LLM server would stay
            # open until the next garbage collection. Collect now: the server stops writing at once.
            gc.collect()


def _clean_history(history: History, turns: int) -> list[dict[str, str]]:
    """The last `turns` question/answer pairs, as role/content dicts with text only."""
    cleaned = [
        {"role": m["role"], "content": str(m["content"])[:2000]}
        for m in history
        if isinstance(m, dict) and m.get("role") in ("user", "assistant") and isinstance(m.get("content"), str)
    ]
    return cleaned[-2 * turns :] if turns else []


def _ms(since: float) -> float:
    return round((time.perf_counter() - since) * 1000, 1)
