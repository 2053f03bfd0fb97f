"""Test doubles: a scripted LLM that records its calls, and a deterministic bag-of-words embedding."""

from __future__ import annotations

import hashlib
import math
import threading
import time
from collections.abc import Sequence
from typing import Any

from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.base.llms.types import (
    ChatMessage,
    ChatResponse,
    ChatResponseGen,
    CompletionResponse,
    CompletionResponseGen,
    LLMMetadata,
)
from llama_index.core.llms.custom import CustomLLM
from pydantic import PrivateAttr

from assistant.text.stems import content_stems

DIM = 512


class HashEmbedding(BaseEmbedding):
    """Hashed content-word stems: texts sharing words are close, so rankings are meaningful."""

    model_name: str = "hash-bow"

    def _vector(self, text: str) -> list[float]:
        vec = [0.0] * DIM
        for stem in content_stems(text):
            vec[int(hashlib.md5(stem.encode()).hexdigest(), 16) % DIM] += 1.0
        norm = math.sqrt(sum(v * v for v in vec)) or 1.0
        return [v / norm for v in vec]

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._vector(query)

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._vector(text)

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._vector(query)


class ScriptedLLM(CustomLLM):
    """Replies with queued texts in order, streaming word by word; records every prompt it got."""

    _replies: list[str] = PrivateAttr(default_factory=list)
    _history: list[list[ChatMessage]] = PrivateAttr(default_factory=list)

    def enqueue(self, *replies: str) -> ScriptedLLM:
        self._replies.extend(replies)
        return self

    @property
    def history(self) -> list[list[ChatMessage]]:
        return self._history

    @property
    def metadata(self) -> LLMMetadata:
        return LLMMetadata(model_name="scripted", is_chat_model=True)

    def _next(self, messages: Sequence[ChatMessage]) -> str:
        self._history.append(list(messages))
        if not self._replies:
            raise AssertionError("ScriptedLLM got a call with no reply queued")
        return self._replies.pop(0)

    def stream_chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponseGen:
        reply = self._next(messages)

        def gen() -> ChatResponseGen:
            text = ""
            for i, word in enumerate(reply.split(" ")):
                delta = word if i == 0 else " " + word
                text += delta
                yield ChatResponse(message=ChatMessage(role="assistant", content=text), delta=delta)

        return gen()

    def chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        return ChatResponse(message=ChatMessage(role="assistant", content=self._next(messages)))

    def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        return CompletionResponse(text=self.chat([ChatMessage(role="user", content=prompt)]).message.content)

    def stream_complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponseGen:
        yield self.complete(prompt)


def drain(events) -> list:
    """Everything an async iterator yields (the chat page's handlers are async generators)."""
    import asyncio

    async def collect() -> list:
        return [item async for item in events]

    return asyncio.run(collect())


class SlowLLM(ScriptedLLM):
    """A scripted LLM that takes `delay` seconds per word and records how many generations overlap.

    `words_out` counts the words it produced in all; `closed` counts generations stopped early.
    """

    delay: float = 0.05
    running: int = 0
    peak: int = 0
    words_out: int = 0
    closed: int = 0

    def stream_chat(self, messages, **kwargs):
        words = super().stream_chat(messages, **kwargs)

        def gen():
            with _SLOW_LOCK:
                self.running += 1
                self.peak = max(self.peak, self.running)
            try:
                for part in words:
                    time.sleep(self.delay)
                    self.words_out += 1
                    yield part
            except GeneratorExit:
                self.closed += 1
                raise
            finally:
                with _SLOW_LOCK:
                    self.running -= 1

        return gen()


_SLOW_LOCK = threading.Lock()


WRR_SOURCE = "003_b4ac6d7293bc88c6.txt"
WRR_QUOTE = "De WRR onderscheidt vier typen burgers: afhankelijke, afzijdige, afwachtende en actieve burgers."


