"""One error handler: JSON for the API, a page for browsers; 500 rolls back; an outage of
the database, the disk or the rate-limit storage is a 503 with Retry-After."""

from flask import current_app, g, jsonify, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

from survey.extensions import db, login_manager
from survey.outages import incidents, outage_kind

ERROR_TITLES = {
    400: _l("Bad request"),
    403: _l("Not allowed"),
    404: _l("Page not found"),
    405: _l("Method not allowed"),
    413: _l("Too much data"),
    415: _l("Unsupported data"),
    429: _l("Too many requests"),
    500: _l("Something went wrong"),
    503: _l("Temporarily unavailable"),
}
ERROR_TEXTS = {
    403: _l("You are not allowed to do this."),
    404: _l("There is nothing at this address. Check the link, or start from the home page."),
    405: _l("This address does not take this kind of request."),
    413: _l("What you sent is too large."),
    429: _l("You have sent too many requests. Please wait a little and try again."),
    500: _l("An error on our side stopped this request. Nothing was stored; please try again."),
    503: _l("The site cannot store or read data at the moment. Nothing was stored from this "
            "request; please try again in a minute."),
}


def error_title(code: int) -> str:
    """A short translated title for an HTTP status."""
    return str(ERROR_TITLES.get(code, _l("Error")))


def error_text(error: HTTPException) -> str:
    """A translated sentence for an error page (our own message where we gave one)."""
    own = getattr(error, "user_message", None)
    return own or str(ERROR_TEXTS.get(error.code, _l("The request could not be handled.")))


class ApiError(Exception):
    """An API error with a status, a machine-readable code and per-field messages."""

    def __init__(self, status: int, code: str, message: str, fields: dict | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.fields = status, code, message, fields or {}


def wants_json() -> bool:
    """Whether this request is the API's (and so gets JSON errors)."""
    return request.path.startswith("/api/")


def json_error(status: int, code: str, message: str, fields: dict | None = None, headers=None):
    """The API's error body: {"error": {"code", "message", "fields"}}."""
    body = jsonify(error={"code": code, "message": message, "fields": fields or {}})
    return body, status, headers or {}


def _code(error: HTTPException) -> str:
    return (error.name or "error").lower().replace(" ", "_").replace("'", "")


def handle_http_error(error: HTTPException):
    """Every HTTP error: JSON on the API, the error page elsewhere."""
    original = getattr(error, "original_exception", None)
    if error.code == 500 and outage_kind(original):
        return handle_outage(original)
    if error.response is not None:  # a page of the view's own (e.g. a refused comment, kept)
        return error.response
    headers = dict(error.get_headers())
    headers.pop("Content-Type", None)
    if wants_json():
        return json_error(error.code, _code(error), error.description, headers=headers)
    return render_template("errors/error.html", error=error), error.code, headers


def handle_csrf_error(error: CSRFError):
    """A missing or stale CSRF token: say so plainly and offer to go back."""
    error.user_message = _("This form has expired or did not come from this site. "
                          "Please go back, reload the page and try again.")
    return handle_http_error(error)


def handle_api_error(error: ApiError):
    return json_error(error.status, error.code, error.message, error.fields)


def handle_outage(error: BaseException):
    """The database, disk or limit storage is out: 503 with Retry-After, one log line per
    outage (not per request), and a page that needs neither the database nor the account."""
    incidents.failed(outage_kind(error), error)
    try:
        db.session.rollback()
    except Exception:  # noqa: S110 - the connection is gone; the pool replaces it
        pass
    g._login_user = login_manager.anonymous_user()  # the page must not load the account
    unavailable = ServiceUnavailable()
    retry_after = str(int(current_app.config["OUTAGE_RETRY_AFTER_SECONDS"]))
    headers = {"Retry-After": retry_after, "Cache-Control": "no-store"}
    if wants_json():
        return json_error(503, "service_unavailable", str(ERROR_TEXTS[503]), headers=headers)
    return render_template("errors/error.html", error=unavailable), 503, headers


def handle_unexpected_error(error: Exception):
    """A bug: undo the half-done transaction and answer 500 without details."""
    if outage_kind(error):
        return handle_outage(error)
    db.session.rollback()
    # The route's pattern, never the path: a resume link carries its token in the path.
    route = request.url_rule.rule if request.url_rule else "an unknown route"
    current_app.logger.exception("unhandled error on %s", route)
    if isinstance(error, HTTPException):
        return handle_http_error(error)
    return handle_http_error(InternalServerError())


def init_app(app):
    """Register the handlers and the error page's helpers."""
    app.jinja_env.globals.update(error_title=error_title, error_text=error_text)
    app.register_error_handler(ApiError, handle_api_error)
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(Exception, handle_unexpected_error)
