"""The mix: erase the trail that pairs a participation with its response.

`submit_response` writes a response and its participations in one transaction, so that an
acknowledged response is never lost and one respondent cannot answer twice. That
transaction leaves a trail: on SQLite the WAL holds both rows in one commit's frames and
rows land in the file in the order they came; on PostgreSQL both rows carry the
transaction's id (`xmin`) and new rows are appended in the order they came (`ctid`).

A mix, in one transaction:

* gives every response written since the last mix (`unmixed`) a new random id, in a
  random order: on SQLite each row moves to the page of its new id; on PostgreSQL the rows
  are deleted and inserted again in random order, all with the mix's `xmin`;
* rewrites the whole participation table in key order (HMACs, so a random order): no
  participation keeps a place, page or `xmin` of its own;
* deletes expired drafts; on PostgreSQL the draft table is rewritten as well, so that
  dead copies of submitted drafts go with the old file.

Then, on SQLite, the WAL is checkpointed and truncated (`secure_delete` has zeroed
whatever was freed), and one small write makes the wal-index (`-shm`) forget the frames
before; on PostgreSQL the response table is vacuumed.

A full mix (`--full`, and once a day by the mixer) also rewrites every response: SQLite
runs VACUUM (the file rebuilt in key order), PostgreSQL copies the response table anew in
id order. Between full mixes the place of a response (SQLite) or its `xmin` (PostgreSQL)
can tell which mix wrote it, so within which few minutes it came, but never which
participation belongs to it.
"""

