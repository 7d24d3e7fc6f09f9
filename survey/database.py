"""Database engine tuning and the write-transaction helper.

SQLite serialises writers. A deferred transaction that reads and then writes
fails with "database is locked" when another writer committed in between, and
busy_timeout cannot help it. Writing transactions therefore start with
``BEGIN IMMEDIATE`` (taking the write lock up front, waiting up to
busy_timeout for it), while reads stay deferred so that they never queue.

Durability (``SQLITE_SYNCHRONOUS = "FULL"``, the default): a commit that was acknowledged
survives a power loss. SQLite's own FULL syncs the WAL inside COMMIT, while the write lock
is held, so every writer waits for the disk of every writer before it. Instead, SQLite
commits as NORMAL (no sync at commit; checkpoints still sync the WAL before and the
database file after they copy) and `write_transaction` syncs the WAL itself once the lock
is released, before its caller goes on to answer: the same promise, and commits that come
together share one flush of the disk (group commit).
"""

import fcntl
import functools
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import current_app, g
from sqlalchemy import event, make_url, text
from sqlalchemy.dialects import postgresql, sqlite

from survey.extensions import db

_IMMEDIATE = "resonanz_immediate"
_WAL_SYNC = "resonanz_wal_sync"
# pg_advisory_lock key of `flask db upgrade`: one host migrates, the others wait and find
# nothing left to do. (The number is arbitrary, the same everywhere: "resonanz" in hex.)
MIGRATION_LOCK_KEY = 0x7265736F6E616E7A


def configure_engine(app) -> None:
    """Engine options before the engine exists: PostgreSQL connections are tested before use,
    so that a restarted server costs no request an error."""
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    options = app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
    if uri.startswith("postgresql"):
        options.setdefault("pool_pre_ping", True)
        options.setdefault("connect_args", {}).setdefault("connect_timeout", 5)


def init_app(app):
    """Tune SQLite connections of this app's engine; other databases are left alone."""
    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "sqlite":
        return
    busy_timeout = int(app.config["SQLITE_BUSY_TIMEOUT_MS"])
    synchronous = str(app.config["SQLITE_SYNCHRONOUS"]).upper()
    # FULL: commits as NORMAL, and write_transaction syncs the WAL after the lock (above).
    # NORMAL syncs only at checkpoints (the last commits may roll back); EXTRA is SQLite's.
    wal_sync = app.extensions[_WAL_SYNC] = WalSync() if synchronous == "FULL" else None
    pragma = "NORMAL" if wal_sync is not None else synchronous

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy's "begin" event emit BEGIN itself (pysqlite's own is deferred).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={busy_timeout}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA synchronous={pragma}")
        if wal_sync is not None:
            wal_sync.found(cursor.execute("PRAGMA database_list").fetchone()[2])
        # Deleted rows and freed pages are overwritten with zeros, not left in the file:
        # a submitted draft or a response moved by the mix (survey.mixing) leaves nothing.
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        immediate = connection.get_execution_options().get(_IMMEDIATE)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


class WalSync:
    """Flushes an SQLite database's WAL to disk (`fdatasync`) after a commit, outside the
    write lock; the folder too, the first time a WAL file is seen (its name must survive)."""

    def __init__(self):
        self.wal: Path | None = None  # None: an in-memory database, nothing to sync
        self._synced_inode: int | None = None

    def found(self, database_file: str) -> None:
        """The file a connection opened ("" for an in-memory database)."""
        if database_file and self.wal is None:
            self.wal = Path(f"{database_file}-wal")

    def sync(self) -> None:
        if self.wal is None:
            return
        try:
            descriptor = os.open(self.wal, os.O_RDONLY)
        except FileNotFoundError:  # checkpointed and removed: the checkpoint synced it all
            return
        try:
            # Every frame written so far, whoever wrote it (fsync where there is no
            # fdatasync, as on macOS).
            getattr(os, "fdatasync", os.fsync)(descriptor)
            inode = os.fstat(descriptor).st_ino
        finally:
            os.close(descriptor)
        if inode != self._synced_inode:
            folder = os.open(self.wal.parent, os.O_RDONLY)
            try:
                os.fsync(folder)
            finally:
                os.close(folder)
            self._synced_inode = inode


# Threads of one process queue here for SQLite's write lock instead of polling for it in
# SQLite's busy handler, which sleeps 1, 2, 5, 10 ms... between tries and so leaves the lock
# idle while writers sleep. Other processes still meet at the busy handler.
_sqlite_writers = threading.RLock()


@contextmanager
def write_transaction() -> Iterator[None]:
    """Run the block in one writing transaction: committed on success, rolled back on error."""
    session = db.session()
    if session.in_transaction():
        # Close the read snapshot so the write lock is taken before any read of this block.
        session.commit()
    serialize = session.get_bind().dialect.name == "sqlite"
    if serialize:
        timeout = current_app.config["SQLITE_BUSY_TIMEOUT_MS"] / 1000
        if not _sqlite_writers.acquire(timeout=timeout):
            raise TimeoutError("waited too long for the database's write lock")
    try:
        session.connection(execution_options={_IMMEDIATE: True})
        yield
        session.commit()
        g.wrote = True
    except BaseException:
        session.rollback()
        raise
    finally:
        if serialize:
            _sqlite_writers.release()
    wal_sync = current_app.extensions.get(_WAL_SYNC) if serialize else None
    if wal_sync is not None:
        wal_sync.sync()  # on disk before the caller answers; other writers go on meanwhile


@contextmanager
def migration_lock(connection) -> Iterator[None]:
    """Hold the lock that lets one `flask db upgrade` run at a time, on every host."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        connection.commit()
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"),
                               {"key": MIGRATION_LOCK_KEY})
            connection.commit()
        return
    database = make_url(str(connection.engine.url)).database
    if not database or database == ":memory:":
        yield
        return
    with Path(f"{database}.migrate-lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def insert_unless_exists(model, unique_column: str):
    """INSERT that does nothing when a row with the same `unique_column` exists; it returns
    the new row's key, or no row: one statement instead of a lookup and an insert. Pass the
    values when executing it; the statement itself is built once per dialect."""
    return _insert_unless_exists(db.session().get_bind().dialect.name, model, unique_column)


@functools.cache
def _insert_unless_exists(dialect: str, model, unique_column: str):
    module = sqlite if dialect == "sqlite" else postgresql
    return (module.insert(model).on_conflict_do_nothing(index_elements=[unique_column])
            .returning(model.__table__.primary_key.columns.values()[0]))
