"""Insights from the conversation log and the feedback (SQLite and PostgreSQL): the service's plain data, the page and the CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from assistant.rag.insights import Period, insights, questions
from assistant.db.records import RecordLog

TOKEN = "inzicht-token-9876543210"
CITED = [{"n": 1, "source": "003_b4ac6d7293bc88c6.txt", "quote": "…"}]


def conversation(time, channel, question, refused=False):
    answer = "De artikelen geven geen antwoord op deze vraag." if refused else "Een antwoord [1]."
    return {"time": time, "channel": channel, "question": question, "answer": answer, "refused": refused,
            "citations": [] if refused else CITED}


@pytest.fixture
def records(engine_settings):
    """The same records on each engine (SQLite and PostgreSQL): every test below must read the same from both."""
    settings = engine_settings
    log = RecordLog(settings.storage, "conversation")
    for record in (
        conversation("2026-11-28T10:00:00+0100", "ui", "Wie is Lex Staal?"),
        conversation("2026-11-28T11:00:00+0100", "widget", "Hoe laat is het?", refused=True),
        conversation("2026-11-30T09:00:00+0100", "api", "Wat vindt de WRR?"),
        conversation("2026-11-30T09:30:00+0100", "api", "=HYPERLINK(\"http://x\")", refused=True),
        conversation("2026-11-30T09:40:00+0100", "cli", "Welke typen burgers?"),
    ):
        log.append(record)
    feedback = RecordLog(settings.storage, "feedback")
    feedback.append({"time": "2026-11-28T10:01:00+0100", "channel": "ui", "liked": "Dislike",
                     "question": "Wie is Lex Staal?", "answer": "Een antwoord [1].", "citations": CITED})
    feedback.append({"time": "2026-11-30T09:01:00+0100", "channel": "api", "liked": True,
                     "question": "Wat vindt de WRR?", "answer": "Een antwoord [1].", "citations": CITED})
    return settings


def test_the_service_counts_per_day_and_lists_refusals_and_thumbs_down(records):
    found = insights(records.storage, Period())
    assert [(d.day.isoformat(), d.answered, d.refused) for d in found.days] == [
        ("2026-11-28", 1, 1), ("2026-11-29", 0, 0), ("2026-11-30", 2, 1),
    ]
    assert (found.asked, found.answered, found.refused, found.thumbs_up, found.thumbs_down) == (5, 3, 2, 1, 1)
    assert [q.question for q in found.refused_questions] == ['=HYPERLINK("http://x")', "Hoe laat is het?"]
    assert [q.question for q in found.recent][:2] == ["Welke typen burgers?", '=HYPERLINK("http://x")']
    (disliked,) = found.disliked
    assert disliked.question == "Wie is Lex Staal?" and disliked.sources == ("003_b4ac6d7293bc88c6.txt",)


def test_the_service_filters_by_channel_and_dates(records):
    widget = insights(records.storage, Period(channel="widget"))
    assert (widget.asked, widget.refused, widget.thumbs_down) == (1, 1, 0)
    last_day = insights(records.storage, Period(start=dt.date(2026, 11, 29), end=dt.date(2026, 11, 30)))
    assert (last_day.asked, last_day.thumbs_up, last_day.thumbs_down) == (3, 1, 0)
    assert [q.channel for q in questions(records.storage, Period(end=dt.date(2026, 11, 28)))] == ["ui", "widget"]
    assert insights(records.storage, Period(start=dt.date(2027, 1, 1))).days == ()


@pytest.fixture
def client(records, fake_service):
    from assistant.web.app import create_app

    settings = records.model_copy(update={"admin_token": SecretStr(TOKEN)})
    with TestClient(create_app(settings, assistant=fake_service)) as test_client:
        yield test_client


def test_the_page_shows_the_chart_the_lists_and_the_filters(client):
    assert client.get("/beheer/inzichten", follow_redirects=False).status_code == 303
    client.post("/beheer/inloggen", data={"token": TOKEN})
    page = client.get("/beheer/inzichten")
    assert page.status_code == 200 and TOKEN not in page.text
    assert "<svg" in page.text and "2026-11-30: 3 vragen, 2 beantwoord, 1 geweigerd" in page.text
    assert "Hoe laat is het?" in page.text and "Wie is Lex Staal?" in page.text
    assert "=HYPERLINK(&quot;http://x&quot;)" in page.text  # visitors' text is escaped
    widget = client.get("/beheer/inzichten", params={"channel": "widget"}).text
    assert "Hoe laat is het?" in widget and "Wat vindt de WRR?" not in widget
    assert '<option value="widget" selected>' in widget
    empty = client.get("/beheer/inzichten", params={"channel": "", "van": "", "tot": ""})  # the form's defaults
    assert empty.status_code == 200 and "Hoe laat is het?" in empty.text
    wrong = client.get("/beheer/inzichten", params={"van": "gisteren"})
    assert wrong.status_code == 400 and "JJJJ-MM-DD" in wrong.json()["error"]
    dated = client.get("/beheer/inzichten", params={"van": "2026-11-30", "tot": "2026-11-30"}).text
    assert "Hoe laat is het?" not in dated and 'value="2026-11-30"' in dated


def test_csv_export_follows_the_filter_and_defuses_formulas(client):
    response = client.get("/api/admin/insights.csv", params={"channel": "api"},
                          headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == ["tijd", "kanaal", "vraag", "geweigerd", "antwoord", "bronnen"]
    assert [r[2] for r in rows[1:]] == ["Wat vindt de WRR?", "'=HYPERLINK(\"http://x\")"]
    assert rows[1][5] == "003_b4ac6d7293bc88c6.txt" and rows[2][3] == "ja"
    assert client.get("/api/admin/insights.csv").status_code == 401


def test_insights_json_for_other_programs(client):
    data = client.get("/api/admin/insights", headers={"Authorization": f"Bearer {TOKEN}"}).json()
    assert (data["asked"], data["refused"], data["thumbs_down"]) == (5, 2, 1)
    assert data["days"][0] == {"day": "2026-11-28", "answered": 1, "refused": 1}