import fcntl
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import (
    bindparam,
    delete,
    func,
    insert,
    literal,
    literal_column,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError

from survey.database import write_transaction
from survey.extensions import db
from survey.models import Draft, MixState, Response, new_response_id

# A PostgreSQL advisory lock: one mixer at a time across every process and host.
_ADVISORY_KEY = 0x7265736F6D6978  # "resomix"
# A random 63-bit id in SQL (PostgreSQL 13+), for rows moved inside one statement.
_POSTGRES_NEW_ID = ("(('x' || substr(md5(gen_random_uuid()::text), 1, 16))::bit(64)::bigint"
                    " & 9223372036854775807)")
_ATTEMPTS = 3  # a new id that is taken already (once in billions) makes the mix try again


@dataclass(frozen=True)
class MixResult:
    """What one mix did."""

    responses: int  # responses given new ids
    participations: int  # participations rewritten
    drafts: int  # expired drafts deleted
    full: bool  # every response rewritten as well
    wal_truncated: bool  # SQLite: the WAL is empty (always True on PostgreSQL)
    seconds: float

    def summary(self) -> str:
        """One line for the log and the command line."""
        kind = "full mix" if self.full else "mix"
        wal = "" if self.wal_truncated else "; the WAL could not be truncated yet (readers)"
        return (f"{kind}: {self.responses} responses, {self.participations} participations, "
                f"{self.drafts} expired drafts in {self.seconds:.2f} s{wal}")


def unmixed_count() -> int:
    """How many responses wait for the next mix."""
    return db.session.scalar(select(func.count()).select_from(Response)
                             .where(Response.unmixed)) or 0


def today() -> date:
    """Today in UTC: the day stored with a response, and what a draft's expiry counts in."""
    return datetime.now(UTC).date()


def delete_expired_drafts(day: date | None = None) -> int:
    """Inside a write transaction: delete the drafts whose last day has passed."""
    result = db.session.execute(delete(Draft).where(Draft.expires_on < (day or today())))
    return result.rowcount or 0


def full_mix_due(hour: int | None, now: datetime | None = None) -> bool:
    """Whether today's full mix is due: past `hour` (UTC) and not yet run today."""
    if hour is None:
        return False
    now = now or datetime.now(UTC)
    if now.hour < hour:
        return False
    done = db.session.scalar(select(MixState.full_mixed_on).where(MixState.id == 1))
    return done is None or done < now.date()


def mix(*, full: bool = False, wait: bool = False,
        report: Callable[[str], None] | None = None) -> MixResult | None:
    """Run a mix now (a full one with `full`). When another process is mixing, wait for it
    with `wait`, else return None at once."""
    say = report or (lambda _message: None)
    began = time.perf_counter()
    sqlite = db.engine.dialect.name == "sqlite"
    with _held_alone(sqlite, wait) as alone:
        if not alone:
            return None
        counts = _mix_once(sqlite, full, wait, say)
        if counts is None:  # PostgreSQL: another host holds the lock
            return None
        truncated = True
        if sqlite and (any(counts) or full):
            if full:
                say("rebuilding the database file (VACUUM)")
                _sqlite_vacuum()
            say("checkpointing and truncating the WAL")
            truncated = _truncate_wal()
        elif not sqlite and (counts[0] or full):
            say("vacuuming the response table")
            _postgres_vacuum()
    return MixResult(*counts, full=full, wal_truncated=truncated,
                     seconds=time.perf_counter() - began)


def _mix_once(sqlite: bool, full: bool, wait: bool, say) -> tuple[int, int, int] | None:
    for attempt in range(1, _ATTEMPTS + 1):
        try:
            return _mix_sqlite(full, say) if sqlite else _mix_postgres(full, wait, say)
        except IntegrityError:
            if attempt == _ATTEMPTS:
                raise
    return None


@contextmanager
def _held_alone(sqlite: bool, wait: bool) -> Iterator[bool]:
    """One mix at a time. On SQLite an advisory lock on a file beside the database (the
    process's threads and other processes alike); PostgreSQL takes its advisory lock in the
    mix's transaction instead."""
    database = db.engine.url.database if sqlite else None
    if not database or database == ":memory:":
        yield True
        return
    lock_file = Path(f"{database}.mix-lock")
    with open(lock_file, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _mix_sqlite(full: bool, say) -> tuple[int, int, int]:
    with write_transaction():
        drafts = delete_expired_drafts()
        old_ids = list(db.session.scalars(select(Response.id).where(Response.unmixed)))
        participations = 0
        if old_ids:
            say(f"moving {len(old_ids)} responses to new ids")
            # Each UPDATE deletes the row (zeroed: secure_delete) and writes it at its new
            # id's place; the order of the moves is random, so is where each one lands.
            secrets.SystemRandom().shuffle(old_ids)
            db.session.execute(
                update(Response.__table__).where(Response.id == bindparam("old_id"))
                .values(id=bindparam("new_id"), unmixed=False),
                [{"old_id": old, "new_id": new_response_id()} for old in old_ids])
        if old_ids or full:
            say("rewriting the participations in key order")
            participations = _rewrite_participations(sqlite=True)
        if full:
            _record_full_mix()
    return len(old_ids), participations, drafts


def _mix_postgres(full: bool, wait: bool, say) -> tuple[int, int, int] | None:
    with write_transaction():
        if wait:
            db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_KEY})
        elif not db.session.scalar(text("SELECT pg_try_advisory_xact_lock(:key)"),
                                   {"key": _ADVISORY_KEY}):
            return None
        drafts = delete_expired_drafts()
        waiting = unmixed_count()
        if not (waiting or full):
            return 0, 0, drafts
        # Taken first and in this order, as a submit takes them, so that the two never wait
        # for each other in a circle; submits wait here for the rest of the mix.
        db.session.execute(text("LOCK TABLE participation, draft IN ACCESS EXCLUSIVE MODE"))
        say(f"moving {waiting} responses to new ids")
        moved = _move_unmixed_postgres()
        say("rewriting the participations in key order")
        participations = _rewrite_participations(sqlite=False)
        _rewrite_drafts_postgres()
        if full:
            say("rewriting every response in id order")
            _rewrite_responses_postgres()
            _record_full_mix()
    return moved, participations, drafts


def _move_unmixed_postgres() -> int:
    """Delete the unmixed responses and insert them again with new ids in random order,
    in one statement: every column kept but the id (and the flag)."""
    table = Response.__table__
    moved = delete(table).where(table.c.unmixed).returning(*table.c).cte("moved")
    columns = [
        literal_column(_POSTGRES_NEW_ID).label("id") if column.name == "id"
        else literal(False).label("unmixed") if column.name == "unmixed"
        else moved.c[column.name]
        for column in table.c
    ]
    statement = insert(table).from_select(
        [column.name for column in table.c],
        select(*columns).order_by(func.random())).returning(table.c.id)
    return len(db.session.execute(statement).all())


