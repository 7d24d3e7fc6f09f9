"""A member's account page: name, mail language and reply mails, password change (asks the
current one; other sessions end), deletion (comments kept as "former member" or removed;
survey answers untouched), and who may reach each account route."""

import re

import pytest
from sqlalchemy import func, select

from survey.discussion.comments import post_comment
from survey.discussion.models import Comment, CommentStatus, ModerationAction
from survey.discussion.moderation import moderate_comment
from survey.extensions import db
from survey.models import Participation, Response, User
from survey.surveys import find_survey
from tests.helpers.accounts import PASSWORD, post_login
from tests.helpers.clients import isolated_client
from tests.helpers.discussion import (
    FINDING,
    SLUG,
    browser_of,
    flashed,
    make_member,
    page_text,
    post_form,
)
from tests.helpers.mail import sent_mails
from tests.helpers.pages import finish_factory_survey
from tests.helpers.urlmap import rule_url, url_map_rules

pytestmark = pytest.mark.usefixtures("cheap_hashing")

NEW_PASSWORD = "another long passphrase"


@pytest.fixture
def app_config(smtp_server):
    return smtp_server.config()


def fresh(model, ident):
    db.session.rollback()
    return db.session.get(model, ident)


def write(author, body, parent=None):
    return post_comment(author, find_survey(SLUG), FINDING, 1, body,
                        parent.id if parent is not None else None)


# -- who may reach the account's routes ----------------------------------------------------

ACCOUNT_RULES = sorted((rule.rule, method) for rule in url_map_rules()
                        if rule.rule.startswith("/account")
                        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}))
PUBLIC_RULES = sorted((rule.rule, method) for rule in url_map_rules()
                       if rule.rule.startswith("/password/")
                       for method in sorted(rule.methods - {"HEAD", "OPTIONS"}))


def test_account_routes_are_found():
    assert {rule for rule, _method in ACCOUNT_RULES} >= {
        "/account", "/account/name", "/account/preferences", "/account/password",
        "/account/delete"}
    assert {rule for rule, _method in PUBLIC_RULES} == {"/password/forgot",
                                                        "/password/reset/<token>"}


def _url(app, rule, method):
    [served] = [r for r in app.url_map.iter_rules() if r.rule == rule]
    return rule_url(app, served, {"token": "unknown-token"}, method=method)


@pytest.mark.parametrize(("rule", "method"), ACCOUNT_RULES, ids=[f"{m}:{r}" for r, m in
                                                                   ACCOUNT_RULES])
def test_account_routes_send_visitors_to_log_in_and_change_nothing(app, alice, rule, method):
    before = fresh(User, alice.id).__dict__.copy()
    response = isolated_client(app).open(_url(app, rule, method), method=method,
                                         data={"display_name": "Intruder", "password": "x"})
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    after = fresh(User, alice.id)
    assert (after.display_name, after.password_hash) == (before["display_name"],
                                                         before["password_hash"])


@pytest.mark.parametrize(("rule", "method"), ACCOUNT_RULES, ids=[f"{m}:{r}" for r, m in
                                                                   ACCOUNT_RULES])
def test_account_routes_serve_a_logged_in_member(app, alice, rule, method):
    response = browser_of(app, alice).open(_url(app, rule, method), method=method, data={})
    assert response.status_code in (200, 302, 422), response.status_code
    assert not response.headers.get("Location", "").startswith("/login")


@pytest.mark.parametrize(("rule", "method"), PUBLIC_RULES, ids=[f"{m}:{r}" for r, m in
                                                                  PUBLIC_RULES])
def test_password_routes_are_open_to_visitors(app, rule, method):
    response = isolated_client(app).open(_url(app, rule, method), method=method, data={})
    assert response.status_code in (200, 404, 422)  # an unknown token's page is a 404


# -- name, preferences ---------------------------------------------------------------------


