"""Many clients at once: bounded LLM generation (429 beyond the queue) and a load test on the real index."""

from __future__ import annotations

import contextlib
import json
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.fakes import SlowLLM, drain
from tests.live import fake_assistant_for, live_server, parse_sse

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
WRR_Q = "Welke vier typen burgers onderscheidt de WRR?"
WRR_REPLY = "De WRR onderscheidt afhankelijke, afzijdige, afwachtende en actieve burgers [1]."
BUSY = "Het is nu te druk, probeer het zo opnieuw."


# --- the gate on its own -----------------------------------------------------------------------------


def test_gate_admits_capacity_then_refuses_and_frees_places():
    from assistant.core.errors import Busy
    from assistant.rag.queue import GenerationGate

    gate = GenerationGate(max_concurrent=1, max_queued=1, timeout=0.2)
    with gate.admit(), gate.admit():
        with pytest.raises(Busy) as refused:
            with gate.admit():
                pass
        assert refused.value.retry_after >= 1 and str(refused.value) == BUSY
        with gate.slot():
            began = time.perf_counter()
            with pytest.raises(Busy):  # the only slot is taken: waits `timeout`, then gives up
                with gate.slot():
                    pass
            assert 0.15 < time.perf_counter() - began < 2
    with gate.admit(), gate.slot():  # everything was given back
        assert gate.running == 1
    assert gate.running == 0 and gate.peak == 1


# --- the gate in the server: many concurrent requests with a slow scripted model ---------------------


def serve_slow_llm(tmp_path, llm: SlowLLM, **limits: Any):
    from assistant.web.app import create_app
    from tests.conftest import make_settings

    settings = make_settings(tmp_path / "data", min_relevance=0.05, rate_limit_per_minute=0, **limits)
    llm.enqueue(*[WRR_REPLY] * 100)
    return live_server(create_app(settings, assistant=fake_assistant_for(settings, llms={"scripted": llm})))


def fire(url: str, path: str, n: int) -> list[httpx.Response]:
    """`n` requests released at the same moment."""
    barrier = threading.Barrier(n)

    def one(_: int) -> httpx.Response:
        with httpx.Client(base_url=url, timeout=60) as client:
            barrier.wait()
            return client.post(path, json={"question": WRR_Q, "backend": "scripted"})

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(one, range(n)))


@pytest.mark.parametrize("path", ["/api/ask", "/api/ask/stream"])
def test_requests_beyond_the_queue_get_429_and_the_rest_are_answered(tmp_path, path):
    llm = SlowLLM(delay=0.03)  # ~0.3 s per answer
    with serve_slow_llm(tmp_path, llm, max_concurrent_generations=1, max_queued_requests=2, queue_timeout=30) as url:
        responses = fire(url, path, 12)
        after = httpx.post(url + "/api/ask", json={"question": WRR_Q, "backend": "scripted"}, timeout=60)
    codes = [r.status_code for r in responses]
    assert set(codes) <= {200, 429}, codes
    assert codes.count(200) >= 3 and codes.count(429) >= 1, codes  # 1 running + 2 queued get through
    for r in responses:
        if r.status_code == 429:
            assert r.json() == {"error": BUSY} and int(r.headers["retry-after"]) >= 1
        elif path.endswith("stream"):
            events = parse_sse(r.text)
            assert events[-1][0] == "answer" and json.loads(events[-1][1])["citations"]
        else:
            assert r.json()["citations"]
    assert llm.peak == 1  # never more than max_concurrent_generations at once
    assert after.status_code == 200  # the places are free again


def test_waiting_longer_than_the_queue_timeout_gets_429(tmp_path):
    llm = SlowLLM(delay=0.15)  # ~1.5 s per answer
    with serve_slow_llm(tmp_path, llm, max_concurrent_generations=2, max_queued_requests=10, queue_timeout=0.5) as url:
        codes = [r.status_code for r in fire(url, "/api/ask", 6)]
    assert codes.count(200) == 2 and codes.count(429) == 4, codes
    assert llm.peak == 2


def test_extractive_answers_do_not_queue(tmp_path):
    llm = SlowLLM()
    with serve_slow_llm(tmp_path, llm, max_concurrent_generations=1, max_queued_requests=0, queue_timeout=1) as url:

        def one(_: int) -> int:
            return httpx.post(url + "/api/ask", json={"question": WRR_Q, "backend": "extractive"}, timeout=60).status_code

        with ThreadPoolExecutor(8) as pool:
            assert list(pool.map(one, range(8))) == [200] * 8
    assert llm.history == []


def test_chat_page_shows_a_friendly_line_when_busy(settings, fake_assistant):
    from assistant.web.ui import ChatHandlers

    handlers = ChatHandlers(fake_assistant, settings.model_copy(update={"backend": "scripted"}), None, None)
    fake_assistant.settings = fake_assistant.settings.model_copy(update={"backend": "scripted"})
    with contextlib.ExitStack() as full:  # every place in the queue taken
        for _ in range(fake_assistant.gate.capacity):
            full.enter_context(fake_assistant.gate.admit())
        _, messages, turns = drain(handlers.respond(WRR_Q, [], []))[-1]
    assert messages[-1]["content"] == f"*{BUSY.replace('.', chr(92) + '.')}*" and turns == []


# --- load on the real index --------------------------------------------------------------------------

LOAD_QUESTIONS = (
    "Welke vier typen burgers onderscheidt de WRR?",
    "Wat vindt Saskia Moerbeek van individuele hulpverlening?",
    "Wie is Lex Staal?",
    "Wat is de rol van de wijkteams?",
    "Hoe kijken welzijnsdirecteuren naar het WRR-advies?",
)


@pytest.mark.slow
def test_twenty_clients_five_questions_each_on_the_real_index(real_settings, real_index):
    from assistant.rag.wiring import build_assistant
    from assistant.web.app import create_app

    clients, per_client = 20, len(LOAD_QUESTIONS)
    settings = real_settings.model_copy(update={"rate_limit_per_minute": 0})
    app = create_app(settings, assistant=build_assistant(settings))
    with live_server(app) as url:
        barrier = threading.Barrier(clients)

        def client_run(i: int) -> list[tuple[float, int, bool]]:
            out = []
            with httpx.Client(base_url=url, timeout=120) as client:
                barrier.wait()
                for k in range(per_client):
                    question = LOAD_QUESTIONS[(i + k) % per_client]
                    began = time.perf_counter()
                    response = client.post("/api/ask", json={"question": question, "backend": "extractive"})
                    ok = response.status_code == 200 and (response.json()["citations"] or response.json()["refused"])
                    out.append((time.perf_counter() - began, response.status_code, bool(ok)))
            return out

        began = time.perf_counter()
        with ThreadPoolExecutor(clients) as pool:
            results = [r for rs in pool.map(client_run, range(clients)) for r in rs]
        wall = time.perf_counter() - began
    latencies = sorted(r[0] for r in results)
    errors = [r for r in results if not r[2]]
    report = {
        "clients": clients, "questions_per_client": per_client, "requests": len(results), "errors": len(errors),
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p95_ms": round(latencies[int(0.95 * (len(latencies) - 1))] * 1000, 1),
        "max_ms": round(latencies[-1] * 1000, 1),
        "throughput_rps": round(len(results) / wall, 2), "wall_s": round(wall, 2), "backend": "extractive",
    }
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "load.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print("\nload:", json.dumps(report))
    assert len(results) == clients * per_client and not errors, errors[:5]
