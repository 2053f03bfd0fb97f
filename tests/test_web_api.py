"""The HTTP API, pages and headers of the web app.

HTTP-only behaviour (validation, headers, CORS, framing, docs, feedback) runs on the fake service;
answering through HTTP (`engine_client`) runs on the fake index with a scripted LLM.
"""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from tests.live import parse_sse

WRR_Q = "Welke vier typen burgers onderscheidt de WRR?"
WRR_REPLY = "De WRR onderscheidt afhankelijke, afzijdige, afwachtende en actieve burgers [1]."
WRR_SOURCE = "003_b4ac6d7293bc88c6.txt"
PARTNER = "https://partner.example"


def make_app(settings, assistant):
    from assistant.web.app import create_app

    return create_app(settings.model_copy(update={"allowed_origins": [PARTNER]}), assistant=assistant)


@pytest.fixture
def client(settings, fake_service):
    with TestClient(make_app(settings, fake_service)) as test_client:
        yield test_client


@pytest.fixture
def engine_client(settings, fake_assistant):
    with TestClient(make_app(settings, fake_assistant)) as test_client:
        yield test_client


def test_ask_returns_the_answer_json_with_citations(engine_client, scripted_llm):
    scripted_llm.enqueue(WRR_REPLY)
    response = engine_client.post("/api/ask", json={"question": WRR_Q, "backend": "scripted"})
    assert response.status_code == 200
    data = response.json()
    # The written sentence or its quote leads, and evidence it does not carry follows: every number cited.
    assert data["answer"].split(" [1]")[0] and all(f"[{c['n']}]" in data["answer"] for c in data["citations"])
    assert data["backend"] == "scripted" and data["refused"] is False
    citation = data["citations"][0]
    assert citation["source"] == WRR_SOURCE and citation["quote"]
    assert {"n", "source", "title", "quote", "start", "end", "speaker"} <= set(citation)
    assert citation["href"] == f"articles/{WRR_SOURCE}?start={citation['start']}&end={citation['end']}" + (
        f"#c-{citation['start']}-{citation['end']}"
    )
    assert {"question", "answer", "refused", "citations", "retrieved", "timings_ms", "backend"} <= set(data)


def test_ask_passes_the_history_for_follow_ups(engine_client, scripted_llm):
    scripted_llm.enqueue("Welke vier typen burgers onderscheidt de WRR in het rapport?", WRR_REPLY)
    history = [{"role": "user", "content": "Wat schrijft de WRR?"}, {"role": "assistant", "content": "Veel."}]
    response = engine_client.post(
        "/api/ask", json={"question": "Welke typen burgers noemen ze?", "history": history, "backend": "scripted"}
    )
    assert response.status_code == 200
    # "ze" names no person the rules can resolve: the model rewrites the follow-up, with the history.
    assert "Wat schrijft de WRR?" in scripted_llm.history[0][-1].content
    assert response.json()["citations"][0]["source"] == WRR_SOURCE


def test_extractive_backend_answers_without_a_model(engine_client):
    response = engine_client.post("/api/ask", json={"question": WRR_Q, "backend": "extractive"})
    assert response.status_code == 200
    assert response.json()["backend"] == "extractive" and response.json()["citations"]


