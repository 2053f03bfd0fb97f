"""The embedding model: which one the settings pick, and a wrapper that loads it on first use."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.core.errors import ModelMissing
from assistant.core.settings import BUILTIN_E5

if TYPE_CHECKING:
    from llama_index.core.base.embeddings.base import BaseEmbedding

    from assistant.core.settings import Settings


def resolve_model(settings: Settings) -> str:
    """Path or hub name of the sentence-transformers model the settings pick."""
    if settings.embedding.embed_model == BUILTIN_E5:
        from assistant.models.e5_rebuild import ensure_e5_folder

        return str(ensure_e5_folder(settings.storage.models_dir / "multilingual-e5-small"))
    candidate = Path(settings.embedding.embed_model).expanduser()
    if candidate.exists():
        return str(candidate)
    if "/" in settings.embedding.embed_model and not settings.embedding.embed_model.startswith((".", "/")):
        return settings.embedding.embed_model  # a hub name: works only where the hub can be reached
    raise ModelMissing(f"Embeddingmodel {settings.embedding.embed_model!r} niet gevonden (geen map, geen hub-naam).")


def make_embed_model(settings: Settings) -> BaseEmbedding:
    """The llama-index embedding for the configured model, with the e5 query/passage prefixes."""
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding

    return HuggingFaceEmbedding(
        model_name=resolve_model(settings),
        device="cpu",
        query_instruction=settings.embedding.embed_query_prefix,
        text_instruction=settings.embedding.embed_passage_prefix,
        embed_batch_size=settings.embedding.embed_batch_size,
        normalize=True,
    )


class LazyEmbedder:
    """Builds the embedding model on the first call, so start-up and `--help` load nothing."""

    def __init__(self, factory: Callable[[], BaseEmbedding]) -> None:
        self._factory = factory
        self._model: BaseEmbedding | None = None

    @property
    def model(self) -> BaseEmbedding:
        if self._model is None:
            self._model = self._factory()
        return self._model

    def query(self, text: str) -> list[float]:
        return self.model.get_query_embedding(text)

    def passages(self, texts: Sequence[str]) -> list[list[float]]:
        return self.model.get_text_embedding_batch(list(texts))