def test_member_changes_the_name_shown_with_their_comments(app, moderator, alice):
    write(alice, "Signed words")
    client = browser_of(app, alice)
    assert client.post("/account/name", data={"display_name": "Alice B."}).status_code == 302
    assert flashed(client) == ["Your name is changed."]
    assert fresh(User, alice.id).display_name == "Alice B."
    assert "Alice B." in page_text(client)


def test_a_taken_or_bad_name_is_refused_with_what_was_typed(app, moderator, alice):
    client = browser_of(app, alice)
    taken = client.post("/account/name", data={"display_name": "moderatorin"})
    assert taken.status_code == 422
    assert "This name is taken" in taken.text and 'value="moderatorin"' in taken.text
    assert 'aria-invalid="true"' in taken.text and 'role="alert"' in taken.text
    bad = client.post("/account/name", data={"display_name": "<script>"})
    assert bad.status_code == 422 and "Use letters, digits" in bad.text
    assert fresh(User, alice.id).display_name == "Alice"


def test_an_empty_name_makes_the_member_a_number(app, alice):
    browser_of(app, alice).post("/account/name", data={"display_name": ""})
    assert fresh(User, alice.id).display_name is None


def test_reply_mails_are_off_by_default_and_can_be_switched_on(app, smtp_server, moderator,
                                                               alice):
    assert fresh(User, alice.id).notify_replies is False
    mine = write(alice, "What do you think?")
    moderate_comment(moderator, mine, "approve")
    write(moderator, "A first reply", mine)
    assert sent_mails(app, smtp_server) == []

    client = browser_of(app, alice)
    [box] = re.findall(r'<input[^>]*name="notify_replies"[^>]*>', client.get("/account").text)
    assert "checked" not in box
    assert client.post("/account/preferences",
                       data={"language": "de", "notify_replies": "y"}).status_code == 302
    write(moderator, "A second reply", mine)
    [mail] = sent_mails(app, smtp_server)
    assert mail.envelope_to == ["alice@example.org"]
    assert mail.subject == "Eine Antwort auf Ihren Kommentar bei Resonanz"
    assert "Moderatorin" in mail.text and "A second reply" in mail.text
    [link] = [link for link in mail.links() if f"#comment-{mail_comment_id()}" in link]
    assert link.startswith("http://localhost/findings/")


def mail_comment_id() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.max(Comment.id)))


def test_a_pending_reply_mails_when_it_is_approved_and_not_before(app, smtp_server, moderator,
                                                                  alice):
    mine = write(moderator, "Staff question")
    with_mail = make_member("bob@example.org", name="Bob")
    own = write(with_mail, "Bob's thought")
    moderate_comment(moderator, own, "approve")
    browser_of(app, with_mail).post("/account/preferences",
                                    data={"language": "en", "notify_replies": "y"})
    reply = write(alice, "Alice answers Bob", own)
    write(with_mail, "Bob answers himself", own)
    assert sent_mails(app, smtp_server) == []
    moderate_comment(moderator, reply, "approve")
    [mail] = sent_mails(app, smtp_server)
    assert mail.subject == "A reply to your comment on Resonanz"
    assert "Alice answers Bob" in mail.text and "Alice" in mail.text
    assert mine.id  # the moderator's own comment got no mail: they did not ask for any


# -- password ------------------------------------------------------------------------------


def test_changing_the_password_asks_the_current_one(app, alice):
    client = browser_of(app, alice)
    wrong = client.post("/account/password", data={
        "current_password": "not my password", "password": NEW_PASSWORD,
        "confirm": NEW_PASSWORD})
    assert wrong.status_code == 422 and "This is not your current password." in wrong.text
    assert post_login(isolated_client(app), alice.email, PASSWORD).status_code == 302


