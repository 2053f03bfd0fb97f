"""Test doubles: a scripted LLM that records its calls, and a deterministic bag-of-words embedding."""

from __future__ import annotations

import hashlib
import math
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
