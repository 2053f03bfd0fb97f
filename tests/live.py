"""Helpers shared by the tests that talk to a real server: free ports, uvicorn in a thread, SSE parsing."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def live_server(app, **options) -> Iterator[str]:
    """`app` under uvicorn in a thread on 127.0.0.1 and a free port, warmed up; yields its base URL.

    `options` go to `uvicorn.Config` (e.g. log_config=None to let pytest's caplog see the server's logs).
    """
    import uvicorn

    port = free_port()
    options = {"log_level": "warning", "lifespan": "on"} | options
    config = uvicorn.Config(app, host="127.0.0.1", port=port, **options)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 60
    while not server.started and time.time() < deadline:
        time.sleep(0.1)
    assert server.started, "uvicorn did not start"
    app.state.warmup.wait(120)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def parse_sse(text: str) -> list[tuple[str, str]]:
    """(event, data) pairs of a server-sent-event body."""
    events = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        name, data = "message", []
        for line in block.split("\n"):
            if line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].removeprefix(" "))
        if data:
            events.append((name, "\n".join(data)))
    return events


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]


@contextlib.contextmanager
def chromium(profile_dir, **options) -> Iterator:
    """A headless Debian Chromium driven by Playwright, with a fresh profile; yields the browser context.

    `options` go to `launch_persistent_context` (e.g. bypass_csp=True to inject axe-core into our pages).
    """
    from pathlib import Path

    import pytest

    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: apt-get install -y chromium (the Makefile does this)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(profile_dir),
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_FLAGS,
            viewport={"width": 1280, "height": 900},
            locale="nl-NL",
            **options,
        )
        try:
            yield context
        finally:
            context.close()


@contextlib.contextmanager
def static_site(root, port: int | None = None) -> Iterator[str]:
    """The files under `root` served on 127.0.0.1 (another origin than the app); yields its base URL."""
    import functools
    import http.server

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

    port = port or free_port()
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), functools.partial(Quiet, directory=str(root)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def fake_assistant_for(settings, llms: dict | None = None):
    """The seeds ingested with the deterministic fake embedding into `settings.storage.data_dir`; an assistant on them."""
    from assistant.rag.service import Assistant
    from assistant.rag.retriever import Knowledge
    from assistant.models.embedder import LazyEmbedder
    from ingest.pipeline import run_ingest
    from tests.fakes import HashEmbedding

    embedder = LazyEmbedder(HashEmbedding)
    run_ingest(settings, embedder=embedder)
    return Assistant(settings, Knowledge(settings.storage, settings.retrieval, embedder), llms=llms)