def test_stream_sends_tokens_then_the_answer(engine_client, scripted_llm):
    scripted_llm.enqueue(WRR_REPLY)
    response = engine_client.post("/api/ask/stream", json={"question": WRR_Q, "backend": "scripted"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    events = parse_sse(response.text)
    names = [name for name, _ in events]
    assert "token" in names and names[-1] == "answer"
    assert names.index("token") < names.index("answer")
    streamed = "".join(data for name, data in events if name == "token")
    assert streamed == WRR_REPLY
    answer = json.loads(events[-1][1])
    assert answer["citations"][0]["source"] == WRR_SOURCE


def test_stream_rejects_a_bad_question_with_400_before_streaming(engine_client):
    response = engine_client.post("/api/ask/stream", json={"question": "   "})
    assert response.status_code == 400
    assert "leeg" in response.json()["error"]


def test_stream_reports_an_error_event_when_the_backend_fails_mid_answer(engine_client, scripted_llm):
    from llama_index.core.base.llms.types import ChatMessage, ChatResponse

    from assistant.core.errors import BackendUnavailable

    def broken(*args, **kwargs):
        yield ChatResponse(message=ChatMessage(role="assistant", content="De WRR"), delta="De WRR")
        raise BackendUnavailable("De taalmodelserver is niet bereikbaar.")

    object.__setattr__(scripted_llm, "stream_chat", broken)
    response = engine_client.post("/api/ask/stream", json={"question": WRR_Q, "backend": "scripted"})
    events = parse_sse(response.text)
    assert ("token", "De WRR") in events
    assert events[-1][0] == "error"
    assert json.loads(events[-1][1]) == {"error": "De taalmodelserver is niet bereikbaar."}


def test_backend_failing_before_the_first_token_falls_back_to_extractive(engine_client, scripted_llm):
    from assistant.core.errors import BackendUnavailable

    def broken(*args, **kwargs):
        raise BackendUnavailable("De taalmodelserver is niet bereikbaar.")

    object.__setattr__(scripted_llm, "stream_chat", broken)
    data = engine_client.post("/api/ask", json={"question": WRR_Q, "backend": "scripted"}).json()
    assert data["backend"] == "extractive" and "niet bereikbaar" in data["notice"]
    assert data["citations"][0]["source"] == WRR_SOURCE


def test_health_reports_index_version_and_articles(engine_client, fake_index):
    engine_client.app.state.warmup.wait(30)
    data = engine_client.get("/api/health").json()
    assert data["status"] == "ok"
    assert data["articles"] == 5
    assert data["index_version"] == engine_client.app.state.assistant.knowledge.version()
    assert data["backend"] == "extractive"


def test_health_is_503_without_an_index(tmp_path, fake_embedder):
    from assistant.rag.service import Assistant
    from assistant.rag.retriever import Knowledge
    from tests.conftest import make_settings

    settings = make_settings(tmp_path / "empty")
    app = make_app(settings, Assistant(settings, Knowledge(settings.storage, settings.retrieval, fake_embedder)))
    with TestClient(app) as client:
        response = client.get("/api/health")
        assert response.status_code == 503 and response.json()["status"] == "no_index"
        ask = client.post("/api/ask", json={"question": WRR_Q})
        assert ask.status_code == 503 and "ingest" in ask.json()["error"]


def test_article_by_source(engine_client):
    response = engine_client.get(f"/api/articles/{WRR_SOURCE}")
    assert response.status_code == 200
    data = response.json()
    assert set(data) == {"source", "title", "author", "date", "text"}
    assert data["source"] == WRR_SOURCE and "WRR" in data["text"]
    listing = engine_client.get("/api/articles").json()
    assert WRR_SOURCE in {a["source"] for a in listing} and len(listing) == 5


@pytest.mark.parametrize(
    "name", ["nope.txt", "..%2F..%2Fetc%2Fpasswd", "..%2F..%2Fseeds%2F003_b4ac6d7293bc88c6.txt", "%00", "seeds"]
)
def test_unknown_or_traversing_article_is_404(client, name):
    response = client.get(f"/api/articles/{name}")
    assert response.status_code == 404
    assert response.json() == {"error": "Dit artikel staat niet in de index."}
    page = client.get(f"/articles/{name}")
    assert page.status_code == 404


def test_article_page_marks_the_cited_span(engine_client, scripted_llm):
    scripted_llm.enqueue(WRR_REPLY)
    citation = engine_client.post("/api/ask", json={"question": WRR_Q, "backend": "scripted"}).json()["citations"][0]
    page = engine_client.get("/" + citation["href"].split("#")[0])
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    mark_id = f'id="c-{citation["start"]}-{citation["end"]}"'
    assert f"<mark {mark_id}>" in page.text
    marked = page.text.split(f"<mark {mark_id}>", 1)[1].split("</mark>", 1)[0]
    import html

    assert html.unescape(marked) in citation["quote"]
    assert "script-src" not in page.headers["content-security-policy"]  # no scripts at all
    assert "frame-ancestors 'self' https://partner.example" in page.headers["content-security-policy"]


def test_article_page_escapes_article_text(settings, fake_assistant):
    from dataclasses import replace

    articles = fake_assistant.knowledge.articles()
    original = articles[WRR_SOURCE]
    evil = '<script>window.__xss=1</script> <img src=x onerror="window.__xss=1"> <a href="javascript:alert(1)">x</a>'
    articles[WRR_SOURCE] = replace(original, title=evil, text=evil + original.text[len(evil):])
    try:
        with TestClient(make_app(settings, fake_assistant)) as client:
            page = client.get(f"/articles/{WRR_SOURCE}?start=0&end=20").text
    finally:
        articles[WRR_SOURCE] = original
    assert "<script>window" not in page and "<img" not in page and '<a href="javascript' not in page
    assert "&lt;script&gt;" in page


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"question": ""}, 400),
        ({"question": "   \n "}, 400),
        ({"question": "x" * 5000}, 400),
        ({}, 422),
        ({"question": 5}, 422),
        ({"question": ["a"]}, 422),
        ({"question": "Wie is Lex Staal?", "history": "nee"}, 422),
        ({"question": "Wie is Lex Staal?", "history": [{"role": "system", "content": "x"}]}, 422),
        ({"question": "Wie is Lex Staal?", "backend": "../../x"}, 422),
        ({"question": "Wie is Lex Staal?", "extra": 1}, 422),
    ],
)
def test_bad_input_gets_a_clear_4xx(engine_client, body, status):
    response = engine_client.post("/api/ask", json=body)
    assert response.status_code == status
    assert response.json()["error"]


