"""Command line: `flask --app app demo-data ...` and `flask --app app release ...`."""

import click
import numpy as np
from flask.cli import AppGroup

from reports.demo import generate, insert_demo_responses, purge_demo_responses
from reports.releases import publish_release
from survey.surveys import current_version, definition_of, get_survey

release_cli = AppGroup("release", help="Publish findings in releases.")


def _survey_or_fail(slug):
    survey = get_survey(slug)
    if survey is None or not survey.versions:
        raise click.ClickException(f"there is no survey {slug!r}; see `survey list`")
    return survey


@click.command("demo-data")
@click.argument("slug")
@click.option("--responses", "count", type=click.IntRange(1, 10_000_000), default=1000,
              show_default=True, help="How many demo responses to add.")
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--purge", is_flag=True, help="Remove the survey's demo responses instead.")
def demo_data_command(slug, count, seed, purge):
    """Add plausible synthetic responses marked as demo data (or --purge them)."""
    survey = _survey_or_fail(slug)
    if purge:
        removed = purge_demo_responses(survey)
        click.echo(f"{slug}: removed {removed} demo responses")
        return
    version = current_version(survey)
    definition = definition_of(version)
    rng = np.random.default_rng(seed + 1)
    with click.progressbar(length=count, label=f"{slug}: demo responses") as bar:
        for batch in generate(definition, count, seed):
            insert_demo_responses(version, batch, rng)
            bar.update(len(batch))
    click.echo(f"{slug}: added {count} demo responses (seed {seed})")


@release_cli.command("publish")
@click.argument("slug")
def publish_command(slug):
    """Compute every declared finding now and store it as a new, immutable release."""
    survey = _survey_or_fail(slug)
    release = publish_release(survey)
    published = sum(1 for f in release.findings if f["published"])
    click.echo(f"{slug}: release {release.number} from {release.responses} responses; "
               f"{published} of {len(release.findings)} findings published")
