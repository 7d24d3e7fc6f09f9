"""Helpers shared by the API, concurrency, security and privacy tests."""

import contextvars
from html.parser import HTMLParser

import pytest
from flask.testing import FlaskClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app import create_app

# The answers a browser gives on each page of the factory survey (`tests.factories`);
# together they make the same response as COMPLETE_ANSWERS.
FACTORY_PAGES = {
    "first": {"consent": "y", "networks": ["xing", "linkedin", "other"],
              "networks__other": "Mastodon", "primary": "linkedin", "country": "de"},
    "second": {"activity__row__xing": "daily", "activity__row__linkedin": "rarely",
               "activity__row__other": "daily", "agree": "yes", "weekly": "7", "share": "12,5"},
    "third": {"future__rank__linkedin": "1", "future__rank__xing": "2",
              "future__rank__facebook": "3", "comment": "Interesting."},
}


class _FormInputs(HTMLParser):
    """The name and value of every <input> of a page."""

    def __init__(self):
        super().__init__()
        self.values: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "input" and attributes.get("name"):
            self.values.setdefault(attributes["name"], attributes.get("value") or "")


def input_values(html: str) -> dict[str, str]:
    """{name: value} of the inputs on a page (the first one of each name)."""
    parser = _FormInputs()
    parser.feed(html)
    return parser.values


def finish_factory_survey(client, slug="test-survey", pages=None):
    """Answer every page of the factory survey in a browser; returns the final POST's response."""
    pages = pages or FACTORY_PAGES
    response = None
    for _ in range(len(pages)):
        page = client.get(f"/s/{slug}")
        assert page.status_code == 200, page.text
        hidden = input_values(page.text)
        data = {**pages[hidden["page"]], "action": "next", "page": hidden["page"],
                "submission_id": hidden["submission_id"]}
        if "csrf_token" in hidden:
            data["csrf_token"] = hidden["csrf_token"]
        response = client.post(f"/s/{slug}", data=data)
        assert response.status_code == 302, response.text
    return response


def url_map_rules():
    """The URL rules of an app built as production builds it (for parametrizing at collection)."""
    app = create_app({"TESTING": True, "SECRET_KEY": "collection-only",
                      "SQLALCHEMY_DATABASE_URI": "sqlite://", "RATELIMIT_ENABLED": False})
    rules = list(app.url_map.iter_rules())
    with app.app_context():
        from survey.extensions import db

        db.engine.dispose()
    return rules


_ISOLATED: contextvars.ContextVar = contextvars.ContextVar("isolated_client", default=None)


class IsolatedClient(FlaskClient):
    """A test client whose every request gets a fresh app context, as in production.

    The `app` fixture (and pytest-flask) keep an app context pushed during a test, and
    Flask reuses it for test-client requests, so `g` carries over from one request to
    the next and from one client to another: Flask-Login's cached user, Flask-WTF's
    cached CSRF token. Running each request in an empty context avoids that.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # One empty context for all of this client's requests: empty, so the test's app
        # context is not seen; the same one, so Flask can close what a request left pushed.
        self._isolated = contextvars.Context()

    def _in_isolation(self, call, *args, **kwargs):
        if contextvars.copy_context().get(_ISOLATED) is self:  # a redirect being followed
            return call(*args, **kwargs)
        return self._isolated.run(self._marked, call, *args, **kwargs)

    def _marked(self, call, *args, **kwargs):
        _ISOLATED.set(self)
        return call(*args, **kwargs)

    def open(self, *args, **kwargs):
        return self._in_isolation(super().open, *args, **kwargs)

    def __exit__(self, *exc_info):
        return self._in_isolation(super().__exit__, *exc_info)


def isolated_client(app) -> IsolatedClient:
    """A browser of its own: own cookies, and nothing shared through `g`."""
    return IsolatedClient(app, app.response_class, use_cookies=True)


def assert_database_refuses(statement, params: dict | None = None, *, match: str) -> None:
    """The database itself (a trigger, not the ORM) refuses `statement` (SQL text or a
    statement), with an error matching `match`; the session is rolled back after."""
    from survey.extensions import db

    with pytest.raises(DBAPIError, match=match):
        db.session.execute(text(statement) if isinstance(statement, str) else statement,
                           params or {})
    db.session.rollback()
