"""Rate limits: comments and flags per member, logins and registrations per address, reset
mails per address and per account, API submissions per address; a readable 429 page (JSON on
the API) with Retry-After."""

import pytest
from sqlalchemy import func, select

from survey.discussion.comments import post_comment
from survey.discussion.models import Comment, Flag
from survey.extensions import db, limiter
from survey.mail import mail_log_path
from survey.models import Role, User
from survey.surveys import find_survey
from tests.helpers.accounts import PASSWORD, post_login
from tests.helpers.clients import isolated_client
from tests.helpers.discussion import (
    FINDING,
    SLUG,
    browser_of,
    cheap_passwords,
    make_member,
    post_form,
)
from tests.helpers.factories import COMPLETE_ANSWERS

LIMIT = 2  # of everything, per minute


@pytest.fixture
def app_config():
    """Rate limits on, small, in memory."""
    return {"RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://",
            "RATELIMIT_COMMENT": f"{LIMIT} per minute", "RATELIMIT_FLAG": f"{LIMIT} per minute",
            "RATELIMIT_LOGIN": f"{LIMIT + 1} per minute",
            "RATELIMIT_REGISTER": f"{LIMIT} per minute",
            "RATELIMIT_SUBMIT": f"{LIMIT} per minute",
            "RATELIMIT_RESET": f"{LIMIT + 1} per minute",
            "RATELIMIT_RESET_ACCOUNT": f"{LIMIT} per minute"}


@pytest.fixture(autouse=True)
def _fresh_limits(app, monkeypatch):
    """Counts start at zero in each test (the limiter is one object for every app)."""
    cheap_passwords(monkeypatch)
    limiter.reset()
    yield
    limiter.reset()


def assert_limited_page(response, title="Too many requests"):
    """429, a page a person can read (in their language), and when to try again."""
    assert response.status_code == 429
    assert response.mimetype == "text/html"
    assert f"<h1>429 – {title}</h1>" in response.text
    assert 0 < int(response.headers["Retry-After"]) <= 60


def count(model) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count(model.id)))


# -- comments and flags, per member --------------------------------------------------------


def test_comments_are_limited_per_member(app, release):
    author = make_member("talker@example.org", Role.MODERATOR)
    client = browser_of(app, author)
    for number in range(LIMIT):
        assert post_form(client, f"Comment {number}").status_code == 302
    response = post_form(client, "One too many")
    assert response.status_code == 429
    assert 0 < int(response.headers["Retry-After"]) <= 60
    # The finding page again, with the text as typed next to why it was not posted.
    assert "One too many</textarea>" in response.text
    assert "You have written many comments in a short time" in response.text
    assert count(Comment) == LIMIT

    # Another member on the same address may still post: the limit is the member's.
    other = browser_of(app, make_member("quiet@example.org", Role.MODERATOR))
    assert post_form(other, "My first today").status_code == 302
    assert count(Comment) == LIMIT + 1


def test_limited_page_is_translated(app, release):
    client = browser_of(app, make_member("talker@example.org", Role.MODERATOR))
    for number in range(LIMIT):
        post_form(client, f"Kommentar {number}")
    response = client.post(f"/discussion/{SLUG}/{FINDING}?lang=de",
                           data={"body": "Einer zu viel", "release": "1"})
    assert response.status_code == 429
    assert '<html lang="de">' in response.text
    assert "Sie haben in kurzer Zeit viele Kommentare geschrieben" in response.text
    assert "Einer zu viel</textarea>" in response.text


def test_flags_are_limited_per_member(app, release):
    author = make_member("author@example.org", Role.MODERATOR)
    comments = [post_comment(author, find_survey(SLUG), FINDING, 1, f"Comment {n}")
                for n in range(LIMIT + 1)]
    client = browser_of(app, make_member("flagger@example.org"))
    # Reading the flag form is not limited.
    for _ in range(LIMIT + 1):
        assert client.get(f"/comments/{comments[0].id}/flag").status_code == 200
    for comment in comments[:LIMIT]:
        response = client.post(f"/comments/{comment.id}/flag", data={"reason": "spam"})
        assert response.status_code == 302
    response = client.post(f"/comments/{comments[-1].id}/flag", data={"reason": "spam"})
    assert_limited_page(response)
    assert count(Flag) == LIMIT

    other = browser_of(app, make_member("other@example.org"))
    assert other.post(f"/comments/{comments[-1].id}/flag",
                      data={"reason": "spam"}).status_code == 302
    assert count(Flag) == LIMIT + 1


# -- logins and registrations, per address -------------------------------------------------


def test_logins_are_limited_per_address(app):
    user = make_member("someone@example.org")
    client = isolated_client(app)
    for number in range(LIMIT + 1):
        assert post_login(client, f"guess{number}@example.org", "wrong password").status_code == 422
    # Even the right password of another account is refused now, from this address.
    assert_limited_page(post_login(isolated_client(app), user.email))
    # From another address it works.
    elsewhere = isolated_client(app)
    elsewhere.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    assert post_login(elsewhere, user.email).status_code == 302
    # Reading the login page is not limited.
    assert client.get("/login").status_code == 200


def test_registrations_are_limited_per_address(app):
    client = isolated_client(app)
    for number in range(LIMIT):
        response = client.post("/register", data={
            "email": f"new{number}@example.org", "password": PASSWORD, "confirm": PASSWORD})
        assert response.status_code == 302, response.text
        client = isolated_client(app)
    response = client.post("/register", data={
        "email": "one-more@example.org", "password": PASSWORD, "confirm": PASSWORD})
    assert_limited_page(response)
    assert count(User) == LIMIT


def reset_mails(app) -> int:
    """How many reset mails were written to the mail log."""
    app.extensions["resonanz_outbox"].drain()
    path = mail_log_path(app)
    return path.read_text().count("Subject: Resetting") if path.exists() else 0


