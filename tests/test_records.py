"""Conversation, feedback and admin records in the database: durable, append-only, crash-safe, on SQLite and
a real PostgreSQL; the old JSONL logs are imported once."""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.db.records import RecordLog
from assistant.rag.records import ConversationLog
from tests.conftest import REPO
from tests.fakes import drain

CHILD = Path(__file__).with_name("records_child.py")
WRR_Q = "Welke vier typen burgers onderscheidt de WRR?"
UNREACHABLE = "postgresql://niemand:geheim-wachtwoord@127.0.0.1:1/geen"  # nothing listens on port 1


def child_env(settings) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("WELZIJN_DATABASE_URL", None)
    if settings.storage.database_url is not None:
        env["WELZIJN_DATABASE_URL"] = settings.storage.database_url.get_secret_value()
    return env


def start_child(settings, first: int, count: int | None = None) -> subprocess.Popen:
    args = [sys.executable, str(CHILD), str(settings.storage.data_dir), str(first)] + ([str(count)] if count else [])
    return subprocess.Popen(args, stdout=subprocess.PIPE, text=True, cwd=REPO, env=child_env(settings))


def test_records_are_append_only_in_the_database_itself(engine_settings):
    import sqlalchemy as sa

    from assistant.db.startup import database_for

    log = RecordLog(engine_settings.storage, "feedback")
    stored = log.append({"channel": "api", "liked": True, "question": "Wie? \ud800 é \x00"})
    assert log.read() == [stored] and stored["time"]
    assert not any(hasattr(log, name) for name in ("update", "delete", "remove", "clear"))
    for statement in ("UPDATE records SET channel = 'x'", "DELETE FROM records"):
        with pytest.raises(sa.exc.IntegrityError, match="append-only"):  # the same error on both engines
            with database_for(engine_settings.storage).begin() as connection:
                connection.execute(sa.text(statement))
    assert log.read() == [stored]


@pytest.mark.slow
def test_sigkill_in_the_middle_of_appends_keeps_every_committed_record(engine_settings):
    rng = random.Random(11)
    acknowledged: list[int] = []
    log = RecordLog(engine_settings.storage, "conversation")
    for trial in range(15):
        child = start_child(engine_settings, trial * 1000)
        child.stdout.readline() and acknowledged.append(trial * 1000)  # at least one append done
        time.sleep(rng.uniform(0.0, 0.25))
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        acknowledged += [int(line) for line in child.stdout.read().split()]
        records = log.read()
        by_id = {r["id"]: r for r in records}
        assert len(by_id) == len(records)  # no record twice
        for n in acknowledged:
            record = by_id[n]  # every append that returned is there, whole
            assert hashlib.sha256(record["body"].encode()).hexdigest() == record["sha"]
    last = log.append({"id": -1, "body": "na de laatste kill"})
    assert log.read()[-1] == last
    assert len(acknowledged) >= 15


def test_two_processes_write_at_once_and_every_record_lands(engine_settings):
    RecordLog(engine_settings.storage, "conversation").read()  # migrate first: the race below is about writes
    children = [start_child(engine_settings, first, 150) for first in (0, 10_000)]
    outputs = [child.communicate(timeout=120)[0] for child in children]
    assert [child.returncode for child in children] == [0, 0]
    ids = [r["id"] for r in RecordLog(engine_settings.storage, "conversation").read()]
    assert sorted(ids) == list(range(150)) + list(range(10_000, 10_150))
    assert [i for i in ids if i < 10_000] == list(range(150))  # each writer's own order is kept
    assert all(len(out.split()) == 150 for out in outputs)


def test_old_jsonl_logs_are_imported_once_even_by_two_processes_at_once(engine_settings):
    data = engine_settings.storage.data_dir
    data.mkdir(parents=True)
    lines = [{"time": f"2026-11-2{n}T10:00:00+0100", "channel": "ui", "question": f"Vraag {n}"} for n in range(3)]
    jsonl = "".join(json.dumps(line) + "\n" for line in lines) + '{"time": "2026-11-29T1'  # a torn last line
    (data / "conversations.jsonl").write_text(jsonl, encoding="utf-8")
    (data / "feedback.jsonl").write_text(json.dumps({"channel": "api", "liked": False}) + "\n", encoding="utf-8")
    probe = "from assistant.db.startup import database_for; from assistant.core.settings import Settings; " \
            f"database_for(Settings(_env_file=None, data_dir={str(data)!r}).storage)"
    starts = [subprocess.Popen([sys.executable, "-c", probe], cwd=REPO, env=child_env(engine_settings)) for _ in range(2)]
    assert [p.wait(timeout=120) for p in starts] == [0, 0]  # two fresh processes migrate and import at once
    assert ConversationLog(engine_settings.storage).read() == lines
    assert [r["liked"] for r in RecordLog(engine_settings.storage, "feedback").read()] == [False]
    assert sorted(p.name for p in data.glob("*.jsonl*")) == ["conversations.jsonl.imported", "feedback.jsonl.imported"]
    # The same file put back (a restored backup) is known by its content and not imported again.
    (data / "conversations.jsonl").write_text(jsonl, encoding="utf-8")
    subprocess.run([sys.executable, "-c", probe], cwd=REPO, env=child_env(engine_settings), check=True)
    assert len(ConversationLog(engine_settings.storage).read()) == 3


