"""The widget on a foreign page in Chromium: each option, the conversation kept across pages, phone view, keyboard."""

from __future__ import annotations

import html
import itertools

import pytest

from tests.test_browser_web import (  # noqa: F401  (module fixtures: one server and one host site per module)
    ARTIFACTS,
    WRR_Q,
    ask_in_widget,
    browser_context,
    host_page,
    host_port,
    host_root,
    page,
    server,
    web_assistant,
    web_settings,
)

pytestmark = pytest.mark.slow

WIDGET = "[data-welzijn-widget]"
PAGE_NUMBERS = itertools.count()
TEAL = "rgb(15, 118, 110)"  # the default accent
OPTIONS = {
    "data-title": "Vraag het de gemeente",
    "data-greeting": "Hello! Ask me about social work in the Netherlands.",
    "data-suggestions": "Wie is Lex Staal? | Welke vier typen burgers onderscheidt de WRR?",
    "data-color": "#1a6",
    "data-lang": "en",
    "data-position": "left",
    "data-open": "",
    "data-width": "480",
    "data-height": "560",
}


@pytest.fixture
def foreign_page(host_root, host_page, server):
    """Writes a page of the foreign site whose widget tag carries the given attributes; returns its URL."""

    def write(attributes: dict[str, str]) -> str:
        name = f"page-{next(PAGE_NUMBERS)}.html"  # a new name each time: the browser may cache a page it has seen
        options = " ".join(f'{k}="{html.escape(v)}"' if v else k for k, v in attributes.items())
        (host_root / name).write_text(
            "<!doctype html><html lang='nl'><head><meta charset='utf-8'><title>Gemeente Voorbeeld</title></head>"
            "<body style='margin:2rem;font:18px Georgia,serif;background:#f5f3ef'><h1>Gemeente Voorbeeld</h1>"
            "<p>Een pagina van een andere site.</p><p><a href='index.html'>Naar de startpagina</a></p>"
            f'<script src="{server}/widget.js" {options}></script></body></html>',
            encoding="utf-8",
        )
        return host_page.replace("index.html", name)

    return write


def launcher(page):
    return page.locator(f"{WIDGET} button.toggle")


def panel(page):
    return page.locator(f"{WIDGET} .panel")


def chat(page):
    return page.frame_locator(f"{WIDGET} iframe")


def style(locator, prop: str) -> str:
    return locator.evaluate("(e, p) => getComputedStyle(e)[p]", prop)


def focused_in_widget(page) -> str:
    """The element that has the focus inside the widget's Shadow DOM, as "tag.class" ('' if none)."""
    return page.evaluate(
        "() => { const a = document.activeElement; const s = a && a.shadowRoot && a.shadowRoot.activeElement;"
        " return s ? s.localName + (s.className ? '.' + s.className : '') : ''; }"
    )


def embed_frame(page):
    """The widget's iframe as a Playwright Frame (to evaluate script in it)."""
    return next(f for f in page.frames if "/embed?" in f.url)


def answered(frame, n: int = 1) -> None:
    """Wait until the n-th answer is complete: its thumbs are shown."""
    frame.locator(".msg.bot .meta .thumb").nth(2 * n - 1).wait_for(timeout=30_000)


