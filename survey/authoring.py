"""Authoring surveys from the admin pages: check a definition text against the format and
the current version, save it as a new survey or version, duplicate, archive, delete, and
set dates. The views only read forms and show what these functions say."""

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, exists, func, select
from sqlalchemy.exc import IntegrityError

from survey.database import write_transaction
from survey.definition import (
    DefinitionError,
    SurveyDefinition,
    parse_definition,
    parse_definition_text,
)
from survey.definition.changes import Change, describe_changes
from survey.definition.locating import PlacedProblem, line_of, placed_problems
from survey.definition.model import ALL_LANGUAGES
from survey.extensions import db
from survey.importing.service import definition_yaml
from survey.models import Draft, Response, Survey, SurveyVersion
from survey.surveys import (
    LoadResult,
    SurveyExists,
    create_survey,
    find_survey,
    newest_definition,
    store_definition,
)

SOURCE = "definition.yaml"


class AuthoringError(ValueError):
    """What an admin asked cannot be done; the message says why."""


@dataclass
class Checked:
    """A definition text checked: its problems (with lines), its changes against the
    current version, and the definition when it can be saved."""

    text: str
    definition: SurveyDefinition | None = None
    problems: list[PlacedProblem] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)

    @property
    def refused(self) -> list[Change]:
        """The changes the version check refuses."""
        return [change for change in self.changes if change.kind == "refused"]

    @property
    def ok(self) -> bool:
        """Whether the text can be saved as it is."""
        return self.definition is not None and not self.problems and not self.refused


def _plain(node):
    """A document with one-text-for-all-languages mappings written as plain strings."""
    if isinstance(node, dict):
        if set(node) == {ALL_LANGUAGES}:
            return node[ALL_LANGUAGES]
        return {key: _plain(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_plain(item) for item in node]
    return node


def definition_text(definition: SurveyDefinition) -> str:
    """A definition as the YAML an admin edits (and downloads)."""
    return definition_yaml(_plain(definition.model_dump(mode="json", by_alias=True,
                                                        exclude_none=True)))


def check_text(text: str, survey: Survey | None = None) -> Checked:
    """Check a YAML text as a new survey (`survey` None) or a new version of `survey`."""
    checked = Checked(text)
    checked.problems = placed_problems(text, SOURCE)
    if checked.problems:
        return checked
    definition = parse_definition_text(text, SOURCE)
    if survey is None:
        if find_survey(definition.slug) is not None:
            checked.problems.append(PlacedProblem("slug", _line_of_slug(text),
                                                  f"a survey {definition.slug!r} exists "
                                                  "already; choose another slug"))
            return checked
    else:
        if definition.slug != survey.slug:
            checked.problems.append(PlacedProblem(
                "slug", _line_of_slug(text), f"a new version keeps the slug {survey.slug!r}; "
                "to make a survey of its own, duplicate this one"))
            return checked
        checked.changes = describe_changes(newest_definition(survey), definition)
    checked.definition = definition
    return checked


def _line_of_slug(text: str) -> int | None:
    return line_of(text, "slug")


def save_survey(checked: Checked, survey: Survey | None = None) -> LoadResult:
    """Save a checked text: a new, closed survey, or a new version of `survey`."""
    if not checked.ok:
        raise AuthoringError("the definition has problems; check it first")
    try:
        if survey is None:
            return create_survey(checked.definition, SOURCE)
        return store_definition(checked.definition, SOURCE)
    except (SurveyExists, DefinitionError) as error:
        raise AuthoringError(str(error).splitlines()[0]) from None


def duplicate_survey(survey: Survey, new_slug: str) -> LoadResult:
    """A copy of the survey's current definition as a new, closed survey under `new_slug`."""
    document = newest_definition(survey).model_dump(mode="json", by_alias=True)
    document["slug"] = new_slug
    try:
        definition = parse_definition(document, "copy")
    except DefinitionError:
        raise AuthoringError("use 2 to 63 lowercase letters, digits and hyphens, starting "
                             "with a letter") from None
    try:
        return create_survey(definition, f"copy of {survey.slug}")
    except SurveyExists as error:
        raise AuthoringError(str(error)) from None


def archive_survey(survey: Survey) -> None:
    """Archive a survey: closed, left out of the lists; versions, responses, findings kept."""
    survey_id = survey.id
    with write_transaction():
        stored = db.session.get(Survey, survey_id)
        stored.is_open = False
        stored.is_archived = True


def response_count(survey: Survey) -> int:
    """How many responses the survey's versions hold."""
    return db.session.scalar(select(func.count(Response.id)).join(SurveyVersion).where(
        SurveyVersion.survey_id == survey.id)) or 0


def delete_survey(survey: Survey) -> None:
    """Delete a survey that has no responses, with its versions and unfinished drafts."""
    survey_id, slug = survey.id, survey.slug
    try:
        with write_transaction():
            versions = select(SurveyVersion.id).where(SurveyVersion.survey_id == survey_id)
            if db.session.scalar(select(exists().where(
                    Response.survey_version_id.in_(versions)))):
                raise AuthoringError(f"{slug!r} has responses; archive it instead")
            db.session.execute(delete(Draft).where(Draft.survey_version_id.in_(versions)))
            db.session.execute(delete(SurveyVersion).where(SurveyVersion.survey_id == survey_id))
            db.session.execute(delete(Survey).where(Survey.id == survey_id))
    except IntegrityError:  # releases, exports or comments still refer to it
        raise AuthoringError(f"{slug!r} has releases, exports or comments; archive it "
                             "instead") from None


def schedule_survey(survey: Survey, opens_at: datetime | None, closes_at: datetime | None,
                    closing_message: dict[str, str]) -> LoadResult:
    """A new version with these dates and closing message (empty texts: no message)."""
    document = newest_definition(survey).model_dump(mode="json", by_alias=True)
    document["opens_at"] = opens_at.isoformat() if opens_at else None
    document["closes_at"] = closes_at.isoformat() if closes_at else None
    texts = {language: text.strip() for language, text in closing_message.items()
             if text.strip()}
    document["closing_message"] = texts or None
    try:
        definition = parse_definition(
            {key: value for key, value in document.items() if value is not None}, "schedule")
    except DefinitionError as error:
        raise AuthoringError(error.messages[0].removeprefix("schedule: ")) from None
    checked = check_text(definition_text(definition), survey)
    return save_survey(checked, survey)
