"""The chat page, the article page and the widget in real headless Chromium (Debian's /usr/bin/chromium)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.live import chromium, fake_assistant_for, free_port, live_server, static_site

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "test-artifacts"
WRR_Q = "Welke vier typen burgers onderscheidt de WRR?"
XSS_QUESTIONS = ('<img src=x onerror="window.__xss=1"> typen burgers', "<script>window.__xss=1</script> Wie is Lex Staal?")
HOSTILE_CSS = """
  * { font-family: "Comic Sans MS", cursive !important; }
  button { background: red !important; color: yellow !important; font-size: 40px !important; }
  iframe { display: none !important; }
  div { border: 5px dotted magenta; }
"""


@pytest.fixture(scope="module")
def host_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def web_settings(tmp_path_factory, host_port):
    from tests.conftest import make_settings

    data = tmp_path_factory.mktemp("web") / "data"
    return make_settings(data, min_relevance=0.05, allowed_origins=[f"http://127.0.0.1:{host_port}"])


@pytest.fixture(scope="module")
def web_assistant(web_settings):
    return fake_assistant_for(web_settings)


@pytest.fixture(scope="module")
def server(web_settings, web_assistant):
    """The app under uvicorn in a thread, on a free port; yields its base URL."""
    from assistant.web.app import create_app

    with live_server(create_app(web_settings, assistant=web_assistant)) as url:
        yield url


@pytest.fixture(scope="module")
def host_root(tmp_path_factory):
    return tmp_path_factory.mktemp("host")


@pytest.fixture(scope="module")
def host_page(host_root, server, host_port):
    """A page on another origin that embeds the widget with the one-line script tag."""
    root = host_root
    (root / "index.html").write_text(
        "<!doctype html><html lang='nl'><head><meta charset='utf-8'><title>Gemeente Voorbeeld</title>"
        f"<style>{HOSTILE_CSS} body {{ background: #eef2ff; font-size: 18px; margin: 2rem; }}</style></head>"
        "<body><h1>Gemeente Voorbeeld — Welzijn in de wijk</h1>"
        "<p>Een gewone pagina van een andere site. Rechtsonder zit de assistent.</p>"
        f'<script src="{server}/widget.js" data-title="Vraag het aan de Welzijn-assistent"></script>'
        "</body></html>",
        encoding="utf-8",
    )
    with static_site(root, host_port) as url:
        yield url + "/index.html"


@pytest.fixture(scope="module")
def browser_context(tmp_path_factory):
    ARTIFACTS.mkdir(exist_ok=True)
    with chromium(tmp_path_factory.mktemp("chromium-profile")) as context:
        yield context


@pytest.fixture
def page(browser_context):
    page = browser_context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors
    yield page
    page.close()


def ask_in_chat(page, question: str) -> None:
    box = page.locator("#wa-question textarea")
    box.fill(question)
    box.press("Enter")


def test_chat_page_streams_an_answer_with_sources_and_opens_the_cited_span(page, server, web_settings):
    page.goto(server + "/")
    page.get_by_text("Welzijn-assistent", exact=True).first.wait_for()
    page.get_by_text("Klaar", exact=False).first.wait_for(timeout=30_000)
    ask_in_chat(page, WRR_Q)
    page.get_by_text("Bronnen (", exact=False).first.wait_for(timeout=30_000)
    chat = page.locator("#wa-chat")
    chat.locator("blockquote").first.wait_for()  # the quoted passages in the open sources box
    assert "[1]" in chat.inner_text()
    assert "Beantwoord door extractive" in chat.inner_text()
    page.wait_for_timeout(500)  # let the sources box finish opening
    page.screenshot(path=str(ARTIFACTS / "chat-answer.png"), full_page=True)

    # The sources box: number, title link and quote; the link opens the article at the span.
    link = chat.locator("a[href*='articles/003_b4ac6d7293bc88c6.txt?start=']").last
    link.wait_for()
    with page.context.expect_page() as popup:
        link.click()
    article = popup.value
    article.wait_for_load_state()
    mark = article.locator("mark")
    assert mark.count() == 1 and len(mark.inner_text()) > 20
    assert "#c-" in article.url
    article.screenshot(path=str(ARTIFACTS / "article-highlight.png"))
    article.close()

    # Thumbs up on the answer is stored with the question and its citations.
    # Gradio translates the label for a Dutch browser ("Vind ik leuk").
    page.locator("#wa-chat button[aria-label='Like'], #wa-chat button[aria-label='Vind ik leuk']").last.click()
    from assistant.web.feedback import FeedbackStore

    deadline = time.time() + 10
    while time.time() < deadline and not FeedbackStore(web_settings.storage).read():
        time.sleep(0.2)
    record = FeedbackStore(web_settings.storage).read()[-1]
    assert record["liked"] is True and record["question"] == WRR_Q and record["citations"]
    assert not page.js_errors


def test_follow_up_and_new_conversation(page, server):
    page.goto(server + "/")
    page.get_by_text("Klaar", exact=False).first.wait_for(timeout=30_000)
    page.get_by_text("Wie is Lex Staal?").first.click()  # an example question
    page.get_by_text("Bronnen (", exact=False).first.wait_for(timeout=30_000)
    ask_in_chat(page, "Wat vindt hij van het sociaal werk?")
    page.get_by_text("Bronnen (", exact=False).nth(1).wait_for(timeout=30_000)
    page.screenshot(path=str(ARTIFACTS / "chat-follow-up.png"), full_page=True)
    page.get_by_role("button", name="Nieuw gesprek").click()
    page.wait_for_function("() => !document.querySelector('#wa-chat').innerText.includes('Bronnen')")


def test_chat_page_shows_xss_payloads_as_text(page, server):
    page.goto(server + "/")
    page.get_by_text("Klaar", exact=False).first.wait_for(timeout=30_000)
    for n, question in enumerate(XSS_QUESTIONS, 1):
        ask_in_chat(page, question)
        page.get_by_text("Beantwoord door", exact=False).nth(n - 1).wait_for(timeout=30_000)
    chat = page.locator("#wa-chat")
    text = chat.inner_text()
    assert '<img src=x onerror="window.__xss=1">' in text and "<script>window.__xss=1</script>" in text
    assert chat.locator("img[src='x'], script").count() == 0
    page.wait_for_timeout(500)
    assert page.evaluate("window.__xss") is None
    page.screenshot(path=str(ARTIFACTS / "chat-xss.png"), full_page=True)


def test_article_page_shows_hostile_article_text_as_text(page, server, web_assistant):
    from dataclasses import replace

    articles = web_assistant.knowledge.articles()
    source = "003_b4ac6d7293bc88c6.txt"
    original = articles[source]
    evil = '<script>window.__xss=1</script><img src=x onerror="window.__xss=1"><a href="javascript:window.__xss=1">'
    articles[source] = replace(original, title=evil, text=evil + original.text[len(evil):])
    try:
        page.goto(f"{server}/articles/{source}?start=0&end=40")
        page.wait_for_timeout(300)
        assert page.evaluate("window.__xss") is None
        assert page.locator("img, script, a[href^='javascript']").count() == 0
        assert "<script>window.__xss=1</script>" in page.locator("mark").inner_text()
    finally:
        articles[source] = original


def open_widget(page, host_page):
    page.goto(host_page)
    toggle = page.locator("[data-welzijn-widget] button.toggle")
    toggle.wait_for()
    # The host page's hostile CSS does not reach into the Shadow DOM.
    colour = toggle.evaluate("b => getComputedStyle(b).backgroundColor")
    assert colour == "rgb(15, 118, 110)"
    host = page.locator("[data-welzijn-widget]")
    assert host.evaluate("h => getComputedStyle(h).borderTopStyle") == "none"
    toggle.click()
    return page.frame_locator("[data-welzijn-widget] iframe")


def ask_in_widget(frame, question: str) -> None:
    box = frame.locator("#question")
    box.fill(question)
    box.press("Enter")


def test_widget_on_another_site_answers_with_citations(page, server, host_page):
    frame = open_widget(page, host_page)
    frame.locator("#title").wait_for()
    assert frame.locator("#title").inner_text() == "Vraag het aan de Welzijn-assistent"
    page.screenshot(path=str(ARTIFACTS / "widget-open.png"))
    ask_in_widget(frame, WRR_Q)
    frame.locator(".sources li").first.wait_for(timeout=30_000)
    answer = frame.locator(".msg.bot").last
    assert "[1]" in answer.inner_text() and "Beantwoord door extractive" in answer.inner_text()
    link = frame.locator(".sources li a").first
    assert link.get_attribute("href").startswith("articles/") and link.get_attribute("target") == "_blank"
    assert frame.locator(".sources blockquote").first.inner_text().startswith("“")
    page.screenshot(path=str(ARTIFACTS / "widget-answer.png"))
    with page.context.expect_page() as popup:
        link.click()
    popup.value.wait_for_load_state()
    assert popup.value.locator("mark").count() == 1
    popup.value.close()
    assert not page.js_errors


def test_widget_shows_xss_payloads_as_text(page, server, host_page):
    frame = open_widget(page, host_page)
    for n, question in enumerate(XSS_QUESTIONS, 1):
        ask_in_widget(frame, question)
        frame.locator(".msg.bot .meta").nth(n - 1).wait_for(timeout=30_000)
    users = frame.locator(".msg.user").all_inner_texts()
    assert users == list(XSS_QUESTIONS)
    assert frame.locator("img, script:not([src])").count() == 0
    page.wait_for_timeout(500)
    assert page.evaluate("window.__xss") is None
    assert frame.locator("body").evaluate("() => window.__xss") is None
    page.screenshot(path=str(ARTIFACTS / "widget-xss.png"))


def test_embed_is_refused_in_a_frame_on_a_site_that_is_not_allowed(page, server, tmp_path):
    """frame-ancestors: a page on an origin that is not configured gets no chat in its iframe."""
    (tmp_path / "index.html").write_text(f'<iframe id="f" src="{server}/embed"></iframe>', encoding="utf-8")
    with static_site(tmp_path) as site:
        page.goto(f"{site}/index.html")
        page.wait_for_timeout(1500)
        frame = page.frame_locator("#f")
        assert frame.locator("#question").count() == 0


def test_gradio_app_web_component_from_the_servers_own_assets(page, server, host_page, host_root):
    """The <gradio-app> alternative: the page's own /assets/index-*.js defines the element (no CDN)."""
    import re
    import urllib.request

    html = urllib.request.urlopen(server + "/").read().decode()
    script = re.search(r'src="\./(assets/index-[^"]+\.js)"', html).group(1)
    # Module scripts load in CORS mode: this works from origins listed in allowed_origins (the host page's is).
    (host_root / "component.html").write_text(
        f'<!doctype html><meta charset="utf-8"><script type="module" src="{server}/{script}"></script>'
        f'<h1>Gemeente Voorbeeld</h1><gradio-app src="{server}/"></gradio-app>',
        encoding="utf-8",
    )
    page.goto(host_page.replace("index.html", "component.html"))
    page.locator("gradio-app").get_by_text("Klaar", exact=False).first.wait_for(timeout=30_000)
    box = page.locator("gradio-app #wa-question textarea")
    box.fill(WRR_Q)
    box.press("Enter")
    page.locator("gradio-app").get_by_text("Bronnen (", exact=False).first.wait_for(timeout=30_000)
    page.wait_for_timeout(500)
    page.screenshot(path=str(ARTIFACTS / "gradio-app-component.png"), full_page=True)
