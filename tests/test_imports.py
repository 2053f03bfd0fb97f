"""Importing any module of ours opens no socket and loads no model."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from tests.conftest import REPO

PACKAGES = ("assistant", "ingest", "evals")

PROBE = textwrap.dedent(
    """
    import importlib, pkgutil, socket, sys

    def refuse(*args, **kwargs):
        raise AssertionError("a socket was opened at import time")

    socket.socket.connect = refuse
    socket.socket.bind = refuse
    socket.create_connection = refuse
    names = []
    for package in {packages}:
        pkg = importlib.import_module(package)
        for info in pkgutil.walk_packages(pkg.__path__, package + "."):
            if info.name.endswith("__main__"):
                continue
            importlib.import_module(info.name)
            names.append(info.name)
    heavy = [m for m in ("torch", "sentence_transformers", "llama_cpp", "chromadb", "gradio", "transformers") if m in sys.modules]
    print(len(names), ",".join(heavy))
    """
)


def test_importing_every_module_opens_no_socket_and_loads_no_model():
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(packages=PACKAGES)],
        cwd=REPO, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    count, heavy = result.stdout.strip().split(" ", 1) if " " in result.stdout.strip() else (result.stdout.strip(), "")
    assert int(count) >= 20
    assert heavy == "", f"heavy libraries imported at import time: {heavy}"
