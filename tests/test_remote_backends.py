"""The ollama and openai backends against small fake servers on 127.0.0.1, and with the server down."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time

import pytest
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse

from assistant.rag.service import Assistant
from assistant.core.errors import BackendUnavailable
from assistant.rag.retriever import Knowledge
from tests.fakes import stop_after_tokens

WRR_Q = "Welke vier typen burgers onderscheidt de WRR?"
REPLY = "De WRR onderscheidt afhankelijke, afzijdige, afwachtende en actieve burgers [1]."


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fake_llm_server() -> tuple[FastAPI, list[dict]]:
    """An OpenAI-compatible and Ollama-compatible chat endpoint that streams REPLY word by word."""
    app = FastAPI()
    seen: list[dict] = []
    words = REPLY.split(" ")

    @app.post("/v1/chat/completions")
    async def openai_chat(request: Request):
        body = await request.json()
        seen.append(body)
        if not body.get("stream"):
            return JSONResponse({"id": "x", "object": "chat.completion", "created": 0, "model": body["model"],
                                 "choices": [{"index": 0, "finish_reason": "stop",
                                              "message": {"role": "assistant", "content": REPLY}}]})

        async def events():
            body["_sent"], body["_closed_early"] = 0, False
            try:
                for i, word in enumerate(words):
                    if body["model"].startswith("slow"):  # a word every 0.2 s, like a busy model server
                        await asyncio.sleep(0.2)
                    chunk = {"id": "x", "object": "chat.completion.chunk", "created": 0, "model": body["model"],
                             "choices": [{"index": 0, "delta": {"content": (" " if i else "") + word},
                                          "finish_reason": None}]}
                    yield f"data: {json.dumps(chunk)}\n\n"
                    body["_sent"] += 1
                yield "data: [DONE]\n\n"
            except (asyncio.CancelledError, GeneratorExit):
                body["_closed_early"] = True  # the client closed the connection mid-stream
                raise

        return StreamingResponse(events(), media_type="text/event-stream")

    @app.post("/api/chat")
    async def ollama_chat(request: Request):
        body = await request.json()
        seen.append(body)

        def lines():
            for i, word in enumerate(words):
                yield json.dumps({"model": body["model"], "created_at": "2026-11-23T00:00:00Z",
                                  "message": {"role": "assistant", "content": (" " if i else "") + word},
                                  "done": False}) + "\n"
            yield json.dumps({"model": body["model"], "created_at": "2026-11-23T00:00:00Z",
                              "message": {"role": "assistant", "content": ""}, "done": True,
                              "done_reason": "stop", "total_duration": 1, "eval_count": len(words),
                              "prompt_eval_count": 10}) + "\n"

        return StreamingResponse(lines(), media_type="application/x-ndjson")

    return app, seen


@pytest.fixture
def llm_server():
    app, seen = fake_llm_server()
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield port, seen
    server.should_exit = True
    thread.join(timeout=10)


def assistant_for(settings, fake_index, fake_embedder, **overrides) -> Assistant:
    settings = settings.model_copy(update=overrides)
    return Assistant(settings, Knowledge(settings.storage, settings.retrieval, fake_embedder))


def test_openai_compatible_server(settings, fake_index, fake_embedder, llm_server):
    port, seen = llm_server
    assistant = assistant_for(settings, fake_index, fake_embedder, openai_url=f"http://127.0.0.1:{port}/v1",
                              openai_model="served-model")
    answer = assistant.answer(WRR_Q, backend="openai")
    assert answer.backend == "openai" and not answer.notice
    assert answer.citations[0].source == "003_b4ac6d7293bc88c6.txt"
    assert seen[-1]["model"] == "served-model" and seen[-1]["messages"][0]["role"] == "system"


def test_ollama_server(settings, fake_index, fake_embedder, llm_server):
    port, seen = llm_server
    assistant = assistant_for(settings, fake_index, fake_embedder, ollama_url=f"http://127.0.0.1:{port}",
                              ollama_model="qwen-test")
    answer = assistant.answer(WRR_Q, backend="ollama")
    assert answer.backend == "ollama" and not answer.notice
    assert answer.citations[0].source == "003_b4ac6d7293bc88c6.txt"
    assert seen[-1]["model"] == "qwen-test"


@pytest.mark.parametrize("backend", ["openai", "ollama"])
def test_server_down_falls_back_to_extractive_with_a_notice(settings, fake_index, fake_embedder, backend):
    dead = f"http://127.0.0.1:{free_port()}"
    assistant = assistant_for(settings, fake_index, fake_embedder, openai_url=dead + "/v1", ollama_url=dead,
                              llm_timeout=5)
    history = [{"role": "user", "content": "Wat zegt de WRR?"}, {"role": "assistant", "content": "Veel [1]."}]
    answer = assistant.answer("Welke vier typen burgers onderscheidt het rapport?", history, backend=backend)
    assert answer.backend == "extractive" and "niet bereikbaar" in answer.notice
    assert answer.citations[0].source == "003_b4ac6d7293bc88c6.txt"


def test_server_down_without_fallback_is_a_clear_error(settings, fake_index, fake_embedder):
    dead = f"http://127.0.0.1:{free_port()}/v1"
    assistant = assistant_for(settings, fake_index, fake_embedder, openai_url=dead, fallback_to_extractive=False,
                              llm_timeout=5)
    with pytest.raises(BackendUnavailable, match="niet bereikbaar"):
        assistant.answer(WRR_Q, backend="openai")


def test_a_cancelled_answer_closes_the_upstream_request(settings, fake_index, fake_embedder, llm_server):
    """Stop (or a client that went away) also ends the request to the LLM server, not only our side."""
    port, seen = llm_server
    assistant = assistant_for(settings, fake_index, fake_embedder, openai_url=f"http://127.0.0.1:{port}/v1",
                              openai_model="slow-model")
    assert stop_after_tokens(assistant, WRR_Q, "openai", 2) == 2
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not seen[-1].get("_closed_early"):
        time.sleep(0.05)
    assert seen[-1]["_closed_early"] and seen[-1]["_sent"] < len(REPLY.split(" ")) - 2
    assert assistant.gate.state().slots_in_use == 0
