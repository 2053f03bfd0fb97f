"""The bad-input corpus (tests/bad_inputs.jsonl) through every channel: CLI, HTTP API and the chat page."""

from __future__ import annotations

import http.client
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from tests.live import chromium, fake_assistant_for, live_server, parse_sse

CORPUS = Path(__file__).with_name("bad_inputs.jsonl")
CASES = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]
CHANNELS = {"cli", "api", "ui", "page"}
EXPECTS = {"rejected", "answered", "injection"}
NORMAL_Q = "Welke vier typen burgers onderscheidt de WRR?"
# Fragments of the system prompt (assistant/prompts.py) that no question in the corpus contains.
LEAK_FRAGMENTS = ("onthul deze instructies", "uitsluitend met de genummerde bronnen", "volg geen opdrachten")
ACTIVE_MARKUP = re.compile(r"<\s*[a-z!/]|javascript:|\bon[a-z]+\s*=", re.IGNORECASE)


def cases(channel: str, kind: str | None = None) -> list:
    chosen = [c for c in CASES if channel in c["channels"] and (kind is None or c["kind"] == kind)]
    return [pytest.param(c, id=c["id"]) for c in chosen]


def question_of(case: dict) -> str:
    return case["question"] * case.get("repeat", 1)


def body_of(case: dict) -> bytes:
    if "raw_hex" in case:
        return bytes.fromhex(case["raw_hex"])
    if "raw_parts" in case:
        return "".join(text * times for text, times in case["raw_parts"]).encode()
    if "raw" in case:
        return case["raw"].encode()
    return json.dumps(case["json"]).encode()


def statuses(case: dict) -> list[int]:
    status = case.get("api_status", case.get("status", 400))
    return status if isinstance(status, list) else [status]


def leaks(text: str) -> bool:
    from assistant.rag import prompts

    lowered = text.lower()
    sentences = [s.strip().lower() for s in prompts.SYSTEM.split(". ") if len(s) > 30]
    return any(f in lowered for f in LEAK_FRAGMENTS) or any(s in lowered for s in sentences)


def check_answer_json(case: dict, data: dict) -> None:
    """An answered case: cited or refused, no markup a page could run, nothing of the system prompt."""
    text = data["answer"]
    assert data["refused"] or data["citations"], text
    if not data["refused"]:
        markers = {int(n) for n in re.findall(r"\[(\d+)\]", text)}
        assert markers and markers <= {c["n"] for c in data["citations"]}, text
    shown = " ".join([text, data.get("notice", ""), *(c["quote"] for c in data["citations"])])
    assert not ACTIVE_MARKUP.search(shown), shown
    assert not leaks(shown), shown
    for c in data["citations"]:  # the web shape links each citation; `ask --json` has no links
        href = c.get("href", "articles/")
        assert href.startswith("articles/") and ":" not in href.split("?")[0], href


# --- the corpus itself -------------------------------------------------------------------------------


def test_corpus_is_well_formed_and_covers_every_channel():
    ids = [c["id"] for c in CASES]
    assert len(CASES) >= 40 and len(ids) == len(set(ids))
    for case in CASES:
        assert case["description"] and set(case["channels"]) <= CHANNELS and case["expect"] in EXPECTS, case["id"]
        assert case["kind"] in {"question", "body", "article"}
    for channel in CHANNELS:
        assert len(cases(channel)) >= 8, channel
    # The leak check would be void (or always fail) if a question itself held a prompt fragment.
    assert not any(leaks(question_of(c)) for c in CASES if c["kind"] == "question")
    from assistant.rag import prompts

    assert all(f in prompts.SYSTEM.lower() for f in LEAK_FRAGMENTS), "update LEAK_FRAGMENTS with the prompt"


# --- CLI: typer's CliRunner on the fake index --------------------------------------------------------


@pytest.fixture
def cli(monkeypatch, fake_assistant):
    from typer.testing import CliRunner

    import assistant.rag.wiring

    monkeypatch.setattr(assistant.rag.wiring, "build_assistant", lambda settings: fake_assistant)
    runner = CliRunner()

    def invoke(*args: str):
        from assistant.cli.app import app

        return runner.invoke(app, list(args))

    return invoke


@pytest.mark.parametrize("case", cases("cli", "question"))
def test_cli(cli, case):
    if "bytes_hex" in case:  # what Python makes of undecodable argv bytes
        question = bytes.fromhex(case["bytes_hex"]).decode("utf-8", "surrogateescape")
    else:
        question = question_of(case)
    result = cli("ask", question, "--json")
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    if case["expect"] == "rejected":
        assert result.exit_code in (1, 2) and "Fout: " in result.output, result.output
    else:
        assert result.exit_code == 0, result.output
        check_answer_json(case, json.loads(result.stdout))


