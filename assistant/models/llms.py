"""One factory for the LLM backends; each import happens only when that backend is chosen."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from llama_index.core.base.llms.types import (
    ChatMessage,
    ChatResponse,
    ChatResponseGen,
    CompletionResponse,
    CompletionResponseGen,
    LLMMetadata,
)
from llama_index.core.llms.callbacks import llm_chat_callback, llm_completion_callback
from llama_index.core.llms.custom import CustomLLM
from pydantic import PrivateAttr

from assistant.core.errors import BackendUnavailable, ModelMissing
from assistant.core.settings import backend_names
from assistant.models.gguf_check import check_gguf
from assistant.models.prefix_state import PrefixStates, render

if TYPE_CHECKING:
    from llama_index.core.llms import LLM

    from assistant.core.settings import Settings


def make_llm(settings: Settings, backend: str) -> LLM | None:
    """The llama-index LLM for a backend; None for `extractive`, which needs no model."""
    match backend:
        case "extractive":
            return None
        case "local":
            path = settings.gguf_path
            if not path.is_file():
                raise ModelMissing(f"Het lokale taalmodel ontbreekt ({path}); run `make install` of `welzijn setup`.")
            check_gguf(path)  # a damaged file must fail here, in Python: llama.cpp may abort the process
            return LocalLlamaCpp(
                model_path=str(path),
                context_window=settings.llm.local_context,
                max_new_tokens=settings.llm.max_answer_tokens,
                temperature=settings.llm.temperature,
                n_threads=settings.llm.local_threads,
            )
        case "ollama":
            from llama_index.llms.ollama import Ollama

            return Ollama(
                model=settings.llm.ollama_model,
                base_url=settings.llm.ollama_url,
                request_timeout=settings.llm.llm_timeout,
                temperature=settings.llm.temperature,
                context_window=settings.llm.local_context,
            )
        case "openai":
            from llama_index.llms.openai_like import OpenAILike

            return OpenAILike(
                model=settings.llm.openai_model,
                api_base=settings.llm.openai_url,
                api_key=settings.llm.openai_api_key.get_secret_value(),
                is_chat_model=True,
                timeout=settings.llm.llm_timeout,
                max_retries=0,
                temperature=settings.llm.temperature,
                max_tokens=settings.llm.max_answer_tokens,
                context_window=settings.llm.local_context,
            )
        case _:
            raise BackendUnavailable(f"Onbekende backend {backend!r}: kies {backend_names('of')}.")


def transport_errors() -> tuple[type[BaseException], ...]:
    """Errors that mean "the LLM server could not be used" (down, timed out, refused the request)."""
    import httpx

    errors: list[type[BaseException]] = [ConnectionError, TimeoutError, OSError, httpx.HTTPError]
    try:
        import openai

        errors.append(openai.APIError)
    except ImportError:
        pass
    try:
        import ollama

        errors.append(ollama.ResponseError)
    except ImportError:
        pass
    return tuple(errors)


def chat_prompt_tokens(llama: Any, messages: list[dict[str, str]]) -> int:
    """Tokens of the prompt llama.cpp evaluates: the messages in the model's own chat template."""
    return len(llama.tokenize(render(llama, messages).encode(), add_bos=False, special=True))