def from_address(app, address: str):
    client = isolated_client(app)
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_reset_requests_are_limited_per_address(app):
    make_member("someone@example.org")
    client = isolated_client(app)
    for number in range(LIMIT + 1):
        response = client.post("/password/forgot", data={"email": f"guess{number}@example.org"})
        assert response.status_code == 200
    assert_limited_page(client.post("/password/forgot", data={"email": "someone@example.org"}))
    assert reset_mails(app) == 0
    # From another address the account's owner still gets a link.
    assert from_address(app, "192.0.2.7").post(
        "/password/forgot", data={"email": "someone@example.org"}).status_code == 200
    assert reset_mails(app) == 1
    assert client.get("/password/forgot").status_code == 200  # reading is not limited


@pytest.mark.parametrize("email", ["someone@example.org", "nobody@example.org"])
def test_reset_requests_are_limited_per_account_alike_for_unknown_addresses(app, email):
    make_member("someone@example.org")
    for number in range(LIMIT):
        response = from_address(app, f"192.0.2.{number + 1}").post(
            "/password/forgot", data={"email": email.upper()})
        assert response.status_code == 200
    assert_limited_page(from_address(app, "198.51.100.9").post(
        "/password/forgot", data={"email": f" {email} "}))
    assert reset_mails(app) == (LIMIT if email.startswith("someone") else 0)


# -- the API, per address ------------------------------------------------------------------


def test_api_submissions_are_limited_with_a_json_error(app, make_survey):
    make_survey()
    client = isolated_client(app)
    url = "/api/v1/surveys/test-survey/responses"
    for number in range(LIMIT):
        response = client.post(url, json={"submission_id": f"limited-submission-{number}",
                                          "answers": COMPLETE_ANSWERS})
        assert response.status_code == 201, response.text
    response = client.post(url, json={"submission_id": "limited-submission-x",
                                      "answers": COMPLETE_ANSWERS})
    assert response.status_code == 429
    assert response.is_json
    error = response.get_json()["error"]
    assert error["code"] == "too_many_requests"
    assert error["message"] and error["fields"] == {}
    assert 0 < int(response.headers["Retry-After"]) <= 60
    # Reading stays possible.
    assert client.get("/api/v1/surveys/test-survey").status_code == 200


# -- logins per account, from any address ---------------------------------------------------


@pytest.mark.parametrize("app_config", [{
    "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://",
    "RATELIMIT_LOGIN": "100 per minute", "RATELIMIT_LOGIN_ACCOUNT": "4 per minute"}])
def test_failed_logins_are_limited_per_account_from_any_address(app):
    user = make_member("target@example.org")
    other = make_member("bystander@example.org")
    addresses = [f"198.51.100.{n}" for n in range(1, 6)]
    for number, address in enumerate(addresses[:4]):
        client = isolated_client(app)
        client.environ_base["REMOTE_ADDR"] = address
        assert post_login(client, user.email, f"guess number {number}").status_code == 422
    # A fifth address, and the right password: refused now, for this account only.
    client = isolated_client(app)
    client.environ_base["REMOTE_ADDR"] = addresses[4]
    assert_limited_page(post_login(client, user.email))
    assert_limited_page(post_login(client, user.email.upper()))  # the same account
    assert post_login(client, other.email).status_code == 302


@pytest.mark.parametrize("app_config", [{
    "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://",
    "RATELIMIT_LOGIN": "100 per minute", "RATELIMIT_LOGIN_ACCOUNT": "2 per minute"}])
def test_successful_logins_do_not_count_against_the_account(app):
    user = make_member("often@example.org")
    for _ in range(4):
        assert post_login(isolated_client(app), user.email).status_code == 302


# -- keys, proxies --------------------------------------------------------------------------


def stored_keys() -> list[str]:
    return list(limiter.storage.storage)  # memory storage: key -> count


def test_limit_keys_hold_no_address_and_no_email(app, make_survey):
    make_survey()
    user = make_member("private@example.org")
    client = isolated_client(app)
    client.environ_base["REMOTE_ADDR"] = "203.0.113.77"
    post_login(client, user.email, "wrong password")
    client.post("/api/v1/surveys/test-survey/responses",
                json={"submission_id": "keys-submission-1", "answers": COMPLETE_ANSWERS})
    keys = stored_keys()
    assert keys, "something was counted"
    assert not [k for k in keys if "203.0.113" in k or "private" in k or "@" in k]


@pytest.mark.parametrize("app_config", [{
    "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://",
    "RATELIMIT_LOGIN": "2 per minute", "PROXY_FIX_HOPS": 1}])
def test_behind_a_trusted_proxy_each_client_address_has_its_own_limit(app):
    def attempt(forwarded_for):
        client = isolated_client(app)
        client.environ_base["HTTP_X_FORWARDED_FOR"] = forwarded_for
        return post_login(client, "nobody@example.org", "wrong password")

    assert [attempt("192.0.2.1").status_code for _ in range(2)] == [422, 422]
    assert attempt("192.0.2.1").status_code == 429
    assert attempt("192.0.2.2").status_code == 422  # another client behind the same proxy


@pytest.mark.parametrize("app_config", [{
    "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://",
    "RATELIMIT_LOGIN": "2 per minute"}])
def test_without_trusted_proxies_forwarded_addresses_are_ignored(app):
    outcomes = []
    for number in range(3):
        client = isolated_client(app)
        client.environ_base["HTTP_X_FORWARDED_FOR"] = f"192.0.2.{number}"
        outcomes.append(post_login(client, "nobody@example.org", "wrong").status_code)
    assert outcomes == [422, 422, 429]  # one client, whatever it claims
