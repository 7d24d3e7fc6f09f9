"""`flask --app app backup PATH` makes a consistent copy while responses come in; `restore`
puts it back; and `flask db upgrade` takes a lock, so that hosts can all run it as they start."""

import os
import sqlite3
import subprocess
import sys
import threading
import uuid

import sqlalchemy as sa
from sqlalchemy import func, select

from survey.extensions import db
from survey.models import Response, Survey
from survey.responses import submission_key
from tests.helpers.database import ON_POSTGRES, SECRET_KEY
from tests.helpers.factories import COMPLETE_ANSWERS
from tests.helpers.servers import ROOT, server_database, wait_until

SUBMIT = "/api/v1/surveys/test-survey/responses"


class Submitter(threading.Thread):
    """Submits responses through the API until stopped; remembers what was acknowledged."""

    def __init__(self, app):
        super().__init__(daemon=True)
        self.app, self.acknowledged, self.stopping = app, [], threading.Event()

    def run(self):
        client = self.app.test_client()
        while not self.stopping.is_set():
            submission_id = f"backup-{uuid.uuid4().hex}"
            response = client.post(SUBMIT, json={"submission_id": submission_id,
                                                 "answers": COMPLETE_ANSWERS})
            assert response.status_code == 201, response.text
            self.acknowledged.append(submission_id)


def stored_keys() -> set[str]:
    db.session.rollback()
    return set(db.session.scalars(select(Response.submission_key)))


def keys_in_backup(path, tmp_path, worker_id, where: str = "true") -> set[str]:
    """The submission keys a backup file holds (restored into a scratch database on
    PostgreSQL), of the responses `where` holds for."""
    query = f"SELECT submission_key FROM response WHERE {where}"  # noqa: S608 - the tests'
    if not ON_POSTGRES:
        with sqlite3.connect(path) as connection:
            return {row[0] for row in connection.execute(query)}
    scratch = server_database(tmp_path, worker_id, "backup_check")
    url = sa.make_url(scratch)
    subprocess.run(["pg_restore", "--no-owner", "--dbname", url.database, str(path)], check=True,
                   env={**os.environ, "PGHOST": url.host, "PGPORT": str(url.port),
                        "PGUSER": url.username, "PGPASSWORD": url.password})
    engine = sa.create_engine(scratch)
    with engine.connect() as connection:
        keys = set(connection.scalars(sa.text(query)))
    engine.dispose()
    return keys


def test_a_backup_taken_while_responses_come_in_holds_every_acknowledged_one(
        app, make_survey, tmp_path, worker_id):
    make_survey()
    survey = db.session.scalar(select(Survey))
    submitter = Submitter(app)
    submitter.start()
    try:
        wait_until(lambda: len(submitter.acknowledged) >= 20, timeout=120, what="responses")
        before = list(submitter.acknowledged)
        result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "site.backup")])
        wait_until(lambda: len(submitter.acknowledged) > len(before) + 5, timeout=120,
                   what="more responses")
    finally:
        submitter.stopping.set()
        submitter.join()
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"backup written to {tmp_path / 'site.backup'}")
    assert not (tmp_path / "site.backup.partial").exists()
    in_backup = keys_in_backup(tmp_path / "site.backup", tmp_path, worker_id)
    assert {submission_key(survey, s) for s in before} <= in_backup
    assert in_backup <= stored_keys()


def test_a_backup_is_taken_after_a_mix(app, make_survey, tmp_path, worker_id):
    make_survey()
    client = app.test_client()
    for number in range(3):
        assert client.post(SUBMIT, json={"submission_id": f"mixed-first-{number}",
                                         "answers": COMPLETE_ANSWERS}).status_code == 201
    backup = tmp_path / "site.backup"
    assert app.test_cli_runner().invoke(args=["backup", str(backup)]).exit_code == 0
    # pg_dump copies rows in their physical order: unmixed ones would lie in arrival order.
    assert len(keys_in_backup(backup, tmp_path, worker_id)) == 3
    assert keys_in_backup(backup, tmp_path, worker_id, where="unmixed") == set()


