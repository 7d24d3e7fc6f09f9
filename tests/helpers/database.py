"""Which database the suite runs on, and asserting what the database itself refuses."""

import os

import pytest
import sqlalchemy as sa
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


# 32 random bytes, hex: the production check refuses anything weaker, in tests too.
SECRET_KEY = "9c1f5e7a2b4d6083a1e9c7f25b3d48e06f2a9b1c7d3e5f4a8b6c0d2e1f3a5b7c"


def new_postgres_database(name: str) -> str:
    """The URI of a new, empty database `name` next to the suite's (dropped first if there)."""
    url = sa.make_url(DATABASE_URI)
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)
