"""The access log: one line a request, written by the app whatever server runs it.

Each line holds the method, the route's path template (`/s/<slug>/resume/<token>`, never
the path itself), the status and the duration. Never the client's address, user agent,
query string, cookies or a path: so the log cannot pair an address with a survey page, a
submission, a resume link or a thank-you page, and holds no token. The server's own
access log stays off (`survey.serving`); a proxy in front must keep to the same (README,
"Privacy by design").
"""

import logging
import sys
import time

from flask import g, has_request_context, request

log = logging.getLogger("resonanz.access")
_LOGGERS = "resonanz"  # the access log and the mixer's lines (resonanz.privacy)


def route_template() -> str:
    """The matched route's path template, or "-" (an unmatched path may hold anything)."""
    if not has_request_context() or request.url_rule is None:
        return "-"
    return request.url_rule.rule


def _started() -> None:
    g.access_started = time.perf_counter()


def _write_line(response):
    started = g.pop("access_started", None)
    duration = "-" if started is None else f"{(time.perf_counter() - started) * 1000:.1f}ms"
    log.info("%s %s %s %s", request.method, route_template(), response.status_code, duration)
    return response


def init_app(app) -> None:
    """Log requests (if ACCESS_LOG) and send the app's own log lines to standard error."""
    logger = logging.getLogger(_LOGGERS)
    logger.setLevel(logging.INFO)
    if not app.testing and not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s: %(message)s"))
        logger.addHandler(handler)
    if app.config["ACCESS_LOG"]:
        # Registered before the other extensions' hooks, so that their time counts too.
        app.before_request(_started)
        app.after_request(_write_line)
