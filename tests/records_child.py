"""Appends large records to a JSONL store until killed; prints each record's id once its append returned."""

from __future__ import annotations

import hashlib
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant.rag.records import JsonlStore  # noqa: E402


def main() -> None:
    store, first, rng = JsonlStore(Path(sys.argv[1])), int(sys.argv[2]), random.Random(int(sys.argv[2]))
    n = first
    while True:
        # Large records make a kill in the middle of a write likely (the write syscall is cut short).
        body = f"é{n}-" + rng.randbytes(16).hex() * rng.randint(1, 60_000)
        store.append({"id": n, "body": body, "sha": hashlib.sha256(body.encode()).hexdigest()})
        print(n, flush=True)
        n += 1


if __name__ == "__main__":
    main()
