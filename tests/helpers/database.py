"""Which database the suite runs on, and asserting what the database itself refuses."""

import os

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

DATABASE_URI = os.environ.get("RESONANZ_SQLALCHEMY_DATABASE_URI", "")
ON_POSTGRES = DATABASE_URI.startswith("postgresql")


def assert_database_refuses(statement, params: dict | None = None, *, match: str) -> None:
    """The database itself (a trigger, not the ORM) refuses `statement` (SQL text or a
    statement), with an error matching `match`; the session is rolled back after."""
    from survey.extensions import db

    with pytest.raises(DBAPIError, match=match):
        db.session.execute(text(statement) if isinstance(statement, str) else statement,
                           params or {})
    db.session.rollback()
