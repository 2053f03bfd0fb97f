"""Abandoned answers give their place back: a client that goes away, Stop, and the stuck-slot safety net."""

from __future__ import annotations

import asyncio
import json
import logging
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.fakes import SlowLLM, stop_after_tokens
from tests.live import fake_assistant_for, live_server, parse_sse

WRR_Q = "Welke vier typen burgers onderscheidt de WRR?"
WRR_REPLY = "De WRR onderscheidt afhankelijke, afzijdige, afwachtende en actieve burgers [1]."
STREAMS = ("/api/ask/stream", "/embed/api/ask/stream")


def wait_until(check, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.02)
    return check()


# --- the gate ------------------------------------------------------------------------------------------


def test_a_cancelled_wait_for_a_slot_ends_at_once_and_leaves_nothing_behind():
    from assistant.core.errors import Cancelled
    from assistant.rag.queue import GenerationGate

    gate = GenerationGate(max_concurrent=1, max_queued=4, timeout=30)
    cancel = threading.Event()
    outcome: list[BaseException] = []

    def waiter() -> None:
        try:
            with gate.admit(), gate.slot(cancel):
                pass
        except BaseException as exc:  # noqa: BLE001 - recorded for the assertion
            outcome.append(exc)

    with gate.admit(), gate.slot():
        thread = threading.Thread(target=waiter)
        thread.start()
        assert wait_until(lambda: gate.state().waiting == 1)
        began = time.monotonic()
        cancel.set()
        thread.join(2)
        assert time.monotonic() - began < 1.0
    assert isinstance(outcome[0], Cancelled) and outcome[0].stage == "queued"
    state = gate.state()
    assert (state.slots_in_use, state.admitted, state.waiting) == (0, 0, 0)


def test_a_slot_held_too_long_is_reclaimed_and_reported_as_stuck_until_it_ends(caplog):
    from assistant.rag.queue import GenerationGate

    gate = GenerationGate(max_concurrent=1, max_queued=2, timeout=5, max_generation=0.3)
    stop_asked = threading.Event()
    release = threading.Event()

    def stuck() -> None:
        with gate.slot(stop_asked):
            release.wait(10)  # a generation that ignores the stop until released

    thread = threading.Thread(target=stuck)
    thread.start()
    assert wait_until(lambda: gate.state().slots_in_use == 1)
    with caplog.at_level(logging.WARNING, logger="assistant.rag.queue"):
        with gate.slot():  # waits, then gets the reclaimed slot
            state = gate.state()
            assert state.stuck == 1 and state.slots_in_use == 1 and state.reclaimed_total == 1
            assert state.oldest_slot_s >= 0.3
    assert stop_asked.is_set()  # the stuck holder was asked to stop
    assert "generation slot reclaimed" in caplog.text
    release.set()
    thread.join(2)
    state = gate.state()
    assert (state.stuck, state.slots_in_use) == (0, 0)
    assert gate.running == 0
    with gate.slot():  # exactly one slot: the late release did not add a second one
        assert gate.running == 1


# --- the answering service -------------------------------------------------------------------------------


@pytest.fixture
def slow_assistant(settings, fake_index, fake_embedder):
    from assistant.rag.service import Assistant
    from assistant.rag.retriever import Knowledge

    llm = SlowLLM(delay=0.05).enqueue(*[WRR_REPLY] * 20)
    return Assistant(settings, Knowledge(settings.storage, settings.retrieval, fake_embedder), llms={"scripted": llm}), llm


def test_a_stream_cancelled_mid_answer_stops_the_model_and_frees_the_gate(slow_assistant):
    assistant, llm = slow_assistant
    assert stop_after_tokens(assistant, WRR_Q, "scripted", 2) == 2
    assert llm.words_out <= 3 and llm.closed == 1 and llm.running == 0  # stopped at the next word
    state = assistant.gate.state()
    assert (state.slots_in_use, state.admitted) == (0, 0)


def test_closing_the_stream_early_frees_the_gate(slow_assistant):
    from assistant.core.types import Token

    assistant, llm = slow_assistant
    events = assistant.stream(WRR_Q, backend="scripted")
    while not isinstance(next(events), Token):
        pass
    events.close()
    assert llm.closed == 1 and llm.running == 0
    assert assistant.gate.state().admitted == 0 and assistant.gate.running == 0


@pytest.mark.parametrize("leave_after", [0, 1, 3])
def test_leaving_the_async_stream_cancels_the_answer_and_logs_one_line(slow_assistant, caplog, leave_after):
    """0: after the first status line (before any token); 1 and 3: mid-answer."""
    from assistant.core.types import Token
    from assistant.rag.streaming import stream_answer

    assistant, llm = slow_assistant
    assistant.settings = assistant.settings.model_copy(update={"log_conversations": False})

    async def leave_early() -> int:
        tokens = 0
        events = stream_answer(assistant, WRR_Q, (), "scripted", channel="widget")
        async for event in events:
            tokens += isinstance(event, Token)
            if tokens >= leave_after:
                break
        await events.aclose()
        return tokens

    with caplog.at_level(logging.INFO, logger="assistant.rag.streaming"):
        assert asyncio.run(leave_early()) == leave_after
        assert wait_until(lambda: assistant.gate.state().admitted == 0, 3)
        assert wait_until(lambda: "answer abandoned" in caplog.text, 3)
    assert llm.running == 0 and llm.words_out <= leave_after + 2
    lines = [r.getMessage() for r in caplog.records if "answer abandoned" in r.getMessage()]
    assert len(lines) == 1 and "channel=widget" in lines[0]
    assert ("stage=writing" if leave_after else "stage=before_first_token") in lines[0]
    assert WRR_Q not in lines[0]  # the question only when the conversation log is on


