"""An unusable database answers 503 with Retry-After (JSON on the API, a translated page
elsewhere) and one log line per outage; /healthz and /readyz; acknowledged commits are
synced (on SQLite by the app after each write transaction, survey.database)."""

import logging
import os
import socket
from pathlib import Path

import pytest
from sqlalchemy import text

from app import create_app
from survey.extensions import db
from survey.outages import DATABASE, DATABASE_WRITES, incidents
from tests.helpers.clients import isolated_client
from tests.helpers.database import ON_POSTGRES, SECRET_KEY
from tests.helpers.factories import COMPLETE_ANSWERS


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


UNREACHABLE = {
    "sqlite": lambda tmp: f"sqlite:///{tmp}/no/such/folder/resonanz.sqlite3",
    "postgresql": lambda tmp: f"postgresql+psycopg://nobody@127.0.0.1:{closed_port()}/none",
}


@pytest.fixture(params=sorted(UNREACHABLE))
def unreachable_app(request, tmp_path):
    application = create_app({
        "TESTING": True, "SECRET_KEY": SECRET_KEY, "RATELIMIT_STORAGE_URI": "memory://",
        "PRIVACY_MIX_IN_BACKGROUND": False,  # no mixer thread outliving the test
        "SQLALCHEMY_DATABASE_URI": UNREACHABLE[request.param](tmp_path)})
    application.instance_path = str(tmp_path)
    incidents.recovered(DATABASE)
    with application.app_context():
        yield application
        db.session.remove()
        db.engine.dispose()
    incidents.recovered(DATABASE)


def test_pages_answer_503_with_retry_after_when_the_database_is_unreachable(
        unreachable_app, caplog):
    caplog.set_level(logging.INFO)
    client = isolated_client(unreachable_app)
    page = client.get("/")
    assert page.status_code == 503
    assert page.headers["Retry-After"] == "10"
    assert page.mimetype == "text/html"
    assert "<h1>503 – Temporarily unavailable</h1>" in page.text
    german = client.get("/findings/?lang=de")
    assert german.status_code == 503
    assert '<html lang="de">' in german.text and "Vorübergehend nicht verfügbar" in german.text
    api = client.get("/api/v1/surveys")
    assert api.status_code == 503 and api.is_json
    assert api.get_json()["error"]["code"] == "service_unavailable"
    assert api.headers["Retry-After"] == "10"
    for _ in range(5):
        assert client.get("/s/some-survey/resume/secret-resume-token").status_code == 503
    lines = [r.getMessage() for r in caplog.records if "unavailable" in r.getMessage()]
    assert len(lines) == 1, lines
    assert lines[0].startswith("database unavailable (")
    assert not [r for r in caplog.records if r.exc_info], "no traceback per request"
    assert not [r for r in caplog.records if "secret-resume-token" in r.getMessage()]


def test_health_answers_while_readiness_names_the_database(unreachable_app):
    client = isolated_client(unreachable_app)
    assert client.get("/healthz").status_code == 200
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.headers["Retry-After"] == "10"
    checks = ready.get_json()["checks"]
    assert checks["database"] != "ok" and checks["storage"] == "ok"


