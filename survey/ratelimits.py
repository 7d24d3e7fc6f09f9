"""Rate limits shared by every process of the site: keys, and a database storage.

Where more than one process serves, counts must be shared, or each worker counts on its
own. By default the limiter therefore counts in a database: on PostgreSQL in the site's
own database (an UNLOGGED table), beside an SQLite database in a file of its own
(instance/ratelimits.sqlite3, so that counting never waits for the responses' write lock).
Redis works too (`RATELIMIT_STORAGE_URI=redis://...`).

Keys (survey.limitkeys) never hold an address or an email: a keyed hash of it, truncated,
that the storage forgets when its window ends. When the storage cannot be reached, a
limited request (every limit is on a form post) answers 503 with Retry-After; reading is
never limited.
"""

import math
import time
from pathlib import Path

import sqlalchemy as sa
from limits.storage import Storage
from sqlalchemy.dialects import postgresql, sqlite

from survey.models import RateLimitCounter

_COUNTERS = RateLimitCounter.__table__
# Windows end on whole minutes: a counter tells the minute of its first request, no finer.
_GRAIN = 60


def configure_storage(app) -> None:
    """Fill in RATELIMIT_STORAGE_URI (shared by default) and the storage's options."""
    uri = app.config.get("RATELIMIT_STORAGE_URI")
    if not uri:
        database = app.config["SQLALCHEMY_DATABASE_URI"]
        if database.startswith("sqlite"):
            uri = f"sqlite:///{Path(app.instance_path) / 'ratelimits.sqlite3'}"
        else:
            uri = database
        app.config["RATELIMIT_STORAGE_URI"] = uri
    options = app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", {})
    options.setdefault("wrap_exceptions", True)  # one kind of error to answer 503 for
    if uri.startswith(("redis", "rediss")):
        options.setdefault("socket_timeout", 2)
        options.setdefault("socket_connect_timeout", 2)


class DatabaseStorage(Storage):
    """Fixed-window counters in an SQL database (limits' storage interface)."""

    STORAGE_SCHEME = ["sqlite", "postgresql", "postgresql+psycopg"]

    def __init__(self, uri: str, wrap_exceptions: bool = False, **options):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self._sqlite = uri.startswith("sqlite")
        self._insert = (sqlite if self._sqlite else postgresql).insert
        engine_options = {"pool_pre_ping": True}
        if not self._sqlite:
            engine_options["connect_args"] = {"connect_timeout": 3}
        self._engine = sa.create_engine(uri, **engine_options)
        if self._sqlite:
            sa.event.listen(self._engine, "connect", _tune_sqlite)
        self._table_ready = False

    @property
    def base_exceptions(self):
        return sa.exc.SQLAlchemyError

    def _begin(self):
        if not self._table_ready:
            _COUNTERS.create(self._engine, checkfirst=True)
            self._table_ready = True
        return self._engine.begin()

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        ends = math.ceil((now + expiry) / _GRAIN) * _GRAIN if expiry > 0 else now + expiry
        ended = _COUNTERS.c.expires_at <= now
        statement = self._insert(_COUNTERS).values(key=key, count=amount, expires_at=ends)
        statement = statement.on_conflict_do_update(index_elements=["key"], set_={
            "count": sa.case((ended, amount), else_=_COUNTERS.c.count + amount),
            "expires_at": sa.case((ended, ends), else_=_COUNTERS.c.expires_at),
        }).returning(_COUNTERS.c.count)
        with self._begin() as connection:
            count = connection.execute(statement).scalar_one()
            # Forget every window that has ended (an index range: cheap).
            connection.execute(_COUNTERS.delete().where(_COUNTERS.c.expires_at <= now))
        return count

    def get(self, key: str) -> int:
        with self._begin() as connection:
            count = connection.execute(sa.select(_COUNTERS.c.count).where(
                _COUNTERS.c.key == key, _COUNTERS.c.expires_at > time.time())).scalar()
        return count or 0

    def get_expiry(self, key: str) -> float:
        with self._begin() as connection:
            expiry = connection.execute(sa.select(_COUNTERS.c.expires_at).where(
                _COUNTERS.c.key == key)).scalar()
        return expiry if expiry and expiry > time.time() else time.time()

    def check(self) -> bool:
        try:
            with self._begin() as connection:
                connection.execute(sa.text("SELECT 1"))
        except sa.exc.SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        with self._begin() as connection:
            return connection.execute(_COUNTERS.delete()).rowcount

    def close(self) -> None:
        """Close the storage's database connections."""
        self._engine.dispose()

    def clear(self, key: str) -> None:
        with self._begin() as connection:
            connection.execute(_COUNTERS.delete().where(_COUNTERS.c.key == key))


def _tune_sqlite(dbapi_connection, _record):
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA synchronous=OFF")  # a lost count after a power cut harms nobody
    cursor.execute("PRAGMA secure_delete=ON")  # deleted counters are overwritten, not left
    cursor.close()
