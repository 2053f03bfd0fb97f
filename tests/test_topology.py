"""Two `welzijn serve` replicas sharing real servers, as a site owner would run them behind a proxy.

Started on loopback ports: PostgreSQL (a throwaway cluster), Redis, `chroma run`, the llama.cpp server
(`welzijn llm-server`) and replicas A and B, each with its own data folder but the same database, Redis,
Chroma and LLM server. The requests carry `X-Forwarded-For` as a proxy in front would: each load request
is another visitor, the rate-limit check is one visitor. The tests run in file order on one cluster; the
last one kills replica A. Load figures (1 vs 2 replicas) go to test-artifacts/topology.json.
"""

from __future__ import annotations

import concurrent.futures
import itertools
import json
import os
import statistics
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from evals.bench.servers import chroma_server, venv_script
from tests.conftest import MODELS, REPO, SEEDS
from tests.live import free_port
from tests.new_article import ANSWER_WORD, NAME, QUESTION, TEXT
from tests.postgres import cluster as postgres_cluster, database as postgres_database
from tests.servers import (
    cpu_seconds, llm_server, machine_busy, redis_server, replica, welzijn_env,
)

pytestmark = pytest.mark.slow

LIMIT = 12  # requests per visitor per minute, for the whole cluster
ADMIN_TOKEN = "topologie-beheer-7Qx9-Kaas"
ARTIFACTS = REPO / "test-artifacts"
QUESTIONS = [
    "Welke vier typen burgers onderscheidt de WRR?",
    "Wie schreef het discussiestuk De welzijnssector in beeld?",
    "Waarom is individuele hulpverlening volgens Moerbeek dweilen met de kraan open?",
    "Wat blijkt volgens Lex Staal uit Schots onderzoek?",
    "Wat blijkt uit het onderzoek van SEO naar ouderenadviseurs?",
]
LLM_QUESTIONS = ["Wie schreef het discussiestuk De welzijnssector in beeld?", "Wie is Lex Staal?"]  # short answers
EXTRACTIVE_LOAD = 30  # requests per load phase
CLIENTS = 4  # concurrent clients of the load
_visitors = itertools.count(1)


