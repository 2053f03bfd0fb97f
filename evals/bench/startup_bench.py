"""Start-up: `welzijn serve` in a subprocess, timed to its page and to its first answer."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

from assistant.core.errors import WelzijnError
from evals.bench.servers import free_port, stop, venv_script


def bench_startup(data_dir: Path, backend: str, question: str, log: Path, timeout: float = 300) -> dict[str, object]:
    """Seconds from launch to `/` answering 200 and to the first `/api/ask` answer; peak RSS."""
    import httpx

    port = free_port()
    # The server uses the embedded index in `data_dir`, whatever Chroma server the caller's environment names.
    env = {k: v for k, v in os.environ.items() if k != "WELZIJN_CHROMA_HOST"} | {
        "WELZIJN_HOST": "127.0.0.1", "WELZIJN_PORT": str(port), "WELZIJN_DATA_DIR": str(data_dir),
        "WELZIJN_BACKEND": backend,
    }
    base = f"http://127.0.0.1:{port}"
    with open(log, "wb") as out:
        began = time.perf_counter()
        proc = subprocess.Popen([str(venv_script("welzijn")), "serve"], env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            deadline = began + timeout
            page_s = _first_ok(proc, f"{base}/", deadline) - began
            left = max(deadline - time.perf_counter(), 1)
            reply = httpx.post(f"{base}/api/ask", json={"question": question}, timeout=left)
            answer_s = time.perf_counter() - began
            reply.raise_for_status()
            peak = peak_rss_mb(proc.pid)
        except httpx.HTTPError as exc:
            raise WelzijnError(f"welzijn serve ({backend}) gaf geen antwoord: {exc}; zie {log}") from exc
        finally:
            stop(proc)
    body = reply.json()
    return {
        "backend": backend,
        "page_s": round(page_s, 2),
        "first_answer_s": round(answer_s, 2),
        "answered_by": body.get("backend"),
        "answer_timings_ms": body.get("timings_ms"),
        "peak_rss_mb": peak,
    }


def import_seconds(module: str = "assistant.web.app") -> float:
    """Seconds a fresh Python needs to import the web app (gradio, FastAPI, llama-index): start-up's floor."""
    import sys

    began = time.perf_counter()
    subprocess.run([sys.executable, "-c", f"import {module}, gradio"], check=True, capture_output=True)
    return round(time.perf_counter() - began, 2)


def peak_rss_mb(pid: int) -> float | None:
    """The process's peak resident memory (VmHWM) in MB, from /proc."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def _first_ok(proc: subprocess.Popen, url: str, deadline: float) -> float:
    """perf_counter() when `url` first answers 200."""
    import httpx

    while time.perf_counter() < deadline:
        if proc.poll() is not None:
            raise WelzijnError(f"welzijn serve stopte met code {proc.returncode} voor {url} antwoordde.")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return time.perf_counter()
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise WelzijnError(f"{url} antwoordde niet binnen de tijd.")
