"""Survey catalogue service: loading definitions as versions, finding the current one."""

import functools
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import bindparam, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager

from survey.caches import bounded_cache, database_key
from survey.database import write_transaction
from survey.definition import (
    DefinitionError,
    SurveyDefinition,
    content_hash,
    load_definition_file,
    parse_definition,
)
from survey.definition.compat import incompatibilities
from survey.extensions import db
from survey.models import Response, Survey, SurveyVersion


@dataclass(frozen=True)
class LoadResult:
    """What loading a definition did."""

    slug: str
    version: int
    created: bool


def load_survey_file(path: str | Path) -> LoadResult:
    """Load a definition file: a new version if its content changed, else nothing (idempotent)."""
    definition = load_definition_file(path)
    return store_definition(definition, source_name=Path(path).name)


def store_definition(definition: SurveyDefinition, source_name: str) -> LoadResult:
    """Store a validated definition as the survey's newest version unless it is already stored."""
    digest = content_hash(definition)
    with write_transaction():
        survey = db.session.scalar(select(Survey).where(Survey.slug == definition.slug))
        if survey is None:
            survey = Survey(slug=definition.slug)
            db.session.add(survey)
            db.session.flush()
        existing = db.session.scalar(select(SurveyVersion).where(
            SurveyVersion.survey_id == survey.id, SurveyVersion.content_hash == digest))
        if existing is not None:
            return LoadResult(survey.slug, existing.number, created=False)
        problems = []
        for version in survey.versions:
            problems += incompatibilities(definition_of(version), definition)
        if problems:
            raise DefinitionError([f"{source_name}: {m}" for m in dict.fromkeys(problems)])
        number = len(survey.versions) + 1
        db.session.add(SurveyVersion(
            survey=survey, number=number, content_hash=digest, source_name=source_name,
            definition=definition.model_dump(mode="json", by_alias=True),
        ))
    return LoadResult(definition.slug, number, created=True)


class SurveyExists(ValueError):
    """A new survey was to be stored under a slug that is taken."""


def create_survey(definition: SurveyDefinition, source_name: str, *,
                  is_open: bool = False) -> LoadResult:
    """Store a definition as the first version of a new survey (closed unless said otherwise)."""
    taken = SurveyExists(f"a survey {definition.slug!r} exists already; choose another slug")
    try:
        with write_transaction():
            if find_survey(definition.slug) is not None:
                raise taken
            survey = Survey(slug=definition.slug, is_open=is_open)
            db.session.add(survey)
            db.session.add(SurveyVersion(
                survey=survey, number=1, content_hash=content_hash(definition),
                source_name=source_name[:300],
                definition=definition.model_dump(mode="json", by_alias=True)))
    except IntegrityError:  # the same slug stored at the same moment (PostgreSQL)
        raise taken from None
    return LoadResult(definition.slug, 1, created=True)


def accepts_responses(is_open: bool, definition: SurveyDefinition) -> bool:
    """Whether a survey takes answers now: open, and within its dates where it has them."""
    return is_open and definition.is_within_dates(datetime.now(UTC))


def find_survey(slug: str) -> Survey | None:
    """The survey with this slug, or None."""
    return db.session.scalar(select(Survey).where(Survey.slug == slug))


def newest_version(survey: Survey) -> SurveyVersion:
    """The survey's newest version: the one new respondents are given."""
    return survey.versions[-1]


def newest_definition(survey: Survey) -> SurveyDefinition:
    """The parsed definition of the survey's newest version."""
    return definition_of(newest_version(survey))


@dataclass(frozen=True)
class VersionRef:
    """What answering through the API needs of a survey's newest version; plain data, so it
    can be kept between requests (see `newest_version_ref`)."""

    survey_slug: str
    is_open: bool
    id: int
    number: int
    content_hash: str


def definition_of(version: SurveyVersion | VersionRef) -> SurveyDefinition:
    """The parsed definition of a version, given as a row or a reference (kept for the life
    of the process: versions never change)."""
    key = (version.id, version.content_hash)
    parsed = _definitions.get(key)
    if parsed is None:
        if isinstance(version, VersionRef):
            version = db.session.get(SurveyVersion, version.id)
        # Only now load the (deferred) document.
        parsed = _definitions.put(key, parse_definition(version.definition,
                                                        f"version {version.id}"))
    return parsed


_definitions = bounded_cache("parsed definitions", 256)
# (database, slug) → (time read, newest version). Answering looks the survey up on every
# submission; a process keeps what it read for SURVEY_CACHE_SECONDS, so closing a survey or
# loading a new version reaches the API within that time.
_version_refs = bounded_cache("newest version references", 1024)


def newest_version_ref(slug: str) -> VersionRef | None:
    """The newest version of `slug` as plain data, read at most every SURVEY_CACHE_SECONDS."""
    key = (database_key(), slug)
    now = time.monotonic()
    cached = _version_refs.get(key)
    if cached is not None and now - cached[0] < current_app.config["SURVEY_CACHE_SECONDS"]:
        return cached[1]
    version = db.session.scalar(_newest_version_by_slug(), {"slug": slug})
    ref = None if version is None else VersionRef(
        version.survey.slug, version.survey.is_open, version.id, version.number,
        version.content_hash)
    _version_refs.put(key, (now, ref))
    return ref


@functools.cache
def _newest_version_by_slug():
    """The newest version of the survey `:slug` with its survey, in one query (no load of
    every version as `survey.versions` does); built once, it runs on every API submission."""
    return (select(SurveyVersion).join(SurveyVersion.survey)
            .where(Survey.slug == bindparam("slug"))
            .options(contains_eager(SurveyVersion.survey))
            .order_by(SurveyVersion.number.desc()).limit(1))


@dataclass(frozen=True)
class SurveySummary:
    slug: str
    versions: int
    responses: int
    is_open: bool
    is_archived: bool = False


def survey_summaries() -> list[SurveySummary]:
    """Every survey with its number of versions and responses."""
    responses = dict(db.session.execute(
        select(SurveyVersion.survey_id, func.count(Response.id))
        .join(Response, Response.survey_version_id == SurveyVersion.id)
        .group_by(SurveyVersion.survey_id)).all())
    return [
        SurveySummary(s.slug, len(s.versions), responses.get(s.id, 0), s.is_open, s.is_archived)
        for s in db.session.scalars(select(Survey).order_by(Survey.slug))
    ]


def set_survey_open(slug: str, is_open: bool) -> Survey | None:
    """Open or close a survey for responses; None if there is no such survey."""
    with write_transaction():
        survey = find_survey(slug)
        if survey is not None:
            survey.is_open = is_open
    return survey


def open_surveys() -> list[Survey]:
    """Surveys that are open (whatever their dates), by slug."""
    return list(db.session.scalars(select(Survey).where(Survey.is_open).order_by(Survey.slug)))


def surveys_taking_answers() -> list[Survey]:
    """Open surveys within their dates: those a respondent can answer now, by slug."""
    return [survey for survey in open_surveys() if survey.versions
            and accepts_responses(True, newest_definition(survey))]
