"""Processes the benchmark starts on 127.0.0.1: free ports, a `chroma run` server, waiting for them."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from assistant.core.errors import WelzijnError


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def venv_script(name: str) -> Path:
    """A console script installed next to this Python (`chroma`, `welzijn`)."""
    return Path(sys.executable).with_name(name)


@contextlib.contextmanager
def chroma_server(path: Path, timeout: float = 60) -> Iterator[int]:
    """A real Chroma server (`chroma run`) on a free port, stopped on exit; yields the port."""
    port = free_port()
    proc = subprocess.Popen(
        [str(venv_script("chroma")), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + timeout
        while not _accepts(port):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise WelzijnError(f"De Chroma-server startte niet binnen {timeout:.0f} s (poort {port}).")
            time.sleep(0.2)
        yield port
    finally:
        stop(proc)


def stop(proc: subprocess.Popen) -> None:
    """Terminate a process we started, and kill it if it does not stop in 30 s."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _accepts(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False