def test_restore_puts_the_backup_back(app, make_survey, tmp_path):
    make_survey()
    client = app.test_client()
    for number in range(3):
        assert client.post(SUBMIT, json={"submission_id": f"kept-response-{number}",
                                         "answers": COMPLETE_ANSWERS}).status_code == 201
    backup = tmp_path / "site.backup"
    assert app.test_cli_runner().invoke(args=["backup", str(backup)]).exit_code == 0
    kept = stored_keys()
    assert client.post(SUBMIT, json={"submission_id": "after-the-backup-1",
                                     "answers": COMPLETE_ANSWERS}).status_code == 201
    db.session.remove()
    result = app.test_cli_runner().invoke(args=["restore", "--yes", str(backup)])
    assert result.exit_code == 0, result.output
    assert "restored from" in result.output
    assert stored_keys() == kept
    db.session.rollback()
    assert db.session.scalar(select(func.count(Survey.id))) == 1


def test_backup_refuses_to_overwrite_and_restore_refuses_other_files(app, tmp_path):
    existing = tmp_path / "existing.backup"
    existing.write_text("something precious")
    result = app.test_cli_runner().invoke(args=["backup", str(existing)])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [f"error: {existing} exists already; "
                                                  "choose a new name"]
    assert existing.read_text() == "something precious"
    result = app.test_cli_runner().invoke(args=["restore", "--yes", str(existing)])
    assert result.exit_code == 1
    assert result.output.startswith("error: ")
    assert "Traceback" not in result.output


# -- the migration lock ---------------------------------------------------------------------


def upgrade_process(uri: str) -> subprocess.Popen:
    env = {**os.environ, "RESONANZ_SQLALCHEMY_DATABASE_URI": uri,
           "RESONANZ_SECRET_KEY": SECRET_KEY}
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "db", "upgrade"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)


def heads(uri: str) -> list[str]:
    engine = sa.create_engine(uri)
    with engine.connect() as connection:
        versions = list(connection.scalars(sa.text("SELECT version_num FROM alembic_version")))
    engine.dispose()
    return versions


def test_hosts_upgrading_at_once_take_turns(tmp_path, worker_id):
    uri = server_database(tmp_path, worker_id, "upgrade")
    processes = [upgrade_process(uri) for _ in range(3)]
    outputs = [process.communicate(timeout=300)[0] for process in processes]
    assert [process.returncode for process in processes] == [0, 0, 0], outputs
    assert len(heads(uri)) == 1
    assert sum("Running upgrade  ->" in output for output in outputs) == 1  # one migrated


def test_an_upgrade_waits_for_the_lock(tmp_path, worker_id):
    uri = server_database(tmp_path, worker_id, "upgrade_wait")
    if ON_POSTGRES:
        from survey.database import MIGRATION_LOCK_KEY

        engine = sa.create_engine(uri)
        holder = engine.connect()
        holder.execute(sa.text("SELECT pg_advisory_lock(:k)"), {"k": MIGRATION_LOCK_KEY})

        def waiting():
            with engine.connect() as connection:
                return connection.scalar(sa.text(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND wait_event = 'advisory' AND datname = current_database()"))

        def release():
            holder.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": MIGRATION_LOCK_KEY})
            holder.close()
    else:
        import fcntl

        lock = open(f"{sa.make_url(uri).database}.migrate-lock", "a")  # noqa: SIM115
        fcntl.flock(lock, fcntl.LOCK_EX)

        def waiting():  # "N: -> FLOCK ADVISORY WRITE <pid> ...": that process waits
            with open("/proc/locks") as locks:
                return any(line.split()[1:3] == ["->", "FLOCK"]
                           and line.split()[5] == str(process.pid) for line in locks)

        def release():
            fcntl.flock(lock, fcntl.LOCK_UN)
            lock.close()

    process = upgrade_process(uri)
    try:
        wait_until(waiting, timeout=120, what="the upgrade to wait for the lock")
        assert process.poll() is None
    finally:
        release()
    output = process.communicate(timeout=300)[0]
    assert process.returncode == 0, output
    assert len(heads(uri)) == 1
    if ON_POSTGRES:
        engine.dispose()
