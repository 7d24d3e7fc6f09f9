"""Test clients that behave like separate browsers."""

import contextvars

from flask.testing import FlaskClient

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
