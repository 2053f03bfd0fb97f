"""Who may do what: localhost by default, the optional API key, the rate limit, origins, and no leaked secrets.

Access rules run on the fake service; the secrets test runs the real answering stack (a backend that fails).
"""

from __future__ import annotations

import logging

import httpx
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from tests.live import live_server, parse_sse

WRR_Q = "Welke vier typen burgers onderscheidt de WRR?"
API_SECRET = "wa-key-7Qx9-Zebra-Kaas-4411"
OPENAI_SECRET = "sk-welzijn-Oolong-93Fj-Pannekoek"
PARTNER = "https://partner.example"


def app_with(settings, assistant, **update):
    from assistant.web.app import create_app

    return create_app(settings.model_copy(update=update), assistant=assistant)


def test_server_listens_on_localhost_by_default(monkeypatch):
    from assistant.core.settings import Settings

    monkeypatch.delenv("WELZIJN_HOST", raising=False)
    settings = Settings(_env_file=None)
    assert settings.web.host == "127.0.0.1"
    assert settings.limits.api_key is None and settings.limits.rate_limit_per_minute == 30
    assert settings.limits.max_concurrent_generations == 1 and settings.limits.max_queued_requests == 8


# --- API key -----------------------------------------------------------------------------------------


@pytest.fixture
def keyed(settings, fake_service):
    app = app_with(settings, fake_service, api_key=SecretStr(API_SECRET), allowed_origins=[PARTNER])
    with TestClient(app) as client:
        yield client


def test_api_without_a_key_is_401_with_a_clear_message(keyed):
    response = keyed.post("/api/ask", json={"question": WRR_Q})
    assert response.status_code == 401
    assert "Authorization: Bearer" in response.json()["error"] and "X-API-Key" in response.json()["error"]
    assert response.headers["www-authenticate"].startswith("Bearer")
    for path in ("/api/articles", "/api/articles/003_b4ac6d7293bc88c6.txt"):
        assert keyed.get(path).status_code == 401
    assert keyed.post("/api/feedback", json={"question": "q", "answer": "a", "liked": True}).status_code == 401
    assert keyed.post("/api/ask/stream", json={"question": WRR_Q}).status_code == 401


@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": "Bearer wrong"},
        {"X-API-Key": API_SECRET[:-1]},  # one character short
        {"X-API-Key": API_SECRET + "x"},
        {"Authorization": f"Basic {API_SECRET}"},
        {"Authorization": "Bearer"},
        {"X-API-Key": ""},
    ],
)
def test_a_wrong_key_is_401(keyed, headers):
    response = keyed.post("/api/ask", json={"question": WRR_Q}, headers=headers)
    assert response.status_code == 401 and response.json()["error"]
    assert API_SECRET not in response.text


@pytest.mark.parametrize("headers", [{"Authorization": f"Bearer {API_SECRET}"}, {"X-API-Key": API_SECRET},
                                     {"authorization": f"bearer {API_SECRET}"}])
def test_the_right_key_in_either_header_is_accepted(keyed, headers):
    response = keyed.post("/api/ask", json={"question": WRR_Q}, headers=headers)
    assert response.status_code == 200 and response.json()["citations"]
    stream = keyed.post("/api/ask/stream", json={"question": WRR_Q}, headers=headers)
    assert parse_sse(stream.text)[-1][0] == "answer"


def test_the_chat_page_the_widget_and_health_work_without_the_key(keyed):
    assert keyed.get("/api/health").status_code == 200
    assert keyed.get("/").status_code == 200
    assert keyed.get("/embed").status_code == 200 and keyed.get("/widget.js").status_code == 200
    widget = keyed.post("/embed/api/ask/stream", json={"question": WRR_Q})
    assert widget.status_code == 200 and parse_sse(widget.text)[-1][0] == "answer"
    vote = {"question": WRR_Q, "answer": "a", "liked": True}
    assert keyed.post("/embed/api/feedback", json=vote).status_code == 201
    assert keyed.get("/articles/003_b4ac6d7293bc88c6.txt").status_code == 200
    # A partner site's browser may ask CORS permission before sending the key.
    preflight = keyed.options("/api/ask", headers={"Origin": PARTNER, "Access-Control-Request-Method": "POST",
                                                   "Access-Control-Request-Headers": "authorization"})
    assert preflight.status_code == 200 and preflight.headers["access-control-allow-origin"] == PARTNER


def test_the_widget_api_is_not_in_the_public_schema(keyed):
    paths = keyed.get("/openapi.json").json()["paths"]
    assert "/api/ask" in paths and not any(p.startswith("/embed") for p in paths)


def test_the_key_is_compared_in_constant_time(monkeypatch, settings, fake_service):
    import hmac

    import assistant.web.access as access

    calls = []
    real = hmac.compare_digest
    monkeypatch.setattr(access.hmac, "compare_digest", lambda a, b: calls.append((a, b)) or real(a, b))
    app = app_with(settings, fake_service, api_key=SecretStr(API_SECRET))
    with TestClient(app) as client:
        assert client.get("/api/articles", headers={"X-API-Key": "nope"}).status_code == 401
    assert calls == [(b"nope", API_SECRET.encode())]


