"""Replicas with their own data folders share the live index version through one PostgreSQL database."""

from __future__ import annotations

import io
import time

import pytest

from assistant.db.records import RecordLog
from ingest.library import ArticleLibrary
from ingest.store import IndexStore
from tests import new_article
from tests.conftest import make_settings
from tests.test_chroma_server import chroma_server  # noqa: F401  (a fixture)


def replica(tmp_path, name: str, database_url: str, **extra):
    return make_settings(tmp_path / name, min_relevance=0.05, database_url=database_url, **extra)


def test_a_version_published_by_one_replica_is_live_for_the_other(tmp_path, postgres_url, fake_embedder):
    from ingest.pipeline import run_ingest

    a, b = replica(tmp_path, "a", postgres_url), replica(tmp_path, "b", postgres_url)
    assert IndexStore(b.storage).current() is None
    first = run_ingest(a, embedder=fake_embedder)
    seen = IndexStore(b.storage).require_current()
    assert seen.version == first.version and not (b.storage.index_dir / "CURRENT").exists()
    assert IndexStore(b.storage).manifest(seen).articles.keys() == IndexStore(a.storage).manifest(seen).articles.keys()

    change = ArticleLibrary(a, fake_embedder).add([(new_article.NAME, io.BytesIO(new_article.TEXT.encode()))])
    assert IndexStore(b.storage).require_current().version == change.version
    versions = ArticleLibrary(b, fake_embedder).versions()
    assert [v.version for v in versions] == [change.version, first.version]
    assert all(v.restorable for v in versions)  # the other replica's files are in the database

    # A rollback on B (which never saw the files) restores its folder from the database; A sees it too.
    ArticleLibrary(b, fake_embedder).activate(first.version)
    assert IndexStore(a.storage).require_current().version == first.version
    assert new_article.NAME not in {p.name for p in b.storage.article_files_dir.iterdir()}
    actions = [r["action"] for r in RecordLog(a.storage, "admin").read()]
    assert actions == ["upload", "rollback"]


def test_without_a_database_url_the_pointer_stays_a_file(settings, fake_index):
    info = IndexStore(settings.storage).require_current()
    assert (settings.storage.index_dir / "CURRENT").is_file() and info.version == fake_index.version


@pytest.mark.slow
def test_two_knowledge_replicas_on_one_chroma_server_switch_without_restart(
    tmp_path, postgres_url, chroma_server, fake_embedder  # noqa: F811
):
    from assistant.rag.retriever import Knowledge
    from ingest.pipeline import run_ingest

    server = {"chroma_host": "127.0.0.1", "chroma_port": chroma_server, "index_poll_seconds": 1.0}
    a, b = replica(tmp_path, "a", postgres_url, **server), replica(tmp_path, "b", postgres_url, **server)
    run_ingest(a, embedder=fake_embedder)
    reader = Knowledge(b.storage, b.retrieval, fake_embedder)
    before = reader.snapshot()
    assert new_article.NAME not in before.articles()

    change = ArticleLibrary(a, fake_embedder).add([(new_article.NAME, io.BytesIO(new_article.TEXT.encode()))])
    began = time.monotonic()
    while reader.version() != change.version:  # B polls the database's pointer, no restart
        assert time.monotonic() - began < 5, "replica B did not pick up the new version within 5 s"
        time.sleep(0.1)
    assert reader.retrieve(new_article.QUESTION)[0].source == new_article.NAME  # BM25 and Chroma of the new version
    assert before.retrieve(new_article.QUESTION)[0].source != new_article.NAME  # a pinned snapshot keeps its version
    assert time.monotonic() - began < 5


def test_an_answering_replica_reads_the_shared_pointer_at_most_once_per_poll_interval(
    tmp_path, postgres_url, fake_embedder, monkeypatch
):
    from assistant.db.shared_index import SharedIndex
    from assistant.rag.retriever import Knowledge
    from ingest.pipeline import run_ingest

    settings = replica(tmp_path, "a", postgres_url, index_poll_seconds=0.5)
    first = run_ingest(settings, embedder=fake_embedder)
    second = ArticleLibrary(settings, fake_embedder).add([(new_article.NAME, io.BytesIO(new_article.TEXT.encode()))])
    knowledge = Knowledge(settings.storage, settings.retrieval, fake_embedder)
    reads = []
    live = SharedIndex.live
    monkeypatch.setattr(SharedIndex, "live", lambda self: reads.append(1) or live(self))
    assert {knowledge.version() for _ in range(20)} == {second.version} and len(reads) == 1
    SharedIndex(settings.storage).activate(first.version)  # as another replica would: this process is not told
    assert knowledge.version() == second.version
    time.sleep(0.6)
    assert knowledge.version() == first.version and len(reads) == 2
    IndexStore(settings.storage).activate(second.version)  # a change by this process is seen at once
    assert knowledge.version() == second.version
