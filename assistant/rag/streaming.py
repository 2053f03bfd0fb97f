"""Answers for async front ends (API, widget, chat page), written in a worker thread that stops with its reader.

A front end iterates `stream_answer(...)`; when it stops iterating early — the client disconnected,
pressed Stop, or started a new conversation — the answer is cancelled: the model stops at its next
token (or stops waiting for a slot at once), and the queue place and slot are given back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from assistant.core.errors import Cancelled
from assistant.core.types import Answer, Event, Token

if TYPE_CHECKING:
    from assistant.rag.service import Assistant

log = logging.getLogger(__name__)
_END = object()


@dataclass
class _Progress:
    """How far an answer got, for the log line of an abandoned answer."""

    stage: str = "before_first_token"  # then "writing"; "queued" when it was still waiting for a slot
    tokens: int = 0
    after_stop: int = 0

    def see(self, event: Event, stopped: bool) -> None:
        if stopped:
            self.after_stop += isinstance(event, Token)
        elif isinstance(event, Token):
            self.tokens += 1
            self.stage = "writing"


async def stream_answer(
    assistant: Assistant,
    question: str,
    history: Sequence[dict[str, str]] = (),
    backend: str | None = None,
    *,
    channel: str,
) -> AsyncIterator[Event]:
    """`assistant.stream(...)` as an async iterator; leaving it early cancels the answer."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[object] = asyncio.Queue()
    cancel = threading.Event()
    progress = _Progress()

    def put(item: object) -> None:
        with contextlib.suppress(RuntimeError):  # the event loop is gone: nobody reads any more
            loop.call_soon_threadsafe(queue.put_nowait, item)

    def pump() -> None:
        events = assistant.stream(question, history, backend, channel, cancel=cancel)
        try:
            for event in events:
                progress.see(event, cancel.is_set())
                if cancel.is_set():
                    break
                put(event)
        except Cancelled as exc:
            progress.after_stop += exc.tokens_after_stop
            if exc.stage == "queued":
                progress.stage = "queued"
        except BaseException as exc:  # handed to the reader, who raises it in its own task
            put(exc)
        finally:
            events.close()  # leaves the gate: the queue place and the slot are free from here on
            if cancel.is_set():
                _log_abandoned(assistant, channel, question, progress)
            put(_END)

    threading.Thread(target=pump, name=f"answer-{channel}", daemon=True).start()
    finished = False
    try:
        while True:
            item = await queue.get()
            if item is _END:
                finished = True
                return
            if isinstance(item, BaseException):
                finished = True
                raise item
            if isinstance(item, Answer):
                finished = True
            yield item  # type: ignore[misc]
    finally:
        if not finished:
            cancel.set()


def _log_abandoned(assistant: Assistant, channel: str, question: str, progress: _Progress) -> None:
    """One line per abandoned answer; the question only when the conversation log is on."""
    asked = f" question={question!r}" if assistant.settings.answering.log_conversations else ""
    log.info(
        "answer abandoned: channel=%s stage=%s tokens_sent=%d tokens_after_stop=%d%s",
        channel, progress.stage, progress.tokens, progress.after_stop, asked,
    )