def test_each_option_changes_the_widget(page, foreign_page):
    page.goto(foreign_page(OPTIONS))
    frame = chat(page)
    frame.locator(".greeting").wait_for()  # data-open: open without a click
    page.wait_for_timeout(300)
    page.screenshot(path=str(ARTIFACTS / "widget-options.png"))

    button = launcher(page)
    assert button.get_attribute("aria-expanded") == "true" and button.inner_text() == "Close"  # data-lang on the button
    assert style(button, "backgroundColor") == "rgb(17, 170, 102)"  # data-color #1a6
    assert style(button, "color") == "rgb(17, 24, 39)"  # white on this green is under 4.5:1: dark text
    box = panel(page).bounding_box()
    assert (round(box["width"]), round(box["height"])) == (480, 560)  # data-width, data-height
    assert box["x"] == 20 and button.bounding_box()["x"] == 20  # data-position=left
    assert frame.locator("#title").inner_text() == "Vraag het de gemeente"  # data-title
    assert style(frame.locator("header"), "backgroundColor") == "rgb(17, 170, 102)"
    assert style(frame.locator("header"), "color") == "rgb(17, 24, 39)"
    # data-lang=en: the interface strings, not the answers.
    assert frame.locator("html").get_attribute("lang") == "en"
    assert frame.locator("#question").get_attribute("placeholder") == "Ask a question…"
    assert frame.locator("#new-chat").inner_text() == "New conversation"
    assert frame.locator("#send").inner_text() == "Ask"
    # data-greeting is the first message, data-suggestions its buttons; a click asks that question.
    assert frame.locator(".msg").first.inner_text().startswith(OPTIONS["data-greeting"])
    suggestions = frame.locator(".suggestions button")
    assert suggestions.all_inner_texts() == ["Wie is Lex Staal?", "Welke vier typen burgers onderscheidt de WRR?"]
    suggestions.nth(1).click()
    answered(frame)
    assert frame.locator(".msg.user").all_inner_texts() == [WRR_Q]
    assert frame.locator(".suggestions").count() == 0  # offered until a question is asked
    assert frame.locator(".sources summary").first.inner_text().startswith("Sources (")
    assert "Answered by extractive" in frame.locator(".msg.bot .meta").first.inner_text()
    page.wait_for_timeout(300)
    page.screenshot(path=str(ARTIFACTS / "widget-options-answer.png"))
    assert not page.js_errors


def test_without_options_or_with_invalid_ones_the_widget_keeps_its_defaults(page, host_page, foreign_page):
    invalid = {
        "data-color": "red; background: url(https://evil.example/x)",
        "data-width": "100%",
        "data-height": "99999",
        "data-lang": "xx",
        "data-position": "middle",
        "data-open": "false",
        "data-greeting": "",
    }
    # 99999 px high is clamped to 900, and then to the window (900 - 110).
    for url, height in ((host_page, 620), (foreign_page(invalid), 790)):
        page.goto(url)
        button = launcher(page)
        button.wait_for()
        assert not panel(page).is_visible() and button.get_attribute("aria-expanded") == "false"
        assert style(button, "backgroundColor") == TEAL and style(button, "color") == "rgb(255, 255, 255)"
        assert page.viewport_size["width"] - button.bounding_box()["x"] - button.bounding_box()["width"] == 20
        button.click()
        frame = chat(page)
        frame.locator(".greeting").wait_for()
        box = panel(page).bounding_box()
        assert (round(box["width"]), round(box["height"])) == (400, height)
        assert frame.locator("html").get_attribute("lang") == "nl"
        assert frame.locator("#send").inner_text() == "Vraag"
        assert frame.locator(".greeting p").inner_text().startswith("Stel een vraag over het Nederlandse debat")
        assert style(frame.locator("header"), "backgroundColor") == TEAL
    page.screenshot(path=str(ARTIFACTS / "widget-invalid-options.png"))
    assert not page.js_errors


@pytest.mark.parametrize(
    ("value", "background", "ink"),
    [
        ("#6d28d9", "rgb(109, 40, 217)", "rgb(255, 255, 255)"),
        ("rgb(250, 204, 21)", "rgb(250, 204, 21)", "rgb(17, 24, 39)"),
        ("RGB(0 0 0)", "rgb(0, 0, 0)", "rgb(255, 255, 255)"),
        ("rgb(300, 0, 0)", TEAL, "rgb(255, 255, 255)"),
        ("#12345", TEAL, "rgb(255, 255, 255)"),
        ('#fff" onmouseover="window.__xss=1', TEAL, "rgb(255, 255, 255)"),
        ("expression(alert(1))", TEAL, "rgb(255, 255, 255)"),
    ],
)
def test_the_colour_option_takes_only_colours(page, foreign_page, value, background, ink):
    page.goto(foreign_page({"data-color": value, "data-open": ""}))
    header = chat(page).locator("header")
    header.wait_for()
    assert (style(launcher(page), "backgroundColor"), style(launcher(page), "color")) == (background, ink)
    assert (style(header, "backgroundColor"), style(header, "color")) == (background, ink)
    src = page.locator(f"{WIDGET} iframe").get_attribute("src")
    assert "onmouseover" not in src and "expression" not in src and "url(" not in src
    assert page.evaluate("window.__xss") is None


