"""Ingest runs for the kill tests, in processes the test may SIGKILL.

`--serve`: import everything once, then for each JSON job on stdin fork a child that runs it, print
`{"pid": …}`, wait for a line (the test kills the child meanwhile), reap it and print how it ended.
Forking a warm process keeps each trial under a second. `--once JOB`: run one job in this process.
"""

from __future__ import annotations

import json
import os
import sys
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def run(job: dict) -> None:
    from assistant.core.settings import Settings
    from assistant.models.embedder import LazyEmbedder
    from ingest.pipeline import run_ingest
    from tests.fakes import HashEmbedding

    settings = Settings(
        _env_file=None, data_dir=Path(job["data_dir"]), sources=[Path(p) for p in job["sources"]],
        embed_model=job["embed_model"], embed_batch_size=job.get("batch", 4),
    )
    if job.get("real"):
        embedder = None  # the configured sentence-transformers model
    else:
        pause = job.get("pause", 0.0)

        class SlowHash(HashEmbedding):
            """The fake embedding at the pace of a slow model, so kills land in every phase."""

            def _get_text_embeddings(self, texts):
                time.sleep(pause)
                return super()._get_text_embeddings(texts)

        embedder = LazyEmbedder(SlowHash)
    run_ingest(settings, embedder=embedder)


def serve() -> None:
    import chromadb  # noqa: F401  (warm imports; no client is created before the fork)
    import llama_index.vector_stores.chroma  # noqa: F401

    import ingest.pipeline  # noqa: F401
    from assistant.text.sentences import split_sentences
    from tests.fakes import HashEmbedding

    split_sentences("Warm. Op.")
    HashEmbedding()._vector("warm op")
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        job = json.loads(line)
        began = time.monotonic()
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                run(job)
            except BaseException:
                traceback.print_exc()
                code = 1
            os._exit(code)
        print(json.dumps({"pid": pid}), flush=True)
        sys.stdin.readline()  # the test kills the child (or not) before it lets us reap it
        _, status = os.waitpid(pid, 0)
        print(json.dumps({"status": status, "seconds": time.monotonic() - began}), flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "--serve":
        serve()
    else:
        run(json.loads(sys.argv[2]))
