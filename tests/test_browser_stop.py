"""In real Chromium: a closed tab, the Stop buttons and "Nieuw gesprek" give the model back at once.

The model is a slow scripted one (a word every 0.15 s) so an answer is still being written when the
page goes away; the same flow against the real local model is in test_abandoned_real.py.
"""

from __future__ import annotations

import time

import pytest

from tests.fakes import SlowLLM
from tests.live import fake_assistant_for, free_port, live_server, static_site
from tests.test_browser_web import ARTIFACTS, ask_in_chat, ask_in_widget, browser_context, open_widget  # noqa: F401

pytestmark = pytest.mark.slow

WRR_Q = "Welke vier typen burgers onderscheidt de WRR?"
LONG_REPLY = " ".join(["De WRR onderscheidt afhankelijke, afzijdige, afwachtende en actieve burgers [1]."] * 6)


@pytest.fixture(scope="module")
def host_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def slow_llm() -> SlowLLM:
    return SlowLLM(delay=0.15).enqueue(*[LONG_REPLY] * 40)


@pytest.fixture(scope="module")
def app(tmp_path_factory, host_port, slow_llm):
    from assistant.web.app import create_app
    from tests.conftest import make_settings

    data = tmp_path_factory.mktemp("stop") / "data"
    settings = make_settings(
        data, min_relevance=0.05, backend="local", rate_limit_per_minute=0,
        allowed_origins=[f"http://127.0.0.1:{host_port}"],
    )
    # The slow scripted model stands in for the local backend: the page and widget use the default backend.
    return create_app(settings, assistant=fake_assistant_for(settings, llms={"local": slow_llm}))


@pytest.fixture(scope="module")
def server(app):
    with live_server(app) as url:
        yield url


@pytest.fixture(scope="module")
def host_page(tmp_path_factory, server, host_port):
    root = tmp_path_factory.mktemp("host")
    (root / "index.html").write_text(
        "<!doctype html><html lang='nl'><head><meta charset='utf-8'><title>Gemeente Voorbeeld</title></head>"
        "<body><h1>Gemeente Voorbeeld</h1>"
        f'<script src="{server}/widget.js"></script></body></html>',
        encoding="utf-8",
    )
    with static_site(root, host_port) as url:
        yield url + "/index.html"


def gate_is_free(app, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = app.state.assistant.gate.state()
        if state.admitted == 0 and state.slots_in_use == 0:
            return True
        time.sleep(0.05)
    return False


def widget_token_streamed(frame) -> None:
    """Wait until answer text (not a status line) is being written in the last bubble."""
    frame.locator(".msg.bot").last.locator("div:not(.status):not(.meta)").first.wait_for(timeout=30_000)


def test_closing_the_page_mid_answer_frees_the_model_for_the_next_visitor(browser_context, app, host_page, slow_llm):
    first = browser_context.new_page()
    frame = open_widget(first, host_page)
    ask_in_widget(frame, WRR_Q)
    widget_token_streamed(frame)
    closed_after = slow_llm.words_out
    first.close()  # the visitor leaves mid-answer
    assert gate_is_free(app), app.state.assistant.gate.state()
    assert slow_llm.words_out - closed_after <= 3  # the model stopped within a few words

    second = browser_context.new_page()
    frame = open_widget(second, host_page)
    ask_in_widget(frame, WRR_Q)
    frame.locator(".msg.bot .meta").first.wait_for(timeout=60_000)
    assert frame.locator(".msg.bot").last.locator(".sources li").count() >= 1
    second.close()


def test_the_widget_stop_button_stops_the_answer(browser_context, app, host_page):
    page = browser_context.new_page()
    frame = open_widget(page, host_page)
    ask_in_widget(frame, WRR_Q)
    send = frame.locator("#send")
    assert send.inner_text() == "Stop"
    widget_token_streamed(frame)
    send.click()
    frame.get_by_text("Gestopt.").wait_for(timeout=5_000)
    assert gate_is_free(app)
    assert send.inner_text() == "Vraag"
    page.screenshot(path=str(ARTIFACTS / "widget-stopped.png"))
    ask_in_widget(frame, WRR_Q)  # the next question is answered as usual
    frame.locator(".msg.bot .meta .thumb").first.wait_for(timeout=60_000)
    page.close()


def test_the_chat_page_stop_button_and_new_conversation_free_the_model(browser_context, app, server):
    page = browser_context.new_page()
    page.goto(server + "/")
    page.get_by_text("Klaar", exact=False).first.wait_for(timeout=30_000)
    chat = page.locator("#wa-chat")

    ask_in_chat(page, WRR_Q)
    page.wait_for_function("() => document.querySelector('#wa-chat').innerText.includes('▍')", timeout=30_000)
    page.locator("#wa-question button.stop-button").click()
    page.get_by_text("Gestopt.").first.wait_for(timeout=5_000)
    assert gate_is_free(app), app.state.assistant.gate.state()
    page.screenshot(path=str(ARTIFACTS / "chat-stopped.png"), full_page=True)

    ask_in_chat(page, "Wat zegt Hans Zuiver over prestatieafspraken?")
    page.wait_for_function(
        "() => (document.querySelector('#wa-chat').innerText.match(/▍/g) || []).length > 0", timeout=30_000
    )
    page.get_by_role("button", name="Nieuw gesprek").click()
    assert gate_is_free(app), app.state.assistant.gate.state()
    page.wait_for_function("() => !document.querySelector('#wa-chat').innerText.includes('Hans Zuiver')")

    ask_in_chat(page, WRR_Q)
    page.get_by_text("Bronnen (", exact=False).first.wait_for(timeout=60_000)
    assert "Gestopt" not in chat.inner_text()
    page.close()
