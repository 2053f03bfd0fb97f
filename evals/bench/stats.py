"""Latency summaries and a stopwatch; percentiles come from the evaluation's own metrics."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from evals.metrics import percentile

REPO = Path(__file__).resolve().parents[2]


def summarize_ms(samples_ms: Sequence[float]) -> dict[str, float | int | None]:
    """p50/p95/mean/min/max of latencies in milliseconds, rounded for reading."""
    values = list(samples_ms)
    if not values:
        return {"n": 0, "p50_ms": None, "p95_ms": None, "mean_ms": None, "min_ms": None, "max_ms": None}
    return {
        "n": len(values),
        "p50_ms": _round(percentile(values, 50)),
        "p95_ms": _round(percentile(values, 95)),
        "mean_ms": _round(sum(values) / len(values)),
        "min_ms": _round(min(values)),
        "max_ms": _round(max(values)),
    }


def time_calls(fn: Callable[[Any], object], inputs: Iterable[Any]) -> list[float]:
    """Milliseconds each call of `fn` took, one per input, in order."""
    samples = []
    for item in inputs:
        began = time.perf_counter()
        fn(item)
        samples.append((time.perf_counter() - began) * 1000)
    return samples


def rate(count: float, seconds: float) -> float | None:
    """Items per second, or None when no time passed."""
    return round(count / seconds, 2) if seconds > 0 else None


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def profile_top(fn: Callable[[Any], object], inputs: Iterable[Any], n: int = 4) -> list[dict[str, object]]:
    """The `n` functions with the most own time (cProfile) while `fn` runs on each input."""
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    for item in inputs:
        fn(item)
    profiler.disable()
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    total = sum(own for _, _, own, _, _ in stats.values()) or 1.0
    top = sorted(stats.items(), key=lambda kv: kv[1][2], reverse=True)[:n]
    return [
        {"function": _where(key), "own_s": round(value[2], 3), "share": round(value[2] / total, 3)}
        for key, value in top
    ]


def _where(key: tuple[str, int, str]) -> str:
    """`package/module.py:function` for a cProfile key; built-ins keep their own name."""
    filename, _, name = key
    if filename == "~":
        return name.strip("<>")
    for marker in ("site-packages/", f"{REPO}/", f"/python{sys.version_info.major}.{sys.version_info.minor}/"):
        if marker in filename:
            filename = filename.split(marker, 1)[1]
            break
    return f"{filename}:{name}"
