"""The managed article folder (ingest/library.py): it starts from the seeds and follows the live index."""

from __future__ import annotations

import io
import shutil

from ingest.library import ArticleLibrary
from ingest.pipeline import run_ingest
from ingest.store import IndexStore
from tests import new_article
from tests.conftest import SEEDS


def folder(settings) -> list[str]:
    return sorted(p.name for p in settings.storage.article_files_dir.iterdir())


def test_the_folder_starts_as_the_seeds_and_follows_a_cli_ingest_and_a_rollback(
    settings, fake_index, fake_embedder, tmp_path
):
    library = ArticleLibrary(settings, fake_embedder)
    seeds = sorted(p.name for p in SEEDS.iterdir())
    change = library.add([(new_article.NAME, io.BytesIO(new_article.TEXT.encode()))])
    assert change.changed and folder(settings) == sorted([*seeds, new_article.NAME])
    with_article = change.version

    # `welzijn ingest` of another folder replaces the index; the next change starts from what it indexed.
    other = tmp_path / "ander"
    other.mkdir()
    for name in seeds[:2]:
        shutil.copy(SEEDS / name, other)
    run_ingest(settings, [other], embedder=fake_embedder)
    library.add([("tweede.md", io.BytesIO(new_article.TEXT.replace("Holtenbroek", "Diezerpoort").encode()))])
    assert folder(settings) == sorted([*seeds[:2], "tweede.md"])

    # Rolling back puts the folder back as that version had it, from the article store.
    library.activate(with_article)
    assert IndexStore(settings.storage).require_current().version == with_article
    assert folder(settings) == sorted([*seeds, new_article.NAME])
    assert (settings.storage.article_files_dir / new_article.NAME).read_text(encoding="utf-8") == new_article.TEXT


def test_a_crash_between_publish_and_folder_is_healed_by_the_next_change(settings, fake_index, fake_embedder):
    library = ArticleLibrary(settings, fake_embedder)
    library.add([(new_article.NAME, io.BytesIO(new_article.TEXT.encode()))])
    (settings.storage.article_files_dir / new_article.NAME).unlink()  # as if killed before the move
    (settings.storage.article_files_dir / "zwerver.txt").write_text("niet geïndexeerd", encoding="utf-8")
    library.remove("004_827db22ad720c57c.txt")
    assert new_article.NAME in folder(settings) and "zwerver.txt" not in folder(settings)
    assert "004_827db22ad720c57c.txt" not in folder(settings)
