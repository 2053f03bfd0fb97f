"""`welzijn bench`: the corpus generator, the statistics, the report, and one real end-to-end run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import REPO, SEEDS


@pytest.fixture
def seed_manifest(settings, fake_index):
    from ingest.store import IndexStore

    store = IndexStore(settings.storage)
    return store.manifest(store.require_current())


@pytest.fixture
def bank(seed_manifest):
    from evals.bench.corpus import sentence_bank

    return sentence_bank(seed_manifest)


# The corpus generator
def test_sentence_bank_holds_distinct_dutch_sentences_of_the_seeds(bank):
    seeds_text = " ".join(" ".join(p.read_text(encoding="utf-8").split()) for p in SEEDS.glob("*.txt"))
    assert len(bank) > 150
    assert len(set(bank)) == len(bank)
    assert all(" ".join(s.split()) in seeds_text for s in bank)
    dutch = sum(bool({"de", "het", "een", "van", "en"} & set(s.lower().split())) for s in bank)
    assert dutch / len(bank) > 0.9


def test_grown_corpus_keeps_the_originals_and_has_the_asked_size(seed_manifest, bank, settings):
    from evals.bench.corpus import grow

    corpus = grow(seed_manifest, bank, 500, chunk_size=settings.ingest.chunk_size, seed=1)
    chunks = corpus.manifest.chunks
    assert len(chunks) == 500
    assert corpus.seed_chunks == len(seed_manifest.chunks)
    assert chunks[: corpus.seed_chunks] == seed_manifest.chunks
    for source, article in seed_manifest.articles.items():
        assert corpus.manifest.articles[source] == article
    synthetic = chunks[corpus.seed_chunks :]
    assert len(corpus.members) == len(synthetic)
    assert len({c.id for c in chunks}) == 500
    for chunk, members in zip(synthetic, corpus.members, strict=True):
        assert chunk.text == " ".join(bank[i] for i in members)
        assert corpus.manifest.articles[chunk.source].text[chunk.start : chunk.end] == chunk.text
        assert len(chunk.text) <= settings.ingest.chunk_size


def test_grown_corpus_is_deterministic_for_a_seed(seed_manifest, bank):
    from evals.bench.corpus import grow

    def texts(seed: int) -> list[str]:
        return [c.text for c in grow(seed_manifest, bank, 200, chunk_size=1000, seed=seed).manifest.chunks]

    assert texts(3) == texts(3)
    assert texts(3) != texts(4)


def test_a_size_up_to_the_seeds_is_the_seeds_alone(seed_manifest, bank):
    from evals.bench.corpus import grow

    corpus = grow(seed_manifest, bank, 10, chunk_size=1000)
    assert corpus.manifest.chunks == seed_manifest.chunks and corpus.members == []


def test_synthetic_vectors_are_normalised_means_of_their_sentences(seed_manifest, bank):
    import numpy as np

    from evals.bench.corpus import corpus_vectors, grow

    rng = np.random.default_rng(0)
    sentences = rng.normal(size=(len(bank), 8)).astype(np.float32)
    seeds = rng.normal(size=(len(seed_manifest.chunks), 8)).astype(np.float32)
    corpus = grow(seed_manifest, bank, len(seed_manifest.chunks) + 30, chunk_size=1000)
    vectors = corpus_vectors(corpus, seeds, sentences)
    assert vectors.shape == (len(seed_manifest.chunks) + 30, 8)
    assert np.array_equal(vectors[: len(seeds)], seeds)
    last = sentences[list(corpus.members[-1])].mean(axis=0)
    assert np.allclose(vectors[-1], last / np.linalg.norm(last), atol=1e-6)
    assert np.allclose(np.linalg.norm(vectors[len(seeds) :], axis=1), 1.0, atol=1e-5)


def test_synthetic_article_files_survive_the_real_cleaning_and_chunking(tmp_path, bank, fake_embedder):
    from evals.bench.corpus import synthetic_files
    from ingest.pipeline import run_ingest
    from tests.conftest import make_settings

    files = synthetic_files(bank, 4, paragraphs=6, chunk_size=1000, seed=2)
    assert files == synthetic_files(bank, 4, paragraphs=6, chunk_size=1000, seed=2)
    folder = tmp_path / "articles"
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    report = run_ingest(make_settings(tmp_path / "data"), [folder], embedder=fake_embedder)
    assert report.files == 4 and not report.skipped
    assert report.chunks == 4 * 6


# Statistics and options
def test_latency_summary_interpolates_percentiles():
    from evals.bench.stats import rate, summarize_ms

    summary = summarize_ms([float(v) for v in range(1, 101)])
    assert summary["n"] == 100
    assert summary["p50_ms"] == 50.5 and summary["p95_ms"] == 95.05
    assert summary["min_ms"] == 1 and summary["max_ms"] == 100
    assert summarize_ms([])["p50_ms"] is None
    assert rate(10, 0) is None and rate(10, 4) == 2.5


def test_sizes_option_is_parsed_and_bad_values_are_explained():
    from evals.bench.runner import SEEDS, parse_sizes
    from assistant.core.errors import WelzijnError

    assert parse_sizes("seeds, 100_000,10000,10000") == (SEEDS, 10_000, 100_000)
    for bad in ("abc", "0", "75,,500", "-5"):
        with pytest.raises(WelzijnError, match="--sizes"):
            parse_sizes(bad)


def test_cli_rejects_bad_options_without_a_traceback():
    from typer.testing import CliRunner

    from assistant.cli.app import app

    result = CliRunner().invoke(app, ["bench", "--sizes", "veel"])
    assert result.exit_code == 1
    assert "--sizes" in result.output and "Traceback" not in result.output
    result = CliRunner().invoke(app, ["bench", "--queries", "0"])
    assert result.exit_code == 2 and "queries" in result.output


def test_embed_timer_counts_only_the_embedding_loop():
    from evals.bench.ingest_bench import EmbedTimer

    timer = EmbedTimer()
    for _ in timer(iter([["a"], ["b"]]), 2):
        time.sleep(0.02)
    assert 0.04 <= timer.seconds < 0.5


# Measuring and reporting, with the fake embedding so it stays fast
@pytest.fixture
def small_result(settings, fake_index, fake_embedder, fake_assistant, tmp_path):
    """A result with the real data shapes: real stage functions on the fake index."""
    from evals.bench.answer_bench import bench_extractive
    from evals.bench.ingest_bench import bench_ingest, scaling
    from evals.bench.machine import load_average, machine_info
    from evals.bench.retrieval_bench import bench_retrieval
    from evals.bench.targets import evaluate_targets
    from tests.conftest import make_settings

    questions = ["Welke vier typen burgers onderscheidt de WRR?", "Wie is Lex Staal?", "Wat is Verdiwel?"]
    ingest = [bench_ingest(make_settings(tmp_path / n), [SEEDS], fake_embedder, n) for n in ("a", "b")]
    result = {
        "machine": machine_info(REPO) | {"load_average_end": load_average()},
        "options": {"sizes": [0], "queries": 3},
        "embed_model": {"name": "hash-bow", "load_s": 0.0},
        "ingest": {"runs": ingest, "scaling": scaling(*ingest)},
        "sentence_vectors": {"sentences": 10, "seconds": 0.1, "sentences_per_s": 100.0},
        "retrieval": [{"store": "embedded", "build_s": None, **bench_retrieval(settings, fake_embedder, questions)}],
        "answers": {"extractive": bench_extractive(fake_assistant, questions)},
        "startup": [{"backend": "extractive", "page_s": 7.5, "first_answer_s": 9.0, "answered_by": "extractive",
                     "answer_timings_ms": {"total": 30.0}, "peak_rss_mb": 900.0}],
        "duration_s": 12.0,
    }
    result["targets"] = evaluate_targets(result)
    return result


def test_stage_functions_return_positive_figures(small_result):
    row = small_result["retrieval"][0]
    assert row["chunks"] == small_result["ingest"]["runs"][0]["chunks"] > 20
    for key in ("query_embedding", "dense", "bm25", "hybrid"):
        assert row[key]["n"] == 3 and 0 < row[key]["p50_ms"] <= row[key]["p95_ms"]
    first = small_result["ingest"]["runs"][0]
    assert first["embedded"] == first["chunks"] and first["embed_chunks_per_s"] > 0
    assert first["reingest_up_to_date"] and first["reingest_embedded"] == 0
    assert small_result["machine"]["usable_cores"] >= 1 and len(small_result["machine"]["load_average_start"]) == 3


def test_targets_say_met_missed_or_not_measured(small_result):
    targets = {t["name"]: t for t in small_result["targets"]}
    assert targets["page `/` answers after start (slowest backend)"]["met"] is True  # 7.5 s ≤ 8 s
    assert targets["hybrid retrieval p50, ~100k chunks"]["met"] is None  # no 100k index here
    assert targets["local TTFT, project / bare llama.cpp, same prompt (p50)"]["measured"] is None
    assert targets["unchanged re-ingest (slowest)"]["met"] is True
    small_result["startup"][0]["page_s"] = 8.5
    from evals.bench.targets import evaluate_targets

    again = {t["name"]: t for t in evaluate_targets(small_result)}
    assert again["page `/` answers after start (slowest backend)"]["met"] is False


def test_report_has_every_section_and_the_figures(small_result, tmp_path):
    from evals.bench.report import plot_latency, to_markdown

    text = to_markdown(small_result, "plot.png")
    headings = (
        "Targets", "Ingest", "Retrieval", "Answering", "Start-up", "Where the time goes", "Machine and versions"
    )
    for heading in (f"## {h}" for h in headings):
        assert heading in text
    hybrid = small_result["retrieval"][0]["hybrid"]
    assert f"{hybrid['p50_ms']:.2f} / {hybrid['p95_ms']:.2f}" in text
    assert "| page `/` answers after start (slowest backend) | ≤ 8 s | 7.50 s | yes |" in text
    assert "| hybrid retrieval p50, ~100k chunks | ≤ 150 ms | not measured | – |" in text
    assert "normalised mean" in text and small_result["machine"]["cpu_model"] in text
    assert "hybrid queries (cProfile): `" in text
    plot_latency(small_result, tmp_path / "plot.png")
    assert (tmp_path / "plot.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_local_summary_and_its_report(small_result):
    from evals.bench.answer_bench import _local_summary
    from evals.bench.report import to_markdown

    def run(ttft: float, total: float, speed: float) -> dict:
        return {"ttft_s": ttft, "total_s": total, "gen_tokens_per_s": speed}

    rows = [
        {"question": "Wie is Lex Staal?", "prompt_tokens": 420, "answer_tokens": 30, "same_text": True,
         "bare_prompt_tokens_per_s": 105.0,
         "project": run(4.4, 7.0, 11.0), "bare": run(5.0, 6.5, 12.0), "bare_prefix": run(4.0, 6.0, 12.0),
         "timings_ms": {"retrieval": 40.0, "ranked": 60.0, "first_token": 4400.0}},
        {"question": "Wat is Verdiwel?", "prompt_tokens": 510, "answer_tokens": 20, "same_text": False,
         "bare_prompt_tokens_per_s": 102.0,
         "project": run(5.5, 8.0, 10.0), "bare": run(6.0, 7.5, 10.0), "bare_prefix": run(5.0, 7.0, 10.0),
         "timings_ms": {"retrieval": 60.0, "ranked": 80.0, "first_token": 5500.0}},
    ]
    summary = _local_summary(rows)
    assert summary["prompt_tokens_max"] == 510
    assert summary["ttft_ratio_p50"] == round(4.95 / 4.5, 3)  # against the same prompt with its prefix evaluated
    assert summary["prefix_saving_p50_ms"] == 1000.0  # bare from nothing 5.5 s vs 4.5 s
    assert summary["stages_p50_ms"] == {"retrieval": 50.0, "ranked": 70.0, "first_token": 4950.0}
    assert summary["same_text"] == 1 and summary["bare_gen_tokens_per_s"] == 11.0
    small_result["answers"]["local"] = {"model": "m.gguf", "load_s": 2.0, "n_threads": 2, "n_ctx": 2048,
                                        "questions": rows, "summary": summary}
    text = to_markdown(small_result, "plot.png")
    assert "| Wie is Lex Staal? | 420 | 30 | 4.40 / 4.00 / 5.00 | 1.100 |" in text
    assert "saves 1,000 ms" in text and "retrieval 50.00, ranked 70.00, first_token 4,950" in text
    assert "evaluates the prompt at 104 tokens/s" in text


@pytest.mark.slow
def test_welzijn_bench_end_to_end_at_tiny_sizes(tmp_path, e5_model_dir):
    out = tmp_path / "bench"
    env = os.environ | {"WELZIJN_DATA_DIR": str(REPO / "data"), "WELZIJN_SOURCES": json.dumps([str(SEEDS)])}
    welzijn = Path(sys.executable).with_name("welzijn")
    done = subprocess.run(
        [str(welzijn), "bench", "--out", str(out), "--sizes", "75,500", "--skip-local", "--queries", "5",
         "--articles", "2"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "[bench] ingest" in done.stderr
    result = json.loads((out / "bench.json").read_text(encoding="utf-8"))
    rows = {(r["store"], r["chunks"]) for r in result["retrieval"]}
    seeds = result["ingest"]["runs"][0]["chunks"]
    assert rows == {("embedded", seeds), ("server", seeds), ("embedded", 500), ("server", 500)}
    for row in result["retrieval"]:
        assert all(row[k]["p50_ms"] > 0 and row[k]["n"] == 5 for k in ("dense", "bm25", "hybrid"))
    synthetic = result["ingest"]["runs"][1]
    assert synthetic["files"] == 2 and synthetic["chunks"] == 2 * round(seeds / 5)  # as many per article as the seeds
    assert synthetic["embed_chunks_per_s"] > 0 and synthetic["reingest_up_to_date"]
    assert result["answers"]["extractive"]["total"]["p50_ms"] > 0
    started = result["startup"][0]
    assert "error" not in started, started
    assert started["page_s"] > 0 and started["first_answer_s"] >= started["page_s"] and started["peak_rss_mb"] > 100
    markdown = (out / "bench.md").read_text(encoding="utf-8")
    assert "## Targets" in markdown and "| 500 | server |" in markdown
    assert (out / "bench-latency.png").read_bytes()[:4] == b"\x89PNG"
