"""Security: CSRF on every form route, safe redirects, sessions, passwords, config, CLI."""

import secrets
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from app import create_app
from survey.accounts import safe_next
from survey.config import ConfigurationError
from survey.extensions import db
from survey.models import Response, Role, User
from survey.users import authenticate, find_user_by_email
from tests.helpers.accounts import PASSWORD, post_login
from tests.helpers.clients import isolated_client
from tests.helpers.factories import COMPLETE_ANSWERS
from tests.helpers.pages import FACTORY_PAGES, finish_factory_survey, input_values
from tests.helpers.urlmap import rule_url, url_map_rules

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}


@pytest.fixture
def app_config():
    """This module's app checks CSRF tokens, as production does."""
    return {"WTF_CSRF_ENABLED": True}


@pytest.fixture
def client(app):
    """A browser whose requests share nothing through `g` (see IsolatedClient)."""
    return isolated_client(app)


def csrf_token(client, path="/login") -> str:
    """The CSRF token of the form on a page, as a browser would read it."""
    page = client.get(path)
    assert page.status_code == 200, page.text
    return input_values(page.text)["csrf_token"]


def session_user(client):
    """Flask-Login's id of the session's account ("<id>:<session token>"), or None."""
    with client.session_transaction() as session:
        return session.get("_user_id")


def database_rows() -> dict:
    """Every row of every table, to compare before and after a request."""
    db.session.rollback()
    migrated = set(sa.inspect(db.engine).get_table_names())
    return {table.name: sorted(map(repr, db.session.execute(select(table)).all()))
            for table in db.metadata.sorted_tables if table.name in migrated}


# -- CSRF ----------------------------------------------------------------------------------

# Plausible values for URL arguments by name; anything else gets a plain value by converter.
URL_ARGUMENTS = {"slug": "test-survey", "survey": "test-survey", "token": "dummy-token",
                 "filename": "style.css", "comment_id": 1, "member_id": 1, "user_id": 1}
# Where an argument names one of several actions, one that would change data.
URL_ARGUMENTS_FOR = {"moderation.act_on_comment": {"action": "hide"},
                     "moderation.act_on_member": {"action": "ban"}}

# What a form on each route would post if the token were not needed: enough to change data.
FORM_DATA = {"email": "new-member@example.org", "password": PASSWORD, "confirm": PASSWORD,
             "remember": "y", "page": "first", "submission_id": "csrf-probe-12345",
             "action": "next", "body": "A comment", "reason": "spam",
             **FACTORY_PAGES["first"]}
FORM_DATA_FOR = {
    "accounts.login": {"email": "admin@example.org"},
    "authoring.new": {"definition": "slug: csrf-probe\n", "action": "save"},
    "authoring.duplicate": {"new_slug": "csrf-copy"},
    "authoring.schedule": {"closes_at": "2020-01-01T00:00"},
    "authoring.preview": {"definition": "slug: x\n"},
}


FORM_RULES = [rule for rule in url_map_rules()
              if rule.methods & STATE_CHANGING and not rule.rule.startswith("/api/")]


def test_form_routes_are_found():
    assert {rule.rule for rule in FORM_RULES} >= {
        "/login", "/register", "/logout", "/s/<slug>", "/discussion/<slug>/<finding_id>",
        "/comments/<int:comment_id>/edit", "/comments/<int:comment_id>/delete",
        "/comments/<int:comment_id>/flag", "/moderation/comments/<int:comment_id>/<action>",
        "/moderation/members/<int:member_id>/<action>"}


@pytest.mark.parametrize("rule", FORM_RULES, ids=lambda r: f"{r.endpoint}:{r.rule}")
def test_state_changing_route_refuses_post_without_csrf_token(app, client, make_survey,
                                                              make_user, rule):
    make_survey()
    admin = make_user("admin@example.org", Role.ADMIN)
    assert post_login(client, admin.email).status_code == 302
    assert client.get("/").status_code == 200  # shows the flashed message, makes a token
    [served] = [r for r in app.url_map.iter_rules()
                if r.endpoint == rule.endpoint and r.rule == rule.rule]
    url = rule_url(app, served, {**URL_ARGUMENTS, **URL_ARGUMENTS_FOR.get(served.endpoint, {})},
                   method="POST")
    before = database_rows()
    with client.session_transaction() as session:
        session_before = dict(session)

    for method in sorted(served.methods & STATE_CHANGING):
        data = {**FORM_DATA, **FORM_DATA_FOR.get(served.endpoint, {})}
        response = client.open(url, method=method, data=data)
        assert response.status_code == 400, (method, url, response.status_code)
        assert "did not come from this site" in response.get_data(as_text=True)

    assert database_rows() == before
    with client.session_transaction() as session:
        assert dict(session) == session_before