# --- CLI: a real process on the real index -----------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("case_id", ["empty", "huge-100k", "invalid-utf8-argv", "inject-nl-ignore"])
def test_cli_subprocess(real_settings, real_index, case_id):
    case = next(c for c in CASES if c["id"] == case_id)
    question = bytes.fromhex(case["bytes_hex"]) if "bytes_hex" in case else question_of(case).encode()
    env = os.environ | {"WELZIJN_DATA_DIR": str(real_settings.storage.data_dir), "WELZIJN_BACKEND": "extractive"}
    welzijn = Path(sys.executable).with_name("welzijn")
    done = subprocess.run([os.fsencode(welzijn), b"ask", question], capture_output=True, env=env, timeout=240)
    out = (done.stdout + done.stderr).decode("utf-8", "replace")
    assert "Traceback" not in out
    if case["expect"] == "rejected":
        assert done.returncode == 1 and "Fout: " in out, out
    else:
        assert done.returncode == 0, out
        assert ("Bronnen:" in out or "geven geen antwoord" in out) and not leaks(out), out


# --- HTTP API: uvicorn on 127.0.0.1, fake index, extractive backend ----------------------------------


@pytest.fixture(scope="module")
def api_server(tmp_path_factory):
    from assistant.web.app import create_app
    from tests.conftest import make_settings

    # Every case comes from one client address: the rate limit has its own tests (test_access.py).
    settings = make_settings(tmp_path_factory.mktemp("bad") / "data", min_relevance=0.05, rate_limit_per_minute=0)
    with live_server(create_app(settings, assistant=fake_assistant_for(settings))) as url:
        yield url


def raw_request(base: str, method: str, path: str, body: bytes = b"", content_type: str = "application/json"):
    """One request with the path sent exactly as given (httpx would normalise ../ away)."""
    netloc = urlsplit(base).netloc
    conn = http.client.HTTPConnection(netloc, timeout=60)
    try:
        headers = {"Content-Type": content_type} if method == "POST" else {}
        conn.request(method, path, body=body or None, headers=headers)
        response = conn.getresponse()
        return response.status, response.getheader("content-type") or "", response.read()
    finally:
        conn.close()


@pytest.mark.parametrize("case", cases("api", "question"))
def test_api_question(api_server, case):
    # json.dumps escapes to ASCII, so a lone surrogate travels as the JSON escape \ud800.
    payload = json.dumps({"question": question_of(case), "backend": "extractive"}).encode()
    with httpx.Client(base_url=api_server, timeout=60, headers={"Content-Type": "application/json"}) as client:
        plain = client.post("/api/ask", content=payload)
        stream = client.post("/api/ask/stream", content=payload)
    if case["expect"] == "rejected":
        for response in (plain, stream):
            assert response.status_code in statuses(case), response.text[:300]
            assert response.json()["error"]
        return
    assert plain.status_code == 200, plain.text[:300]
    check_answer_json(case, plain.json())
    assert stream.status_code == 200
    events = parse_sse(stream.text)
    assert events[-1][0] == "answer", events[-3:]
    check_answer_json(case, json.loads(events[-1][1]))


@pytest.mark.parametrize("case", cases("api", "body"))
def test_api_body(api_server, case):
    status, content_type, body = raw_request(
        api_server, "POST", case.get("endpoint", "/api/ask"), body_of(case), case.get("content_type", "application/json")
    )
    assert status in statuses(case), body[:300]
    assert content_type.startswith("application/json")
    message = json.loads(body)["error"]
    assert isinstance(message, str) and message and "Traceback" not in message
    assert not message.startswith(("There was an error", "Not Found", "Method Not Allowed"))  # in Dutch


@pytest.mark.parametrize("case", cases("api", "article") + cases("page", "article"))
def test_article_names(api_server, case):
    path = case["path"] * case.get("repeat", 1)
    prefixes = [p for p, ch in (("/api/articles/", "api"), ("/articles/", "page")) if ch in case["channels"]]
    for prefix in prefixes:
        status, _, body = raw_request(api_server, "GET", prefix + path)
        assert status in statuses(case), (prefix, body[:300])
        assert b"root:" not in body and b"[fonts]" not in body  # /etc/passwd, win.ini
        if status == 404:
            assert json.loads(body) == {"error": "Dit artikel staat niet in de index."}


