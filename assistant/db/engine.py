"""Opening the database: the URL from the settings, one engine per URL and process, migrations on first use."""

from __future__ import annotations

import fcntl
import hashlib
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.core.errors import StorageError, WelzijnError, storage_error

if TYPE_CHECKING:
    import sqlalchemy as sa

    from assistant.core.settings import StorageSettings

MIGRATIONS = Path(__file__).with_name("migrations")


def database_url(storage: StorageSettings) -> sa.URL:
    """`database_url` with the psycopg 3 driver, or the SQLite file under data_dir."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    if storage.database_url is None:
        return make_url("sqlite://").set(database=str(storage.database_path.resolve()))
    try:
        url = make_url(storage.database_url.get_secret_value())
    except ArgumentError:
        raise WelzijnError("WELZIJN_DATABASE_URL is geen geldige database-URL (bijv. postgresql://gebruiker@host/db).") from None
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    return url


class Database:
    """One engine; `ready()` brings the schema to the newest migration once per process."""

    def __init__(self, url: sa.URL) -> None:
        self.url = url
        self.engine = _make_engine(url)
        self._ready = False
        self._lock = threading.Lock()

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    @property
    def name(self) -> str:
        """The URL for messages and logs, without the password."""
        return self.url.render_as_string(hide_password=True)

    def ready(self) -> Database:
        """Run the migrations (idempotent; two processes starting at once take turns)."""
        if self._ready:
            return self
        with self._lock:
            if not self._ready:
                with self.failures():
                    if self.is_sqlite:
                        Path(str(self.url.database)).parent.mkdir(parents=True, exist_ok=True)
                    with self.exclusive("migrate"):
                        self._migrate()
                self._ready = True
        return self

    @contextmanager
    def begin(self) -> Iterator[sa.Connection]:
        """A transaction, committed when the block ends; a failing database is a `StorageError`."""
        self.ready()
        with self.failures(), self.engine.begin() as connection:
            yield connection

    @contextmanager
    def failures(self) -> Iterator[None]:
        """Database and disk errors as a `StorageError` that names the database (never its password).

        A unique-key clash (`IntegrityError`) passes unchanged: callers use it to detect a race they lost."""
        from sqlalchemy.exc import IntegrityError, SQLAlchemyError

        try:
            yield
        except IntegrityError:
            raise
        except (SQLAlchemyError, OSError) as exc:
            raise self._error(exc) from exc

    @contextmanager
    def exclusive(self, name: str) -> Iterator[None]:
        """One holder of `name` at a time across processes and machines; a killed holder lets go."""
        if self.is_sqlite:
            path = Path(f"{self.url.database}.{name}.lock")
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                yield
            finally:
                os.close(fd)
            return
        from sqlalchemy import text

        key = int.from_bytes(hashlib.sha256(f"welzijn:{name}".encode()).digest()[:8], "big", signed=True)
        with self.failures(), self.engine.connect() as connection:  # the lock lives as long as this session
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": key})
            connection.commit()
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
                connection.commit()

    def _migrate(self) -> None:
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        with self.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def _error(self, exc: BaseException) -> StorageError:
        cause = getattr(exc, "orig", None) or exc
        if self.is_sqlite:
            return storage_error(Path(str(self.url.database)).parent, cause)
        detail = (str(cause).strip().splitlines() or [type(cause).__name__])[0]
        return StorageError(f"De database {self.name} is niet bereikbaar of weigert ({detail}).")


def _make_engine(url: sa.URL) -> sa.Engine:
    import sqlalchemy as sa

    if url.get_backend_name() == "sqlite":
        engine = sa.create_engine(url, connect_args={"timeout": 60})
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return sa.create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": 10})


def _sqlite_pragmas(connection, _record) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # readers never wait for a writer, writers of other processes queue
    cursor.execute("PRAGMA synchronous=FULL")  # a commit is on disk when it returns
    cursor.execute("PRAGMA busy_timeout=60000")
    cursor.close()


_OPEN: dict[str, Database] = {}
_OPEN_LOCK = threading.Lock()


def open_database(storage: StorageSettings) -> Database:
    """The process's `Database` for these settings (one engine, one pool per URL); connects on first use."""
    url = database_url(storage)
    key = url.render_as_string(hide_password=False)
    with _OPEN_LOCK:
        if key not in _OPEN:
            _OPEN[key] = Database(url)
        return _OPEN[key]
