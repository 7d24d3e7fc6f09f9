"""The rate limiter's shared storage: counts in the database by default (one count for all
processes), and a 503 with Retry-After for limited posts when the storage is down."""

import logging
import socket
import time

import pytest
import sqlalchemy as sa

from app import create_app
from survey.definition import parse_definition
from survey.extensions import db, limiter
from survey.ratelimits import DatabaseStorage
from survey.surveys import store_definition
from tests.helpers.accounts import post_login
from tests.helpers.clients import isolated_client
from tests.helpers.database import ON_POSTGRES, SECRET_KEY
from tests.helpers.discussion import cheap_passwords, make_member
from tests.helpers.factories import COMPLETE_ANSWERS, survey_document

SUBMIT = "/api/v1/surveys/test-survey/responses"


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_default_storage_is_shared_by_the_database(database_uri):
    application = create_app({"SECRET_KEY": SECRET_KEY, "SQLALCHEMY_DATABASE_URI": database_uri})
    uri = application.config["RATELIMIT_STORAGE_URI"]
    if ON_POSTGRES:
        assert uri == database_uri
    else:
        assert uri == f"sqlite:///{application.instance_path}/ratelimits.sqlite3"
    assert isinstance(limiter.storage, DatabaseStorage)
    with application.app_context():
        db.engine.dispose()


def test_two_storages_on_one_database_share_their_counts(app, tmp_path):
    uri = (app.config["SQLALCHEMY_DATABASE_URI"] if ON_POSTGRES
           else f"sqlite:///{tmp_path / 'limits.sqlite3'}")
    first, second = DatabaseStorage(uri), DatabaseStorage(uri)  # as two processes would
    first.reset()
    assert [first.incr("k", 60), second.incr("k", 60), first.incr("k", 60)] == [1, 2, 3]
    assert second.get("k") == 3
    assert 0 < second.get_expiry("k") - time.time() <= 120  # the window ends on a minute
    assert second.get_expiry("k") % 60 == 0
    # A window that has ended starts again at one, and ended windows are deleted.
    assert first.incr("ended", -1) == 1 and first.incr("ended", 60) == 1
    first.incr("gone", -1)
    first.incr("other", 60)
    with first._engine.connect() as connection:
        keys = set(connection.scalars(sa.text("SELECT key FROM rate_limit_counter")))
    assert "gone" not in keys and {"k", "ended", "other"} <= keys
    second.clear("k")
    assert first.get("k") == 0
    assert first.check() and second.check()
    first.close()
    second.close()


def test_the_counter_table_is_unlogged_on_postgres(app):
    if not ON_POSTGRES:
        pytest.skip("PostgreSQL only: SQLite keeps the counters in a file of their own")
    persistence = db.session.scalar(sa.text(
        "SELECT relpersistence FROM pg_class WHERE relname = 'rate_limit_counter'"))
    assert persistence == "u"


@pytest.fixture
def down_app(database_uri, tmp_path, monkeypatch):
    """An app whose limit storage (a Redis) is not there."""
    cheap_passwords(monkeypatch)
    application = create_app({
        "TESTING": True, "SECRET_KEY": SECRET_KEY, "SQLALCHEMY_DATABASE_URI": database_uri,
        "WTF_CSRF_ENABLED": False, "SURVEY_CACHE_SECONDS": 0, "RATELIMIT_ENABLED": True,
        "PRIVACY_MIX_IN_BACKGROUND": False,  # no mixer thread outliving the test
        "RATELIMIT_STORAGE_URI": f"redis://127.0.0.1:{closed_port()}/0"})
    application.instance_path = str(tmp_path)
    with application.app_context():
        yield application
        db.session.remove()
        db.engine.dispose()
    limiter.init_app(create_app({"TESTING": True, "SECRET_KEY": SECRET_KEY,
                                 "SQLALCHEMY_DATABASE_URI": "sqlite://",
                                 "RATELIMIT_STORAGE_URI": "memory://"}))


def test_limited_posts_answer_503_while_the_limit_storage_is_down(down_app, caplog):
    store_definition(parse_definition(survey_document()), source_name="test.yaml")
    user = make_member("someone@example.org")
    caplog.set_level(logging.INFO)
    client = isolated_client(down_app)
    page = post_login(client, user.email)
    assert page.status_code == 503
    assert int(page.headers["Retry-After"]) > 0
    assert page.mimetype == "text/html" and "Temporarily unavailable" in page.text
    german = client.post("/login?lang=de", data={"email": user.email, "password": "x"})
    assert german.status_code == 503 and "Vorübergehend nicht verfügbar" in german.text
    api = client.post(SUBMIT, json={"submission_id": "down-submission-1",
                                    "answers": COMPLETE_ANSWERS})
    assert api.status_code == 503 and api.is_json
    assert api.get_json()["error"]["code"] == "service_unavailable"
    assert int(api.headers["Retry-After"]) > 0
    # Reading is never limited, so it goes on.
    assert client.get("/login").status_code == 200
    assert client.get("/api/v1/surveys/test-survey").status_code == 200
    lines = [r for r in caplog.records if "rate-limit storage unavailable" in r.getMessage()]
    assert len(lines) == 1, "one line per outage, not one per request"
    assert not [r for r in caplog.records if r.exc_info]
