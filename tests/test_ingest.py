"""Ingest on the real seeds with a deterministic fake embedding: incremental, atomic, robust."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant.models.embedder import LazyEmbedder
from ingest.pipeline import run_ingest
from ingest.store import IndexStore
from tests.conftest import SEEDS
from tests.fakes import HashEmbedding


def copy_seeds(dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    for f in SEEDS.iterdir():
        shutil.copy(f, dest / f.name)
    return dest


def test_first_ingest_indexes_every_seed(settings, fake_index):
    assert fake_index.files == 5 and fake_index.chunks > 20
    assert fake_index.embedded == fake_index.chunks and not fake_index.skipped
    store = IndexStore(settings.storage)
    info = store.require_current()
    assert store.collection(info).count() == fake_index.chunks
    assert sorted(info.files) == sorted(p.name for p in SEEDS.iterdir())


def test_chunks_point_at_their_exact_text_in_the_cleaned_article(settings, fake_index):
    store = IndexStore(settings.storage)
    manifest = store.manifest(store.require_current())
    for chunk in manifest.chunks:
        article = manifest.articles[chunk.source]
        assert article.text[chunk.start : chunk.end] == chunk.text
        assert chunk.title == article.title
        assert len(chunk.text) <= settings.ingest.chunk_size or "\n\n" not in chunk.text


def test_every_sentence_is_stored_with_who_says_it(settings, fake_index):
    """The index version stores each sentence's offsets and speaker; answering reads them back."""
    from assistant.rag.attribution_check import AttributionChecker

    store = IndexStore(settings.storage)
    info = store.require_current()
    manifest = store.manifest(info)
    assert len(manifest.sentences) > 300
    by_text = {}
    for record in manifest.sentences:
        article = manifest.articles[record.source]
        assert record.id.startswith(record.source + "#") and 0 <= record.start < record.end <= len(article.text)
        by_text[article.text[record.start : record.end]] = record
    zoektocht = next(r for t, r in by_text.items() if "nog best een zoektocht" in t)
    assert (zoektocht.speaker, zoektocht.quoted) == ("Lex Staal", True)
    author = next(r for r in manifest.sentences if r.source.startswith("001") and r.cue == "author")
    assert author.speaker == "Jet Bussemaker"
    # The checker takes the stored speaker: a record says who speaks, not a fresh guess.
    article = manifest.articles[zoektocht.source]
    stored = {zoektocht.source: [r if r is not zoektocht else type(r)(**{**vars(r), "speaker": "Iemand Anders"})
                                 for r in manifest.sentences if r.source == zoektocht.source]}
    said = AttributionChecker().speakers(article, info.version, zoektocht.start, zoektocht.end, stored)
    assert said == ("Iemand Anders",)


def test_second_ingest_embeds_nothing(settings, fake_index, fake_embedder):
    again = run_ingest(settings, embedder=fake_embedder)
    assert again.up_to_date and again.embedded == 0
    assert again.version == fake_index.version


def test_rebuild_reuses_cached_vectors(settings, fake_index, fake_embedder):
    rebuilt = run_ingest(settings, rebuild=True, embedder=fake_embedder)
    assert not rebuilt.up_to_date and rebuilt.embedded == 0 and rebuilt.reused == rebuilt.chunks
    assert rebuilt.version != fake_index.version


def test_changed_file_is_replaced_and_removed_file_deleted(tmp_path, settings, fake_embedder):
    corpus = copy_seeds(tmp_path / "corpus")
    first = run_ingest(settings, [corpus], embedder=fake_embedder)
    target = corpus / "004_827db22ad720c57c.txt"
    target.write_text(target.read_text(encoding="utf-8") + "\n\nEen nieuwe alinea over buurthuizen in Zwolle.\n", encoding="utf-8")
    (corpus / "001_190c03d3c127cfd8.txt").unlink()
    second = run_ingest(settings, [corpus], embedder=fake_embedder)
    assert second.changed == ["004_827db22ad720c57c.txt"]
    assert second.removed == ["001_190c03d3c127cfd8.txt"]
    assert 0 < second.embedded < first.embedded
    store = IndexStore(settings.storage)
    info = store.require_current()
    manifest = store.manifest(info)
    assert "001_190c03d3c127cfd8.txt" not in manifest.articles
    assert any("Zwolle" in c.text for c in manifest.chunks)
    sources = {m["source"] for m in store.collection(info).get(include=["metadatas"])["metadatas"]}
    assert "001_190c03d3c127cfd8.txt" not in sources


class Exploding(HashEmbedding):
    """Fails after a few batches, like a crash in the middle of embedding."""

    calls: int = 0

    def _get_text_embeddings(self, texts):
        self.calls += 1
        if self.calls > 2:
            raise RuntimeError("simulated crash while embedding")
        return super()._get_text_embeddings(texts)