def test_a_read_only_database_still_serves_reading_and_answers_503_to_writing(
        app, make_survey, database_uri, tmp_path, caplog):
    if ON_POSTGRES:
        pytest.skip("SQLite only: PostgreSQL's read-only mode is default_transaction_read_only")
    make_survey()
    path = database_uri.removeprefix("sqlite:///")
    read_only = create_app({
        "TESTING": True, "SECRET_KEY": SECRET_KEY, "RATELIMIT_STORAGE_URI": "memory://",
        "PRIVACY_MIX_IN_BACKGROUND": False,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///file:{path}?mode=ro&uri=true"})
    read_only.instance_path = str(tmp_path)
    caplog.set_level(logging.INFO)
    client = isolated_client(read_only)
    assert client.get("/api/v1/surveys/test-survey").status_code == 200
    for number in range(3):
        reply = client.post("/api/v1/surveys/test-survey/responses", json={
            "submission_id": f"read-only-{number}-abcdef", "answers": COMPLETE_ANSWERS})
        assert reply.status_code == 503 and int(reply.headers["Retry-After"]) > 0
    assert client.get("/").status_code == 200
    lines = [r.getMessage() for r in caplog.records if "unavailable" in r.getMessage()]
    assert len(lines) == 1 and lines[0].startswith("database writes unavailable (")
    with read_only.app_context():
        db.engine.dispose()
    incidents.recovered(DATABASE_WRITES)


def test_recovery_is_logged_once(app, caplog):
    caplog.set_level(logging.INFO)
    incidents.failed(DATABASE, RuntimeError("gone"))
    assert isolated_client(app).get("/").status_code == 200
    assert isolated_client(app).get("/").status_code == 200
    again = [r.getMessage() for r in caplog.records if "available again" in r.getMessage()]
    assert len(again) == 1 and again[0].startswith("database available again after")
    assert incidents.ongoing() == []


# -- health and readiness -------------------------------------------------------------------


def test_health_and_readiness_answer_without_login_or_cookies(app, make_user):
    client = isolated_client(app)
    for path in ("/healthz", "/readyz"):
        response = client.get(path)
        assert response.status_code == 200, response.text
        assert response.is_json
        assert response.headers["Cache-Control"] == "no-store"
        assert "Set-Cookie" not in response.headers
    assert client.get("/readyz").get_json() == {
        "status": "ready", "checks": {"database": "ok", "migrations": "ok", "storage": "ok"}}


def test_readiness_fails_when_migrations_are_not_current(app):
    db.session.execute(text("UPDATE alembic_version SET version_num = '4b21c9b99b4b'"))
    db.session.commit()
    ready = isolated_client(app).get("/readyz")
    assert ready.status_code == 503
    assert "flask db upgrade" in ready.get_json()["checks"]["migrations"]


def test_readiness_fails_when_storage_cannot_be_written(app, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the instance folder should be")
    app.instance_path = str(blocker)
    ready = isolated_client(app).get("/readyz")
    assert ready.status_code == 503
    checks = ready.get_json()["checks"]
    assert checks["storage"] != "ok" and checks["database"] == "ok"


# -- durability -----------------------------------------------------------------------------


def test_sqlite_syncs_every_commit_before_it_is_acknowledged(
        app, client, make_survey, database_uri, monkeypatch):
    if ON_POSTGRES:
        pytest.skip("SQLite only: PostgreSQL syncs commits by default (synchronous_commit)")
    make_survey()
    # SQLite commits without syncing (NORMAL); the app syncs the WAL after the write lock.
    assert db.session.scalar(text("PRAGMA synchronous")) == 1
    assert db.session.scalar(text("PRAGMA journal_mode")) == "wal"
    wal = Path(f"{database_uri.removeprefix('sqlite:///')}-wal")
    synced = []
    real_fdatasync = os.fdatasync

    def recording(descriptor):
        real_fdatasync(descriptor)
        synced.append((Path(os.readlink(f"/proc/self/fd/{descriptor}")),
                       os.fstat(descriptor).st_size))

    monkeypatch.setattr(os, "fdatasync", recording)
    reply = client.post("/api/v1/surveys/test-survey/responses", json={
        "submission_id": "synced-before-201", "answers": COMPLETE_ANSWERS})
    assert reply.status_code == 201
    # The WAL was synced, and held everything the submit wrote when it was.
    assert synced and synced[-1] == (wal, wal.stat().st_size)


def test_postgres_syncs_every_commit(app):
    if not ON_POSTGRES:
        pytest.skip("PostgreSQL only")
    assert db.session.scalar(text("SHOW synchronous_commit")) == "on"
