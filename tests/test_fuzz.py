"""Fuzz every API operation from the OpenAPI schema (schemathesis): no request may cause a 5xx."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings

from tests.live import fake_assistant_for, live_server

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
EXAMPLES = 40  # per operation and mode: well under a minute for all of them on two cores
SEEN: Counter = Counter()
OPERATIONS = [
    ("POST", "/api/ask"), ("POST", "/api/ask/stream"), ("POST", "/api/feedback"), ("GET", "/api/health"),
    ("GET", "/api/articles"), ("GET", "/api/articles/{source}"),
]


@pytest.fixture(scope="module")
def api_url(tmp_path_factory):
    from assistant.web.app import create_app
    from tests.conftest import make_settings

    data = tmp_path_factory.mktemp("fuzz") / "data"
    app_settings = make_settings(data, min_relevance=0.05, rate_limit_per_minute=0)
    with live_server(create_app(app_settings, assistant=fake_assistant_for(app_settings))) as url:
        yield url
    ARTIFACTS.mkdir(exist_ok=True)
    report = {"examples": sum(SEEN.values()), "server_errors": SEEN["5xx"], "by_status": dict(SEEN)}
    (ARTIFACTS / "fuzz.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print("\nfuzz:", json.dumps(report))


@pytest.fixture(scope="module")
def api_schema(api_url):
    return schemathesis.openapi.from_url(api_url + "/openapi.json")


# schemathesis' own pytest plugin (`from_fixture`) does not run under pytest 9: drive its strategies
# with Hypothesis directly, one test per operation.
# Valid requests for every operation; requests that break the schema where it has a body to break.
RUNS = [(m, p, "positive") for m, p in OPERATIONS] + [(m, p, "negative") for m, p in OPERATIONS if m == "POST"]


@pytest.mark.parametrize("method, path, mode", RUNS, ids=[f"{m} {p} {mode}" for m, p, mode in RUNS])
def test_no_server_errors(api_schema, method, path, mode):
    strategy = api_schema[path][method].as_strategy(generation_mode=schemathesis.GenerationMode(mode))

    @given(case=strategy)
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,  # the same examples every run: a failure here is reproducible
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def call(case):
        response = case.call(timeout=60)
        SEEN["5xx" if response.status_code >= 500 else str(response.status_code)] += 1
        assert response.status_code < 500, (case.method, case.formatted_path, case.body, response.text[:500])
        if response.status_code >= 400:
            assert response.json()["error"], response.text[:300]  # every error has the one JSON shape

    call()


def test_the_fuzzer_reached_every_operation(api_url):
    """Runs after the fuzz tests: each operation was called, and most calls were answered or rejected cleanly."""
    import httpx

    schema = httpx.get(api_url + "/openapi.json").json()["paths"]
    listed = {(method.upper(), path) for path, ops in schema.items() for method in ops}
    assert listed == set(OPERATIONS)  # a new endpoint must be added to OPERATIONS to be fuzzed
    assert sum(v for k, v in SEEN.items() if k[0].isdigit()) >= len(OPERATIONS) * 10 and SEEN["5xx"] == 0, SEEN
