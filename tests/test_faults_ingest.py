"""Ingest under fire: bad files, SIGKILL at random moments, a read-only or full data folder."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.core.errors import StorageError
from assistant.models.embedder import LazyEmbedder
from ingest.pipeline import run_ingest
from ingest.store import IndexInfo, IndexStore
from tests.conftest import REPO, SEEDS, make_settings
from tests.fakes import HashEmbedding

CHILD = Path(__file__).with_name("ingest_child.py")
WRR_Q = "Welke vier typen burgers onderscheidt de WRR?"


def copy_seeds(dest: Path, extra: bool = False) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    for f in SEEDS.iterdir():
        shutil.copy(f, dest / f.name)
    if extra:  # a changed article and a new one
        changed = dest / "004_827db22ad720c57c.txt"
        changed.write_text(changed.read_text(encoding="utf-8") + "\n\nHet buurtwerk in Zwolle krijgt er twee opbouwwerkers bij.\n", encoding="utf-8")
        shutil.copy(REPO / "tests" / "data" / "hostile" / "buurtteams_almere.txt", dest)
    return dest


def file_hashes(corpus: Path) -> dict[str, str]:
    return {f.name: hashlib.sha256(f.read_bytes()).hexdigest() for f in corpus.iterdir()}


def assert_complete(settings, query: bool = True) -> IndexInfo:
    """CURRENT names a version whose Chroma collection holds exactly its manifest's chunks, and it answers."""
    from assistant.rag.retriever import Knowledge

    store = IndexStore(settings.storage)
    info = store.require_current()
    manifest = store.manifest(info)
    collection = store.collection(info)
    stored = collection.get(include=["embeddings"])
    ids = [c.id for c in manifest.chunks]
    assert sorted(stored["ids"]) == sorted(ids)
    assert len(ids) == info.chunks == collection.count() == len(stored["embeddings"])
    assert set(info.files) == set(manifest.articles)
    assert collection.query(query_embeddings=[stored["embeddings"][0]], n_results=3)["ids"][0]
    if query:
        passages = Knowledge(settings.storage, settings.retrieval, LazyEmbedder(HashEmbedding)).retrieve(WRR_Q)
        assert passages and passages[0].source == "003_b4ac6d7293bc88c6.txt"
    return info


def unfinished_versions(settings) -> list[str]:
    root = settings.storage.index_dir / "versions"
    return [p.name for p in root.iterdir() if not (p / "info.json").exists()] if root.exists() else []


# Bad files

def test_bad_files_are_skipped_with_a_reason_and_the_good_ones_indexed(tmp_path, fake_embedder, monkeypatch, caplog):
    corpus = tmp_path / "map"
    corpus.mkdir()
    shutil.copy(SEEDS / "003_b4ac6d7293bc88c6.txt", corpus)
    shutil.copy(SEEDS / "004_827db22ad720c57c.txt", corpus)
    (corpus / "leeg.md").write_bytes(b"")
    (corpus / "programma.txt").write_bytes(bytes(range(256)) * 40)
    (corpus / "windows.txt").write_bytes("Sociaal werk in één wijk".encode("cp1252") + b"\x81\x8d")
    (corpus / "enorm.txt").write_text("Buurtwerk in de wijk. " * 80_000, encoding="utf-8")  # 1.7 MB
    (corpus / "nep.pdf").write_text("<html>dit is geen pdf</html>", encoding="utf-8")
    (corpus / "verslag.docx").write_bytes(b"PK\x03\x04 word")
    settings = make_settings(tmp_path / "data", max_file_mb=1)
    report = run_ingest(settings, [corpus], embedder=fake_embedder)
    reasons = {s.path.name: s.reason for s in report.skipped}
    assert reasons == {
        "leeg.md": "leeg bestand",
        "programma.txt": "binair bestand, geen tekst",
        "windows.txt": "geen geldige UTF-8-tekst",
        "enorm.txt": "te groot (1.7 MB, max 1 MB)",
        "nep.pdf": "PDF kon niet gelezen worden",
        "verslag.docx": "bestandstype .docx wordt niet ondersteund",
    }
    assert report.files == 2 and sorted(assert_complete(settings).files) == sorted(
        ["003_b4ac6d7293bc88c6.txt", "004_827db22ad720c57c.txt"]
    )

    # The CLI prints every skipped file with its reason and still exits 0.
    from typer.testing import CliRunner

    from assistant.cli.app import app

    monkeypatch.setattr("ingest.pipeline.make_embed_model", lambda _: HashEmbedding())
    monkeypatch.setenv("WELZIJN_DATA_DIR", str(tmp_path / "cli-data"))
    monkeypatch.setenv("WELZIJN_MAX_FILE_MB", "1")
    result = CliRunner().invoke(app, ["ingest", str(corpus)])
    assert result.exit_code == 0, result.output
    assert "Overgeslagen (6):" in result.output and "2 bestanden" in result.output
    for name, reason in reasons.items():
        assert f"{corpus / name}: {reason}" in result.output
    # The skip reason is the message: pypdf's own parse warnings are not printed on top of it.
    assert not [r for r in caplog.records if r.name.startswith("pypdf")]


