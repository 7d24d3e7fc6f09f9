"""Liveness and readiness for load balancers and orchestrators: no login, no cookies.

`/healthz` says the process answers. `/readyz` says it can serve: the database answers,
its schema is at the newest migration, and the instance folder (frames, exports, the
SQLite database's neighbours) takes a write. Neither reads nor sets a cookie.
"""

import functools
import os
import tempfile
from pathlib import Path

from alembic.script import ScriptDirectory
from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from survey.extensions import db
from survey.outages import summary

bp = Blueprint("health", __name__)


@functools.cache
def migration_heads(directory: str) -> frozenset[str]:
    """The newest revisions of the migrations shipped with this code (read once)."""
    return frozenset(ScriptDirectory(directory).get_heads())


def _check_database() -> str | None:
    db.session.execute(text("SELECT 1"))
    return None


def _check_migrations() -> str | None:
    applied = set(db.session.scalars(text("SELECT version_num FROM alembic_version")))
    directory = str(Path(current_app.root_path) / "migrations")
    if applied != migration_heads(directory):
        return "the database is not at the newest migration: run flask db upgrade"
    return None


def _check_storage() -> str | None:
    with tempfile.NamedTemporaryFile(dir=current_app.instance_path, prefix=".ready-") as probe:
        probe.write(b"ready")
        probe.flush()
        os.fsync(probe.fileno())
    return None


CHECKS = {"database": _check_database, "migrations": _check_migrations,
          "storage": _check_storage}


def _rollback() -> None:
    try:
        db.session.rollback()
    except Exception:  # noqa: S110 - a dead connection; the pool replaces it
        pass


def _answer(body: dict, status: int, headers: dict | None = None):
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    response.headers.update(headers or {})
    return response


@bp.get("/healthz")
def healthz():
    """The process lives and answers."""
    return _answer({"status": "ok"}, 200)


@bp.get("/readyz")
def readyz():
    """Whether this process can serve: 200, or 503 naming what fails."""
    results = {}
    for name, check in CHECKS.items():
        try:
            problem = check()
        except Exception as error:  # any failure of a check is an answer here, not an error
            problem = summary(error)
            _rollback()
        results[name] = "ok" if problem is None else problem
    _rollback()
    if all(result == "ok" for result in results.values()):
        return _answer({"status": "ready", "checks": results}, 200)
    retry_after = str(int(current_app.config["OUTAGE_RETRY_AFTER_SECONDS"]))
    return _answer({"status": "unavailable", "checks": results}, 503,
                   {"Retry-After": retry_after})
