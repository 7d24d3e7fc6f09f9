"""Command line: `flask --app app survey ...` and `flask --app app user ...`."""

import json
import os
import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from survey.definition import DefinitionError
from survey.importing import ImportRefused, import_file
from survey.importing.safety import MAX_FILE_BYTES, refuse_large
from survey.mixing import mix
from survey.models import Role
from survey.surveys import (
    SurveyExists,
    create_survey,
    load_survey_file,
    set_survey_open,
    survey_summaries,
)
from survey.users import AccountError, create_user, end_all_sessions, find_user_by_email

survey_cli = AppGroup("survey", help="Load, import, list, open and close surveys.")
user_cli = AppGroup("user", help="Manage accounts.")
privacy_cli = AppGroup("privacy", help="Keep answers unlinkable from who gave them.")


@survey_cli.command("load")
@click.argument("paths", nargs=-1, required=True, type=click.Path(dir_okay=False))
def load_command(paths):
    """Load survey definition files (a changed file becomes a new version)."""
    failed = False
    for path in paths:
        try:
            result = load_survey_file(path)
        except DefinitionError as error:
            for message in error.messages:
                click.echo(f"error: {message}", err=True)
            failed = True
            continue
        state = "loaded as version" if result.created else "unchanged, still version"
        click.echo(f"{result.slug}: {state} {result.version}")
    if failed:
        sys.exit(1)


def _fail(message: str):
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


@survey_cli.command("import")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--slug", help="The new survey's slug (default: made of the source's name).")
@click.option("--dry-run", is_flag=True, help="Print the report; store nothing.")
def import_command(path, slug, dry_run):
    """Import an XLSForm or LimeSurvey file as a new, closed survey, and print the report."""
    try:
        with open(path, "rb") as file:
            refuse_large(os.fstat(file.fileno()).st_size)
            data = file.read(MAX_FILE_BYTES + 1)
        result = import_file(path, data, slug=slug)
    except OSError as error:
        _fail(f"{path}: cannot read the file: {error.strerror or error}")
    except ImportRefused as refused:
        _fail(f"{path}: {refused}")
    for line in result.report.lines():
        click.echo(line)
    if dry_run:
        click.echo(f"{result.definition.slug}: dry run, nothing stored")
        return
    try:
        create_survey(result.definition, source_name=Path(path).name)
    except SurveyExists as exists:
        _fail(f"{path}: {exists} (--slug)")
    click.echo(f"{result.definition.slug}: imported as version 1, closed; open it with "
               f"`flask --app app survey open {result.definition.slug}`")


def _set_open(slug, is_open):
    if not set_survey_open(slug, is_open):
        _fail(f"there is no survey {slug!r}")
    click.echo(f"{slug}: {'open' if is_open else 'closed'}")


@survey_cli.command("open")
@click.argument("slug")
def open_command(slug):
    """Open a survey for responses."""
    _set_open(slug, True)


@survey_cli.command("close")
@click.argument("slug")
def close_command(slug):
    """Close a survey: it takes no more responses."""
    _set_open(slug, False)


@survey_cli.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def list_command(as_json):
    """List surveys with their versions, responses and state."""
    summaries = survey_summaries()
    if as_json:
        click.echo(json.dumps([s.__dict__ for s in summaries], indent=2))
        return
    if not summaries:
        click.echo("no surveys; load one with `flask --app app survey load PATH`")
        return
    click.echo(f"{'slug':<30} {'versions':>8} {'responses':>10}  state")
    for s in summaries:
        state = "archived" if s.is_archived else "open" if s.is_open else "closed"
        click.echo(f"{s.slug:<30} {s.versions:>8} {s.responses:>10}  {state}")


@user_cli.command("create")
@click.option("--email", required=True)
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.MEMBER.value,
              show_default=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_user_command(email, role, password_stdin):
    """Create an account (the password is prompted twice unless read from stdin)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = create_user(email, password, Role(role))
    except AccountError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"created {user.role.value} {user.email}")


@privacy_cli.command("mix")
@click.option("--full", is_flag=True,
              help="Rewrite every response too (as the mixer does once a day).")
def mix_command(full):
    """Mix now: new ids for the responses since the last mix, the participations rewritten,
    the WAL truncated (see README, "Privacy by design")."""
    result = mix(full=full, wait=True, report=lambda step: click.echo(f"mix: {step}"))
    click.echo(result.summary())
    if not result.wal_truncated:
        raise click.ClickException("the WAL is not truncated yet: readers held it; run "
                                   "the mix again")


@user_cli.command("sign-out")
@click.option("--email", required=True)
def sign_out_command(email):
    """Sign an account out everywhere: every session and remember cookie ends."""
    user = find_user_by_email(email)
    if user is None:
        click.echo(f"error: there is no account {email!r}", err=True)
        sys.exit(1)
    end_all_sessions(user)
    click.echo(f"signed {user.email} out everywhere")