def test_a_finished_answer_is_not_logged_as_abandoned(slow_assistant, caplog):
    from assistant.core.types import Answer
    from assistant.rag.streaming import stream_answer

    assistant, _ = slow_assistant

    async def read_all() -> list:
        return [e async for e in stream_answer(assistant, WRR_Q, (), "scripted", channel="api")]

    with caplog.at_level(logging.INFO, logger="assistant.rag.streaming"):
        events = asyncio.run(read_all())
    assert isinstance(events[-1], Answer) and events[-1].citations
    assert "answer abandoned" not in caplog.text
    assert assistant.gate.state().admitted == 0


# --- the server ---------------------------------------------------------------------------------------------


def serve(tmp_path, llm: SlowLLM, **limits):
    from assistant.web.app import create_app
    from tests.conftest import make_settings

    settings = make_settings(tmp_path / "data", min_relevance=0.05, rate_limit_per_minute=0, **limits)
    app = create_app(settings, assistant=fake_assistant_for(settings, llms={"scripted": llm}))
    return app, live_server(app)


def abandon(url: str, path: str, after_events: int | None, after_seconds: float) -> None:
    """A client that reads `after_events` events (None: none at all) or waits `after_seconds`, then hangs up."""
    with httpx.Client(base_url=url, timeout=30) as client:
        with client.stream("POST", path, json={"question": WRR_Q, "backend": "scripted"}) as response:
            if after_events is None:
                time.sleep(after_seconds)
                return
            seen = 0
            for line in response.iter_lines():
                seen += line.startswith("event:")
                if seen >= after_events:
                    return


def test_clients_that_hang_up_anywhere_leave_the_server_answering(tmp_path):
    """The jam of a closed browser tab: queued, before the first token and mid-answer, on both endpoints."""
    llm = SlowLLM(delay=0.1).enqueue(*[WRR_REPLY] * 40)
    app, server = serve(tmp_path, llm, max_concurrent_generations=1, max_queued_requests=8, queue_timeout=20)
    rng = random.Random(16)
    with server as url:
        plans = [(STREAMS[i % 2], rng.choice([None, 1, 3, 6]), rng.uniform(0.05, 0.6)) for i in range(10)]
        with ThreadPoolExecutor(10) as pool:
            list(pool.map(lambda plan: abandon(url, *plan), plans))
        assert wait_until(lambda: app.state.assistant.gate.state().admitted == 0, 10)
        began = time.monotonic()
        answer = httpx.post(url + "/api/ask", json={"question": WRR_Q, "backend": "scripted"}, timeout=30)
        waited = time.monotonic() - began
        health = httpx.get(url + "/api/health").json()
    assert answer.status_code == 200 and answer.json()["citations"]
    assert waited < 5  # one answer's time (~1.2 s), not a queue of abandoned ones
    assert health["status"] == "ok" and health["queue"]["slots_in_use"] == 0 and health["queue"]["admitted"] == 0
    assert llm.running == 0 and llm.closed >= 1


def test_health_says_degraded_while_a_generation_is_stuck(tmp_path):
    llm = SlowLLM(delay=1.5).enqueue(WRR_REPLY)  # a word every 1.5 s: past the 0.5 s maximum
    app, server = serve(tmp_path, llm, max_generation_seconds=0.5)
    with server as url:
        with httpx.Client(base_url=url, timeout=30) as client:
            with client.stream("POST", "/api/ask/stream", json={"question": WRR_Q, "backend": "scripted"}) as r:
                assert r.status_code == 200
                time.sleep(1.0)
                stuck = client.get("/api/health")
        assert wait_until(lambda: httpx.get(url + "/api/health").status_code == 200, 10)
    assert stuck.status_code == 503
    body = stuck.json()
    assert body["status"] == "degraded" and body["queue"]["stuck"] == 1 and body["queue"]["reclaimed_total"] == 1


def test_a_full_answer_still_streams_to_the_end(tmp_path):
    llm = SlowLLM(delay=0.01).enqueue(WRR_REPLY)
    app, server = serve(tmp_path, llm)
    with server as url:
        response = httpx.post(url + "/embed/api/ask/stream", json={"question": WRR_Q, "backend": "scripted"})
    events = parse_sse(response.text)
    assert [name for name, _ in events].count("token") == len(WRR_REPLY.split(" "))
    assert events[-1][0] == "answer" and json.loads(events[-1][1])["citations"]
    assert app.state.assistant.gate.state().admitted == 0
