"""Publishing: every declared finding of a survey computed at one moment, stored immutably."""

from pathlib import Path

from flask import current_app
from sqlalchemy import bindparam, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, load_only

from reports.charts import NARROW, chart_content, render_chart, same_picture
from reports.frame import FrameSource, FrameStore
from reports.models import Release
from reports.publication import publish_findings, release_view
from reports.rounding import rounding_base
from survey.database import write_transaction
from survey.definition.columns import finding_columns
from survey.definition.records import layout_digest
from survey.extensions import db
from survey.models import Survey
from survey.surveys import definition_of, newest_version


def frame_source(survey: Survey) -> FrameSource:
    """What the survey's frame is built from: its versions and newest definition."""
    version = newest_version(survey)
    definition = definition_of(version)
    digest = layout_digest(definition)
    return FrameSource(
        survey_id=survey.id,
        version_numbers={v.id: v.number for v in survey.versions},
        definition=definition,
        definition_hash=version.content_hash,
        coded_versions=tuple(v.id for v in survey.versions
                             if digest is not None and layout_digest(definition_of(v)) == digest),
    )


def frame_store(survey: Survey) -> FrameStore:
    """The survey's frame on disk, under the instance folder."""
    return FrameStore(Path(current_app.instance_path) / "frames" / survey.slug)


def current_frame(survey: Survey, *, findings_only: bool = False):
    """The survey's frame brought up to date (only new responses are read); with
    `findings_only`, only the metadata and the columns its findings read."""
    source = frame_source(survey)
    store = frame_store(survey)
    columns = finding_columns(source.definition) if findings_only else None
    with store.locked(), db.engine.connect() as connection:
        if connection.dialect.name != "sqlite":
            # One snapshot for every chunk: a mix moving a response to a new id between two
            # chunks would otherwise have it read twice or not at all.
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            store.update(connection, source)
        return source, store.load(source, columns=columns)


class ReleaseError(ValueError):
    """A release cannot be published now; the message says why."""


def publish_release(survey: Survey) -> Release:
    """Compute, protect and chart every declared finding; store them as a new release.

    Two releases differing by a few responses would show, by subtraction, what those few
    answered: a new release needs at least DISCLOSURE_K responses newer than the last, its
    counts are rounded, and a finding whose difference from any earlier release would
    still disclose something is withheld from it (`reports.publication`).
    """
    source, frame = current_frame(survey, findings_only=True)
    previous = latest_release(survey)
    if previous is not None:
        newer = responses_since(previous, frame)
        needed = current_app.config["DISCLOSURE_K"]
        if newer < needed:
            raise ReleaseError(
                f"only {newer} responses arrived since release {previous.number}; a new "
                f"release needs at least {needed}, or it would show what those few answered")
    definition = source.definition
    k = current_app.config["DISCLOSURE_K"]
    settings = {"k": k, "min_publish_n": current_app.config["MIN_PUBLISH_N"],
                "rounding_base": rounding_base(k)}
    findings = publish_findings(frame, definition, k=k, min_publish_n=settings["min_publish_n"],
                                responses=len(frame), earlier=earlier_releases(survey))
    charts = _charts(findings, definition, previous.charts if previous is not None else {})
    versions = sorted({int(v) for v in frame["version"].unique()}) if len(frame) else []
    for _attempt in range(3):
        try:
            with write_transaction():
                number = (db.session.scalar(select(func.max(Release.number))
                                            .where(Release.survey_id == survey.id)) or 0) + 1
                release = Release(
                    survey_id=survey.id, number=number, responses=len(frame),
                    demo_responses=int(frame["is_demo"].sum()),
                    versions=versions, definition_hash=source.definition_hash,
                    settings=settings, findings=findings, charts=charts)
                db.session.add(release)
            return release
        except IntegrityError:
            continue  # another publisher took the number; take the next
    raise RuntimeError("could not number the release")