def scripted_answer(question: str, backend: str = "extractive") -> Any:
    """A checked answer with one citation, as the service would return it."""
    from assistant.core.types import Answer, Citation

    citation = Citation(n=1, source=WRR_SOURCE, title="Burgerkracht", quote=WRR_QUOTE, start=120, end=120 + len(WRR_QUOTE))
    return Answer(
        question=question, answer=f"{WRR_QUOTE[:-1]} [1].", refused=False, citations=(citation,), retrieved=(),
        timings_ms={"retrieval": 1.0, "first_token": 1.0, "total": 2.0}, backend=backend,
    )


class FakeKnowledge:
    """The parts of the retriever front ends read: the index version and the article list."""

    def __init__(self, sources: Sequence[str]) -> None:
        from ingest.documents import Article
        from ingest.store import IndexInfo

        self._articles = {s: Article(source=s, title=f"Artikel {s[:3]}", text="Tekst.", blocks=()) for s in sources}
        info = IndexInfo(version="fake-1", collection="fake", embed_model="fake", fingerprint="fake",
                         files={s: "0" * 64 for s in sources}, created=0.0, chunks=len(sources))
        self.store = type("FakeStore", (), {"current": staticmethod(lambda: info)})()

    def version(self) -> str:
        return self.store.current().version

    def articles(self) -> dict[str, Any]:
        return self._articles


class FakeService:
    """The answering service's surface (`Assistant`) with scripted events and recorded calls.

    Front-end tests run on it: no index, no model, so a change to cleaning or retrieval cannot break
    them. `enqueue` takes answers (streamed word by word), project errors (raised when asked), or
    `EvidenceFound` events (sent before the next answer's first word, as a model's answer has them).
    """

    def __init__(self, settings: Any, sources: Sequence[str] = ()) -> None:
        from assistant.rag.queue import GenerationGate
        from assistant.rag.records import ConversationLog

        self.settings = settings
        self.knowledge = FakeKnowledge(sources or [f"00{i}_fake.txt" for i in range(3)] + [WRR_SOURCE, "004_fake.txt"])
        self.conversations = ConversationLog(settings.storage, enabled=settings.answering.log_conversations)
        self.gate = GenerationGate.from_settings(settings.limits)
        self.calls: list[dict[str, Any]] = []
        self._script: list[Any] = []

    def enqueue(self, *items: Any) -> FakeService:
        self._script.extend(items)
        return self

    def stream(self, question: str, history: Sequence[dict] = (), backend: str | None = None,
               channel: str | None = None, cancel: threading.Event | None = None) -> Any:
        from assistant.core.errors import Cancelled, WelzijnError
        from assistant.core.types import EvidenceFound, Status, Token

        self.calls.append({"question": question, "history": list(history), "backend": backend, "channel": channel})
        found = []
        while self._script and isinstance(self._script[0], EvidenceFound):
            found.append(self._script.pop(0))
        item = self._script.pop(0) if self._script else scripted_answer(question, backend or self.settings.llm.backend)
        if isinstance(item, WelzijnError):
            raise item
        yield Status("Zoeken in de artikelen…")
        yield from found
        for i, word in enumerate(item.answer.split(" ")):
            if cancel is not None and cancel.is_set():
                raise Cancelled(stage="writing")
            yield Token(word if i == 0 else " " + word)
        if channel is not None:
            self.conversations.record(channel, item)
        yield item

    def answer(self, question: str, history: Sequence[dict] = (), backend: str | None = None,
               channel: str | None = None) -> Any:
        *_, last = self.stream(question, history, backend, channel)
        return last

    def llm(self, backend: str) -> None:
        return None

    def warm_up(self, backend: str | None = None) -> None:
        return None


def stop_after_tokens(assistant: Any, question: str, backend: str, tokens: int) -> int:
    """Stream an answer and press Stop after `tokens` tokens; the tokens seen (the stream must end `Cancelled`)."""
    import pytest

    from assistant.core.errors import Cancelled
    from assistant.core.types import Token

    cancel = threading.Event()
    seen = 0
    with pytest.raises(Cancelled):
        for event in assistant.stream(question, backend=backend, cancel=cancel):
            seen += isinstance(event, Token)
            if seen == tokens:
                cancel.set()
    return seen
