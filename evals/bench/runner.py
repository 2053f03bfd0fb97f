"""The benchmark run: each stage in order, one progress line per stage, plain data out."""

from __future__ import annotations

import contextlib
import itertools
import json
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.core.errors import WelzijnError
from evals.bench import corpus as corpora
from evals.bench.answer_bench import bench_extractive, bench_local
from evals.bench.ingest_bench import bench_ingest, scaling
from evals.bench.machine import load_average, machine_info
from evals.bench.report import plot_latency, to_markdown
from evals.bench.retrieval_bench import bench_retrieval, publish
from evals.bench.servers import chroma_server
from evals.bench.startup_bench import bench_startup, import_seconds
from evals.bench.stats import REPO, rate
from evals.bench.targets import evaluate_targets

if TYPE_CHECKING:
    import numpy as np

    from assistant.core.settings import Settings

SEEDS = 0  # in --sizes, "seeds" (or any size up to the seeds' chunk count) is the seeds' own index
MAX_SIZE = 1_000_000
Progress = Callable[[str], None]


@dataclass(frozen=True)
class BenchOptions:
    """What to measure; the defaults are the full run."""

    out: Path = Path("bench-out")
    sizes: tuple[int, ...] = (SEEDS, 10_000, 100_000)
    queries: int = 50
    local_questions: int = 5
    ingest_articles: int = 50
    server_max: int = 10_000
    skip_local: bool = False
    skip_server: bool = False
    seed: int = 0


def parse_sizes(text: str) -> tuple[int, ...]:
    """`seeds,10000,100000` → (0, 10000, 100000); a `WelzijnError` says what is wrong."""
    sizes = set()
    for part in (p.strip().lower().replace("_", "") for p in text.split(",")):
        if part == "seeds":
            sizes.add(SEEDS)
            continue
        if not part.isdigit():
            raise WelzijnError(f"--sizes: {part!r} is geen aantal passages; bijvoorbeeld --sizes seeds,10000,100000")
        if not 1 <= int(part) <= MAX_SIZE:
            raise WelzijnError(f"--sizes: {part} ligt niet tussen 1 en {MAX_SIZE}")
        sizes.add(int(part))
    return tuple(sorted(sizes))


def run_bench(settings: Settings, options: BenchOptions, progress: Progress) -> dict[str, Any]:
    """Run every stage and write bench.json, bench.md and bench-latency.png to `options.out`."""
    began = time.perf_counter()
    options.out.mkdir(parents=True, exist_ok=True)
    result: dict[str, Any] = {"machine": machine_info(REPO), "options": _jsonable(asdict(options))}
    work = Path(tempfile.mkdtemp(prefix="welzijn-bench-"))
    try:
        _Run(settings, options, work, progress, result).all()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    result["machine"]["load_average_end"] = load_average()
    result["duration_s"] = round(time.perf_counter() - began, 1)
    result["targets"] = evaluate_targets(result)
    (options.out / "bench.json").write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    plot_latency(result, options.out / "bench-latency.png")
    (options.out / "bench.md").write_text(to_markdown(result, "bench-latency.png"), encoding="utf-8")
    return result


