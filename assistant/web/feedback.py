"""Thumbs up/down, one JSON line per event, durable before we answer."""

from __future__ import annotations

from assistant.rag.records import JsonlStore


class FeedbackStore(JsonlStore):
    """Appends feedback records to data_dir/feedback.jsonl; safe to share between threads and processes."""
