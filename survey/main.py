"""The home page."""

from flask import Blueprint, render_template

from survey.definition import localize
from survey.i18n import survey_language
from survey.surveys import find_survey, newest_definition, surveys_taking_answers

bp = Blueprint("main", __name__)


def survey_title(survey_or_slug) -> str:
    """A survey's title in the page's language (its slug only if there is no such survey)."""
    survey = (find_survey(survey_or_slug) if isinstance(survey_or_slug, str)
              else survey_or_slug)
    if survey is None:
        return str(survey_or_slug)
    definition = newest_definition(survey)
    return localize(definition.title, survey_language(definition))


bp.record_once(lambda state: state.app.jinja_env.globals.update(survey_title=survey_title))


@bp.get("/")
def index():
    """The article's questions and the open surveys."""
    surveys = []
    for survey in surveys_taking_answers():
        definition = newest_definition(survey)
        surveys.append((survey, definition, survey_language(definition)))
    return render_template("main/index.html", surveys=surveys)
