"""axe-core in Chromium: no serious or critical violation on the chat page, the widget and an article page.

axe-core comes from the npm registry (`make axe`, pinned in the Makefile) into the gitignored .tools/.
Every violation, of any impact, is written to test-artifacts/axe-<page>.json.
"""

from __future__ import annotations

import json

import pytest

from tests.conftest import REPO
from tests.live import chromium
from tests.test_browser_web import (  # noqa: F401  (module fixtures: one server per module)
    ARTIFACTS,
    WRR_Q,
    ask_in_chat,
    ask_in_widget,
    host_port,
    server,
    web_assistant,
    web_settings,
)
from tests.test_browser_widget import answered, chat, embed_frame

pytestmark = pytest.mark.slow

AXE = REPO / ".tools" / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="module")
def axe_context(tmp_path_factory):
    """A browser that ignores the pages' CSP, so that axe-core can be added to them as a script."""
    if not AXE.exists():
        pytest.fail("axe-core is missing: run `make axe` (make test does this)")
    ARTIFACTS.mkdir(exist_ok=True)
    with chromium(tmp_path_factory.mktemp("axe-profile"), bypass_csp=True) as context:
        yield context


@pytest.fixture
def axe_page(axe_context):
    page = axe_context.new_page()
    yield page
    page.close()


def axe_violations(name: str, target) -> list[dict]:
    """Run axe-core in a page or frame; every violation goes to test-artifacts/axe-<name>.json."""
    target.add_script_tag(path=str(AXE))
    result = target.evaluate("() => axe.run(document, { iframes: false, resultTypes: ['violations'] })")
    found = [
        {"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]]}
        for v in result["violations"]
    ]
    (ARTIFACTS / f"axe-{name}.json").write_text(json.dumps(found, indent=1, ensure_ascii=False), encoding="utf-8")
    return [v for v in found if v["impact"] in ("serious", "critical")]


def test_axe_chat_page(axe_page, server):
    axe_page.goto(server + "/")
    axe_page.get_by_text("Klaar", exact=False).first.wait_for(timeout=30_000)
    ask_in_chat(axe_page, WRR_Q)
    axe_page.get_by_text("Bronnen (", exact=False).first.wait_for(timeout=30_000)
    axe_page.wait_for_timeout(600)  # the sources box opens with an animation
    assert axe_violations("chat", axe_page) == []


def test_axe_article_page(axe_page, server):
    axe_page.goto(f"{server}/articles/003_b4ac6d7293bc88c6.txt?start=5068&end=5231")
    axe_page.locator("mark").wait_for()
    assert axe_violations("article", axe_page) == []


def test_axe_widget_on_the_example_page(axe_page, server):
    axe_page.goto(server + "/embed/voorbeeld")
    frame = chat(axe_page)
    frame.locator(".suggestions button").nth(1).click()
    answered(frame)
    axe_page.screenshot(path=str(ARTIFACTS / "widget-voorbeeld.png"))
    assert axe_violations("voorbeeld", axe_page) == []
    assert axe_violations("voorbeeld-widget", embed_frame(axe_page)) == []


def test_axe_embed_page(axe_page, server):
    axe_page.goto(server + "/embed")
    ask_in_widget(axe_page, WRR_Q)
    answered(axe_page)
    assert axe_violations("embed", axe_page) == []
