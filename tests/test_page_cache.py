"""Finding pages kept for visitors never show a stale discussion or release."""

from sqlalchemy import select

from survey.discussion.models import Comment
from survey.extensions import db
from survey.models import Role
from tests.helpers.discussion import (
    another_release,
    browser_of,
    cheap_passwords,
    make_member,
    page_text,
    post_form,
    publish_demo_release,
)


def _setup(app, monkeypatch):
    cheap_passwords(monkeypatch)
    publish_demo_release()
    moderator = make_member("mod@example.org", Role.MODERATOR)
    return browser_of(app), browser_of(app, moderator)


def test_a_visitor_sees_a_new_comment_at_once(app, monkeypatch):
    visitor, moderator = _setup(app, monkeypatch)
    assert "No comments yet." in page_text(visitor)
    post_form(moderator, "A first, visible comment")
    assert "A first, visible comment" in page_text(visitor)


def test_a_visitor_no_longer_sees_a_hidden_comment(app, monkeypatch):
    visitor, moderator = _setup(app, monkeypatch)
    post_form(moderator, "Soon to be hidden")
    assert "Soon to be hidden" in page_text(visitor)
    db.session.rollback()
    comment_id = db.session.scalar(select(Comment.id))
    admin = browser_of(app, make_member("admin@example.org", Role.ADMIN))
    admin.post(f"/moderation/comments/{comment_id}/hide", data={"reason": "test"})
    assert "Soon to be hidden" not in page_text(visitor)


def test_a_visitor_sees_a_new_release_at_once(app, monkeypatch):
    visitor, _moderator = _setup(app, monkeypatch)
    assert "Release 1 of" in page_text(visitor)
    another_release()
    assert "Release 2 of" in page_text(visitor)


def test_the_kept_page_is_per_language(app, monkeypatch):
    visitor, _moderator = _setup(app, monkeypatch)
    assert '<html lang="de">' in page_text(visitor, "?lang=de")
    assert '<html lang="en">' in page_text(browser_of(app), "?lang=en")
    german = browser_of(app)
    german.environ_base["HTTP_ACCEPT_LANGUAGE"] = "de"
    assert '<html lang="de">' in page_text(german)
    assert '<html lang="en">' in page_text(browser_of(app))
