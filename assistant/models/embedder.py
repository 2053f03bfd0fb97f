"""The embedding model (loaded on first use) and a cache so unchanged passages are never re-embedded."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.core.errors import ModelMissing, storage_error
from assistant.core.settings import BUILTIN_E5

if TYPE_CHECKING:
    from llama_index.core.base.embeddings.base import BaseEmbedding

    from assistant.core.settings import Settings


def resolve_model(settings: Settings) -> str:
    """Path or hub name of the sentence-transformers model the settings pick."""
    if settings.embed_model == BUILTIN_E5:
        from assistant.models.e5_rebuild import ensure_e5_folder

        return str(ensure_e5_folder(settings.models_dir / "multilingual-e5-small"))
    candidate = Path(settings.embed_model).expanduser()
    if candidate.exists():
        return str(candidate)
    if "/" in settings.embed_model and not settings.embed_model.startswith((".", "/")):
        return settings.embed_model  # a hub name: works only where the hub can be reached
    raise ModelMissing(f"Embeddingmodel {settings.embed_model!r} niet gevonden (geen map, geen hub-naam).")


def make_embed_model(settings: Settings) -> BaseEmbedding:
    """The llama-index embedding for the configured model, with the e5 query/passage prefixes."""
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding

    return HuggingFaceEmbedding(
        model_name=resolve_model(settings),
        device="cpu",
        query_instruction=settings.embed_query_prefix,
        text_instruction=settings.embed_passage_prefix,
        embed_batch_size=settings.embed_batch_size,
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


class EmbeddingCache:
    """Passage vectors keyed by model and text, in SQLite (each write is one transaction)."""

    def __init__(self, path: Path, model_key: str) -> None:
        self._folder = path.parent
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path)
            self._db.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vector BLOB NOT NULL)")
        except (OSError, sqlite3.Error) as exc:
            raise storage_error(path.parent, exc) from exc
        self._model_key = model_key

    def key(self, text: str) -> str:
        return hashlib.sha256(f"{self._model_key}\0{text}".encode()).hexdigest()

    def get_many(self, texts: Sequence[str]) -> dict[str, list[float]]:
        """Cached vectors for the texts that have one, by text."""
        import numpy as np

        keys = {self.key(t): t for t in texts}
        found: dict[str, list[float]] = {}
        items = list(keys)
        for i in range(0, len(items), 500):
            batch = items[i : i + 500]
            rows = self._db.execute(
                f"SELECT key, vector FROM vectors WHERE key IN ({','.join('?' * len(batch))})", batch
            )
            for key, blob in rows:
                found[keys[key]] = np.frombuffer(blob, dtype=np.float32).tolist()
        return found

    def put_many(self, items: dict[str, list[float]]) -> None:
        import numpy as np

        rows = [(self.key(t), np.asarray(v, dtype=np.float32).tobytes()) for t, v in items.items()]
        try:
            with self._db:  # one transaction: a full disk rolls the whole batch back
                self._db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?)", rows)
        except sqlite3.OperationalError as exc:
            raise storage_error(self._folder, exc) from exc

    def close(self) -> None:
        self._db.close()
