"""`flask --app app backup PATH` and `restore PATH`: a consistent copy while the site runs.

SQLite: `VACUUM INTO` reads one snapshot (WAL included, so nothing acknowledged is missed,
unlike a copy of the file) and writes a compact copy without the free pages in which
deleted rows could linger. PostgreSQL: `pg_dump --format=custom` in one snapshot, the rate
limiter's counters left out. Both write under a temporary name and rename when complete,
after a mix (`survey.mixing`), so that the copy holds no order of recent responses.
"""

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import make_url

from survey.extensions import db
from survey.mixing import mix

COUNTERS_TABLE = "rate_limit_counter"


class BackupError(RuntimeError):
    """A backup or restore could not be made; the message says why."""


def _database_url():
    return make_url(db.engine.url.render_as_string(hide_password=False))


def _sqlite_path() -> Path:
    return Path(_database_url().database)


def _pg_environment() -> dict[str, str]:
    """libpq's variables for the configured database: no password on the command line."""
    url = _database_url()
    values = {"PGHOST": url.host, "PGPORT": url.port, "PGUSER": url.username,
              "PGPASSWORD": url.password, "PGDATABASE": url.database}
    return {**os.environ, **{k: str(v) for k, v in values.items() if v is not None}}


def _run(command: list[str]) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is not installed (Debian: postgresql-client)")
    done = subprocess.run(command, env=_pg_environment(), capture_output=True, text=True,  # noqa: S603
                          check=False)
    if done.returncode != 0:
        lines = (done.stderr or done.stdout).strip().splitlines()
        raise BackupError(f"{command[0]} failed: {lines[-1] if lines else done.returncode}")


def _sync(path: Path) -> None:
    with path.open("rb") as handle:
        os.fsync(handle.fileno())
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def check_sqlite_backup(path: Path) -> None:
    """Refuse a file that is not an intact SQLite database of this site."""
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            [result] = connection.execute("PRAGMA integrity_check").fetchone()
            has_schema = connection.execute(
                "SELECT 1 FROM sqlite_master WHERE name = 'alembic_version'").fetchone()
        finally:
            connection.close()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path} is not an SQLite database ({error})") from None
    if result != "ok" or not has_schema:
        raise BackupError(f"{path} is not an intact backup of this site ({result})")


def make_backup(target: Path) -> str:
    """Write a consistent copy of the database to `target`; returns what was done."""
    if target.exists():
        raise BackupError(f"{target} exists already; choose a new name")
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    # A mix first: pg_dump copies rows in their physical order, so responses and
    # participations written since the last mix would lie in the copy in the order they came.
    mix(wait=True)
    if db.engine.dialect.name == "sqlite":
        source = sqlite3.connect(_sqlite_path(), timeout=30)
        try:
            source.execute("VACUUM INTO ?", (str(partial),))
        finally:
            source.close()
        check_sqlite_backup(partial)
        how = "SQLite VACUUM INTO"
    else:
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges",
              f"--exclude-table-data={COUNTERS_TABLE}", "--file", str(partial)])
        how = "pg_dump --format=custom"
    _sync(partial)
    partial.replace(target)
    _sync(target)
    return how


def restore_backup(source: Path) -> str:
    """Replace the database's contents by the backup at `source`; returns what was done."""
    if not source.is_file():
        raise BackupError(f"{source} is not a file")
    if db.engine.dialect.name == "sqlite":
        check_sqlite_backup(source)
        db.engine.dispose()
        backup = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        live = sqlite3.connect(_sqlite_path(), timeout=30)
        try:
            backup.backup(live)  # page by page under the live database's write lock
        finally:
            live.close()
            backup.close()
        how = "SQLite backup API"
    else:
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges",
              "--single-transaction", "--exit-on-error", "--dbname",
              _database_url().database, str(source)])
        how = "pg_restore --clean --single-transaction"
    # Frames are derived from the responses and rebuilt on the next release.
    shutil.rmtree(Path(current_app.instance_path) / "frames", ignore_errors=True)
    return how


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(path: Path):
    """Write a consistent copy of the database to PATH while the site runs."""
    try:
        how = make_backup(path)
    except BackupError as error:
        click.echo(f"error: {error}", err=True)
        raise SystemExit(1) from None
    click.echo(f"backup written to {path} ({how})")


@click.command("restore")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask before replacing the database.")
@with_appcontext
def restore_command(path: Path, yes: bool):
    """Replace the database by the backup at PATH (stop the servers first)."""
    if not yes:
        click.confirm(f"Replace everything in the database by {path}?", abort=True)
    try:
        how = restore_backup(path)
    except BackupError as error:
        click.echo(f"error: {error}", err=True)
        raise SystemExit(1) from None
    click.echo(f"restored from {path} ({how}); run `flask --app app db upgrade` if the "
               "backup is older than this code, then start the servers")
