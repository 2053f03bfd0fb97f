"""Answering latency: the extractive backend end to end, and the local LLM against bare llama.cpp."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from assistant.core.errors import WelzijnError
from assistant.core.types import Answer, Token
from assistant.rag.service import Assistant
from evals.bench.stats import rate, summarize_ms

if TYPE_CHECKING:
    from assistant.core.settings import Settings
    from assistant.rag.retriever import Knowledge

WARMUP_QUESTIONS = 2


def bench_extractive(assistant: Assistant, questions: Sequence[str]) -> dict[str, object]:
    """Wall-clock time of `Assistant.answer` per question (warm), and how many were refused."""
    for question in questions[:WARMUP_QUESTIONS]:
        assistant.answer(question, backend="extractive")
    totals, retrieval, refused = [], [], 0
    for question in questions:
        began = time.perf_counter()
        answer = assistant.answer(question, backend="extractive")
        totals.append((time.perf_counter() - began) * 1000)
        retrieval.append(answer.timings_ms["retrieval"])
        refused += answer.refused
    return {
        "questions": len(questions),
        "refused": refused,
        "total": summarize_ms(totals),
        "retrieval": summarize_ms(retrieval),
    }


class RecordingLlama:
    """Wraps the loaded llama.cpp model: records the exact arguments the project sends, then forwards."""

    def __init__(self, llama: Any) -> None:
        self.llama = llama
        self.calls: list[dict[str, Any]] = []

    def create_chat_completion(self, **kwargs: Any) -> Any:
        self.calls.append(kwargs)
        return self.llama.create_chat_completion(**kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.llama, name)


def bench_local(settings: Settings, knowledge: Knowledge, questions: Sequence[str], wanted: int) -> dict[str, object]:
    """TTFT, tokens/s and total of the project, then of the same prompt sent straight to llama.cpp.

    All runs use the one loaded model (same file, n_ctx, n_threads) and the recorded arguments; the
    model's state is reset before each, so none reuses another's evaluated prompt. The project restores
    its saved system-message state (as it does when serving); bare llama.cpp runs twice: from nothing
    ("bare", the saving of that reuse) and with the same system message evaluated beforehand, untimed
    ("bare_prefix", the fair comparison: the project's overhead is what is left).
    """
    from assistant.models.llms import chat_prompt_tokens, make_llm
    from assistant.models.prefix_state import PrefixStates

    llm = make_llm(settings, "local")
    began = time.perf_counter()
    llm.load()
    load_s = round(time.perf_counter() - began, 2)
    recorder = RecordingLlama(llm._llama)
    llm._llama = recorder
    assistant = Assistant(settings, knowledge, llms={"local": llm})
    llama = recorder.llama
    # Warm-up: the first generation allocates llama.cpp's buffers.
    list(_bare_tokens(llama, {"messages": [{"role": "user", "content": "Hallo"}], "max_tokens": 4, "stream": True}))
    rows: list[dict[str, object]] = []
    for question in questions:
        if len(rows) == wanted:
            break
        calls = len(recorder.calls)
        llama.reset()
        timings: dict[str, float] = {}
        project = _timed_stream(_project_tokens(assistant, question, timings))
        if len(recorder.calls) == calls:
            continue  # refused before the model ran: nothing to compare
        kwargs = recorder.calls[-1]
        llama.reset()
        bare = _timed_stream(_bare_tokens(llama, kwargs))
        llama.reset()
        PrefixStates().prepare(llama, kwargs["messages"])  # untimed: the system message, evaluated
        bare_prefix = _timed_stream(_bare_tokens(llama, kwargs))
        tokens = len(llama.tokenize(project["text"].encode(), add_bos=False))
        rows.append({
            "question": question,
            "prompt_tokens": (n_prompt := chat_prompt_tokens(llama, kwargs["messages"])),
            "bare_prompt_tokens_per_s": rate(n_prompt, bare["first_s"] or 0),
            "answer_tokens": tokens,
            "same_text": project["text"] == bare["text"],
            "project": _figures(project, tokens),
            "bare": _figures(bare, len(llama.tokenize(bare["text"].encode(), add_bos=False))),
            "bare_prefix": _figures(bare_prefix, len(llama.tokenize(bare_prefix["text"].encode(), add_bos=False))),
            "timings_ms": timings,
        })
    return {"model": llm.metadata.model_name, "load_s": load_s, "n_threads": llama.n_threads,
            "n_ctx": llama.n_ctx(), "questions": rows, "summary": _local_summary(rows)}


def _project_tokens(assistant: Assistant, question: str, timings: dict[str, float]) -> Iterator[str]:
    """The answer's tokens as the project streams them; `timings` gets the answer's own stage times."""
    for event in assistant.stream(question, backend="local"):
        if isinstance(event, Token):
            yield event.text
        elif isinstance(event, Answer):
            if event.backend != "local":
                raise WelzijnError(f"answered by {event.backend}, not the local model: {event.notice}")
            timings.update(event.timings_ms)


def _bare_tokens(llama: Any, kwargs: dict[str, Any]) -> Iterator[str]:
    for part in llama.create_chat_completion(**kwargs):
        delta = part["choices"][0]["delta"].get("content") or ""
        if delta:
            yield delta


def _timed_stream(pieces: Iterator[str]) -> dict[str, Any]:
    """Seconds to the first and last piece and to the end, and the text, of a stream started now."""
    began = time.perf_counter()
    first = last = None
    text = ""
    for piece in pieces:
        last = time.perf_counter() - began
        first = last if first is None else first
        text += piece
    return {"first_s": first, "last_s": last, "total_s": time.perf_counter() - began, "text": text}


def _figures(run: dict[str, Any], tokens: int) -> dict[str, float | None]:
    generating = (run["last_s"] or 0) - (run["first_s"] or 0)
    return {
        "ttft_s": None if run["first_s"] is None else round(run["first_s"], 3),
        "total_s": round(run["total_s"], 3),
        "gen_tokens_per_s": rate(max(tokens - 1, 0), generating),
    }


def _local_summary(rows: list[dict[str, Any]]) -> dict[str, object]:
    def ms(side: str, key: str) -> dict[str, object]:
        return summarize_ms([r[side][key] * 1000 for r in rows if r[side][key] is not None])

    def speeds(side: str) -> list[float]:
        return [r[side]["gen_tokens_per_s"] for r in rows if r[side]["gen_tokens_per_s"]]

    project_ttft, bare_ttft, prefix_ttft = ms("project", "ttft_s"), ms("bare", "ttft_s"), ms("bare_prefix", "ttft_s")
    return {
        "questions": len(rows),
        "prompt_tokens_max": max((r["prompt_tokens"] for r in rows), default=None),
        "prompt_tokens_mean": _mean([r["prompt_tokens"] for r in rows]),
        "project_ttft": project_ttft,
        "bare_ttft": bare_ttft,
        "bare_prefix_ttft": prefix_ttft,
        "ttft_ratio_p50": _ratio(project_ttft, prefix_ttft),  # the project's overhead on the same prompt
        "prefix_saving_p50_ms": _difference(bare_ttft, prefix_ttft),  # what reusing the system message saves
        "stages_p50_ms": _stages(rows),
        "project_total": ms("project", "total_s"),
        "bare_total": ms("bare", "total_s"),
        "project_gen_tokens_per_s": _mean(speeds("project")),
        "bare_gen_tokens_per_s": _mean(speeds("bare")),
        "same_text": sum(bool(r["same_text"]) for r in rows),
        "bare_prompt_tokens_per_s": _mean([s for r in rows if (s := r["bare_prompt_tokens_per_s"])]),
    }


def _ratio(a: dict[str, object], b: dict[str, object]) -> float | None:
    if a["p50_ms"] and b["p50_ms"]:
        return round(a["p50_ms"] / b["p50_ms"], 3)  # type: ignore[operator]
    return None


def _difference(a: dict[str, object], b: dict[str, object]) -> float | None:
    if a["p50_ms"] is None or b["p50_ms"] is None:
        return None
    return round(a["p50_ms"] - b["p50_ms"], 1)  # type: ignore[operator]


def _stages(rows: list[dict[str, Any]]) -> dict[str, object]:
    """Where a project answer's time goes: p50 ms from the question to each stage's end."""
    names = dict.fromkeys(name for r in rows for name in r["timings_ms"])
    return {name: summarize_ms([r["timings_ms"][name] for r in rows if name in r["timings_ms"]])["p50_ms"] for name in names}


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 2) if values else None
