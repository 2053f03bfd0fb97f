"""A question naming people reads their articles first; the refusal and trap checks read the plain ranking."""

from __future__ import annotations

import pytest

from assistant.core.settings import RetrievalSettings
from assistant.rag.retriever import Ranking, _Loaded
from ingest.documents import Article, Chunk

ARTICLES = {
    "a.txt": "Een stuk over buurthuizen en de financiering van het welzijnswerk door gemeenten.",
    "b.txt": "Jet Bussemaker schrijft over de financiering van het welzijnswerk en over systeeminnovatie.",
    "c.txt": "Hans Zuiver reageert laconiek op de prestatieafspraken met de gemeente.",
}


def _loaded() -> _Loaded:
    articles = {s: Article(source=s, title=s, text=t, blocks=()) for s, t in ARTICLES.items()}
    chunks = {
        f"{s}#0": Chunk(id=f"{s}#0", source=s, title=s, text=t, start=0, end=len(t), heading=None, is_comment=False)
        for s, t in ARTICLES.items()
    }
    return _Loaded(info=None, articles=articles, chunks=chunks, bm25=None, vector_store=None, sentences={})


def _ranking(person_weight: float = 0.5) -> Ranking:
    settings = RetrievalSettings(person_weight=person_weight)
    # a.txt just ahead of b.txt, as the fusion of a dense and a BM25 ranking would leave them
    fused = {"a.txt#0": 2 / 61, "b.txt#0": 1 / 61 + 1 / 62, "c.txt#0": 1 / 63}
    return Ranking(fused, {"a.txt#0": 0.9, "b.txt#0": 0.88, "c.txt#0": 0.8}, _loaded(), settings)


def _sources(passages) -> list[str]:
    return [p.source for p in passages]


def test_the_plain_ranking_is_the_fusion_order():
    assert _sources(_ranking().top(3)) == ["a.txt", "b.txt", "c.txt"]


@pytest.mark.parametrize("person", ["Jet Bussemaker", "Bussemaker"])
def test_the_article_naming_the_asked_person_comes_first(person):
    passages = _ranking().top(3, [person])
    assert _sources(passages) == ["b.txt", "a.txt", "c.txt"]
    assert passages[0].dense == 0.88  # the cosine is kept: the refusal thresholds still read it


@pytest.mark.parametrize(
    ("people", "weight"),
    [(["Gert van Dijk"], 0.5), (["Bussem"], 0.5), (["Bussemaker"], 0.0), ([], 0.5), ([" "], 0.5)],
    ids=["named-nowhere", "part-of-a-word", "weight-off", "no-one", "blank"],
)
def test_no_boost_without_a_whole_name_found_or_with_the_weight_off(people, weight):
    assert _sources(_ranking(weight).top(3, people)) == ["a.txt", "b.txt", "c.txt"]


def test_the_boost_lifts_a_whole_article_but_keeps_the_order_within_it():
    settings = RetrievalSettings(person_weight=0.5)
    loaded = _loaded()
    text = ARTICLES["b.txt"]
    second = Chunk(id="b.txt#1", source="b.txt", title="b.txt", text=text, start=0, end=len(text), heading=None, is_comment=False)
    loaded.chunks[second.id] = second
    fused = {"a.txt#0": 1 / 61, "b.txt#0": 1 / 70, "b.txt#1": 1 / 65}
    ranking = Ranking(fused, {}, loaded, settings)
    assert [p.id for p in ranking.top(3)] == ["a.txt#0", "b.txt#1", "b.txt#0"]
    assert [p.id for p in ranking.top(3, ["Bussemaker"])] == ["b.txt#1", "b.txt#0", "a.txt#0"]
