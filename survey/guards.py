"""Checks that many views share: a survey or 404, no NUL in the address, plain numbers."""

from flask import abort, request

from survey.models import Survey
from survey.surveys import find_survey


def plain_int(text: str | None, max_digits: int = 9) -> int | None:
    """`text` as a number if it is plain ASCII digits, few enough for the database's integer;
    else None ("²".isdigit() is true, too)."""
    if text and text.isascii() and text.isdigit() and len(text) <= max_digits:
        return int(text)
    return None


def survey_or_404(slug: str) -> Survey:
    """The survey with this slug that has a version; 404 (JSON on the API) if there is none."""
    survey = find_survey(slug)
    if survey is None or not survey.versions:
        abort(404, description=f"There is no survey {slug!r}.")
    return survey


def refuse_nul_in_address():
    """before_request: no path segment or query argument may hold NUL. None is ever stored,
    and PostgreSQL refuses NUL even inside a query, so such a request is answered here."""
    if any("\x00" in str(value) for value in (request.view_args or {}).values()):
        abort(404)
    if any("\x00" in key + value for key, value in request.args.items(multi=True)):
        abort(400)


def init_app(app):
    """Guard every request."""
    app.before_request(refuse_nul_in_address)