def test_changing_the_password_ends_the_other_sessions_but_not_this_one(app, alice):
    here, elsewhere = browser_of(app, alice), browser_of(app, alice)
    response = here.post("/account/password", data={
        "current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert here.get("/account").status_code == 200
    assert elsewhere.get("/account").status_code == 302
    assert post_login(isolated_client(app), alice.email, PASSWORD).status_code == 422
    assert post_login(isolated_client(app), alice.email, NEW_PASSWORD).status_code == 302


# -- hidden comments -----------------------------------------------------------------------


def test_the_account_page_shows_why_a_comment_is_hidden(app, moderator, alice):
    comment = write(alice, "Too far")
    moderate_comment(moderator, comment, "hide", "names a colleague")
    page = browser_of(app, alice).get("/account").text
    assert "1 of your comments is hidden by moderators" in page
    assert "Reason: names a colleague" in page and "Too far" in page


# -- deleting the account ------------------------------------------------------------------


def delete(client, comments="keep", password=PASSWORD):
    return client.post("/account/delete", data={"comments": comments,
                                                "current_password": password})


def test_deleting_keeps_comments_as_former_member_and_erases_the_person(app, moderator,
                                                                        alice):
    comment = write(alice, "Words that stay")
    moderate_comment(moderator, comment, "approve")
    client = browser_of(app, alice)
    assert delete(client).status_code == 302
    stub = fresh(User, alice.id)
    assert (stub.email, stub.password_hash, stub.display_name) == (None, None, None)
    assert stub.deleted_at is not None
    page = page_text(browser_of(app))
    assert "Words that stay" in page and "Former member" in page and "Alice" not in page
    assert client.get("/account").status_code == 302
    assert post_login(isolated_client(app), "alice@example.org", PASSWORD).status_code == 422
    assert [e.action for e in db.session.scalars(select(ModerationAction).where(
        ModerationAction.member_id == alice.id))][-1] == "account_delete"


def test_deleting_can_remove_the_comments_text(app, moderator, alice):
    top = write(alice, "Text to remove")
    moderate_comment(moderator, top, "approve")
    reply = write(moderator, "A reply that stays", top)
    delete(browser_of(app, alice), comments="remove")
    removed = fresh(Comment, top.id)
    assert (removed.status, removed.body, removed.body_html) == (CommentStatus.DELETED, "", "")
    page = page_text(browser_of(app))
    assert "Text to remove" not in page and "[deleted]" in page
    assert "A reply that stays" in page and fresh(Comment, reply.id).status == "visible"


def test_deleting_needs_the_password_and_a_choice(app, alice):
    client = browser_of(app, alice)
    wrong = delete(client, password="not it at all")
    assert wrong.status_code == 422 and "This is not your current password." in wrong.text
    no_choice = client.post("/account/delete", data={"current_password": PASSWORD})
    assert no_choice.status_code == 422 and 'role="alert"' in no_choice.text
    assert fresh(User, alice.id).deleted_at is None


def test_deleting_the_account_leaves_survey_answers_untouched(app, make_survey, alice):
    make_survey()
    client = browser_of(app, alice)
    finish_factory_survey(client)
    db.session.rollback()
    answers = [(r.id, r.answers) for r in db.session.scalars(select(Response))]
    participations = db.session.scalars(select(Participation.key)).all()
    assert len(answers) == 1 and participations
    assert delete(client).status_code == 302
    db.session.rollback()
    assert [(r.id, r.answers) for r in db.session.scalars(select(Response))] == answers
    assert db.session.scalars(select(Participation.key)).all() == participations


def test_a_deleted_members_address_can_register_again(app, alice):
    delete(browser_of(app, alice))
    client = isolated_client(app)
    response = client.post("/register", data={"email": "alice@example.org",
                                              "password": NEW_PASSWORD,
                                              "confirm": NEW_PASSWORD, "display_name": "Alice"})
    assert response.status_code == 302
    assert post_login(isolated_client(app), "alice@example.org", NEW_PASSWORD).status_code == 302


def test_posting_after_deletion_is_impossible(app, alice):
    client = browser_of(app, alice)
    delete(client)
    response = post_form(client, "Still here?")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
