"""The issue's targets, each compared with what was measured: met, missed, or not measured."""

from __future__ import annotations

from typing import Any

LARGE = 90_000  # an index this big counts as "~100k chunks"


def evaluate_targets(result: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per target: name, target text, measured value (with unit) and met (None: not measured)."""
    embedded = [r for r in result.get("retrieval", []) if r["store"] == "embedded"]
    smallest = min(embedded, key=lambda r: r["chunks"], default=None)
    largest = max((r for r in embedded if r["chunks"] >= LARGE), key=lambda r: r["chunks"], default=None)
    answers = result.get("answers", {})
    local = answers.get("local", {}).get("summary", {})
    ingest = result.get("ingest", {})
    pages = [r["page_s"] for r in result.get("startup", []) if "page_s" in r]
    reingest = [r["reingest_s"] for r in ingest.get("runs", [])]
    fresh_embeddings = sum(r["reingest_embedded"] for r in ingest.get("runs", []))
    scale = ingest.get("scaling") or {}
    rows = [
        _row("hybrid retrieval p50, seeds", "≤ 30 ms", _get(smallest, "hybrid", "p50_ms"), "ms", 30),
        _row("hybrid retrieval p50, ~100k chunks", "≤ 150 ms", _get(largest, "hybrid", "p50_ms"), "ms", 150),
        _row("extractive answer p50", "≤ 100 ms", _get(answers.get("extractive"), "total", "p50_ms"), "ms", 100),
        _row("local TTFT, project / bare llama.cpp, same prompt (p50)", "≤ 1.10", local.get("ttft_ratio_p50"), "×", 1.10),
        _row("local prompt tokens (largest)", "≤ 350", local.get("prompt_tokens_max"), "tokens", 350),
        _row("local first token p50", "≤ 3.5 s", _seconds(_get(local, "project_ttft", "p50_ms")), "s", 3.5),
        _row("local answer total p50", "≤ 5.5 s", _seconds(_get(local, "project_total", "p50_ms")), "s", 5.5),
        _row("page `/` answers after start (slowest backend)", "≤ 8 s", max(pages, default=None), "s", 8),
        _row("ingest time per chunk, large / seeds", "≤ 1.1 (linear)", scale.get("total_per_chunk_ratio"), "×", 1.1),
        _row("unchanged re-ingest (slowest)", "≈ 0 (≤ 1 s, 0 embeddings)", max(reingest, default=None), "s", 1),
    ]
    if reingest and fresh_embeddings:
        rows[-1]["met"] = False
    return rows


def _row(name: str, target: str, measured: float | None, unit: str, limit: float) -> dict[str, Any]:
    return {
        "name": name, "target": target, "measured": measured, "unit": unit,
        "met": None if measured is None else measured <= limit,
    }


def _get(data: dict[str, Any] | None, *keys: str) -> Any:
    for key in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def _seconds(ms: float | None) -> float | None:
    return None if ms is None else round(ms / 1000, 2)
