"""Feedback and conversation records survive restarts, full disks and a kill in the middle of a write."""

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

from assistant.core.errors import StorageError
from assistant.rag.records import ConversationLog, JsonlStore
from tests.conftest import REPO
from tests.fakes import drain

CHILD = Path(__file__).with_name("records_child.py")
WRR_Q = "Welke vier typen burgers onderscheidt de WRR?"


def test_a_torn_last_line_is_skipped_and_cut_before_the_next_append(tmp_path):
    store = JsonlStore(tmp_path / "r.jsonl")
    store.append({"id": 1})
    with open(store.path, "ab") as fh:
        fh.write(b'{"id": 2, "body": "half')  # a crash in the middle of a write
    assert [r["id"] for r in store.read()] == [1]
    JsonlStore(store.path).append({"id": 3})  # a new process after the crash
    lines = store.path.read_bytes().splitlines()
    assert [json.loads(line)["id"] for line in lines] == [1, 3]


def test_a_full_disk_is_a_clear_error_and_leaves_the_file_as_it_was(tmp_path):
    with pytest.raises(StorageError, match="Kan niet schrijven in /dev: de schijf is vol"):
        JsonlStore(Path("/dev/full")).append({"id": 1})  # /dev/full: every write fails with ENOSPC


def test_sigkill_in_the_middle_of_appends_keeps_every_completed_record(tmp_path):
    path = tmp_path / "conversations.jsonl"
    rng = random.Random(11)
    acknowledged: list[int] = []
    torn = 0
    for trial in range(30):
        child = subprocess.Popen([sys.executable, str(CHILD), str(path), str(trial * 1000)],
                                 stdout=subprocess.PIPE, text=True, cwd=REPO)
        child.stdout.readline() and acknowledged.append(trial * 1000)  # at least one append done
        time.sleep(rng.uniform(0.0, 0.25))
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        acknowledged += [int(line) for line in child.stdout.read().split()]
        torn += not path.read_bytes().endswith(b"\n")
        records = JsonlStore(path).read()
        by_id = {r["id"]: r for r in records}
        assert len(by_id) == len(records)  # no record twice
        for n in acknowledged:
            record = by_id[n]  # every append that returned is there, whole
            assert hashlib.sha256(record["body"].encode()).hexdigest() == record["sha"]
    JsonlStore(path).append({"id": -1, "body": "na de laatste kill"})
    lines = path.read_bytes().splitlines()
    assert all(json.loads(line) for line in lines)  # no glued or torn line anywhere
    assert json.loads(lines[-1])["id"] == -1
    print(f"records: {len(lines)}, acknowledged: {len(acknowledged)}, torn last lines repaired: {torn}")
    assert len(acknowledged) >= 30


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
    [record] = ConversationLog(settings.storage.conversations_path).read()
    assert record["channel"] == "ui" and record["question"] == WRR_Q and record["citations"]


def test_log_conversations_false_writes_nothing(settings, fake_assistant):
    off = settings.model_copy(update={"log_conversations": False, "rate_limit_per_minute": 0})
    from assistant.rag.service import Assistant
    from assistant.web.app import create_app

    quiet = Assistant(off, fake_assistant.knowledge)
    with TestClient(create_app(off, assistant=quiet)) as client:
        assert client.post("/api/ask", json={"question": WRR_Q, "backend": "extractive"}).status_code == 200
    assert not settings.storage.conversations_path.exists()


def test_a_full_disk_fails_feedback_clearly_but_answers_still_come(settings, fake_assistant):
    from assistant.web.feedback import FeedbackStore

    fake_assistant.conversations = ConversationLog(Path("/dev/full"))
    app = make_app(settings, fake_assistant)
    app.state.feedback = FeedbackStore(Path("/dev/full"))
    with TestClient(app) as client:
        response = client.post("/api/feedback", json={"question": WRR_Q, "answer": "x", "liked": True})
        assert response.status_code == 503 and "de schijf is vol" in response.json()["error"]
        assert client.post("/api/ask", json={"question": WRR_Q, "backend": "extractive"}).status_code == 200
        assert client.get("/api/health").status_code == 200


def test_feedback_keeps_the_channel_it_came_through(settings, fake_assistant):
    vote = {"question": WRR_Q, "answer": "De WRR [1].", "liked": True}
    with TestClient(make_app(settings, fake_assistant)) as client:
        assert client.post("/api/feedback", json=vote).status_code == 201
        assert client.post("/embed/api/feedback", json=vote).status_code == 201
    from assistant.web.feedback import FeedbackStore

    assert [r["channel"] for r in FeedbackStore(settings.storage.feedback_path).read()] == ["api", "widget"]


def test_the_cli_logs_its_answers(settings, fake_assistant, monkeypatch):
    from typer.testing import CliRunner

    import assistant.rag.wiring
    from assistant.cli.app import app

    monkeypatch.setattr(assistant.rag.wiring, "build_assistant", lambda _: fake_assistant)
    result = CliRunner().invoke(app, ["ask", WRR_Q, "--backend", "extractive"])
    assert result.exit_code == 0, result.output
    [record] = ConversationLog(settings.storage.conversations_path).read()
    assert record["channel"] == "cli" and record["question"] == WRR_Q and record["citations"]