class LocalLlamaCpp(CustomLLM):
    """A GGUF model run in-process by llama-cpp-python, using the chat template stored in the file."""

    model_path: str
    context_window: int = 2048
    max_new_tokens: int = 256
    temperature: float = 0.1
    n_threads: int = 2
    _llama: Any = PrivateAttr(default=None)
    _load_error: Any = PrivateAttr(default=None)  # a file that failed once is not loaded again per request
    _lock: Any = PrivateAttr(default_factory=threading.Lock)
    # llama.cpp contexts are not thread-safe: one generation at a time per loaded model.
    _generating: Any = PrivateAttr(default_factory=threading.Lock)
    _grammars: Any = PrivateAttr(default_factory=dict)  # GBNF text → compiled grammar
    _prefixes: Any = PrivateAttr(default_factory=PrefixStates)  # evaluated system messages, reused
    supports_grammar: ClassVar[bool] = True  # `stream_chat(..., grammar=GBNF)` constrains the output

    @property
    def metadata(self) -> LLMMetadata:
        return LLMMetadata(
            context_window=self.context_window,
            num_output=self.max_new_tokens,
            model_name=Path(self.model_path).name,
            is_chat_model=True,
        )

    def _model(self) -> Any:
        """Load the model on first use (a few seconds, ~1.5 GB)."""
        with self._lock:
            if self._load_error is not None:
                raise self._load_error
            if self._llama is None:
                try:
                    from llama_cpp import Llama
                except ImportError as exc:
                    raise BackendUnavailable(
                        "llama-cpp-python is niet geïnstalleerd; run `make install`."
                    ) from exc
                try:
                    self._llama = Llama(
                        model_path=self.model_path,
                        n_ctx=self.context_window,
                        n_threads=self.n_threads,
                        n_threads_batch=self.n_threads,
                        verbose=False,
                    )
                except ValueError as exc:  # llama-cpp raises ValueError for unreadable model files
                    self._load_error = ModelMissing(
                        f"Het taalmodel {self.model_path} kon niet geladen worden ({exc}); is het een GGUF-model "
                        "dat llama.cpp kent?"
                    )
                    raise self._load_error from exc
            return self._llama

    def load(self) -> None:
        self._model()

    # No @llm_chat_callback here: its wrapper hands the GeneratorExit of a stopped answer to the
    # instrumentation, and that reference cycle kept this generator (and the model lock) alive until
    # the next garbage collection. Closing this generator must stop llama.cpp at once.
    def stream_chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponseGen:
        llama = self._model()
        payload = [{"role": m.role.value, "content": m.content or ""} for m in messages]
        max_tokens = kwargs.get("max_tokens", self.max_new_tokens)
        grammar = self._grammar(kwargs["grammar"]) if kwargs.get("grammar") else None

        def gen() -> ChatResponseGen:
            text = ""
            with self._generating:
                self._prefixes.prepare(llama, payload)  # only what follows the system message is evaluated
                stream = llama.create_chat_completion(
                    messages=payload,
                    max_tokens=max_tokens,
                    temperature=self.temperature,
                    repeat_penalty=1.1,
                    grammar=grammar,
                    stream=True,
                )
                for part in stream:
                    delta = part["choices"][0]["delta"].get("content") or ""
                    if delta:
                        text += delta
                        yield ChatResponse(message=ChatMessage(role="assistant", content=text), delta=delta)

        return gen()

    def _grammar(self, gbnf: str) -> Any:
        """The compiled grammar (compiled once per distinct text; a grammar is reset for each use)."""
        from llama_cpp import LlamaGrammar

        with self._lock:
            if gbnf not in self._grammars:
                self._grammars[gbnf] = LlamaGrammar.from_string(gbnf, verbose=False)
            return self._grammars[gbnf]

    def prompt_tokens(self, messages: Sequence[ChatMessage]) -> int:
        """Tokens of the prompt llama.cpp evaluates for these messages."""
        return chat_prompt_tokens(self._model(), [{"role": m.role.value, "content": m.content or ""} for m in messages])

    @llm_chat_callback()
    def chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        last = None
        for last in self.stream_chat(messages, **kwargs):
            pass
        return last or ChatResponse(message=ChatMessage(role="assistant", content=""))

    @llm_completion_callback()
    def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        response = self.chat([ChatMessage(role="user", content=prompt)], **kwargs)
        return CompletionResponse(text=response.message.content or "")

    @llm_completion_callback()
    def stream_complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponseGen:
        for part in self.stream_chat([ChatMessage(role="user", content=prompt)], **kwargs):
            yield CompletionResponse(text=part.message.content or "", delta=part.delta)
