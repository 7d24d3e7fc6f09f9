"""Security headers on every page: a Content-Security-Policy that allows no inline scripts,
no MIME sniffing, and a referrer policy; for every GET route of the URL map, errors included."""

import pytest

from survey.discussion.comments import post_comment
from survey.models import Role
from survey.surveys import find_survey
from tests.helpers.discussion import (
    FINDING,
    SLUG,
    browser_of,
    cheap_passwords,
    make_member,
    publish_demo_release,
)
from tests.helpers.urlmap import rule_url, url_map_rules

# Plausible values for URL arguments by name; anything else gets a plain value by converter.
URL_ARGUMENTS = {"slug": SLUG, "survey": SLUG, "finding_id": FINDING, "token": "dummy-token",
                 "filename": "style.css", "comment_id": 1, "member_id": 1, "user_id": 1,
                 "action": "approve"}
GET_RULES = sorted((rule for rule in url_map_rules() if "GET" in rule.methods),
                   key=lambda rule: rule.rule)
UNSAFE_SCRIPT_SOURCES = {"'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "*", "data:",
                         "http:", "https:", "blob:"}


def policy(header: str) -> dict[str, list[str]]:
    """A Content-Security-Policy as {directive: [sources]}."""
    directives = {}
    for part in header.split(";"):
        name, *sources = part.split()
        directives.setdefault(name.lower(), sources)
    return directives


def assert_security_headers(response, url):
    header = response.headers.get("Content-Security-Policy")
    assert header, (url, response.status_code)
    directives = policy(header)
    scripts = directives.get("script-src", directives.get("default-src"))
    assert scripts, (url, header)  # without either, any script would be allowed
    assert not UNSAFE_SCRIPT_SOURCES & set(scripts), (url, header)
    assert "'self'" in scripts or "'none'" in scripts, (url, header)
    assert directives.get("object-src") == ["'none'"], (url, header)
    assert directives.get("base-uri") in (["'none'"], ["'self'"]), (url, header)
    assert response.headers.get("X-Content-Type-Options") == "nosniff", url
    assert response.headers.get("Referrer-Policy") in ("no-referrer", "same-origin",
                                                       "strict-origin",
                                                       "strict-origin-when-cross-origin"), url


def test_get_routes_are_found():
    assert {rule.rule for rule in GET_RULES} >= {"/", "/findings/<slug>/<finding_id>",
                                                 "/moderation/", "/transparency", "/account"}


@pytest.fixture
def site(app, monkeypatch):
    """A published finding with a comment, and an admin."""
    cheap_passwords(monkeypatch)
    publish_demo_release()
    admin = make_member("admin@example.org", Role.ADMIN)
    post_comment(admin, find_survey(SLUG), FINDING, 1, "A *comment*")
    return admin


@pytest.mark.parametrize("rule", GET_RULES, ids=lambda rule: f"{rule.endpoint}:{rule.rule}")
def test_every_page_sends_the_security_headers(app, site, rule):
    url = rule_url(app, rule, URL_ARGUMENTS, method="GET")
    for client in (browser_of(app), browser_of(app, site)):
        response = client.get(url)
        response.close()  # a static file is streamed from an open file
        assert_security_headers(response, url)  # whatever the status


@pytest.mark.parametrize(("method", "url"), [
    ("GET", "/no-such-page"), ("GET", "/api/v1/no-such-thing"), ("POST", "/"),
    ("GET", "/findings/no-such-survey/nothing"), ("POST", "/api/v1/surveys/x/responses"),
])
def test_error_pages_send_the_security_headers(app, site, method, url):
    response = browser_of(app).open(url, method=method)
    assert response.status_code >= 400
    assert_security_headers(response, url)


def test_the_check_refuses_inline_scripts():
    class Unsafe:
        status_code = 200
        headers = {"Content-Security-Policy": "default-src 'self'; script-src 'self' "
                   "'unsafe-inline'; object-src 'none'; base-uri 'none'",
                   "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}

    with pytest.raises(AssertionError):
        assert_security_headers(Unsafe(), "/")
