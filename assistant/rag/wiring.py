"""Wiring: build the assistant from settings (the one place that knows all the parts)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from assistant.models.embedder import LazyEmbedder, make_embed_model
from assistant.rag.retriever import Knowledge
from assistant.rag.service import Assistant

if TYPE_CHECKING:
    from assistant.core.settings import Settings


def build_assistant(settings: Settings) -> Assistant:
    """An assistant over the current index; models load on first use."""
    embedder = LazyEmbedder(lambda: make_embed_model(settings))
    return Assistant(settings, Knowledge(settings.storage, settings.retrieval, embedder))
