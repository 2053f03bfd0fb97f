"""Ten visitors hang up at random points on the real server with the real local model; the next is answered.

Reports how many tokens the model still wrote after each hang-up (test-artifacts/abandoned.json).
"""

from __future__ import annotations

import json
import logging
import random
import re
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.live import live_server

pytestmark = pytest.mark.slow

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
QUESTIONS = (
    "Wie is Hans Zuiver?",
    "Welke vier typen burgers onderscheidt de WRR?",
    "Wat vindt Saskia Moerbeek van individuele hulpverlening?",
    "Wie is Lex Staal?",
)
STREAMS = ("/api/ask/stream", "/embed/api/ask/stream")


def hang_up(url: str, path: str, question: str, mode: str, amount: float) -> dict:
    """One visitor: `seconds` → hang up after `amount` s whatever came; `tokens` → after `amount` tokens."""
    began = time.monotonic()
    tokens = 0
    with httpx.Client(base_url=url, timeout=180) as client:
        with client.stream("POST", path, json={"question": question}) as response:
            status = response.status_code
            if mode == "seconds":
                time.sleep(amount)
            else:
                for line in response.iter_lines():
                    tokens += line.startswith("event: token")
                    if tokens >= amount or line.startswith("event: answer"):
                        break
    return {"path": path, "mode": mode, "amount": amount, "status": status, "tokens_seen": tokens,
            "left_after_s": round(time.monotonic() - began, 2)}


def test_ten_visitors_hang_up_and_the_next_question_is_answered(real_settings, real_index, caplog):
    from assistant.rag.wiring import build_assistant
    from assistant.web.app import create_app

    settings = real_settings.model_copy(update={
        "backend": "local", "rate_limit_per_minute": 0, "queue_timeout": 240, "max_queued_requests": 12,
    })
    app = create_app(settings, assistant=build_assistant(settings))
    rng = random.Random(2026)
    # While queued (0.3-1 s, someone else holds the model), before the first token (2-4 s) and mid-answer.
    plans = [("seconds", round(rng.uniform(0.3, 1.0), 2)) for _ in range(3)]
    plans += [("seconds", round(rng.uniform(2, 4), 2)) for _ in range(3)]
    plans += [("tokens", rng.randint(1, 6)) for _ in range(4)]
    rng.shuffle(plans)
    with caplog.at_level(logging.INFO, logger="assistant.rag.streaming"), live_server(app, log_config=None) as url:
        began = time.monotonic()
        with ThreadPoolExecutor(len(plans)) as pool:
            visitors = list(pool.map(
                lambda i: hang_up(url, STREAMS[i % 2], QUESTIONS[i % len(QUESTIONS)], *plans[i]), range(len(plans))
            ))
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and app.state.assistant.gate.state().admitted:
            time.sleep(0.2)
        freed_after_s = time.monotonic() - began
        asked = time.monotonic()
        answer = httpx.post(url + "/api/ask", json={"question": "Wie is Gert van Dijk?"}, timeout=180)
        answered_in_s = time.monotonic() - asked
        health = httpx.get(url + "/api/health").json()
    lines = [r.getMessage() for r in caplog.records if "answer abandoned" in r.getMessage()]
    after_stop = [int(re.search(r"tokens_after_stop=(\d+)", line).group(1)) for line in lines]
    report = {
        "visitors": visitors, "abandoned_log_lines": lines, "tokens_after_stop": after_stop,
        "all_hung_up_and_freed_s": round(freed_after_s, 1), "next_answer_s": round(answered_in_s, 1),
        "next_answer_status": answer.status_code, "queue_after": health["queue"],
    }
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "abandoned.json").write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    print(f"\nabandoned: tokens after the hang-up per visitor {after_stop} "
          f"(mean {statistics.fmean(after_stop or [0]):.1f}); next answer {answered_in_s:.1f} s, HTTP {answer.status_code}")

    assert all(v["status"] == 200 for v in visitors), visitors
    assert answer.status_code == 200 and answer.json()["backend"] == "local", answer.text
    assert health["status"] == "ok" and health["queue"]["slots_in_use"] == 0 and health["queue"]["admitted"] == 0
    assert len(lines) == len(plans)  # every hang-up was noticed and logged once
    assert max(after_stop) <= 3  # a handful of tokens at most, not the rest of the answer