def test_the_conversation_survives_navigation_and_new_conversation_clears_it(page, host_page, foreign_page):
    page.goto(foreign_page({"data-open": ""}))
    frame = chat(page)
    ask_in_widget(frame, WRR_Q)
    answered(frame)
    first_answer = frame.locator(".msg.bot").nth(1).inner_text()

    page.reload()
    frame = chat(page)
    frame.locator(".msg.user").first.wait_for()
    assert frame.locator(".msg.user").all_inner_texts() == [WRR_Q]
    assert frame.locator(".msg.bot").nth(1).inner_text() == first_answer  # text, sources and footer again
    assert frame.locator(".msg.bot").nth(1).locator(".sources li").count() >= 1
    assert frame.locator(".suggestions").count() == 0
    page.wait_for_timeout(300)
    page.screenshot(path=str(ARTIFACTS / "widget-restored.png"))

    # Another page of the same site, and a follow-up that sends the remembered turn as history.
    page.click("text=Naar de startpagina")
    page.wait_for_url(host_page)
    launcher(page).click()
    frame = chat(page)
    frame.locator(".msg.user").first.wait_for()
    with page.expect_request("**/embed/api/ask/stream") as request:
        ask_in_widget(frame, "Hoeveel procent is actief?")
    history = request.value.post_data_json["history"]
    assert history[0] == {"role": "user", "content": WRR_Q} and history[1]["role"] == "assistant"
    answered(frame, 2)

    frame.get_by_role("button", name="Nieuw gesprek").click()
    assert frame.locator(".msg.user").count() == 0
    assert frame.locator(".suggestions button").count() == 3  # the greeting and its questions are back
    assert frame.locator("#question").evaluate("e => document.activeElement === e")
    page.reload()
    launcher(page).click()
    chat(page).locator(".greeting").wait_for()
    assert chat(page).locator(".msg.user").count() == 0
    page.screenshot(path=str(ARTIFACTS / "widget-new-conversation.png"))
    assert not page.js_errors


def test_on_a_phone_the_open_widget_fills_the_screen(page, host_page):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(host_page)
    launcher(page).click()
    frame = chat(page)
    frame.locator(".greeting").wait_for()
    assert panel(page).bounding_box() == {"x": 0, "y": 0, "width": 390, "height": 844}
    assert page.locator(f"{WIDGET} iframe").bounding_box() == {"x": 0, "y": 0, "width": 390, "height": 844}
    assert not launcher(page).is_visible()  # under the chat; its header has the close button
    ask_in_widget(frame, WRR_Q)
    answered(frame)
    page.screenshot(path=str(ARTIFACTS / "widget-mobile.png"))

    frame.get_by_role("button", name="Sluiten").click()
    panel(page).wait_for(state="hidden")  # the chat asks the page by postMessage
    assert launcher(page).is_visible()
    assert focused_in_widget(page) == "button.toggle"
    page.screenshot(path=str(ARTIFACTS / "widget-mobile-closed.png"))
    page.set_viewport_size({"width": 1280, "height": 900})
    launcher(page).click()  # above 768 px the panel floats again
    assert round(panel(page).bounding_box()["width"]) == 400


def test_esc_closes_the_widget_and_the_focus_returns_to_its_button(page, host_page):
    page.goto(host_page)
    button = launcher(page)
    button.click()
    question = chat(page).locator("#question")
    question.wait_for()
    # Opening by hand moves the keyboard into the question box.
    embed_frame(page).wait_for_function("() => document.activeElement.id === 'question'")
    assert focused_in_widget(page) == "iframe"
    question.press("Escape")  # in the iframe: the chat asks the page to close it
    panel(page).wait_for(state="hidden")
    assert button.get_attribute("aria-expanded") == "false" and focused_in_widget(page) == "button.toggle"

    page.keyboard.press("Enter")  # the focused button opens it again
    question.wait_for()
    assert panel(page).is_visible()
    button.focus()
    page.keyboard.press("Escape")  # on the page itself (the button)
    assert not panel(page).is_visible() and focused_in_widget(page) == "button.toggle"
    assert not page.js_errors