def visitor() -> dict[str, str]:
    """Another visitor's address, as the proxy in front passes it on (uvicorn trusts it from 127.0.0.1)."""
    n = next(_visitors)
    return {"X-Forwarded-For": f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"}


class Cluster:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.database_url = ""
        self.urls: dict[str, str] = {}
        self.procs: dict[str, subprocess.Popen] = {}
        self.env: dict[str, dict[str, str]] = {}
        self.answered: dict[str, list[str]] = {"A": [], "B": []}  # questions each replica answered with 200
        self.figures: dict[str, dict] = {}

    def ask(self, name: str, question: str, backend: str | None = "extractive", timeout: float = 120) -> httpx.Response:
        body = {"question": question} | ({"backend": backend} if backend else {})
        response = httpx.post(f"{self.urls[name]}/api/ask", json=body, headers=visitor(), timeout=timeout)
        if response.status_code == 200:
            self.answered[name].append(question)
        return response


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    folder = tmp_path_factory.mktemp("topology")
    cluster = Cluster(folder)
    with (
        postgres_cluster() as postgres,
        postgres_database(postgres) as database_url,
        redis_server(folder / "redis") as redis_url,
        chroma_server(folder / "chroma") as chroma_port,
    ):
        cluster.database_url = database_url
        shared = {
            "database_url": database_url, "redis_url": redis_url, "chroma_host": "127.0.0.1", "chroma_port": chroma_port,
            "backend": "openai", "openai_url": f"http://127.0.0.1:{free_port()}/v1", "max_answer_tokens": 120,
            "rate_limit_per_minute": LIMIT, "admin_token": ADMIN_TOKEN, "queue_timeout": 600, "sources": json.dumps([str(SEEDS)]),
            "local_model_path": MODELS / "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        }
        for name in "AB":
            data = folder / f"data-{name}"
            data.mkdir()
            (data / "models").symlink_to(MODELS.resolve(), target_is_directory=True)  # the embedding model
            cluster.env[name] = welzijn_env(data, **shared)
        llm_port = int(shared["openai_url"].rsplit(":", 1)[1].split("/")[0])
        with llm_server(folder, cluster.env["A"], llm_port) as (_, llm_proc):
            ingest = subprocess.run([str(venv_script("welzijn")), "ingest"], env=cluster.env["A"], capture_output=True,
                                    text=True, timeout=300)
            assert ingest.returncode == 0, ingest.stderr[-2000:]
            with replica("A", folder, cluster.env["A"]) as (url_a, proc_a), \
                    replica("B", folder, cluster.env["B"]) as (url_b, proc_b):
                cluster.urls, cluster.procs = {"A": url_a, "B": url_b}, {"A": proc_a, "B": proc_b, "llm": llm_proc}
                yield cluster
    write_figures(cluster.figures)


# --- the shared rate limit -------------------------------------------------------------------------------------


def test_the_rate_limit_is_one_limit_for_both_replicas(cluster):
    one = {"X-Forwarded-For": "203.0.113.50"}
    codes = [httpx.get(f"{cluster.urls[name]}/api/articles", headers=one, timeout=30).status_code
             for name in itertools.islice(itertools.cycle("AB"), LIMIT + 4)]
    # Per-process counts would let 2 x LIMIT through; one shared count stops the visitor at LIMIT.
    assert codes == [200] * LIMIT + [429] * 4
    other = httpx.get(f"{cluster.urls['B']}/api/articles", headers={"X-Forwarded-For": "203.0.113.51"}, timeout=30)
    assert other.status_code == 200


# --- load: 1 replica, then 2 ------------------------------------------------------------------------------------


def run_load(cluster: Cluster, names: str, questions: list[str], backend: str | None, clients: int) -> dict:
    """`questions` spread round-robin over the replicas `names` by `clients` concurrent clients; the figures."""
    def one(item: tuple[str, str]) -> tuple[float, httpx.Response]:
        began = time.perf_counter()
        response = cluster.ask(item[0], item[1], backend=backend, timeout=300)
        return time.perf_counter() - began, response

    work = list(zip(itertools.cycle(names), questions))
    load_before = os.getloadavg()[0]  # other work on the machine skews the figures: recorded with them
    cpu_before = {name: cpu_seconds(proc) for name, proc in cluster.procs.items()}
    machine_before = machine_busy()
    began = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(clients) as pool:
        results = list(pool.map(one, work))
    seconds = time.perf_counter() - began
    cpu = {name: round(cpu_seconds(proc) - cpu_before[name], 2) for name, proc in cluster.procs.items()}
    machine = [now - before for now, before in zip(machine_busy(), machine_before)]
    assert [r.status_code for _, r in results] == [200] * len(work), [r.text[:200] for _, r in results]
    for _, response in results:
        answer = response.json()
        assert answer["backend"] == (backend or "openai") and not answer.get("notice"), answer
        assert answer["citations"] and not answer["refused"], answer
    latencies = sorted(s * 1000 for s, _ in results)
    return {
        "replicas": len(names), "requests": len(work), "clients": clients, "seconds": round(seconds, 2),
        "requests_per_s": round(len(work) / seconds, 2), "p50_ms": round(statistics.median(latencies), 1),
        "p95_ms": round(latencies[max(0, round(0.95 * len(latencies)) - 1)], 1),
        "load_average_before": round(load_before, 2),
        "cpu_s": cpu,  # CPU seconds each process used during the phase: /seconds = cores it kept busy
        "cores_busy": round(sum(cpu.values()) / seconds, 2),
        # Everything on the machine (Chroma, PostgreSQL, this test's clients, other work): busy share of all cores.
        "machine_busy": round(machine[0] / machine[1], 2) if machine[1] else None,
        "answers": [{"replica": name, "question": question, "ms": round(s * 1000), "timings_ms": r.json()["timings_ms"]}
                    for (name, question), (s, r) in zip(work, results)] if backend is None else None,
    }


def test_load_extractive_one_then_two_replicas(cluster):
    questions = list(itertools.islice(itertools.cycle(QUESTIONS), EXTRACTIVE_LOAD))
    run_load(cluster, "AB", questions[:CLIENTS], "extractive", CLIENTS)  # first requests of each replica
    one = run_load(cluster, "A", questions, "extractive", CLIENTS)
    two = run_load(cluster, "AB", questions, "extractive", CLIENTS)
    cluster.figures["extractive"] = {"1": one, "2": two}
    print(f"\nextractive, 1 replica: {one}\nextractive, 2 replicas: {two}")


def test_load_through_the_shared_llm_server_one_then_two_replicas(cluster):
    # The same two questions both times: one replica writes them in turn (one generation at a time), two
    # replicas both send theirs to the one llama.cpp server, which also writes one answer at a time.
    forget_last_prompt(cluster)
    one = run_load(cluster, "A", LLM_QUESTIONS, None, 2)
    forget_last_prompt(cluster)
    two = run_load(cluster, "AB", LLM_QUESTIONS, None, 2)
    cluster.figures["llm"] = {"1": one, "2": two}
    print(f"\nLLM, 1 replica: {one}\nLLM, 2 replicas: {two}")


def forget_last_prompt(cluster: Cluster) -> None:
    """llama.cpp reuses the longest prefix of the prompt it evaluated last: a repeated question would skip its
    whole prompt. One unrelated one-token request makes both phases start alike."""
    url = cluster.env["A"]["WELZIJN_OPENAI_URL"]
    body = {"model": "local-model", "max_tokens": 1, "messages": [{"role": "user", "content": "Hallo"}]}
    assert httpx.post(f"{url}/chat/completions", json=body, timeout=120).status_code == 200


# --- one index, one database -----------------------------------------------------------------------------------


def test_an_article_uploaded_through_a_is_answered_by_b_within_seconds(cluster):
    before = cluster.ask("B", QUESTION).json()
    assert before["refused"]  # no seed names her
    upload = httpx.post(f"{cluster.urls['A']}/api/admin/articles", files=[("files", (NAME, TEXT.encode()))],
                        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"} | visitor(), timeout=120)
    assert upload.status_code == 200, upload.text
    uploaded = time.monotonic()
    while True:
        answer = cluster.ask("B", QUESTION).json()
        if not answer["refused"]:
            break
        assert time.monotonic() - uploaded < 10, "replica B did not see the new index version within 10 s"
        time.sleep(0.25)
    cluster.figures["upload_seen_by_b_after_s"] = round(time.monotonic() - uploaded, 2)
    assert answer["citations"][0]["source"] == NAME and ANSWER_WORD in answer["answer"] + answer["citations"][0]["quote"]


def test_every_conversation_of_both_replicas_is_in_the_one_database(cluster):
    recorded = recorded_questions(cluster)
    assert cluster.answered["A"] and cluster.answered["B"]
    assert sorted(recorded) == sorted(cluster.answered["A"] + cluster.answered["B"])  # all, and nothing else
    for name in "AB":  # no replica kept a log of its own
        assert not list((cluster.folder / f"data-{name}").glob("*.jsonl")), name


# --- killing a replica under load -------------------------------------------------------------------------------


def test_killing_replica_a_mid_load_costs_replica_b_nothing(cluster):
    questions = [f"{q} (vraag {i})" for i, q in enumerate(itertools.islice(itertools.cycle(QUESTIONS), 16))]
    b_before = len(cluster.answered["B"])

    def one(item: tuple[str, str]) -> tuple[str, int | None]:
        name, question = item
        try:
            return name, cluster.ask(name, question, timeout=60).status_code
        except httpx.HTTPError:
            return name, None  # replica A went away

    with concurrent.futures.ThreadPoolExecutor(CLIENTS) as pool:
        futures = [pool.submit(one, item) for item in zip(itertools.cycle("AB"), questions)]
        while sum(f.done() for f in futures) < 4:
            time.sleep(0.05)
        cluster.procs["A"].kill()
        results = [f.result() for f in futures]
    assert cluster.procs["A"].wait(10) != 0
    assert [code for name, code in results if name == "B"] == [200] * 8  # B answered every one of its questions
    assert any(code is None for name, code in results if name == "A")  # A died mid-load
    assert len(cluster.answered["B"]) == b_before + 8
    recorded = recorded_questions(cluster)
    assert all(q in recorded for q in cluster.answered["B"])  # and recorded every answer it gave
    assert all(q in recorded for q in cluster.answered["A"])  # as did A, for every answer it finished


def recorded_questions(cluster: Cluster) -> list[str]:
    """The questions of every conversation record in the shared PostgreSQL database."""
    import psycopg

    with psycopg.connect(cluster.database_url) as connection:
        rows = connection.execute("SELECT data FROM records WHERE kind = 'conversation' ORDER BY id").fetchall()
    return [json.loads(data)["question"] for (data,) in rows]


def write_figures(figures: dict) -> None:
    if not figures:
        return
    ARTIFACTS.mkdir(exist_ok=True)
    figures = {"cpu_cores": os.cpu_count(), "note": "loopback, one machine; see README 'Scaling up'"} | figures
    (ARTIFACTS / "topology.json").write_text(json.dumps(figures, indent=2) + "\n")
    print(f"\ntopology figures: {json.dumps(figures)}")
