"""Load the heavy models once in a background thread, so the server answers requests right away."""

from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING

from fastapi import Request  # at run time: FastAPI reads the dependency's signature

from assistant.core.errors import WelzijnError

if TYPE_CHECKING:
    from assistant.rag.service import Assistant

log = logging.getLogger(__name__)


class Warmup:
    """Runs one retrieval (index + embedding model) and loads the default backend's LLM."""

    def __init__(self, assistant: Assistant, backend: str) -> None:
        self.assistant = assistant
        self.backend = backend
        self.error = ""
        self.seconds: float | None = None
        self._done = threading.Event()
        self._imported = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def status(self) -> str:
        return "ok" if self._done.is_set() else "loading"

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self.run, name="welzijn-warmup", daemon=True)
            self._thread.start()

    def wait(self, timeout: float | None = None) -> bool:
        return self._done.wait(timeout)

    def wait_for_imports(self, timeout: float = 120.0) -> None:
        """Block a request until the answering stack is imported (at once when no warm-up runs)."""
        if self._thread is not None:
            self._imported.wait(timeout)

    def ready(self) -> Assistant:
        """The assistant, once it can take a request: what every handler asks for instead of waiting itself."""
        self.wait_for_imports()
        return self.assistant

    def run(self) -> None:
        began = time.perf_counter()
        try:
            import_answering_stack()
            self._imported.set()
            self.assistant.warm_up(self.backend)
        except WelzijnError as exc:
            # Requests report the same error to the user; here it is only remembered for /api/health.
            self.error = str(exc)
            log.warning("warm-up: %s", exc)
        except ImportError as exc:
            self.error = f"Een onderdeel van de assistent kon niet geladen worden ({exc}): installeer opnieuw."
            log.error("warm-up: %s", exc)
        finally:
            self._imported.set()
            self.seconds = round(time.perf_counter() - began, 2)
            self._done.set()


def ready_service(request: Request) -> Assistant:
    """FastAPI dependency (run in the thread pool): the ready assistant of this app."""
    return request.app.state.warmup.ready()


def import_answering_stack() -> None:
    """Import llama-index, Chroma and the model libraries in one thread, before any request does.

    Two threads importing llama-index for the first time at once can each find it half-initialised
    ("cannot import name 'LLM' from partially initialized module"), which failed the first request.
    """
    import chromadb  # noqa: F401
    import llama_index.core  # noqa: F401
    import llama_index.retrievers.bm25  # noqa: F401
    import llama_index.vector_stores.chroma  # noqa: F401
    import sentence_transformers  # noqa: F401

    import assistant.models.llms  # noqa: F401
    from assistant.core.process import use_one_torch_thread

    use_one_torch_thread()  # once per server, before any request embeds a question
