"""The tables. Alembic migrations (`migrations/versions`) create and change them; this is their current shape."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

# Append-only: conversations, feedback and admin actions (kind), one JSON object each, in order of id.
records = sa.Table(
    "records",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("time", sa.String(40), nullable=False),  # as the JSONL records had it: 2026-11-28T10:00:00+0100
    sa.Column("day", sa.String(10), nullable=True),  # the time's date, for filtering; NULL when unreadable
    sa.Column("channel", sa.String(40), nullable=False, server_default=""),
    sa.Column("data", sa.Text(), nullable=False),  # the whole record as JSON, time included
    sa.Index("ix_records_kind_day", "kind", "day"),
)

# One-time imports that are done (a JSONL file by its content hash): never run twice.
imports = sa.Table(
    "imports",
    metadata,
    sa.Column("key", sa.String(200), primary_key=True),
    sa.Column("records", sa.Integer(), nullable=False),
    sa.Column("done", sa.Float(), nullable=False),
)

# Index versions shared by replicas: what IndexInfo says, and the manifest (zlib-compressed JSON).
index_versions = sa.Table(
    "index_versions",
    metadata,
    sa.Column("version", sa.String(80), primary_key=True),
    sa.Column("created", sa.Float(), nullable=False),
    sa.Column("info", sa.Text(), nullable=False),
    sa.Column("manifest", sa.LargeBinary(), nullable=False),
)

# The live version: one row, changed in the same transaction that adds a version (the atomic switch).
index_pointer = sa.Table(
    "index_pointer",
    metadata,
    sa.Column("name", sa.String(20), primary_key=True),
    sa.Column("version", sa.String(80), sa.ForeignKey("index_versions.version"), nullable=False),
    sa.Column("changed", sa.Float(), nullable=False),
)

# Article files by content hash, so a replica can restore a version another replica published.
article_files = sa.Table(
    "article_files",
    metadata,
    sa.Column("sha256", sa.String(64), primary_key=True),
    sa.Column("content", sa.LargeBinary(), nullable=False),
    sa.Column("added", sa.Float(), nullable=False),
)


def record_row(kind: str, record: dict) -> dict:
    """A record (a dict with its `time`) as a row of `records`."""
    import datetime as dt
    import json

    when = str(record.get("time", ""))
    try:
        day: str | None = dt.date.fromisoformat(when[:10]).isoformat()
    except ValueError:
        day = None
    data = json.dumps(record, ensure_ascii=True, separators=(",", ":"))  # ASCII: a lone surrogate cannot break it
    return {"kind": kind, "time": when, "day": day, "channel": str(record.get("channel", ""))[:40], "data": data}
