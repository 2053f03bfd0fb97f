"""The management pages in real headless Chromium: log in, upload, ask, delete, roll back, insights.

The index is built and changed by the real ingest pipeline; the deterministic fake embedding and the
extractive backend keep it quick. Screenshots of each step go to test-artifacts/beheer-*.png.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr

from tests import new_article
from tests.live import chromium, fake_assistant_for, live_server

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "test-artifacts"
TOKEN = "browser-beheertoken-5f1c2a"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from assistant.web.app import create_app
    from tests.conftest import make_settings

    data = tmp_path_factory.mktemp("beheer") / "data"
    settings = make_settings(data, min_relevance=0.05, admin_token=SecretStr(TOKEN), rate_limit_per_minute=0)
    with live_server(create_app(settings, assistant=fake_assistant_for(settings))) as url:
        yield url


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    ARTIFACTS.mkdir(exist_ok=True)
    with chromium(tmp_path_factory.mktemp("chromium-profile")) as context:
        page = context.new_page()
        page.on("dialog", lambda dialog: dialog.accept())  # the confirm() before delete and rollback
        yield page


def ask(page, server) -> dict:
    response = page.request.post(f"{server}/api/ask", data={"question": new_article.QUESTION, "backend": "extractive"})
    assert response.ok
    return response.json()


def articles(page):
    return page.locator("section", has_text="Artikelen in de index")


def shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"beheer-{name}.png"), full_page=True)


def test_upload_ask_delete_roll_back_and_see_it_in_the_insights(page, server, tmp_path):
    page.goto(f"{server}/beheer")
    assert page.url.endswith("/beheer/inloggen")
    page.fill("#token", "verkeerd")
    page.click("button[type=submit]")
    page.get_by_text("Dit token klopt niet").wait_for()
    page.fill("#token", TOKEN)
    shot(page, "login")
    page.click("button[type=submit]")
    page.wait_for_url(f"{server}/beheer")
    assert TOKEN not in page.content()
    shot(page, "artikelen")

    upload = tmp_path / new_article.NAME
    upload.write_text(new_article.TEXT, encoding="utf-8")
    empty = tmp_path / "leeg.txt"
    empty.write_bytes(b"")
    page.set_input_files("#bestanden", [str(upload), str(empty)])
    page.click("#upload button[type=submit]")
    # The bar shows the upload, then "bezig met indexeren" until the new version is live and the page reloads.
    page.wait_for_function(
        "() => document.querySelector('#voortgang span').textContent.includes('indexeren')"
        " || document.querySelector('.melding')"
    )
    shot(page, "voortgang")
    page.locator(".melding").wait_for(timeout=60_000)
    messages = page.locator(".melding").inner_text()
    assert f"{new_article.NAME}: Toegevoegd." in messages and "leeg.txt: Niet toegevoegd: leeg bestand." in messages
    row = articles(page).locator("tr", has_text=new_article.NAME)
    assert "Marieke Jansen" in row.inner_text()
    shot(page, "upload")

    answer = ask(page, server)
    assert not answer["refused"] and answer["citations"][0]["source"] == new_article.NAME
    rating = {"question": answer["question"], "answer": answer["answer"], "citations": answer["citations"], "liked": False}
    assert page.request.post(f"{server}/api/feedback", data=rating).ok  # a thumbs down, for the insights

    with page.expect_popup() as popup:
        row.get_by_role("link").click()  # the article page opens from the list
    popup.value.get_by_text("Ingrid Verhoef", exact=False).first.wait_for()
    popup.value.close()

    row.get_by_role("button", name="Verwijderen").click()
    page.get_by_text(f"Verwijderd: {new_article.NAME}").wait_for(timeout=60_000)
    assert articles(page).locator("tr", has_text=new_article.NAME).count() == 0
    shot(page, "verwijderd")
    assert ask(page, server)["refused"]

    previous = page.locator("tr", has=page.get_by_role("button", name="Terugzetten")).first
    previous.get_by_role("button", name="Terugzetten").click()
    page.get_by_text("Teruggezet", exact=False).wait_for(timeout=60_000)
    assert articles(page).locator("tr", has_text=new_article.NAME).count() == 1
    shot(page, "terugzetten")
    assert not ask(page, server)["refused"]

    page.get_by_role("link", name="Inzichten").click()
    page.wait_for_url(f"{server}/beheer/inzichten")
    assert page.locator(".total.refused .figure").inner_text() == "1"
    refused = page.locator("section", has_text="Geweigerde vragen").inner_text()
    assert new_article.QUESTION in refused
    latest = page.locator("section", has_text="Laatste vragen").inner_text()
    assert latest.count(new_article.QUESTION) == 3 and latest.count("geweigerd") == 1
    disliked = page.locator("section", has_text="duim omlaag").last.inner_text()
    assert new_article.QUESTION in disliked and new_article.NAME in disliked
    assert page.locator("svg.chart rect").count() >= 1
    shot(page, "inzichten")
    page.select_option("select[name=channel]", "widget")
    page.click("form.filters button")
    page.get_by_text("Geen vragen in deze periode.").first.wait_for()  # empty date fields mean: no limit
