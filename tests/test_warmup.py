"""The warm-up thread imports the answering stack before any request may use it."""

from __future__ import annotations

import threading

from assistant.web import warmup as warmup_module
from assistant.web.warmup import Warmup


class _Assistant:
    def __init__(self) -> None:
        self.warmed = threading.Event()

    def warm_up(self, backend: str) -> None:
        self.warmed.set()


def test_requests_wait_until_the_warm_up_has_imported_the_stack(monkeypatch):
    release = threading.Event()
    monkeypatch.setattr(warmup_module, "import_answering_stack", lambda: release.wait(10))
    warmup = Warmup(_Assistant(), "extractive")
    warmup.start()
    returned = threading.Event()
    waiter = threading.Thread(target=lambda: (warmup.wait_for_imports(10), returned.set()))
    waiter.start()
    assert not returned.wait(0.3)  # still importing: the request waits
    release.set()
    assert returned.wait(5) and warmup.wait(5) and warmup.status == "ok"
    waiter.join()


def test_without_a_warm_up_thread_requests_do_not_wait():
    warmup = Warmup(_Assistant(), "extractive")
    done = threading.Event()
    threading.Thread(target=lambda: (warmup.wait_for_imports(10), done.set())).start()
    assert done.wait(1)


def test_a_failed_import_still_lets_requests_through(monkeypatch):
    def broken() -> None:
        raise ImportError("kapot")

    monkeypatch.setattr(warmup_module, "import_answering_stack", broken)
    warmup = Warmup(_Assistant(), "extractive")
    warmup.start()
    assert warmup.wait(5) and warmup.status == "ok"  # requests do not hang on a broken install
    assert "kapot" in warmup.error and "installeer opnieuw" in warmup.error
    done = threading.Event()
    threading.Thread(target=lambda: (warmup.wait_for_imports(10), done.set())).start()
    assert done.wait(1)


def test_ready_gives_the_assistant_once_the_stack_is_imported(monkeypatch):
    release = threading.Event()
    monkeypatch.setattr(warmup_module, "import_answering_stack", lambda: release.wait(10))
    assistant = _Assistant()
    warmup = Warmup(assistant, "extractive")
    warmup.start()
    got = []
    waiter = threading.Thread(target=lambda: got.append(warmup.ready()))
    waiter.start()
    waiter.join(0.3)
    assert got == []  # a handler asking for the service waits for the imports
    release.set()
    waiter.join(5)
    assert got == [assistant]
