"""Command line: `flask --app app survey ...` and `flask --app app user ...`."""

import json
import sys

import click
from flask.cli import AppGroup

from survey.definition import DefinitionError
from survey.mixing import mix
from survey.models import Role
from survey.surveys import load_survey_file, survey_summaries
from survey.users import AccountError, create_user

survey_cli = AppGroup("survey", help="Load and list surveys.")
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
        state = "open" if s.is_open else "closed"
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
