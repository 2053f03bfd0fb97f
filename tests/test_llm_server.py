"""`welzijn llm-server`: the bundled model behind llama-cpp-python's OpenAI-compatible server, as the `openai`
backend of the assistant. The slow tests start the real server with the real model."""

from __future__ import annotations

import concurrent.futures
import json
import time

import httpx
import pytest
from pydantic import SecretStr

from tests.conftest import MODELS, make_settings
from tests.test_faults_backends import gguf_bytes
from tests.live import free_port
from tests.servers import llm_server, welzijn_env

GGUF = MODELS / "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"


def test_the_server_is_set_up_like_the_in_process_model(tmp_path):
    from assistant.models.llm_server import server_options

    gguf = tmp_path / "model.gguf"
    gguf.write_bytes(gguf_bytes())  # passes the structural check; never loaded here
    settings = make_settings(tmp_path / "data", local_model_path=gguf, local_context=3072, local_threads=3,
                             openai_model="welzijn-qwen")
    server, model = server_options(settings, "127.0.0.1", 8099)
    assert model == {"model": str(gguf), "model_alias": "welzijn-qwen", "n_ctx": 3072, "n_threads": 3,
                     "n_threads_batch": 3, "verbose": False}
    # A new request must not cut the answer another replica is streaming.
    assert server["interrupt_requests"] is False
    assert server["api_key"] is None and (server["host"], server["port"]) == ("127.0.0.1", 8099)
    keyed = settings.model_copy(update={"openai_api_key": SecretStr("sk-shared")})
    assert server_options(keyed, "127.0.0.1", 8099)[0]["api_key"] == "sk-shared"  # one key for both sides


def test_the_server_listens_where_the_openai_backend_looks(tmp_path):
    from assistant.models.llm_server import server_address

    assert server_address(make_settings(tmp_path)) == ("127.0.0.1", 8080)  # the defaults fit each other
    assert server_address(make_settings(tmp_path, openai_url="http://10.0.0.5:8001/v1")) == ("10.0.0.5", 8001)


def test_a_missing_or_damaged_model_is_a_clear_error(tmp_path):
    from assistant.core.errors import ModelMissing
    from assistant.models.llm_server import server_options

    with pytest.raises(ModelMissing, match="ontbreekt"):
        server_options(make_settings(tmp_path, local_model_path=tmp_path / "nope.gguf"), "127.0.0.1", 1)
    (tmp_path / "bad.gguf").write_bytes(b"not a model at all" * 10)
    with pytest.raises(ModelMissing):
        server_options(make_settings(tmp_path, local_model_path=tmp_path / "bad.gguf"), "127.0.0.1", 1)


def test_the_command_says_what_is_missing_without_a_traceback(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from assistant.cli.app import app

    monkeypatch.setenv("WELZIJN_LOCAL_MODEL_PATH", str(tmp_path / "nope.gguf"))
    result = CliRunner().invoke(app, ["llm-server", "--port", "1"])
    assert result.exit_code == 1
    assert "ontbreekt" in result.output and "Traceback" not in result.output


# --- the real server --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def llm_url(tmp_path_factory):
    if not GGUF.is_file():
        pytest.fail(f"{GGUF} is missing: run `make install` (welzijn setup)")
    folder = tmp_path_factory.mktemp("llm")
    env = welzijn_env(folder / "data", local_model_path=GGUF)
    with llm_server(folder, env, free_port()) as (url, _):
        yield url


def chat(url: str, content: str, max_tokens: int) -> str:
    """A streamed chat completion, as the openai backend asks for it; the text that arrived."""
    body = {"model": "local-model", "stream": True, "max_tokens": max_tokens, "temperature": 0,
            "messages": [{"role": "user", "content": content}]}
    text = ""
    with httpx.stream("POST", f"{url}/chat/completions", json=body, timeout=120) as response:
        for line in response.iter_lines():
            if line.startswith("data: {"):
                text += json.loads(line[6:])["choices"][0]["delta"].get("content") or ""
    return text


@pytest.mark.slow
def test_two_replicas_asking_at_once_both_get_their_whole_answer(llm_url):
    ask = "Count from 1 to 30, separated by commas."
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        first = pool.submit(chat, llm_url, ask, 40)
        time.sleep(0.5)  # the second request arrives while the first answer streams
        second = pool.submit(chat, llm_url, ask, 40)
        first, second = first.result(), second.result()
    # With llama.cpp's default (interrupt_requests) the first stream ends as soon as the second one waits.
    assert first.startswith("1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12") and first == second


@pytest.mark.slow
def test_the_openai_backend_answers_a_real_question_through_the_server(llm_url, real_settings, real_index):
    from assistant.rag.wiring import build_assistant

    settings = real_settings.model_copy(update={"backend": "openai", "openai_url": llm_url, "fallback_to_extractive": False})
    answer = build_assistant(settings).answer("Welke vier typen burgers onderscheidt de WRR?")
    assert answer.backend == "openai" and not answer.refused and not answer.notice
    assert answer.citations and answer.citations[0].source == "003_b4ac6d7293bc88c6.txt"
    assert "afwachtende" in answer.answer and "generated" in answer.timings_ms  # a model wrote it
