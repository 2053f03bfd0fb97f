"""The evaluated state of a prompt's fixed opening (its system message), kept so it is evaluated once.

llama-cpp-python already skips the tokens a new prompt shares with the one before it, so in a steady
run of answers the system message is evaluated once. Anything else in between breaks that chain: a
follow-up the model rewrites, a warm-up, a benchmark that resets the model. The next answer would then
evaluate its whole system message again (about 0.7 s on two cores). This keeps llama.cpp's state right
after each system message and puts it back before a generation whose state does not start with it.
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import numpy as np

MAX_STATES = 4  # distinct system messages kept (the answer prompt, the old passage prompt, …)


def render(llama: Any, messages: Sequence[dict[str, str]], generation_prompt: bool = True) -> str:
    """The messages in the model's own chat template, as llama.cpp will evaluate them."""
    template = llama.metadata.get("tokenizer.chat_template")
    if not template:
        turns = "".join(f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>\n" for m in messages)
        return turns + ("<|im_start|>assistant\n" if generation_prompt else "")
    return _formatter(template, generation_prompt)(messages=list(messages)).prompt


@functools.lru_cache(maxsize=8)
def _formatter(template: str, generation_prompt: bool) -> Any:
    """The chat template, compiled once (Jinja compiles it anew for every formatter it builds)."""
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    return Jinja2ChatFormatter(template=template, eos_token="", bos_token="", add_generation_prompt=generation_prompt)


class PrefixStates:
    """Saved llama.cpp states, one per system message, restored before a generation that starts with it."""

    def __init__(self, limit: int = MAX_STATES) -> None:
        self.limit = limit
        self._states: OrderedDict[tuple[int, ...], Any] = OrderedDict()
        self._tokens: dict[str, tuple[int, ...]] = {}  # system message → its tokens
        self._lock = threading.Lock()
        self.restored = self.evaluated = 0  # how often a saved state was put back, or first built

    def prepare(self, llama: Any, messages: Sequence[dict[str, str]]) -> int:
        """Make the model's state start with the messages' system turn; the tokens it holds (0: none).

        Call it with the model's generation lock held. The generation that follows then evaluates
        only what comes after the system message.
        """
        prefix = self._prefix(llama, messages)
        if not prefix:
            return 0
        size = len(prefix)
        if llama.n_tokens >= size and tuple(llama.input_ids[:size].tolist()) == prefix:
            return size  # the previous prompt started the same way: llama.cpp reuses it by itself
        with self._lock:
            state = self._states.get(prefix)
            if state is not None:
                self._states.move_to_end(prefix)
        if state is not None:
            llama.load_state(state)
            self.restored += 1
            return size
        llama.reset()
        llama.eval(list(prefix))
        saved = llama.save_state()
        # Its logits are never read (the rest of the prompt is evaluated after a restore), and they
        # are a row of the vocabulary (150k floats) per token: one zero row broadcasts on restore.
        saved.scores = np.zeros((1, saved.scores.shape[1]), dtype=saved.scores.dtype)
        with self._lock:
            self._states[prefix] = saved
            while len(self._states) > self.limit:
                self._states.popitem(last=False)
        self.evaluated += 1
        return size

    def _prefix(self, llama: Any, messages: Sequence[dict[str, str]]) -> tuple[int, ...]:
        """The tokens of the system turn, when the messages open with one (else empty)."""
        if not messages or messages[0].get("role") != "system" or len(messages) < 2:
            return ()
        system = messages[0]["content"]
        with self._lock:
            known = self._tokens.get(system)
        if known is None:
            text = render(llama, messages[:1], generation_prompt=False)
            known = tuple(llama.tokenize(text.encode("utf-8"), special=True))
            with self._lock:
                self._tokens[system] = known
        return known