def test_a_database_that_cannot_be_reached_never_fails_an_answer(settings, fake_assistant, caplog):
    from assistant.core.errors import StorageError
    from assistant.web.feedback import FeedbackStore

    from pydantic import SecretStr

    down = settings.model_copy(update={"database_url": SecretStr(UNREACHABLE)}).storage
    fake_assistant.conversations = ConversationLog(down)
    app = make_app(settings, fake_assistant)
    app.state.feedback = FeedbackStore(down)
    with TestClient(app) as client:
        response = client.post("/api/feedback", json={"question": WRR_Q, "answer": "x", "liked": True})
        assert response.status_code == 503 and "niet bereikbaar" in response.json()["error"]
        assert "geheim-wachtwoord" not in response.text
        assert client.post("/api/ask", json={"question": WRR_Q, "backend": "extractive"}).status_code == 200
        assert client.get("/api/health").status_code == 200
    assert "gesprekslog niet bijgewerkt" in caplog.text and "geheim-wachtwoord" not in caplog.text
    with pytest.raises(StorageError):
        RecordLog(down, "conversation").read()


def make_app(settings, assistant):
    from assistant.web.app import create_app

    return create_app(settings.model_copy(update={"rate_limit_per_minute": 0}), assistant=assistant)


def test_conversations_and_feedback_survive_a_restart(settings, fake_assistant, scripted_llm):
    with TestClient(make_app(settings, fake_assistant)) as client:
        assert client.post("/api/ask", json={"question": WRR_Q, "backend": "extractive"}).status_code == 200
        stream = client.post("/api/ask/stream", json={"question": "Wie is Lex Staal?", "backend": "extractive"})
        assert "event: answer" in stream.text
        feedback = {"question": WRR_Q, "answer": "De WRR [1].", "liked": False}
        assert client.post("/api/feedback", json=feedback).status_code == 201
    restarted = make_app(settings, fake_assistant)  # a new process would build exactly this
    log = restarted.state.conversations.read()
    assert [(r["channel"], r["question"]) for r in log] == [("api", WRR_Q), ("api", "Wie is Lex Staal?")]
    first = log[0]
    assert first["backend"] == "extractive" and first["citations"][0]["source"] == "003_b4ac6d7293bc88c6.txt"
    assert first["answer"] and set(first["timings_ms"]) >= {"retrieval", "total"} and first["time"]
    assert restarted.state.feedback.read()[0]["liked"] is False


def test_the_chat_page_logs_its_answers(settings, fake_assistant):
    from assistant.web.ui import ChatHandlers

    handlers = ChatHandlers(fake_assistant, settings, None, None)  # the service writes the log itself
    drain(handlers.respond(WRR_Q, [], []))
    [record] = ConversationLog(settings.storage).read()
    assert record["channel"] == "ui" and record["question"] == WRR_Q and record["citations"]


def test_log_conversations_false_writes_nothing(settings, fake_assistant):
    off = settings.model_copy(update={"log_conversations": False, "rate_limit_per_minute": 0})
    from assistant.rag.service import Assistant
    from assistant.web.app import create_app

    quiet = Assistant(off, fake_assistant.knowledge)
    with TestClient(create_app(off, assistant=quiet)) as client:
        assert client.post("/api/ask", json={"question": WRR_Q, "backend": "extractive"}).status_code == 200
    assert ConversationLog(settings.storage).read() == []


def test_feedback_keeps_the_channel_it_came_through(settings, fake_assistant):
    vote = {"question": WRR_Q, "answer": "De WRR [1].", "liked": True}
    with TestClient(make_app(settings, fake_assistant)) as client:
        assert client.post("/api/feedback", json=vote).status_code == 201
        assert client.post("/embed/api/feedback", json=vote).status_code == 201
    from assistant.web.feedback import FeedbackStore

    assert [r["channel"] for r in FeedbackStore(settings.storage).read()] == ["api", "widget"]


def test_the_cli_logs_its_answers(settings, fake_assistant, monkeypatch):
    from typer.testing import CliRunner

    import assistant.rag.wiring
    from assistant.cli.app import app

    monkeypatch.setattr(assistant.rag.wiring, "build_assistant", lambda _: fake_assistant)
    result = CliRunner().invoke(app, ["ask", WRR_Q, "--backend", "extractive"])
    assert result.exit_code == 0, result.output
    [record] = ConversationLog(settings.storage).read()
    assert record["channel"] == "cli" and record["question"] == WRR_Q and record["citations"]