# SIGKILL at random moments

class Forker:
    """tests/ingest_child.py --serve: runs each ingest in a fork of a warm process."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(CHILD), "--serve"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            cwd=REPO, env=os.environ | {"ANONYMIZED_TELEMETRY": "False"},
        )
        assert json.loads(self.proc.stdout.readline()) == {"ready": True}

    def run(self, job: dict, kill_after: float | None = None) -> tuple[int, float]:
        """Start the job; SIGKILL it after `kill_after` seconds (None: let it finish). Returns (status, s)."""
        self.proc.stdin.write(json.dumps(job) + "\n")
        self.proc.stdin.flush()
        pid = json.loads(self.proc.stdout.readline())["pid"]
        if kill_after is not None:
            import time

            time.sleep(kill_after)
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)  # a zombie (finished, not yet reaped) ignores it harmlessly
        self.proc.stdin.write("reap\n")
        self.proc.stdin.flush()
        done = json.loads(self.proc.stdout.readline())
        return done["status"], done["seconds"]

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(10)


def job(data: Path, corpus: Path, model: str, **extra) -> dict:
    return {"data_dir": str(data), "sources": [str(corpus)], "embed_model": model, "pause": 0.01} | extra


def test_sigkill_at_random_moments_leaves_the_old_or_the_new_index(tmp_path):
    old_corpus, new_corpus = copy_seeds(tmp_path / "a"), copy_seeds(tmp_path / "b", extra=True)
    corpora = {"a": (old_corpus, file_hashes(old_corpus)), "b": (new_corpus, file_hashes(new_corpus))}
    data = tmp_path / "data"
    settings = make_settings(data)
    forker = Forker()
    try:
        status, _ = forker.run(job(data, old_corpus, "hash-start"))
        assert status == 0
        status, duration = forker.run(job(data, new_corpus, "hash-timing"))  # how long one ingest takes
        assert status == 0
        rng = random.Random(7)
        outcomes = {"killed": 0, "old": 0, "new": 0, "half_written": 0}
        trial = 0
        while outcomes["killed"] < 20:
            trial += 1
            assert trial <= 40, outcomes
            name = "a" if trial % 2 else "b"
            corpus, hashes = corpora[name]
            before = IndexStore(settings.storage).require_current()
            status, _ = forker.run(job(data, corpus, f"hash-{trial}"), kill_after=rng.uniform(0, duration * 1.25))
            killed = os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
            assert killed or status == 0
            outcomes["killed"] += killed
            outcomes["half_written"] += bool(unfinished_versions(settings))
            after = assert_complete(settings)
            if after.version == before.version:
                assert after == before  # nothing of the old index was lost
                assert killed
                outcomes["old"] += 1
            else:
                assert after.files == hashes and after.embed_model == f"hash-{trial}"
                outcomes["new"] += 1
        # The next ingest completes and clears what the killed ones left behind.
        status, _ = forker.run(job(data, new_corpus, "hash-final"))
        assert status == 0
    finally:
        forker.close()
    info = assert_complete(settings)
    assert info.files == corpora["b"][1]
    versions = sorted(p.name for p in (data / "index" / "versions").iterdir())
    kept = 1 + settings.storage.keep_index_versions  # the live version and the kept earlier ones
    assert len(versions) <= kept and not unfinished_versions(settings) and info.version in versions
    assert not list((data / "index").glob(".*.tmp"))
    print(f"kill trials: {trial}, {outcomes}")
    assert outcomes["old"] >= 5 and outcomes["half_written"] >= 1


@pytest.mark.slow
def test_sigkill_during_a_real_embedding_ingest(tmp_path, e5_model_dir):
    """A few kills with the real e5 model in a fresh process (model load, embedding, writing)."""
    old_corpus, new_corpus = copy_seeds(tmp_path / "a"), copy_seeds(tmp_path / "b", extra=True)
    data = tmp_path / "data"
    settings = make_settings(data, embed_model=str(e5_model_dir))
    run_ingest(settings.model_copy(update={"sources": [old_corpus]}), embedder=LazyEmbedder(HashEmbedding))
    before = IndexStore(settings.storage).require_current()
    for delay in (4.0, 9.0, 14.0):
        shutil.rmtree(data / "cache", ignore_errors=True)  # every trial embeds everything again
        spec = json.dumps(job(data, new_corpus, str(e5_model_dir), real=True, batch=16))
        child = subprocess.Popen([sys.executable, str(CHILD), "--once", spec], cwd=REPO)
        try:
            child.wait(delay)
        except subprocess.TimeoutExpired:
            os.kill(child.pid, signal.SIGKILL)
            child.wait()
        info = assert_complete(settings, query=False)
        assert info == before or info.files == file_hashes(new_corpus)


# A read-only or full data folder

@contextlib.contextmanager
def tmpfs(path: Path, size: str):
    """A real small filesystem; where mounting is not allowed the test says so and is skipped."""
    path.mkdir(parents=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                             capture_output=True, text=True)
    if mounted.returncode:
        pytest.skip(f"cannot mount a tmpfs here ({mounted.stderr.strip()}): needs root with CAP_SYS_ADMIN")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


@contextlib.contextmanager
def read_only_view(path: Path):
    """`path` as a read-only folder: chmod for a normal user; root ignores permissions, so a read-only
    bind mount of it instead (a real EROFS, like a read-only volume)."""
    if os.geteuid() == 0:
        view = path.with_name(path.name + "-ro")
        view.mkdir()
        subprocess.run(["mount", "--bind", str(path), str(view)], check=True)
        try:
            subprocess.run(["mount", "-o", "remount,bind,ro", str(view)], check=True)
            yield view
        finally:
            subprocess.run(["umount", "-l", str(view)], check=False)
    else:
        for folder, _, _ in os.walk(path):
            os.chmod(folder, 0o555)
        try:
            yield path
        finally:
            for folder, _, _ in os.walk(path):
                os.chmod(folder, 0o755)


def fill(path: Path, leave: int) -> None:
    """Fill the filesystem under `path` until `leave` bytes are free."""
    stat = os.statvfs(path)
    free = stat.f_bavail * stat.f_frsize
    with open(path / "vulling.bin", "wb") as fh:
        fh.truncate(0)
        block = b"\0" * (1 << 20)
        todo = free - leave
        while todo > 0:
            todo -= fh.write(block[: min(len(block), todo)])


@pytest.fixture
def small_disk(tmp_path):
    with tmpfs(tmp_path / "disk", "64m") as disk:
        yield disk


def test_read_only_data_dir_is_a_clear_error_and_the_index_stays(tmp_path, small_disk, fake_embedder):
    first = run_ingest(make_settings(small_disk / "data"), embedder=fake_embedder)
    changed = copy_seeds(tmp_path / "b", extra=True)
    with read_only_view(small_disk) as view:
        read_only(view, first, changed, fake_embedder)
    # Embedded Chroma needs write access even to read, so the index is queried through the writable path.
    assert assert_complete(make_settings(small_disk / "data")).version == first.version


def read_only(view: Path, first, changed: Path, fake_embedder) -> None:
    settings = make_settings(view / "data", min_relevance=0.05)
    with pytest.raises(OSError):
        (view / "probe").write_text("x")
    with pytest.raises(StorageError, match=r"Kan niet schrijven in .*alleen-lezen"):
        run_ingest(settings, [changed], embedder=fake_embedder)
    env = os.environ | {"WELZIJN_DATA_DIR": str(settings.storage.data_dir), "HF_HUB_OFFLINE": "1"}
    cli = subprocess.run([sys.executable, "-m", "assistant", "ingest", str(changed)], capture_output=True, text=True,
                         cwd=REPO, env=env, timeout=120)
    assert cli.returncode == 1, cli.stderr
    assert "Fout: Kan niet schrijven in" in cli.stderr and "alleen-lezen" in cli.stderr
    assert "Traceback" not in cli.stderr + cli.stdout
    store = IndexStore(settings.storage)
    assert store.require_current().version == first.version and store.manifest(store.require_current()).chunks


def test_disk_full_during_publish_keeps_the_old_index_and_frees_the_space(tmp_path, small_disk, fake_embedder):
    settings = make_settings(small_disk / "data", min_relevance=0.05)
    first = run_ingest(settings, embedder=fake_embedder)
    fill(small_disk, leave=96 * 1024)  # the vectors are cached; writing a new version needs more than this
    with pytest.raises(StorageError, match=r"Kan niet schrijven in .*de schijf is vol"):
        run_ingest(settings, rebuild=True, embedder=fake_embedder)
    assert assert_complete(settings).version == first.version
    assert sorted(p.name for p in (settings.storage.index_dir / "versions").iterdir()) == [first.version]
    (small_disk / "vulling.bin").unlink()
    again = run_ingest(settings, rebuild=True, embedder=fake_embedder)
    assert assert_complete(settings).version == again.version != first.version


def test_disk_full_while_caching_vectors_keeps_the_old_index(tmp_path, small_disk, fake_embedder):
    settings = make_settings(small_disk / "data", min_relevance=0.05)
    first = run_ingest(settings, embedder=fake_embedder)
    fill(small_disk, leave=12 * 1024)
    changed = copy_seeds(tmp_path / "b", extra=True)
    other_model = settings.model_copy(update={"embed_model": "hash-other"})  # every vector is new
    with pytest.raises(StorageError, match=r"Kan niet schrijven in .*(cache|index).*de schijf is vol"):
        run_ingest(other_model, [changed], embedder=fake_embedder)
    assert assert_complete(settings).version == first.version
