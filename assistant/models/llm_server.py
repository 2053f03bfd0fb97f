"""The bundled model behind llama-cpp-python's own OpenAI-compatible server, set up like the in-process model.

Several `welzijn serve` replicas then share one loaded model: each sets `WELZIJN_BACKEND=openai` and
`WELZIJN_OPENAI_URL=http://<host>:<port>/v1`. The server takes its address from that same URL (unless told
otherwise), the model file, context size and threads from the `llm` section, and the model name and API key
from `openai_model` and `openai_api_key`, so one set of settings fits both sides.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from assistant.core.errors import BackendUnavailable, ModelMissing
from assistant.models.gguf_check import check_gguf

if TYPE_CHECKING:
    from assistant.core.settings import Settings

NO_KEY = "not-needed"  # the default `openai_api_key`: the server then asks for none


def server_address(settings: Settings) -> tuple[str, int]:
    """Host and port of `openai_url` (`http://127.0.0.1:8080/v1` → 127.0.0.1, 8080)."""
    url = urlsplit(settings.llm.openai_url)
    return url.hostname or "127.0.0.1", url.port or (443 if url.scheme == "https" else 80)


def server_options(settings: Settings, host: str, port: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """The llama.cpp server's server and model settings, as plain dicts (what `python -m llama_cpp.server` takes)."""
    path = settings.gguf_path
    if not path.is_file():
        raise ModelMissing(f"Het lokale taalmodel ontbreekt ({path}); run `make install` of `welzijn setup`.")
    check_gguf(path)
    key = settings.llm.openai_api_key.get_secret_value()
    server = {
        "host": host,
        "port": port,
        "api_key": None if key == NO_KEY else key,
        # By default a new request stops the answer being streamed: with several replicas that cuts
        # answers short. Requests wait for the model in turn instead.
        "interrupt_requests": False,
    }
    model = {
        "model": str(path),
        "model_alias": settings.llm.openai_model,
        "n_ctx": settings.llm.local_context,
        "n_threads": settings.llm.local_threads,
        "n_threads_batch": settings.llm.local_threads,
        "verbose": False,
    }
    return server, model


def llm_server_app(settings: Settings, host: str, port: int) -> Any:
    """llama-cpp-python's server app with the model loaded (a few seconds, ~1.5 GB)."""
    server, model = server_options(settings, host, port)
    try:
        from llama_cpp.server.app import create_app
        from llama_cpp.server.settings import ModelSettings, ServerSettings
    except ImportError as exc:
        raise BackendUnavailable(
            f"De server van llama-cpp-python kan niet starten ({exc.name} ontbreekt); run `make install`."
        ) from exc
    return create_app(server_settings=ServerSettings(**server), model_settings=[ModelSettings(**model)])
