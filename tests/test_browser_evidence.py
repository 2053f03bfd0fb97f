"""In real Chromium: the evidence is on screen before the model's first word, on the chat page and in the widget.

The model is a slow scripted one (a word every 0.25 s), so the answer is still being written while the
evidence shows. The page records, with its own clock, when Enter was pressed, when the evidence heading
appeared, when the first answer word appeared and when the sources replaced the evidence; the figures go
to test-artifacts/evidence-first.json. No timing is asserted beyond their order: the machine is shared.
"""

from __future__ import annotations

import json

import pytest

from tests.fakes import SlowLLM
from tests.test_browser_stop import app, host_page, host_port, server  # noqa: F401  (module fixtures)
from tests.test_browser_web import ARTIFACTS, WRR_Q, browser_context, open_widget  # noqa: F401

pytestmark = pytest.mark.slow

HEADING = "Gevonden in de artikelen"
REPLY = "De WRR onderscheidt vier typen burgers: afhankelijke, afzijdige, afwachtende en actieve burgers [1]."
FIGURES = ARTIFACTS / "evidence-first.json"

# Installed in the page (or the widget's frame) before the question is asked: stamps each moment once.
WATCH = """([root, box, heading, token, done]) => {
  const t = (window.__evidence = {});
  document.querySelector(box).addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && t.enter === undefined) t.enter = performance.now();
  }, true);
  const look = () => {
    if (t.enter === undefined) return;
    const text = document.querySelector(root).innerText;
    const now = performance.now();
    if (t.evidence === undefined && text.includes(heading)) t.evidence = now;
    if (t.token === undefined && (token.text ? text.includes(token.text) : document.querySelector(token.selector)))
      t.token = now;
    if (t.evidence !== undefined && t.done === undefined && text.includes(done) && !text.includes(heading))
      t.done = now;
  };
  new MutationObserver(look).observe(document.body, { childList: true, subtree: true, characterData: true });
}"""
# The first answer word: on the chat page the streamed text ends in a "▍" cursor (no status line has one);
# in the widget the reply's text line stops being a status line.
CHAT = ["#wa-chat", "#wa-question textarea", HEADING, {"text": "▍"}, "Bronnen ("]
WIDGET = ["#log", "#question", HEADING, {"selector": "#log > .msg.bot:last-child > div:first-child:not(.status)"}, "Bronnen ("]
DONE = "() => new Promise((ok) => { (function wait() { window.__evidence.done ? ok() : setTimeout(wait, 50); })(); })"


@pytest.fixture(scope="module")
def slow_llm() -> SlowLLM:
    """Overrides test_browser_stop's model, whose app, server and widget host page these tests share."""
    return SlowLLM(delay=0.25).enqueue(*[REPLY] * 10)


def record(front_end: str, moments: dict[str, float]) -> dict[str, float]:
    """Milliseconds from Enter to each moment, merged into test-artifacts/evidence-first.json."""
    figures = {f"enter_to_{k}_ms": round(moments[k] - moments["enter"], 1) for k in ("evidence", "token", "done")}
    ARTIFACTS.mkdir(exist_ok=True)
    saved = json.loads(FIGURES.read_text(encoding="utf-8")) if FIGURES.exists() else {}
    saved[front_end] = figures | {"model_seconds_per_word": 0.25}
    FIGURES.write_text(json.dumps(saved, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(front_end, figures)
    return figures


def test_chat_page_shows_the_evidence_before_the_first_word(browser_context, server):
    page = browser_context.new_page()
    page.goto(server + "/")
    page.get_by_text("Klaar", exact=False).first.wait_for(timeout=30_000)
    page.evaluate(WATCH, CHAT)
    box = page.locator("#wa-question textarea")
    box.fill(WRR_Q)
    box.press("Enter")

    chat = page.locator("#wa-chat")
    chat.get_by_text(HEADING).wait_for(timeout=30_000)
    evidence = chat.locator(".thought-group").filter(has_text=HEADING)
    assert evidence.locator("blockquote").first.inner_text().startswith("“")
    assert evidence.locator("a[href*='articles/003_b4ac6d7293bc88c6.txt?start=']").count() >= 1
    page.wait_for_function("() => document.querySelector('#wa-chat').innerText.includes('▍')", timeout=30_000)
    page.wait_for_timeout(600)  # a few words written under the evidence
    page.screenshot(path=str(ARTIFACTS / "evidence-first.png"), full_page=True)

    chat.get_by_text("Bronnen (", exact=False).wait_for(timeout=60_000)
    page.wait_for_function(f"() => !document.querySelector('#wa-chat').innerText.includes('{HEADING}')")
    page.evaluate(DONE)
    moments = page.evaluate("() => window.__evidence")
    figures = record("chat_page", moments)
    assert 0 < figures["enter_to_evidence_ms"] < figures["enter_to_token_ms"] < figures["enter_to_done_ms"]
    page.wait_for_timeout(400)
    page.screenshot(path=str(ARTIFACTS / "evidence-replaced.png"), full_page=True)
    page.close()


def test_widget_shows_the_evidence_before_the_first_word(browser_context, host_page):
    page = browser_context.new_page()
    frame = open_widget(page, host_page)
    frame.locator("#question").wait_for()
    body = frame.locator("body")
    body.evaluate(f"(_, args) => ({WATCH})(args)", WIDGET)
    box = frame.locator("#question")
    box.fill(WRR_Q)
    box.press("Enter")

    evidence = frame.locator(".msg.bot .sources.evidence")
    evidence.wait_for(timeout=30_000)
    assert evidence.locator("summary").inner_text() == HEADING
    assert evidence.locator("blockquote").first.inner_text().startswith("“")
    assert evidence.locator("li a").first.get_attribute("href").startswith("articles/")
    frame.locator(".msg.bot").last.locator("div:not(.status):not(.meta)").first.wait_for(timeout=30_000)
    page.wait_for_timeout(600)
    page.screenshot(path=str(ARTIFACTS / "widget-evidence-first.png"))

    frame.locator(".msg.bot .meta").first.wait_for(timeout=60_000)
    assert evidence.count() == 0 and frame.locator(".msg.bot .sources li").count() >= 1
    body.evaluate(DONE)
    moments = body.evaluate("() => window.__evidence")
    figures = record("widget", moments)
    assert 0 < figures["enter_to_evidence_ms"] < figures["enter_to_token_ms"] < figures["enter_to_done_ms"]
    page.close()
