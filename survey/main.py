"""The home page."""

from flask import Blueprint, render_template

from survey.i18n import survey_language
from survey.surveys import newest_definition, open_surveys

bp = Blueprint("main", __name__)


@bp.get("/")
def index():
    """The article's questions and the open surveys."""
    surveys = []
    for survey in open_surveys():
        definition = newest_definition(survey)
        surveys.append((survey, definition, survey_language(definition)))
    return render_template("main/index.html", surveys=surveys)
