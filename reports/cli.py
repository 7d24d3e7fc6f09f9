"""Command line: `flask --app app demo-data ...`, `... release ...` and `... export ...`."""

from contextlib import ExitStack
from datetime import date

import click
import numpy as np
from flask.cli import AppGroup

from reports.demo import generate, insert_demo_responses, purge_demo_responses
from reports.export import FORMATS, TEXT_POLICIES, ExportError, run_export
from reports.releases import ReleaseError, publish_release
from survey.surveys import definition_of, find_survey, newest_version

release_cli = AppGroup("release", help="Publish findings in releases.")


def _survey_or_fail(slug):
    survey = find_survey(slug)
    if survey is None or not survey.versions:
        raise click.ClickException(f"there is no survey {slug!r}; see `survey list`")
    return survey


@click.command("demo-data")
@click.argument("slug")
@click.option("--responses", "count", type=click.IntRange(1, 10_000_000), default=1000,
              show_default=True, help="How many demo responses to add.")
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--days", type=click.IntRange(1, 3650), default=90, show_default=True,
              help="Spread the responses over this many days up to today.")
@click.option("--purge", is_flag=True, help="Remove the survey's demo responses instead.")
def demo_data_command(slug, count, seed, days, purge):
    """Add plausible synthetic responses marked as demo data (or --purge them)."""
    survey = _survey_or_fail(slug)
    if purge:
        removed = purge_demo_responses(survey)
        click.echo(f"{slug}: removed {removed} demo responses")
        return
    version = newest_version(survey)
    definition = definition_of(version)
    rng = np.random.default_rng(seed + 1)
    with click.progressbar(length=count, label=f"{slug}: demo responses") as bar:
        for batch in generate(definition, count, seed):
            insert_demo_responses(version, batch, rng, days)
            bar.update(len(batch))
    click.echo(f"{slug}: added {count} demo responses (seed {seed})")


@release_cli.command("publish")
@click.argument("slug")
def publish_command(slug):
    """Compute every declared finding now and store it as a new, immutable release."""
    survey = _survey_or_fail(slug)
    try:
        release = publish_release(survey)
    except ReleaseError as error:
        raise click.ClickException(str(error)) from None
    published = sum(1 for f in release.findings if f["published"])
    click.echo(f"{slug}: release {release.number} from {release.responses} responses; "
               f"{published} of {len(release.findings)} findings published")


@click.command("export")
@click.argument("slug")
@click.option("--format", "fmt", required=True, help=f"One of {', '.join(FORMATS)}.")
@click.option("--out", "out", required=True,
              help="The data file; <out>.codebook.json|md and <out>.disclosure.json|md "
                   "are written beside it.")
@click.option("--k", "k", type=int, default=5, show_default=True,
              help="Every combination of quasi-identifiers occurs at least k times.")
@click.option("--text", "text", default="drop", show_default=True,
              help="Free text: drop it, or scrub e-mails, URLs, phone numbers and handles.")
@click.option("--since", help="Only responses submitted on or after this day (YYYY-MM-DD).")
@click.option("--include-demo", is_flag=True, help="Include synthetic demo responses.")
@click.option("--max-suppression", type=float, default=0.0, show_default=True,
              help="Share of records that may be suppressed to generalize less.")
def export_command(slug, fmt, out, k, text, since, include_demo, max_suppression):
    """Write an anonymized export with its codebook and disclosure report."""
    if fmt not in FORMATS:
        raise click.ClickException(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if text not in TEXT_POLICIES:
        raise click.ClickException(f"unknown --text {text!r}; choose drop or scrub")
    try:
        since_day = date.fromisoformat(since) if since else None
    except ValueError:
        raise click.ClickException(f"--since {since!r} is not a day (YYYY-MM-DD)") from None
    survey = _survey_or_fail(slug)
    with ExitStack() as stack:
        bar = None

        def progress(done, total):
            nonlocal bar
            if bar is None:
                bar = stack.enter_context(click.progressbar(length=max(total, 1),
                                                            label=f"{slug}: export"))
            bar.update(done - bar.pos)

        try:
            result = run_export(survey, fmt, out, k=k, text=text, since=since_day,
                                include_demo=include_demo, max_suppression=max_suppression,
                                progress=progress)
        except ExportError as error:
            raise click.ClickException(str(error)) from None
    report = result.disclosure
    click.echo(f"{slug}: {result.rows} rows written to {result.data_path} "
               f"(k {report['k']['required']}, reached {report['k']['reached']}; "
               f"{report['records']['suppressed']} records suppressed); codebook and "
               "disclosure report beside it")