def responses_since(previous: Release, frame) -> int:
    """How many of the frame's responses came after the `previous` release. Ids are random
    and nothing stores when a response came, so counted: real responses are never deleted,
    so the growth of their count; and the growth of the demo responses' (a purge of demo
    data makes that negative, counted as none)."""
    demo = int(frame["is_demo"].sum())
    real = len(frame) - demo
    before_demo = previous.demo_responses
    before_real = previous.responses - before_demo
    return max(real - before_real, 0) + max(demo - before_demo, 0)


CHART_DRAWN = "_drawn"  # in a release's charts of a finding: what each language's chart shows


def narrow_key(language: str) -> str:
    """Where a release keeps a finding's chart for phones in `language` (beside the wide
    one under `language` itself)."""
    return f"{language}/{NARROW}"


def _charts(findings: list[dict], definition, previous: dict) -> dict:
    """The charts of the published findings: each language's SVG and what it was drawn from.
    A chart that would look the same as the previous release's (`same_picture`) is taken
    from it: drawing is most of what publishing again costs, and at many responses a few
    more rarely move a bar by a pixel."""
    charts = {}
    for result in findings:
        if not result["published"]:
            continue
        before = previous.get(result["finding_id"], {})
        entry, drawn = {}, {}
        for language in definition.languages:
            content = chart_content(result, definition, language)
            kept = before.get(CHART_DRAWN, {}).get(language)
            if same_picture(kept, content):
                entry.update({key: svg for key, svg in before.items()
                              if key in (language, narrow_key(language))})
                drawn[language] = kept
            else:
                svgs = render_chart(result, definition, language)
                entry[language], entry[narrow_key(language)] = svgs["wide"], svgs[NARROW]
                drawn[language] = content
        charts[result["finding_id"]] = {**entry, CHART_DRAWN: drawn}
    return charts


def earlier_releases(survey: Survey):
    """Every release of the survey as the audit reads it (`reports.audit.Published`)."""
    rows = db.session.execute(select(Release.findings, Release.responses, Release.settings)
                              .where(Release.survey_id == survey.id)
                              .order_by(Release.number))
    return [release_view(findings, responses, settings)
            for findings, responses, settings in rows]


def latest_release(survey: Survey) -> Release | None:
    """The newest release of a survey, or None."""
    return db.session.scalar(select(Release).where(Release.survey_id == survey.id)
                             .order_by(Release.number.desc()).limit(1))


def chosen_release_id(survey_id, number: int | None = None):
    """The id of release `number` of a survey (default: the latest) as a subquery;
    `survey_id` may be a column of an enclosing query."""
    other = aliased(Release)  # an enclosing query may select from Release itself
    statement = select(other.id).where(other.survey_id == survey_id)
    if number is None:
        return statement.order_by(other.number.desc()).limit(1).scalar_subquery()
    return statement.where(other.number == number).scalar_subquery()


def release_stamp_statement(*extra_columns, numbered: bool):
    """A statement giving (survey id, release id, release time, *extra_columns) for the
    survey :slug and its release :number (if `numbered`) or its latest; the release's
    columns are None when there is no such release, and no row when there is no such
    survey. With releases immutable, id and time tell whether a copy made earlier of
    anything shown from a release is still right. Made once, run with parameters."""
    chosen = chosen_release_id(Survey.id, bindparam("number") if numbered else None)
    return (select(Survey.id, Release.id, Release.created_at, *extra_columns)
            .select_from(Survey).outerjoin(Release, Release.id == chosen)
            .where(Survey.slug == bindparam("slug")))


def release_by_number(survey: Survey, number: int) -> Release | None:
    """One release of a survey by its number, or None."""
    return db.session.scalar(select(Release).where(Release.survey_id == survey.id,
                                                   Release.number == number))


def releases_of(survey: Survey) -> list[Release]:
    """Every release of a survey, newest first (their numbers and times: the other columns
    are loaded when read)."""
    return list(db.session.scalars(select(Release).where(Release.survey_id == survey.id)
                                   .options(load_only(Release.number, Release.created_at))
                                   .order_by(Release.number.desc())))


def surveys_with_releases() -> list[Survey]:
    """Surveys that have published findings, open or closed, by slug."""
    published = select(Release.survey_id)
    return list(db.session.scalars(select(Survey).where(Survey.id.in_(published))
                                   .order_by(Survey.slug)))