def _rewrite_participations(*, sqlite: bool) -> int:
    """Every participation again, in key order: a copy, the table emptied (SQLite frees and
    zeroes its pages; PostgreSQL's TRUNCATE gives it a new file), the copy put back."""
    db.session.execute(text(
        "CREATE TEMP TABLE mix_keys AS SELECT key FROM participation" if sqlite
        else "CREATE TEMP TABLE mix_keys ON COMMIT DROP AS SELECT key FROM participation"))
    db.session.execute(text("DELETE FROM participation" if sqlite else "TRUNCATE participation"))
    count = db.session.execute(text(
        "INSERT INTO participation (key) SELECT key FROM mix_keys ORDER BY key")).rowcount
    if sqlite:
        db.session.execute(text("DROP TABLE temp.mix_keys"))
    return count or 0


def _rewrite_drafts_postgres() -> None:
    """The open drafts in a new file: deleted ones (submitted, expired) stay behind in the
    old one as dead tuples otherwise, submission id and all."""
    db.session.execute(text("CREATE TEMP TABLE mix_drafts ON COMMIT DROP AS SELECT * FROM draft"))
    db.session.execute(text("TRUNCATE draft"))
    db.session.execute(text("INSERT INTO draft SELECT * FROM mix_drafts ORDER BY token_hash"))


def _rewrite_responses_postgres() -> None:
    db.session.execute(text("LOCK TABLE response IN ACCESS EXCLUSIVE MODE"))
    db.session.execute(text(
        "CREATE TEMP TABLE mix_responses ON COMMIT DROP AS SELECT * FROM response"))
    db.session.execute(text("TRUNCATE response"))
    db.session.execute(text("INSERT INTO response SELECT * FROM mix_responses ORDER BY id"))


def _record_full_mix() -> None:
    today = datetime.now(UTC).date()
    if db.session.execute(update(MixState).where(MixState.id == 1)
                          .values(full_mixed_on=today)).rowcount == 0:
        db.session.add(MixState(id=1, full_mixed_on=today))


@contextmanager
def _raw_sqlite() -> Iterator:
    """A cursor on a pooled connection, outside any transaction (VACUUM and checkpoints
    refuse to run inside one)."""
    connection = db.engine.raw_connection()
    try:
        cursor = connection.cursor()
        try:
            yield cursor
        finally:
            cursor.close()
    finally:
        connection.close()


def _end_reading() -> None:
    """End the session's read transaction, if any: no snapshot of ours may stand in the
    way of VACUUM or a truncating checkpoint."""
    session = db.session()
    if session.in_transaction():
        session.commit()


def _sqlite_vacuum() -> None:
    _end_reading()
    with _raw_sqlite() as cursor:
        cursor.execute("VACUUM")


# How long a truncating checkpoint may wait for readers, holding off writers meanwhile,
# and how often it tries: a reader with a long snapshot (an export, a publish) makes the
# truncation wait for the next check rather than hold up submissions.
_CHECKPOINT_WAIT_MS = 200
_CHECKPOINT_TRIES = 5


def _checkpoint_truncate() -> bool:
    """Copy the WAL into the database file (not blocking anyone), then truncate it to
    nothing, waiting a little for readers of older snapshots; whether that succeeded."""
    _end_reading()
    with _raw_sqlite() as cursor:
        cursor.execute(f"PRAGMA busy_timeout={_CHECKPOINT_WAIT_MS}")
        try:
            for attempt in range(_CHECKPOINT_TRIES):
                cursor.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                busy, _frames, _done = cursor.execute(
                    "PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
                if not busy:
                    return True
                time.sleep(_CHECKPOINT_WAIT_MS / 1000 * (attempt + 1))
            return False
        finally:
            timeout = int(current_app.config["SQLITE_BUSY_TIMEOUT_MS"])
            cursor.execute(f"PRAGMA busy_timeout={timeout}")


def _truncate_wal() -> bool:
    """The WAL truncated; then one small write and a second truncation, because the
    wal-index (-shm) keeps the page numbers of earlier frames until new frames reuse their
    slots. Whether the WAL is empty now."""
    if not _checkpoint_truncate():
        return False
    with write_transaction():
        if db.session.execute(update(MixState).where(MixState.id == 1)
                              .values(full_mixed_on=MixState.full_mixed_on)).rowcount == 0:
            db.session.add(MixState(id=1))
    return _checkpoint_truncate()


def _postgres_vacuum() -> None:
    """VACUUM the response table (the dead copies of moved rows), outside a transaction."""
    _end_reading()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM response"))
