"""Appends records to the database until killed (or `count` are done); prints each id once its append returned.

Usage: records_child.py DATA_DIR FIRST_ID [COUNT]; WELZIJN_DATABASE_URL in the environment picks the engine.
"""

from __future__ import annotations

import hashlib
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant.core.settings import Settings  # noqa: E402
from assistant.db.records import RecordLog  # noqa: E402


def main() -> None:
    first = int(sys.argv[2])
    count = int(sys.argv[3]) if len(sys.argv) > 3 else None
    store = RecordLog(Settings(_env_file=None, data_dir=Path(sys.argv[1])).storage, "conversation")
    rng = random.Random(first)
    n = first
    while count is None or n < first + count:
        # Large records make a kill in the middle of a write (or of the commit) likely.
        body = f"é{n}-" + rng.randbytes(16).hex() * rng.randint(1, 20_000 if count is None else 10)
        store.append({"id": n, "channel": "api", "body": body, "sha": hashlib.sha256(body.encode()).hexdigest()})
        print(n, flush=True)
        n += 1


if __name__ == "__main__":
    main()
