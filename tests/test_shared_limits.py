"""The rate limit shared by replicas through a real redis-server, and what happens when Redis is away.

The tests marked `slow` start Debian's redis-server on a free loopback port (`make test` installs it);
the fail-open test needs no server: nothing listens on its port.
"""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr, ValidationError

from tests.live import free_port
from tests.servers import redis_server

VISITOR = ("203.0.113.7", 40000)


def app_with(settings, service, **update):
    from assistant.web.app import create_app

    return create_app(settings.model_copy(update=update), assistant=service)


def codes(client: TestClient, n: int) -> list[int]:
    return [client.get("/api/articles").status_code for _ in range(n)]


@pytest.fixture
def redis_url(tmp_path):
    with redis_server(tmp_path / "redis") as url:
        yield url


@pytest.mark.slow
def test_two_app_instances_on_one_redis_share_one_limit(settings, fake_service, redis_url):
    a = app_with(settings, fake_service, rate_limit_per_minute=4, redis_url=SecretStr(redis_url))
    b = app_with(settings, fake_service, rate_limit_per_minute=4, redis_url=SecretStr(redis_url))
    alone = app_with(settings, fake_service, rate_limit_per_minute=4)  # memory: counts its own requests only
    with TestClient(a, client=VISITOR) as on_a, TestClient(b, client=VISITOR) as on_b, \
            TestClient(alone, client=VISITOR) as on_alone:
        seen = [client.get("/api/articles").status_code for client in (on_a, on_b, on_a, on_b)]
        assert seen == [200, 200, 200, 200]
        limited = on_b.post("/api/ask", json={"question": "Wie is Lex Staal?"})
        assert limited.status_code == 429 and "Te veel vragen" in limited.json()["error"]
        assert 1 <= int(limited.headers["retry-after"]) <= 60
        assert codes(on_a, 1) == [429]  # the fifth request anywhere is over the one limit
        assert codes(on_alone, 4) == [200] * 4  # an instance without Redis never saw the others' requests
        with TestClient(a, client=("203.0.113.8", 40000)) as other:
            assert codes(other, 1) == [200]  # another visitor has its own budget
        assert on_a.get("/api/health").status_code == 200


@pytest.mark.slow
def test_redis_going_away_lets_requests_through_and_its_return_restores_the_limit(
    tmp_path, settings, fake_service, monkeypatch, caplog
):
    from assistant.web import rate_counts

    monkeypatch.setattr(rate_counts, "RETRY_AFTER", 0.2)
    port = free_port()
    with redis_server(tmp_path / "redis", port) as url:
        app = app_with(settings, fake_service, rate_limit_per_minute=2, redis_url=SecretStr(url))
        with TestClient(app, client=VISITOR) as client:
            assert codes(client, 3) == [200, 200, 429]
    caplog.set_level(logging.WARNING, logger="assistant.web.rate_counts")
    with TestClient(app, client=VISITOR) as client:
        assert codes(client, 5) == [200] * 5  # fail-open: no 500, no 429 without counts
        warnings = [r for r in caplog.records if "Redis cannot be reached" in r.getMessage()]
        assert len(warnings) == 1 and warnings[0].exc_info is None  # one line per outage, no traceback
        with redis_server(tmp_path / "redis-again", port):  # an empty Redis on the same address
            import time

            time.sleep(0.3)
            assert codes(client, 3) == [200, 200, 429]
    assert any("can be reached again" in r.getMessage() for r in caplog.records)


def test_an_unreachable_redis_fails_open_with_one_warning(settings, fake_service, caplog):
    url = SecretStr(f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there
    caplog.set_level(logging.WARNING, logger="assistant.web.rate_counts")
    with TestClient(app_with(settings, fake_service, rate_limit_per_minute=1, redis_url=url), client=VISITOR) as client:
        assert codes(client, 4) == [200] * 4
        answer = client.post("/api/ask", json={"question": "Wie is Lex Staal?"})
    assert answer.status_code == 200 and answer.json()["answer"]
    messages = [r.getMessage() for r in caplog.records if r.name == "assistant.web.rate_counts"]
    assert len(messages) == 1 and "fail-open" in messages[0]
    assert url.get_secret_value() not in messages[0]  # a URL may hold a password: never logged


@pytest.mark.parametrize("url", ["http://127.0.0.1:6379", "127.0.0.1:6379", "memcached://x:11211"])
def test_redis_url_must_be_a_redis_url(url):
    from assistant.core.settings import Settings

    with pytest.raises(ValidationError, match="redis_url must start with redis://"):
        Settings(_env_file=None, redis_url=url)


def test_redis_url_comes_from_the_environment(monkeypatch):
    from assistant.core.settings import Settings

    monkeypatch.setenv("WELZIJN_REDIS_URL", "redis://:s3cret@cache.internal:6379/2")
    limits = Settings(_env_file=None).limits
    assert limits.redis_url.get_secret_value() == "redis://:s3cret@cache.internal:6379/2"
    assert "s3cret" not in repr(limits)