class _Run:
    """State shared by the stages: settings, the work folder, the embedder and the seeds' index."""

    def __init__(
        self, settings: Settings, options: BenchOptions, work: Path, progress: Progress, result: dict[str, Any]
    ) -> None:
        from assistant.models.embedder import LazyEmbedder, make_embed_model
        from evals.dataset import flatten, load_questions

        self.settings, self.options, self.work, self.progress, self.result = settings, options, work, progress, result
        self.embedder = LazyEmbedder(lambda: make_embed_model(settings))
        items = [i for i in flatten(load_questions()) if i.conversation is None]
        self.queries = list(itertools.islice(itertools.cycle(i.question for i in items), options.queries))
        typical = [i.question for i in items if i.answerable and i.type in ("factoid", "paraphrase", "synthesis")]
        self.typical = typical[:: max(1, len(typical) // (2 * options.local_questions))]

    def all(self) -> None:
        self.result["embed_model"] = self.stage("embedding model", self.load_model)
        self.result["ingest"] = self.stage("ingest", self.ingest)
        self.result["sentence_vectors"] = self.stage("sentence vectors", self.sentence_vectors)
        self.result["retrieval"] = self.retrieval()
        self.result["answers"] = self.stage("answers", self.answers)
        self.result["startup"] = self.startup()

    def stage(self, name: str, fn: Callable[[], Any]) -> Any:
        self.progress(f"[bench] {name}…")
        began = time.perf_counter()
        value = fn()
        self.progress(f"[bench] {name}: {time.perf_counter() - began:.1f} s")
        return value

    def data_settings(self, name: str, **update: Any) -> Settings:
        """Settings with a fresh data folder that shares the checkout's built models."""
        data = self.work / name / "data"
        data.mkdir(parents=True)
        models = self.settings.storage.models_dir.resolve()
        models.mkdir(parents=True, exist_ok=True)
        (data / "models").symlink_to(models, target_is_directory=True)
        return self.settings.model_copy(update={"data_dir": data, "chroma_host": None, **update})

    # Stages
    def load_model(self) -> dict[str, Any]:
        began = time.perf_counter()
        self.embedder.model  # noqa: B018 - builds the model now, so ingest timings exclude loading it
        return {"name": self.settings.embedding.embed_model, "load_s": round(time.perf_counter() - began, 2)}

    def ingest(self) -> dict[str, Any]:
        from ingest.store import IndexStore

        self.seeds = self.data_settings("seeds")
        runs = [bench_ingest(self.seeds, list(self.seeds.storage.sources), self.embedder, "seeds")]
        store = IndexStore(self.seeds.storage)
        self.seed_info = store.require_current()
        self.seed_manifest = store.manifest(self.seed_info)
        self.bank = corpora.sentence_bank(self.seed_manifest)
        if not self.bank:
            raise WelzijnError(
                f"Geen artikelzinnen gevonden in {', '.join(map(str, self.seeds.storage.sources))}: "
                "start `welzijn bench` in de projectmap of zet WELZIJN_SOURCES."
            )
        if self.options.ingest_articles:
            folder = self.work / "synthetic-articles"
            folder.mkdir()
            per_article = round(len(self.seed_manifest.chunks) / len(self.seed_manifest.articles))
            files = corpora.synthetic_files(
                self.bank, self.options.ingest_articles, paragraphs=per_article,
                chunk_size=self.settings.ingest.chunk_size, seed=self.options.seed,
            )
            for name, text in files.items():
                (folder / name).write_text(text, encoding="utf-8")
            label = f"{self.options.ingest_articles} synthetic articles"
            runs.append(bench_ingest(self.data_settings("synthetic"), [folder], self.embedder, label))
        return {"runs": runs, "scaling": scaling(runs[0], runs[-1]) if len(runs) > 1 else None}

    def sentence_vectors(self) -> dict[str, Any]:
        import numpy as np

        from ingest.embedding_cache import EmbeddingCache
        from ingest.pipeline import embed_key

        cache = EmbeddingCache(self.seeds.storage.data_dir / "cache" / "embeddings.sqlite", embed_key(self.seeds))
        try:
            known = cache.get_many([c.indexed_text for c in self.seed_manifest.chunks])
        finally:
            cache.close()
        self.seed_vectors = np.asarray([known[c.indexed_text] for c in self.seed_manifest.chunks], dtype=np.float32)
        began = time.perf_counter()
        self.sentence_matrix = np.asarray(self.embedder.passages(self.bank), dtype=np.float32)
        seconds = time.perf_counter() - began
        return {
            "sentences": len(self.bank),
            "seconds": round(seconds, 2),
            "sentences_per_s": rate(len(self.bank), seconds),
        }

    def retrieval(self) -> list[dict[str, Any]]:
        from assistant.core.process import use_one_torch_thread

        use_one_torch_thread()  # from here on the bench answers questions, as `welzijn serve` does
        rows: list[dict[str, Any]] = []
        seed_chunks = len(self.seed_manifest.chunks)
        sizes = sorted({max(size, seed_chunks) for size in self.options.sizes})
        with contextlib.ExitStack() as stack:
            port = None
            for size in sizes:
                corpus = self.stage(f"corpus of {size} chunks", lambda: self.grow(size))
                # The seeds' own index is the one ingest built; larger ones are published here.
                embedded = (self.seeds, None, None)
                if size != seed_chunks:
                    embedded = (self.data_settings(f"index-{size}"), *corpus)
                rows.append(self.stage(f"retrieval, {size} chunks, embedded Chroma", lambda: self.measure(*embedded)))
                if self.options.skip_server or size > self.options.server_max:
                    continue
                if port is None:
                    port = stack.enter_context(chroma_server(self.work / "chroma-server"))
                server = self.data_settings(f"index-{size}-server", chroma_host="127.0.0.1", chroma_port=port)
                rows.append(
                    self.stage(f"retrieval, {size} chunks, Chroma server", lambda: self.measure(server, *corpus))
                )
        return rows

    def grow(self, size: int) -> tuple[corpora.GrownCorpus, np.ndarray]:
        corpus = corpora.grow(
            self.seed_manifest, self.bank, size, chunk_size=self.settings.ingest.chunk_size, seed=self.options.seed
        )
        return corpus, corpora.corpus_vectors(corpus, self.seed_vectors, self.sentence_matrix)

    def measure(
        self, settings: Settings, corpus: corpora.GrownCorpus | None, vectors: np.ndarray | None
    ) -> dict[str, Any]:
        """Publish the corpus (unless it is the ingested seeds), then time retrieval on it."""
        row: dict[str, Any] = {"store": "server" if settings.storage.chroma_host else "embedded", "build_s": None}
        if corpus is not None:
            row |= publish(settings, corpus, vectors, self.seed_info)
        row |= bench_retrieval(settings, self.embedder, self.queries)
        if corpus is not None:
            shutil.rmtree(settings.storage.data_dir, ignore_errors=True)  # 100k chunks take ~1 GB on disk
        return row

    def answers(self) -> dict[str, Any]:
        from assistant.rag.retriever import Knowledge
        from assistant.rag.service import Assistant

        knowledge = Knowledge(self.seeds.storage, self.seeds.retrieval, self.embedder)
        answers: dict[str, Any] = {"extractive": bench_extractive(Assistant(self.seeds, knowledge), self.queries)}
        if not self.options.skip_local:
            self.progress("[bench] answers: local model, project and bare llama.cpp…")
            try:
                answers["local"] = bench_local(self.seeds, knowledge, self.typical, self.options.local_questions)
            except WelzijnError as exc:
                answers["local"] = {"error": str(exc)}
        return answers

    def startup(self) -> list[dict[str, Any]]:
        backends = ["extractive"] + ([] if self.options.skip_local else ["local"])
        self.result["web_import_s"] = self.stage("import time of the web app", import_seconds)
        rows = []
        for backend in backends:
            log = self.options.out / f"serve-{backend}.log"
            try:
                rows.append(self.stage(f"start-up of welzijn serve ({backend})",
                                       lambda: bench_startup(self.seeds.storage.data_dir, backend, self.typical[0], log)))
                log.unlink()  # kept only when the server failed
            except WelzijnError as exc:
                rows.append({"backend": backend, "error": str(exc)})
        return rows


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))
