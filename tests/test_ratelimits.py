"""Rate limits: comments and flags per member, logins and registrations per address, API
submissions per address; a readable 429 page (JSON on the API) with Retry-After."""

import pytest
from sqlalchemy import func, select

from survey.discussion.comments import post_comment
from survey.discussion.models import Comment, Flag
from survey.extensions import db, limiter
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
    publish_demo_release,
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
            "RATELIMIT_SUBMIT": f"{LIMIT} per minute"}


@pytest.fixture(autouse=True)
def _fresh_limits(app, monkeypatch):
    """Counts start at zero in each test (the limiter is one object for every app)."""
    cheap_passwords(monkeypatch)
    limiter.reset()
    yield
    limiter.reset()


@pytest.fixture
def release(app):
    return publish_demo_release()


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
    assert_limited_page(response)
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
    assert_limited_page(response, "Zu viele Anfragen")
    assert '<html lang="de">' in response.text


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