def test_interrupted_ingest_keeps_the_old_index_queryable(tmp_path, settings, fake_index, fake_embedder):
    from assistant.rag.retriever import Knowledge

    corpus = copy_seeds(tmp_path / "corpus")
    for f in corpus.iterdir():
        f.write_text(f.read_text(encoding="utf-8") + "\n\nExtra alinea die alles verandert.\n", encoding="utf-8")
    one_at_a_time = settings.model_copy(update={"embed_batch_size": 1})
    with pytest.raises(RuntimeError, match="simulated crash"):
        run_ingest(one_at_a_time, [corpus], embedder=LazyEmbedder(Exploding))
    store = IndexStore(settings.storage)
    assert store.require_current().version == fake_index.version
    passages = Knowledge(settings.storage, settings.retrieval, fake_embedder).retrieve("Welke vier typen burgers onderscheidt de WRR?")
    assert passages and passages[0].source == "003_b4ac6d7293bc88c6.txt"
    # The vectors computed before the crash are kept: the next run only embeds the rest.
    resumed = run_ingest(settings, [corpus], embedder=fake_embedder)
    assert resumed.reused > 0


def test_bad_files_are_reported_and_the_rest_indexed(tmp_path, settings, fake_embedder):
    corpus = tmp_path / "mixed"
    corpus.mkdir()
    shutil.copy(SEEDS / "004_827db22ad720c57c.txt", corpus)
    (corpus / "leeg.txt").write_text("   \n")
    (corpus / "binair.txt").write_bytes(b"\x00\x01\x02 binary \x00")
    (corpus / "latin1.txt").write_bytes("café in één keer".encode("cp1252") + b"\xff\xfe")
    (corpus / "plaatje.png").write_bytes(b"\x89PNG")
    (corpus / "pagina.html").write_text(
        "<html><head><script>alert('x')</script><style>p{}</style></head><body><nav>Menu Home</nav>"
        "<h1>Buurtwerk in Deventer</h1><p>Het buurtwerk in Deventer krijgt meer geld van de gemeente.</p>"
        "<p>De wethouder noemt preventie de kern van het sociaal werk.</p></body></html>",
        encoding="utf-8",
    )
    report = run_ingest(settings, [corpus, tmp_path / "bestaat-niet"], embedder=fake_embedder)
    reasons = {s.path.name: s.reason for s in report.skipped}
    assert set(reasons) == {"leeg.txt", "binair.txt", "latin1.txt", "plaatje.png", "bestaat-niet"}
    assert "leeg" in reasons["leeg.txt"] and "binair" in reasons["binair.txt"]
    assert "UTF-8" in reasons["latin1.txt"] and "niet ondersteund" in reasons["plaatje.png"]
    assert report.files == 2
    store = IndexStore(settings.storage)
    manifest = store.manifest(store.require_current())
    page = manifest.articles["pagina.html"]
    assert page.title == "Buurtwerk in Deventer"
    assert "alert" not in page.text and "Menu Home" not in page.text
    assert "preventie de kern" in page.text


def test_no_index_gives_a_clear_message(settings, fake_embedder):
    from assistant.core.errors import IndexMissing
    from assistant.rag.retriever import Knowledge

    with pytest.raises(IndexMissing, match="welzijn ingest"):
        Knowledge(settings.storage, settings.retrieval, fake_embedder).retrieve("vraag")


def write_pdf(path: Path, lines: list[str]) -> None:
    """A real one-page PDF with text (matplotlib's PDF backend embeds extractable text)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(8.27, 11.69))
    for i, line in enumerate(lines):
        fig.text(0.08, 0.9 - i * 0.04, line, fontsize=10)
    fig.savefig(path)
    plt.close(fig)


def test_pdf_and_markdown_are_ingested_and_a_broken_pdf_is_skipped(tmp_path, settings, fake_embedder):
    corpus = tmp_path / "docs"
    corpus.mkdir()
    write_pdf(corpus / "nota.pdf", ["Wijkteams in Zwolle", "", "De wijkteams in Zwolle werken sinds dit jaar samen met het jongerenwerk."])
    (corpus / "notitie.md").write_text("# Ouderenwerk\n\nHet ouderenwerk in Kampen organiseert wekelijks een koffieochtend.\n", encoding="utf-8")
    (corpus / "kapot.pdf").write_bytes(b"%PDF-1.4 this is not really a pdf")
    report = run_ingest(settings, [corpus], embedder=fake_embedder)
    assert {s.path.name for s in report.skipped} == {"kapot.pdf"}
    store = IndexStore(settings.storage)
    articles = store.manifest(store.require_current()).articles
    assert "jongerenwerk" in articles["nota.pdf"].text
    assert "koffieochtend" in articles["notitie.md"].text
    assert articles["notitie.md"].title == "Ouderenwerk"  # the Markdown heading, without its #
