"""A throwaway PostgreSQL 15 cluster from Debian's package (`make postgres`), on a free loopback port."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

from tests.live import free_port

def _pg_bin() -> Path:
    """Debian's programs folder: PostgreSQL 15 on bookworm, else the newest one installed."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    preferred = [p for p in found if p.parts[-3] == "15"] or found
    return preferred[-1].parent if preferred else Path("/usr/lib/postgresql/15/bin")


def _as_postgres() -> list[str]:
    """PostgreSQL refuses to run as root: run its programs as the `postgres` user then."""
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


@contextlib.contextmanager
def cluster() -> Iterator[str]:
    """Start a fresh cluster (trust auth, loopback only) and yield its URL; stopped and removed afterwards."""
    pg_bin = _pg_bin()
    if not (pg_bin / "initdb").exists():
        raise RuntimeError("PostgreSQL 15 ontbreekt: run `make postgres` (Debian's postgresql package).")
    root = Path(tempfile.mkdtemp(prefix="welzijn-pg-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    data, port = root / "data", free_port()
    try:
        subprocess.run([*_as_postgres(), str(pg_bin / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
                        "-E", "UTF8", "--no-sync"], check=True, capture_output=True, timeout=120)
        options = f"-h 127.0.0.1 -p {port} -k {root} -c max_connections=200"
        subprocess.run([*_as_postgres(), str(pg_bin / "pg_ctl"), "-D", str(data), "-o", options,
                        "-l", str(root / "log"), "-w", "-t", "60", "start"], check=True, capture_output=True, timeout=90)
        yield f"postgresql://postgres@127.0.0.1:{port}"
    finally:
        subprocess.run([*_as_postgres(), str(pg_bin / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                       capture_output=True, timeout=60)
        shutil.rmtree(root, ignore_errors=True)


@contextlib.contextmanager
def database(server: str) -> Iterator[str]:
    """A new, empty database on the cluster for one test; dropped afterwards."""
    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    try:
        yield f"{server}/{name}"
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