def test_post_with_another_sessions_token_is_refused(app, client, make_user):
    user = make_user()
    token = csrf_token(isolated_client(app))  # a token of another browser's session
    response = client.post("/login", data={"email": user.email, "password": PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 400
    assert session_user(client) is None


def test_login_with_the_form_token_succeeds(client, make_user):
    """The CSRF test above can tell a refused POST from an accepted one."""
    user = make_user()
    response = post_login(client, user.email)
    assert response.status_code == 302
    assert session_user(client) == user.get_id()


def test_api_needs_no_csrf_token(client, make_survey):
    make_survey()
    response = client.post("/api/v1/surveys/test-survey/responses", json={
        "submission_id": "api-without-csrf-1", "answers": COMPLETE_ANSWERS})
    assert response.status_code == 201, response.text


def test_html_survey_works_with_csrf_tokens(client, make_survey):
    make_survey()
    final = finish_factory_survey(client)
    assert urlsplit(final.headers["Location"]).path == "/s/test-survey/thanks"
    db.session.rollback()
    assert db.session.scalar(select(func.count(Response.id))) == 1


# -- where login sends you -----------------------------------------------------------------

OFF_SITE = [
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "\\/evil.example",
    "https://evil.example/",
    "http://localhost@evil.example/",
    "http:evil.example",
    "https:/evil.example",
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    " //evil.example",
    "\t//evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r\nSet-Cookie: stolen=1",
    "%2F%2Fevil.example",
    "evil.example",
    "",
]
# Paths on this site, even if odd: a browser never leaves the site for them.
ON_SITE = ["/s/test-survey", "/s/test-survey?lang=de", "/%2F%2Fevil.example", "/.//evil.example"]


def assert_stays_on_site(location: str) -> None:
    parts = urlsplit(location)
    assert parts.scheme in ("", "http"), location
    assert parts.netloc in ("", "localhost"), location
    assert not location.startswith(("//", "/\\", "\\")), location
    assert not any(ord(c) < 32 for c in location), location


@pytest.mark.parametrize("target", OFF_SITE)
def test_login_never_redirects_off_site(client, make_user, target):
    user = make_user()
    response = post_login(client, user.email, next_url=target)
    assert response.status_code == 302
    location = response.headers["Location"]
    assert_stays_on_site(location)
    assert urlsplit(location).path == "/"  # the home page instead of the given target


@pytest.mark.parametrize("target", ON_SITE)
def test_login_follows_a_path_on_this_site(client, make_user, target):
    user = make_user()
    response = post_login(client, user.email, next_url=target)
    assert response.status_code == 302
    assert response.headers["Location"] == target
    assert_stays_on_site(response.headers["Location"])


def test_login_form_keeps_next_through_the_form(client, make_user, make_survey):
    make_survey()
    user = make_user()
    page = client.get("/login?next=/s/test-survey")
    action = login_form_action(page.get_data(as_text=True))
    assert action == "/login?next=/s/test-survey"
    response = client.post(action.replace("&amp;", "&"), data={
        "email": user.email, "password": PASSWORD,
        "csrf_token": input_values(page.text)["csrf_token"]})
    assert response.headers["Location"] == "/s/test-survey"
    assert client.get(response.headers["Location"]).status_code == 200


def login_form_action(html: str) -> str:
    return html.split('<form method="post" action="')[1].split('"')[0]


def test_login_form_drops_an_off_site_next(client):
    page = client.get("/login", query_string={"next": "//evil.example"})
    assert login_form_action(page.get_data(as_text=True)) == "/login"


@pytest.mark.parametrize("target", [*OFF_SITE, None])
def test_safe_next_refuses_other_sites(target):
    assert safe_next(target) is None


@pytest.mark.parametrize("target", ON_SITE + ["/", "/findings/?page=2#top"])
def test_safe_next_keeps_paths_on_this_site(target):
    assert safe_next(target) == target


# -- sessions and passwords ----------------------------------------------------------------


def test_login_starts_a_new_session(client, make_user):
    user = make_user()
    csrf_token(client)
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
        session["drafts"] = {"test-survey": "not-mine"}
        session["lang"] = "de"
        old_token = session["csrf_token"]
    assert post_login(client, user.email).status_code == 302
    with client.session_transaction() as session:
        assert "planted" not in session
        assert "drafts" not in session
        assert session.get("csrf_token") != old_token
        assert session["lang"] == "de"
        assert session["_user_id"] == user.get_id()


def test_logout_is_post_only(client, make_user):
    user = make_user()
    post_login(client, user.email)
    response = client.get("/logout")
    assert response.status_code == 405
    assert session_user(client) == user.get_id()

    token = input_values(client.get("/").get_data(as_text=True))["csrf_token"]
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 302, response.text
    assert session_user(client) is None


@pytest.mark.parametrize("email", ["member@example.org", "nobody@example.org"])
def test_wrong_password_or_email_is_refused_with_a_field_message(client, make_user, email):
    make_user()
    response = post_login(client, email, password="not the password")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Email or password is wrong." in page
    assert 'aria-invalid="true"' in page
    assert session_user(client) is None


@pytest.mark.parametrize("email", ["member\x00@example.org", "\x00"])
def test_nul_in_login_email_is_refused_without_error(client, make_user, email):
    make_user()
    response = post_login(client, email)
    assert response.status_code == 422
    assert session_user(client) is None


def test_passwords_are_stored_as_argon2_hashes(client, make_user):
    made = make_user()
    token = csrf_token(client, "/register")
    response = client.post("/register", data={"email": "new@example.org", "password": PASSWORD,
                                              "confirm": PASSWORD, "csrf_token": token})
    assert response.status_code == 302, response.text
    db.session.rollback()
    for email in (made.email, "new@example.org"):
        user = find_user_by_email(email)
        assert user.password_hash.startswith("$argon2id$")
        assert PASSWORD not in user.password_hash
        assert authenticate(email, PASSWORD) == user


# -- tampered survey forms -----------------------------------------------------------------


@pytest.mark.parametrize("submission_id", ["a" * 100, "a" * 65, "short", "../../abcdefgh",
                                           "abcdefgh\x00", "", "x" * 10_000])
def test_tampered_submission_id_on_a_survey_page_is_harmless(client, make_survey,
                                                             submission_id):
    make_survey()
    page = input_values(client.get("/s/test-survey").get_data(as_text=True))
    response = client.post("/s/test-survey", data={
        **FACTORY_PAGES["first"], "page": "first", "action": "next",
        "submission_id": submission_id, "csrf_token": page["csrf_token"]})
    assert response.status_code == 302
    # The respondent can go on to the end, and the response is stored once.
    finish_factory_survey(client, pages={k: v for k, v in FACTORY_PAGES.items() if k != "first"})
    db.session.rollback()
    assert db.session.scalar(select(func.count(Response.id))) == 1


@pytest.mark.parametrize("url", ["/s/a%00b", "/s/a%00b/thanks", "/s/a%00b/resume/token",
                                 "/s/test-survey/resume/a%00b", "/api/v1/surveys/a%00b"])
def test_nul_in_a_url_is_not_found(client, make_survey, url):
    make_survey()
    assert client.get(url).status_code == 404


# -- configuration -------------------------------------------------------------------------


WEAK_SECRETS = ["dev-only-change-me", "", None, "x", "x" * 64, "a-secret-of-this-deployment",
                "abababababababababababababababababababab", "0123456789abcdef" * 2]


@pytest.mark.parametrize("secret", WEAK_SECRETS)
@pytest.mark.parametrize("mode", [{"TESTING": False, "DEBUG": False}, {"DEBUG": True},
                                  {"TESTING": True}], ids=["production", "debug", "testing"])
def test_a_weak_secret_key_is_refused_in_every_mode(database_uri, secret, mode):
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        create_app({"SECRET_KEY": secret, "SQLALCHEMY_DATABASE_URI": database_uri, **mode})


@pytest.mark.parametrize("variable", ["RESONANZ_DEBUG", "RESONANZ_TESTING", "FLASK_DEBUG"])
def test_no_environment_variable_turns_the_check_off(database_uri, monkeypatch, variable):
    monkeypatch.setenv(variable, "true" if variable.startswith("RESONANZ") else "1")
    monkeypatch.setenv("RESONANZ_SECRET_KEY", "x")
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        create_app({"SQLALCHEMY_DATABASE_URI": database_uri})


@pytest.mark.parametrize("secret", [secrets.token_hex(32), secrets.token_urlsafe(32),
                                    secrets.token_bytes(32)], ids=["hex", "urlsafe", "bytes"])
def test_production_starts_with_32_random_bytes(database_uri, secret):
    production = create_app({"SECRET_KEY": secret, "TESTING": False, "DEBUG": False,
                             "SQLALCHEMY_DATABASE_URI": database_uri})
    assert not production.testing
    with production.app_context():
        db.engine.dispose()


# -- the user command ----------------------------------------------------------------------

CREATE = ["user", "create", "--password-stdin"]


def test_cli_creates_an_admin(app):
    result = app.test_cli_runner().invoke(
        args=[*CREATE, "--email", "Admin@Example.org", "--role", "admin"],
        input="a long enough password\n")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "created admin admin@example.org"
    db.session.rollback()
    user = find_user_by_email("admin@example.org")
    assert user.role is Role.ADMIN
    assert user.password_hash.startswith("$argon2id$")
    assert authenticate("admin@example.org", "a long enough password") == user


@pytest.mark.parametrize(("email", "password", "message"), [
    ("x@example.org", "short", "at least 10 characters"),
    ("x@example.org", "1234567890", "most common"),
    ("x@example.org", "password12", "most common"),
    ("not-an-email", "a long enough password", "not a valid email"),
    ("member@example.org", "a long enough password", "exists already"),
    ("MEMBER@example.org", "a long enough password", "exists already"),
], ids=["short-password", "common-digits", "common-word", "bad-email", "existing-email",
        "existing-email-other-case"])
def test_cli_refuses_bad_accounts_with_one_line(app, make_user, email, password, message):
    make_user("member@example.org")
    db.session.rollback()
    users_before = db.session.scalar(select(func.count(User.id)))
    result = app.test_cli_runner().invoke(args=[*CREATE, "--email", email, "--role", "admin"],
                                          input=password + "\n")
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith("Error: ") and message in lines[0]
    db.session.rollback()
    assert db.session.scalar(select(func.count(User.id))) == users_before