# --- rate limit --------------------------------------------------------------------------------------


def test_rate_limit_per_client_ip_gives_429_with_retry_after(settings, fake_service):
    app = app_with(settings, fake_service, rate_limit_per_minute=3)
    with TestClient(app, client=("203.0.113.5", 40000)) as first, TestClient(app, client=("203.0.113.6", 40000)) as other:
        codes = [first.post("/api/ask", json={"question": WRR_Q}).status_code for _ in range(3)]
        assert codes == [200, 200, 200]
        limited = first.post("/api/ask", json={"question": WRR_Q})
        assert limited.status_code == 429
        assert 1 <= int(limited.headers["retry-after"]) <= 60
        assert "Te veel vragen" in limited.json()["error"]
        assert first.post("/embed/api/ask/stream", json={"question": WRR_Q}).status_code == 429  # same budget
        assert first.get("/api/health").status_code == 200  # probes are not counted
        assert other.post("/api/ask", json={"question": WRR_Q}).status_code == 200  # another client


def test_rate_limit_zero_is_off(settings, fake_service):
    app = app_with(settings, fake_service, rate_limit_per_minute=0)
    with TestClient(app) as client:
        assert {client.get("/api/articles").status_code for _ in range(60)} == {200}


def test_default_rate_limit_applies(settings, fake_service):
    with TestClient(app_with(settings, fake_service)) as client:
        codes = [client.get("/api/articles").status_code for _ in range(31)]
    assert codes[:30] == [200] * 30 and codes[30] == 429


# --- origins -----------------------------------------------------------------------------------------


def test_only_configured_origins_may_call_or_frame(settings, fake_service):
    app = app_with(settings, fake_service, allowed_origins=[PARTNER], api_key=SecretStr(API_SECRET))
    with TestClient(app) as client:
        key = {"X-API-Key": API_SECRET}
        ok = client.post("/api/ask", json={"question": WRR_Q}, headers=key | {"Origin": PARTNER})
        assert ok.headers["access-control-allow-origin"] == PARTNER
        evil = client.post("/api/ask", json={"question": WRR_Q}, headers=key | {"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in evil.headers
        # An error answer carries the CORS header too, so the partner's page can show the message.
        denied = client.post("/api/ask", json={"question": WRR_Q}, headers={"Origin": PARTNER})
        assert denied.status_code == 401 and denied.headers["access-control-allow-origin"] == PARTNER
        for page in ("/embed", "/"):
            csp = client.get(page).headers["content-security-policy"]
            assert csp.endswith(f"frame-ancestors 'self' {PARTNER}") and "evil" not in csp


# --- secrets never leave the server ------------------------------------------------------------------


def test_no_secret_in_any_response_log_line_or_page(settings, fake_assistant, caplog):
    """A real server with both secrets set; the OpenAI-compatible backend is down, so errors get logged."""
    from assistant.web.app import create_app

    caplog.set_level(logging.DEBUG)
    secret_settings = settings.model_copy(update={
        "api_key": SecretStr(API_SECRET), "openai_api_key": SecretStr(OPENAI_SECRET),
        "openai_url": "http://127.0.0.1:9/v1", "backend": "openai", "llm_timeout": 2.0,
    })
    fake_assistant.settings = secret_settings
    app = create_app(secret_settings, assistant=fake_assistant)
    bodies = []
    with live_server(app, log_config=None, log_level="debug") as url:
        with httpx.Client(base_url=url, timeout=60) as client:
            key = {"Authorization": f"Bearer {API_SECRET}"}
            for method, path, kwargs in [
                ("POST", "/api/ask", {"json": {"question": WRR_Q}, "headers": key}),
                ("POST", "/api/ask/stream", {"json": {"question": WRR_Q}, "headers": key}),
                ("POST", "/api/ask", {"json": {"question": WRR_Q}, "headers": {"X-API-Key": API_SECRET + "0"}}),
                ("POST", "/embed/api/ask/stream", {"json": {"question": WRR_Q}}),
                ("GET", "/api/health", {}),
                ("GET", "/", {}),
                ("GET", "/embed", {}),
                ("GET", "/openapi.json", {}),
                ("GET", "/config", {}),
                ("GET", "/gradio_api/info", {}),
            ]:
                response = client.request(method, path, **kwargs)
                assert response.status_code < 500, (path, response.text[:300])
                bodies.append(response.text + str(response.headers))
    answered = bodies[0]
    assert "niet bereikbaar" in answered and "extractive" in answered  # the failing backend was really tried
    logs = "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    assert "POST /api/ask" in logs  # the access log was captured
    for secret in (OPENAI_SECRET, API_SECRET):
        assert not any(secret in b for b in bodies), secret
        assert secret not in logs, secret
