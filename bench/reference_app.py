"""The bare reference for the submission benchmark: Flask + Flask-SQLAlchemy, one row per body.

It parses the same JSON body, stores it as one row and answers 201, with the
same SQLite tuning as Resonanz (WAL, synchronous=NORMAL, busy_timeout) so that
the ratio measures what Resonanz does per response, not the journal mode.
Served as ``gunicorn "bench.reference_app:create_app()"`` with the database file
in ``BENCH_REFERENCE_DATABASE``.
"""

import os
from typing import Any

from flask import Flask, jsonify, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import JSON, event
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

DATABASE_ENV = "BENCH_REFERENCE_DATABASE"
TABLE = "submission"


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class Submission(db.Model):
    __tablename__ = TABLE
    id: Mapped[int] = mapped_column(primary_key=True)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)


def _tune_sqlite(dbapi_connection, _record):
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def create_app(database: str | None = None) -> Flask:
    """The reference app storing into the SQLite file `database` (default: from the env)."""
    app = Flask(__name__)
    path = database or os.environ[DATABASE_ENV]
    app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{path}"
    db.init_app(app)
    with app.app_context():
        event.listen(db.engine, "connect", _tune_sqlite)

    @app.get("/health")
    def health():
        return jsonify(status="ok")

    @app.post("/api/v1/surveys/<slug>/responses")
    def submit(slug):
        body = request.get_json()
        db.session.add(Submission(body=body))
        db.session.commit()
        return jsonify(status="stored", submission_id=body.get("submission_id"), survey=slug), 201

    return app


def create_database(database: str) -> None:
    """Create the reference table (before gunicorn starts, so workers never race to do it)."""
    app = create_app(database)
    with app.app_context():
        db.create_all()
        db.engine.dispose()
