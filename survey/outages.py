"""Outages: a database, disk or rate-limit storage that cannot serve answers 503, not 500.

Each process logs one line when an outage begins and one when it is over, never a
traceback per request. The lines name the kind and the driver's own message; never the
request, its address, path or parameters (a resume link carries a token in its path).
"""

import errno
import logging
import threading
import time

from flask import g
from limits.errors import StorageError
from sqlalchemy import exc as sa_exc

from survey.extensions import limiter

log = logging.getLogger("resonanz.outages")

DATABASE = "database"
DATABASE_WRITES = "database writes"
DISK = "disk"
LIMIT_STORAGE = "rate-limit storage"

# SQLite's and PostgreSQL's words for a database that can be read but not written.
_UNWRITABLE = ("readonly", "read-only", "disk is full", "disk i/o error", "no space left",
               "could not extend file", "could not write")
_UNWRITABLE_SQLSTATES = ("53", "25006", "58030")  # insufficient resources, read-only, I/O
_DISK_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EIO}


def outage_kind(error: BaseException | None) -> str | None:
    """Which outage `error` is a symptom of, or None for any other error (a bug: 500)."""
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        kind = _kind_of(error)
        if kind:
            return kind
        error = getattr(error, "original_exception", None) or error.__cause__
    return None


def _kind_of(error: BaseException) -> str | None:
    if isinstance(error, StorageError):
        return LIMIT_STORAGE
    if isinstance(error, sa_exc.DBAPIError):
        text = str(error.orig).lower()
        sqlstate = getattr(error.orig, "sqlstate", None) or ""
        if any(word in text for word in _UNWRITABLE) or sqlstate.startswith(
                _UNWRITABLE_SQLSTATES):
            return DATABASE_WRITES
        if isinstance(error, sa_exc.OperationalError | sa_exc.InterfaceError) or (
                error.connection_invalidated or sqlstate.startswith(("08", "57P"))):
            return DATABASE
        return None
    if isinstance(error, sa_exc.TimeoutError | TimeoutError):  # pool or write lock
        return DATABASE
    if isinstance(error, OSError) and error.errno in _DISK_ERRNOS:
        return DISK
    return None


def summary(error: BaseException) -> str:
    """The driver's first line of the error: no SQL, no parameters."""
    if isinstance(error, StorageError):
        error = error.storage_error
    inner = getattr(error, "orig", None) or error
    lines = str(inner).strip().splitlines()
    return f"{type(inner).__name__}: {lines[0][:200] if lines else ''}".rstrip(": ")


class Incidents:
    """The outages this process is seeing: one log line as each begins and as it ends."""

    def __init__(self):
        self._lock = threading.Lock()
        self._ongoing: dict[str, list] = {}  # kind -> [start (monotonic), requests refused]

    def failed(self, kind: str, error: BaseException) -> None:
        """A request met outage `kind`; the first since the last recovery is logged."""
        with self._lock:
            state = self._ongoing.get(kind)
            if state is not None:
                state[1] += 1
                return
            self._ongoing[kind] = [time.monotonic(), 1]
        log.error("%s unavailable (%s); answering 503 until it is back", kind, summary(error))

    def recovered(self, *kinds: str) -> None:
        """Requests of these kinds work again: log how long the outage lasted."""
        if not self._ongoing:
            return
        for kind in kinds:
            with self._lock:
                state = self._ongoing.pop(kind, None)
            if state is not None:
                log.warning("%s available again after %.0f s; %d requests were answered 503",
                            kind, time.monotonic() - state[0], state[1])

    def ongoing(self) -> list[str]:
        """The kinds of outage not over yet."""
        return sorted(self._ongoing)


incidents = Incidents()


def note_recovery(response):
    """after_request: a request that worked ends this process's outages of what it used."""
    if incidents.ongoing() and response.status_code < 500:
        incidents.recovered(DATABASE)
        if g.get("wrote"):
            incidents.recovered(DATABASE_WRITES, DISK)
        if limiter.current_limits:
            incidents.recovered(LIMIT_STORAGE)
    return response


def init_app(app):
    """Log the end of outages."""
    app.after_request(note_recovery)