def test_malformed_json_is_422_with_a_message(client):
    response = client.post("/api/ask", content=b'{"question": "Wie', headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    assert response.json()["error"] == "Ongeldige JSON in de aanvraag."


def test_missing_field_names_the_field(client):
    response = client.post("/api/ask", json={"history": []})
    assert response.status_code == 422 and "question" in response.json()["error"]


def test_oversized_body_is_413(client):
    response = client.post("/api/ask", json={"question": "x" * 70_000})
    assert response.status_code == 413 and "te groot" in response.json()["error"]

    def chunks():
        for _ in range(100):
            yield b"x" * 1024

    chunked = client.post("/api/ask", content=chunks(), headers={"Content-Type": "application/json"})
    assert chunked.status_code == 413


def test_cors_allows_configured_origins_only(client):
    ok = client.options(
        "/api/ask", headers={"Origin": PARTNER, "Access-Control-Request-Method": "POST"}
    )
    assert ok.headers.get("access-control-allow-origin") == PARTNER
    simple = client.get("/api/health", headers={"Origin": PARTNER})
    assert simple.headers.get("access-control-allow-origin") == PARTNER
    other = client.get("/api/health", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers
    preflight = client.options(
        "/api/ask", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}
    )
    assert "access-control-allow-origin" not in preflight.headers


def test_embed_page_and_chat_page_may_only_be_framed_by_allowed_origins(client):
    embed = client.get("/embed")
    assert embed.status_code == 200
    csp = embed.headers["content-security-policy"]
    assert "frame-ancestors 'self' https://partner.example" in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert "https://" not in embed.text.replace(PARTNER, "")  # no CDN or external asset
    assert client.get("/embed/embed.js").headers["content-type"].startswith("text/javascript")
    page = client.get("/")
    assert page.status_code == 200 and "frame-ancestors 'self' https://partner.example" in (
        page.headers["content-security-policy"]
    )


def test_default_frame_ancestors_is_self_only(settings, fake_service):
    from assistant.web.app import create_app

    with TestClient(create_app(settings, assistant=fake_service)) as client:
        assert client.get("/embed").headers["content-security-policy"].endswith("frame-ancestors 'self'")


def test_invalid_configured_origins_are_dropped(settings, fake_service):
    from assistant.web.app import create_app

    bad = settings.model_copy(update={"allowed_origins": ["https://ok.example", "x; script-src *", "https://a b"]})
    with TestClient(create_app(bad, assistant=fake_service)) as client:
        csp = client.get("/embed").headers["content-security-policy"]
    assert csp.endswith("frame-ancestors 'self' https://ok.example")


def test_widget_js_is_served_as_javascript(client):
    response = client.get("/widget.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert "attachShadow" in response.text and "/embed" in response.text


def test_widget_example_page_runs_no_inline_script_and_shows_the_tag_it_uses(client):
    page = client.get("/embed/voorbeeld")
    assert page.status_code == 200
    csp = page.headers["content-security-policy"]
    assert "script-src 'self';" in csp and "frame-ancestors 'self' https://partner.example" in csp
    assert '<script src="../widget.js"' in page.text and "<script>" not in page.text
    shown = page.text.split("<pre><code>")[1].split("</code></pre>")[0]
    assert shown.startswith("&lt;script src=&quot;https://assistent.example.org/widget.js&quot;")
    assert "data-color=&quot;#6d28d9&quot;" in shown and shown.endswith("&lt;/script&gt;")


def test_openapi_docs_list_the_api_and_load_nothing_from_a_cdn(client):
    page = client.get("/docs")
    assert page.status_code == 200
    assert "cdn" not in page.text and "/docs-static/swagger-ui-bundle.js" in page.text
    assert client.get("/docs-static/swagger-ui-bundle.js").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/ask", "/api/ask/stream", "/api/health", "/api/articles/{source}"} <= set(paths)


def test_feedback_is_appended_and_survives_a_restart(settings, fake_service):
    from assistant.web.feedback import FeedbackStore

    vote = {
        "question": WRR_Q,
        "answer": WRR_REPLY,
        "citations": [{"n": 1, "source": WRR_SOURCE, "title": "t", "quote": "q", "start": 1, "end": 2}],
        "liked": True,
        "backend": "scripted",
    }
    with TestClient(make_app(settings, fake_service)) as client:
        assert client.post("/api/feedback", json=vote).status_code == 201
    with TestClient(make_app(settings, fake_service)) as client:  # a new process would do the same
        assert client.post("/api/feedback", json=vote | {"liked": False}).status_code == 201
        assert client.post("/api/feedback", json={"liked": "maybe"}).status_code == 422
    records = FeedbackStore(settings.storage).read()
    assert [r["liked"] for r in records] == [True, False]
    assert records[0]["question"] == WRR_Q and records[0]["citations"][0]["source"] == WRR_SOURCE


@pytest.mark.parametrize(("method", "path"), [("GET", "/api/nope"), ("POST", "/api/ask/nope"), ("DELETE", "/api/ask")])
def test_unknown_api_address_is_a_json_404_in_the_api_shape(client, method, path):
    response = client.request(method, path)
    assert response.status_code == 404
    assert response.json() == {"error": "Onbekend API-adres of -methode: zie /docs."}
