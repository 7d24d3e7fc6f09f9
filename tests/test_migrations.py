"""Migrations: the head matches the models, the accounts-and-flags migration goes down and up
again, and marks flags raised before a moderator's decision as reviewed."""

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from app import create_app
from survey.extensions import db
from tests.helpers.database import DATABASE_URI, ON_POSTGRES, SECRET_KEY, new_postgres_database

REVISION, BEFORE = "c4d8e2f1a7b3", "b7e5a1c93d20"


@pytest.fixture
def empty_database(tmp_path, worker_id):
    """A database of its own, not migrated (the suite's own are in use by other tests)."""
    if not ON_POSTGRES:
        yield f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
        return
    url = sa.make_url(DATABASE_URI)
    yield new_postgres_database(f"{url.database}_migrations_{worker_id}")


@pytest.fixture
def migrating_app(empty_database, tmp_path):
    app = create_app({"TESTING": True, "SECRET_KEY": SECRET_KEY,
                      "SQLALCHEMY_DATABASE_URI": empty_database})
    app.instance_path = str(tmp_path)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def differences() -> list:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"render_as_batch": True})
        return compare_metadata(context, db.metadata)


def test_the_head_matches_the_models_and_goes_down_and_up_again(migrating_app):
    upgrade()
    assert differences() == []
    downgrade(revision=BEFORE)
    upgrade()
    assert differences() == []


def at(hour: int) -> datetime:
    return datetime(2026, 12, 1, hour, tzinfo=UTC)


def test_flags_raised_before_a_decision_are_marked_reviewed(migrating_app):
    upgrade(revision=BEFORE)
    rows = {
        "user": [{"id": n, "email": f"u{n}@example.org", "password_hash": "x", "role": "member",
                  "created_at": at(0)} for n in (1, 2, 3)],
        "survey": [{"id": 1, "slug": "s", "is_open": True, "created_at": at(0)}],
        "comment": [{"id": 1, "survey_id": 1, "finding_id": "f", "release_number": 1,
                     "author_id": 1, "depth": 1, "body": "b", "body_html": "b",
                     "status": "visible", "under_review": False, "created_at": at(1),
                     "reply_count": 0}],
        "flag": [{"id": 1, "comment_id": 1, "user_id": 2, "reason": "spam", "created_at": at(2)},
                 {"id": 2, "comment_id": 1, "user_id": 3, "reason": "spam", "created_at": at(4)}],
        "moderation_action": [{"id": 1, "actor_id": 1, "action": "restore", "comment_id": 1,
                               "member_id": 1, "created_at": at(3)}],
    }
    metadata = sa.MetaData()
    metadata.reflect(db.engine)
    with db.engine.begin() as connection:
        for table, values in rows.items():
            connection.execute(metadata.tables[table].insert(), values)
    upgrade()
    with db.engine.connect() as connection:
        reviewed = dict(connection.execute(sa.text("SELECT id, reviewed_at FROM flag")).all())
    assert reviewed[2] is None
    assert str(reviewed[1]).startswith("2026-12-01 03:00")
