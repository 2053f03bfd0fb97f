"""Client/server mode against a real `chroma run` server started by the test on 127.0.0.1."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import SEEDS, make_settings

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def chroma_server(tmp_path):
    port = free_port()
    chroma = Path(sys.executable).with_name("chroma")
    proc = subprocess.Popen(
        [str(chroma), "run", "--path", str(tmp_path / "chroma-server"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail("chroma server did not start within 60 s")
    yield port
    proc.terminate()
    proc.wait(timeout=30)


def test_ingest_and_query_through_a_chroma_server(tmp_path, chroma_server, fake_embedder):
    import chromadb

    from assistant.rag.retriever import Knowledge
    from ingest.pipeline import run_ingest

    settings = make_settings(tmp_path / "data", chroma_host="127.0.0.1", chroma_port=chroma_server, min_relevance=0.05)
    first = run_ingest(settings, embedder=fake_embedder)
    assert first.chunks > 20
    # Nothing was written to an embedded store: the vectors live on the server.
    assert not any((tmp_path / "data" / "index").rglob("chroma.sqlite3"))
    knowledge = Knowledge(settings.storage, settings.retrieval, fake_embedder)
    hits = knowledge.retrieve("Welke vier typen burgers onderscheidt de WRR?")
    assert hits[0].source == "003_b4ac6d7293bc88c6.txt"

    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    (corpus / "000_bc742fd63ac6cb6a.txt").unlink()
    second = run_ingest(settings, [corpus], embedder=fake_embedder)
    assert second.removed == ["000_bc742fd63ac6cb6a.txt"]
    # The running knowledge base notices the new version without a restart.
    assert knowledge.version() == second.version
    sources = {p.source for p in knowledge.retrieve("Hortulanus position paper welzijnssector in beeld", top_k=20)}
    assert "000_bc742fd63ac6cb6a.txt" not in sources
    client = chromadb.HttpClient(host="127.0.0.1", port=chroma_server)
    names = {c.name for c in client.list_collections()}
    assert f"welzijn-{second.version}" in names and len(names) <= 2
