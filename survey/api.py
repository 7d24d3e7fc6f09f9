"""JSON API v1: open surveys, their definitions, and complete responses."""

from flask import Blueprint, current_app, jsonify, request, url_for
from flask_babel import force_locale

from survey.definition.answers import check_answers
from survey.errors import ApiError
from survey.extensions import limiter
from survey.guards import survey_or_404
from survey.openapi import openapi_document
from survey.responses import SUBMISSION_ID, AlreadyAnswered, submit_response
from survey.surveys import (
    accepts_responses,
    definition_of,
    newest_version,
    newest_version_ref,
    surveys_taking_answers,
)

bp = Blueprint("api", __name__, url_prefix="/api")


def _submit_limit():
    return current_app.config["RATELIMIT_SUBMIT"]


def _summary(survey):
    version = newest_version(survey)
    definition = definition_of(version)
    return {
        "slug": survey.slug,
        "title": definition.title,
        "languages": definition.languages,
        "version": version.number,
        "url": url_for("api.survey_detail", slug=survey.slug, _external=True),
    }


@bp.get("/v1/surveys")
def surveys():
    """Open surveys."""
    return jsonify(surveys=[_summary(s) for s in surveys_taking_answers()])


@bp.get("/v1/surveys/<slug>")
def survey_detail(slug):
    """The current definition of a survey."""
    survey = survey_or_404(slug)
    version = newest_version(survey)
    is_open = accepts_responses(survey.is_open, definition_of(version))
    return jsonify({**_summary(survey), "is_open": is_open,
                    "definition": version.definition})


def _has_bad_characters(value) -> bool:
    """Whether any string in a JSON value (keys included) holds NUL or an unpaired surrogate."""
    pending = [value]  # a loop, not recursion: any nesting depth that parsed is fine here
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if _bad_string(item):
                return True
        elif isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
    return False


def _bad_string(text: str) -> bool:
    if "\x00" in text:
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _read_body() -> dict:
    if not request.is_json:
        raise ApiError(415, "unsupported_media_type", "Send the response as application/json.")
    try:
        body = request.get_json(silent=True)
    except RecursionError:  # nested too deeply for the JSON parser: not a response
        body = None
    if not isinstance(body, dict):
        raise ApiError(400, "bad_request", "The body must be a JSON object.")
    if _has_bad_characters(body):
        raise ApiError(400, "bad_request",
                       "Strings must not contain NUL characters or unpaired surrogates.")
    return body


def _check_envelope(body, definition):
    fields = {}
    unknown = sorted(set(body) - {"submission_id", "language", "answers"})
    for key in unknown:
        fields[key] = "Unknown field."
    submission_id = body.get("submission_id")
    if not isinstance(submission_id, str) or not SUBMISSION_ID.match(submission_id):
        fields["submission_id"] = ("Give a submission id of 8 to 100 letters, digits, "
                                   "'-' or '_', new for each response.")
    language = body.get("language", definition.languages[0])
    if language not in definition.languages:
        languages = ", ".join(definition.languages)
        fields["language"] = f"Use one of the survey's languages: {languages}."
    if not isinstance(body.get("answers"), dict):
        fields["answers"] = "Give the answers as an object keyed by question id."
    if fields:
        raise ApiError(422, "invalid_request", "The request is not a valid response.", fields)
    return submission_id, language


@bp.post("/v1/surveys/<slug>/responses")
@limiter.limit(_submit_limit)
def submit(slug):
    """Store one complete response; a repeated submission id stores nothing more."""
    version = newest_version_ref(slug)  # at most one query every SURVEY_CACHE_SECONDS
    if version is None:
        raise ApiError(404, "not_found", f"There is no survey {slug!r}.")
    definition = definition_of(version)
    if not accepts_responses(version.is_open, definition):
        raise ApiError(403, "closed", "This survey is not taking responses.")
    body = _read_body()
    submission_id, language = _check_envelope(body, definition)
    with force_locale(language):
        checked = check_answers(definition, body["answers"], language=language)
    if not checked.ok:
        fields = {f"answers.{key}": message for key, message in checked.errors.items()}
        raise ApiError(422, "invalid_answers", "Some answers are not valid.", fields)
    number = version.number
    try:
        outcome = submit_response(version, checked.answers, submission_id=submission_id,
                                  language=language, respondent_keys=[])
    except AlreadyAnswered:
        raise ApiError(409, "already_answered", "This survey has been answered already.") from None
    status = 200 if outcome.replay else 201
    return jsonify(status="already_stored" if outcome.replay else "stored",
                   submission_id=submission_id, survey=slug, version=number), status


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI description of this API."""
    return jsonify(openapi_document())