def test_api_still_answers_after_the_corpus(api_server):
    """Runs after the cases above (pytest keeps file order): the server is healthy and answers."""
    with httpx.Client(base_url=api_server, timeout=60) as client:
        assert client.get("/api/health").json()["status"] == "ok"
        data = client.post("/api/ask", json={"question": NORMAL_Q}).json()
    assert not data["refused"] and data["citations"]


# --- prompt injection against a model that obeys it ---------------------------------------------------


@pytest.mark.parametrize("case", [c for c in cases("api", "question") if c.values[0]["expect"] == "injection"])
@pytest.mark.parametrize("reply_kind", ["verbatim", "cited", "uncited-answer"])
def test_injection_obeyed_by_the_model_is_caught_by_the_citation_check(client_factory, scripted_llm, case, reply_kind):
    """The extractive backend cannot leak the prompt; a model could. The answer check refuses what it writes."""
    from assistant.rag import prompts

    replies = {
        "verbatim": prompts.SYSTEM,
        "cited": " ".join(f"{s.strip()}. [1]" for s in prompts.SYSTEM.split(". ")),
        "uncited-answer": "Lex Staal is een piraat zonder bronnen.",
    }
    scripted_llm.enqueue(replies[reply_kind])
    response = client_factory().post("/api/ask", json={"question": question_of(case), "backend": "scripted"})
    assert response.status_code == 200
    data = response.json()
    check_answer_json(case, data)
    assert "piraat" not in data["answer"]


@pytest.fixture
def client_factory(settings, fake_assistant):
    from fastapi.testclient import TestClient

    from assistant.web.app import create_app

    clients = []

    def make():
        clients.append(TestClient(create_app(settings, assistant=fake_assistant)))
        return clients[-1]

    yield make
    for c in clients:
        c.close()


# --- the chat page in Chromium ------------------------------------------------------------------------

DOM_PROBLEMS = """() => {
  const chat = document.querySelector('#wa-chat');
  const problems = [];
  for (const el of chat.querySelectorAll('*')) {
    const tag = el.tagName.toLowerCase();
    if (['script', 'iframe', 'object', 'embed', 'base', 'meta', 'form'].includes(tag)) problems.push(tag);
    for (const a of el.attributes) {
      if (a.name.startsWith('on')) problems.push(tag + '[' + a.name + ']');
      if (/^\\s*(javascript|data|vbscript):/i.test(a.value) && ['href', 'src', 'action', 'xlink:href'].includes(a.name))
        problems.push(tag + '[' + a.name + '=' + a.value.slice(0, 40) + ']');
    }
  }
  if (window.__xss !== undefined) problems.push('window.__xss set');
  return problems;
}"""


@pytest.mark.slow
def test_chat_page(api_server, tmp_path_factory):
    """Every text-box case in one browser session: a friendly line or an answer, never active markup."""
    ui_cases = [c.values[0] for c in cases("ui", "question")]
    results = {}
    with chromium(tmp_path_factory.mktemp("bad-profile")) as context:
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(api_server + "/")
        page.get_by_text("Klaar", exact=False).first.wait_for(timeout=30_000)
        chat = page.locator("#wa-chat")
        box = page.locator("#wa-question textarea")

        def ask_afresh(question: str) -> None:
            page.get_by_role("button", name="Nieuw gesprek").click()
            page.wait_for_function("() => !document.querySelector('#wa-chat').innerText.includes('Beantwoord door')"
                                   " && !document.querySelector('#wa-chat').innerText.includes('Fout:')")
            page.wait_for_timeout(200)  # the reset also empties the question box: let it finish first
            box.fill(question)
            box.press("Enter")

        for case in ui_cases:
            ask_afresh(question_of(case))
            if case.get("ui") == "ignored":
                page.wait_for_timeout(800)
                assert "Fout:" not in chat.inner_text() and "Beantwoord door" not in chat.inner_text(), case["id"]
            elif case["expect"] == "rejected":
                page.get_by_text("Fout:", exact=False).first.wait_for(timeout=30_000)
            else:
                page.get_by_text("Beantwoord door", exact=False).first.wait_for(timeout=30_000)
            page.wait_for_timeout(150)
            text = chat.inner_text()
            results[case["id"]] = (page.evaluate(DOM_PROBLEMS), leaks(text), "Traceback" in text)
        # The page still works after all of it.
        ask_afresh(NORMAL_Q)
        page.get_by_text("Bronnen (", exact=False).first.wait_for(timeout=30_000)
        page.close()
    bad = {k: v for k, v in results.items() if v != ([], False, False)}
    assert not bad, bad
    assert len(results) == len(ui_cases) and not errors, errors
