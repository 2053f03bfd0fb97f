"""Real servers for the tests, each on a free loopback port and stopped afterwards: Redis, the llama.cpp
server and `welzijn serve` replicas (Chroma: the benchmark's `chroma_server`; PostgreSQL: tests/postgres.py).
Each helper is a context manager that yields its address."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from evals.bench.servers import stop, venv_script
from tests.live import free_port



def wait_until_up(
    proc: subprocess.Popen, port: int, what: str, timeout: float = 60, path: str | None = None,
    ready: Callable[[httpx.Response], bool] = lambda response: response.status_code == 200,
) -> None:
    """Wait until `port` accepts connections (and GET `path` is `ready`, when given); fail if the process dies."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"{what} stopped at start (exit {proc.returncode})")
        try:
            if path is None:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return
            if ready(httpx.get(f"http://127.0.0.1:{port}{path}", timeout=5)):
                return
        except (OSError, httpx.HTTPError):
            pass
        time.sleep(0.3)
    pytest.fail(f"{what} did not start within {timeout:.0f} s")


@contextlib.contextmanager
def running(cmd: list[str], log: Path, env: dict[str, str] | None = None, **popen) -> Iterator[subprocess.Popen]:
    """`cmd` as a child process writing to `log`; terminated (then killed) on exit."""
    with open(log, "ab") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, **popen)
    try:
        yield proc
    finally:
        stop(proc)


def require(program: str) -> str:
    path = shutil.which(program) or shutil.which(program, path="/usr/sbin:/usr/bin")
    if path is None:
        pytest.fail(f"{program} is missing: `make test` installs it (Debian package)")
    return path


@contextlib.contextmanager
def redis_server(folder: Path, port: int | None = None) -> Iterator[str]:
    """Debian's redis-server, without persistence; yields its redis:// URL."""
    port = port or free_port()
    folder.mkdir(parents=True, exist_ok=True)
    cmd = [require("redis-server"), "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
           "--dir", str(folder)]
    with running(cmd, folder / "redis.log") as proc:
        wait_until_up(proc, port, "redis-server")
        yield f"redis://127.0.0.1:{port}/0"


def welzijn_env(data_dir: Path, **settings: object) -> dict[str, str]:
    """The environment of a `welzijn` child process: offline, its own data folder, WELZIJN_<NAME> settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WELZIJN_")}
    env |= {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_HUB_DISABLE_TELEMETRY": "1",
            "GRADIO_ANALYTICS_ENABLED": "False", "ANONYMIZED_TELEMETRY": "False",
            "WELZIJN_DATA_DIR": str(data_dir)}
    env |= {f"WELZIJN_{name.upper()}": str(value) for name, value in settings.items()}
    return env


@contextlib.contextmanager
def llm_server(folder: Path, env: dict[str, str], port: int) -> Iterator[tuple[str, subprocess.Popen]]:
    """`welzijn llm-server` (llama-cpp-python's OpenAI-compatible server); yields its /v1 URL and the process."""
    folder.mkdir(parents=True, exist_ok=True)
    cmd = [str(venv_script("welzijn")), "llm-server", "--host", "127.0.0.1", "--port", str(port)]
    with running(cmd, folder / "llm-server.log", env=env) as proc:
        wait_until_up(proc, port, "welzijn llm-server", timeout=120, path="/v1/models")
        yield f"http://127.0.0.1:{port}/v1", proc


@contextlib.contextmanager
def replica(name: str, folder: Path, env: dict[str, str]) -> Iterator[tuple[str, subprocess.Popen]]:
    """A `welzijn serve` process on a free port, once warmed up (/api/health: ok); yields its URL and the process."""
    port = free_port()
    cmd = [str(venv_script("welzijn")), "serve", "--host", "127.0.0.1", "--port", str(port)]
    with running(cmd, folder / f"replica-{name}.log", env=env) as proc:
        wait_until_up(proc, port, f"replica {name}", timeout=180, path="/api/health",
                      ready=lambda response: response.status_code == 200 and response.json()["status"] == "ok")
        yield f"http://127.0.0.1:{port}", proc


def cpu_seconds(proc: subprocess.Popen) -> float:
    """User + system CPU time a running child process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far, all cores (Linux /proc/stat)."""
    user, nice, system, idle, iowait, irq, softirq, steal = (int(v) for v in Path("/proc/stat").read_text().split()[1:9])
    busy = user + nice + system + irq + softirq + steal
    return busy / os.sysconf("SC_CLK_TCK"), (busy + idle + iowait) / os.sysconf("SC_CLK_TCK")
