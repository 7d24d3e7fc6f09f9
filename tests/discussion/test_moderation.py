"""Moderation: who may enter, the queue, actions on comments and members, the append-only audit
log, and the public transparency page."""

import re
from datetime import date
from pathlib import Path

import pytest
from babel.dates import format_date as babel_date
from sqlalchemy import delete, func, select, update

from survey.discussion.comments import (
    FLAGS_TO_HIDE,
    DiscussionError,
    flag_comment,
    post_comment,
)
from survey.discussion.models import (
    AppendOnlyError,
    Comment,
    CommentStatus,
    Flag,
    FlagReason,
    ModerationAction,
)
from survey.discussion.moderation import moderate_comment, set_ban
from survey.extensions import db
from survey.models import Role, Survey, User
from survey.surveys import find_survey
from tests.helpers.database import assert_database_refuses
from tests.helpers.discussion import (
    FINDING,
    SLUG,
    browser_of,
    comment_ids,
    flashed,
    make_member,
    page_text,
    post_form,
    refusal,
    table_rows,
)
from tests.helpers.pages import input_values
from tests.helpers.urlmap import rule_url, url_map_rules

ROOT = Path(__file__).resolve().parents[2]
REASON_MESSAGE = "Please give a reason for hiding the comment."
NOT_ALLOWED = "You are not allowed to act on this member's content."


def write(author, body, parent=None) -> Comment:
    return post_comment(author, find_survey(SLUG), FINDING, 1, body,
                        parent.id if parent is not None else None)


def fresh(model, ident):
    db.session.rollback()
    return db.session.get(model, ident)


def log_entries() -> list[ModerationAction]:
    db.session.rollback()
    return list(db.session.scalars(select(ModerationAction).order_by(ModerationAction.id)))


# -- who may enter: every /moderation and /admin route of the URL map ----------------------

PROTECTED_PREFIXES = {"/moderation": Role.MODERATOR, "/admin": Role.ADMIN}
PROTECTED = sorted(
    ((rule.rule, rule.endpoint, method, role)
     for rule in url_map_rules()
     for prefix, role in PROTECTED_PREFIXES.items() if rule.rule.startswith(prefix)
     for method in sorted(rule.methods - {"HEAD", "OPTIONS"})),
    key=lambda case: (case[0], case[2]))
# Arguments that name real things, so that an allowed request would do something.
ACTION_FOR = {"moderation.act_on_comment": "approve", "moderation.act_on_member": "ban"}


def test_protected_routes_are_found():
    rules = {rule for rule, _endpoint, _method, _role in PROTECTED}
    assert {"/moderation/", "/moderation/log", "/moderation/members",
            "/moderation/comments/<int:comment_id>/<action>",
            "/moderation/members/<int:member_id>/<action>"} <= rules


def protected_url(app, rule, endpoint, method, comment, member):
    [served] = [r for r in app.url_map.iter_rules() if r.rule == rule and r.endpoint == endpoint]
    values = {"comment_id": comment.id, "member_id": member.id, "user_id": member.id,
              "action": ACTION_FOR.get(endpoint, "x1"), "slug": SLUG}
    return rule_url(app, served, values, method=method)


def database_rows() -> dict:
    """Every row of the tables staff actions change."""
    db.session.rollback()
    return {model.__name__: sorted(map(repr, db.session.execute(select(model.__table__)).all()))
            for model in (User, Survey, Comment, Flag, ModerationAction)}


@pytest.mark.parametrize(("rule", "endpoint", "method", "role"), PROTECTED,
                         ids=[f"{method}:{rule}" for rule, _e, method, _r in PROTECTED])
def test_protected_route_refuses_visitors_and_members_and_lets_staff_in(
        app, rule, endpoint, method, role, moderator, admin, alice):
    comment = write(alice, "Waiting for a moderator")
    url = protected_url(app, rule, endpoint, method, comment, alice)
    data = {"reason": "checking access", "role": "member", "open": "1"}
    before = database_rows()

    response = browser_of(app).open(url, method=method, data=data)
    assert response.status_code == 302, (method, url)
    assert response.headers["Location"].startswith("/login?next=")

    member = make_member("member@example.org")
    before = database_rows()
    response = browser_of(app, member).open(url, method=method, data=data)
    assert response.status_code == 403, (method, url)
    assert database_rows() == before  # nothing changed

    allowed, refused = ((admin,), (moderator,)) if role == Role.ADMIN else ((moderator, admin), ())
    for user in refused:
        assert browser_of(app, user).open(url, method=method, data=data).status_code == 403
    assert database_rows() == before
    if method == "GET":
        for user in allowed:  # let in: not refused, not sent to log in, no error
            response = browser_of(app, user).get(url)
            response.close()
            assert response.status_code not in (302, 401, 403), (user.role, url)
            assert response.status_code < 500, (user.role, url, response.status_code)


def test_moderators_post_actions_are_let_through(app, moderator, alice):
    comment = write(alice, "Waiting for a moderator")
    client = browser_of(app, moderator)
    assert client.post(f"/moderation/comments/{comment.id}/approve").status_code == 302
    assert fresh(Comment, comment.id).status == CommentStatus.VISIBLE
    assert client.post(f"/moderation/members/{alice.id}/ban",
                       data={"reason": "spam"}).status_code == 302
    assert fresh(User, alice.id).is_banned


@pytest.mark.parametrize("url", ["/moderation/comments/1/publish", "/moderation/members/2/delete",
                                 "/moderation/comments/999/approve", "/moderation/members/999/ban"])
def test_unknown_actions_and_targets_are_not_found(app, moderator, alice, url):
    write(alice, "Comment number one")
    assert browser_of(app, moderator).post(url, data={"reason": "x"}).status_code == 404


DISCUSSION_FORMS = sorted(
    (rule for rule in url_map_rules() if "POST" in rule.methods
     and rule.rule.startswith(("/discussion/", "/comments/", "/moderation/"))),
    key=lambda rule: rule.rule)


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}], ids=["csrf"])
@pytest.mark.parametrize("rule", DISCUSSION_FORMS, ids=lambda rule: rule.endpoint)
def test_discussion_and_moderation_forms_need_the_csrf_token(app, app_config, rule, moderator,
                                                            alice):
    own = write(moderator, "The moderator's own words")
    others = write(alice, "Words of Alice")
    moderate_comment(moderator, others, "approve")
    pending = write(alice, "Words of Alice, waiting")
    comment = own if rule.endpoint in ("discussion.edit", "discussion.delete") else others
    values = {"slug": SLUG, "finding_id": FINDING, "comment_id": comment.id,
              "member_id": alice.id, "action": "hide" if "comment" in rule.rule else "ban"}
    url = rule_url(app, rule, values, method="POST")
    data = {"body": "Changed words", "release": "1", "reason": "spam",
            "comment_id": str(pending.id)}
    client = browser_of(app, moderator)
    before = database_rows()

    response = client.post(url, data=data)
    assert response.status_code == 400
    assert "did not come from this site" in response.text
    assert database_rows() == before

    # With the page's token the same request goes through: the check above is not vacuous.
    token = input_values(page_text(client))["csrf_token"]
    assert client.post(url, data={**data, "csrf_token": token}).status_code == 302
    assert database_rows() != before


# -- the queue -----------------------------------------------------------------------------


def flag_by_members(comment, count, reason=FlagReason.ABUSE):
    for number in range(count):
        flag_comment(make_member(f"flagger{number}@example.org"), comment, reason, None)


def queue_item(page: str, comment) -> str:
    """The HTML of one comment's item in the queue."""
    return page.split(f'id="queue-{comment.id}"')[1].split('<li class="queue-item"')[0]


def test_queue_shows_pending_and_flagged_comments_oldest_first_with_their_thread(
        app, moderator, alice):
    flagged = write(moderator, "Flagged by three members")
    top = write(moderator, "The comment above")
    first = write(alice, "First pending reply", top)
    second = write(alice, "Second pending comment")
    write(moderator, "A visible comment nobody flagged")
    flag_by_members(flagged, FLAGS_TO_HIDE)

    page = browser_of(app, moderator).get("/moderation/").text
    order = [int(n) for n in re.findall(r'<li class="queue-item" id="queue-(\d+)"', page)]
    assert order == [flagged.id, first.id, second.id]
    assert "A visible comment nobody flagged" not in page
    first_item = queue_item(page, first)
    assert "In reply to" in first_item and "The comment above" in first_item
    assert "waiting for approval" in first_item
    flagged_item = queue_item(page, flagged)
    assert f"hidden by {FLAGS_TO_HIDE} flags" in flagged_item
    assert f"Abusive or hateful ({FLAGS_TO_HIDE})" in flagged_item


def test_empty_queue_says_so(app, moderator):
    assert "The queue is empty." in browser_of(app, moderator).get("/moderation/").text


def test_one_flag_puts_a_comment_in_the_queue_with_its_reasons(app, moderator, alice, bob):
    comment = write(moderator, "Flagged once")
    client = browser_of(app, make_member("mod2@example.org", Role.ADMIN, "Zweite"))
    assert "The queue is empty." in client.get("/moderation/").text
    flag_comment(alice, comment, FlagReason.OFF_TOPIC, "not about XING")
    page = client.get("/moderation/").text
    item = queue_item(page, comment)
    assert "1 open flag" in item and "Off topic (1)" in item and "not about XING" in item
    flag_comment(bob, comment, FlagReason.SPAM, None)
    item = queue_item(client.get("/moderation/").text, comment)
    assert "2 open flags" in item and "Off topic (1)" in item and "Spam or advertising (1)" in item
    assert "Flagged once" in page_text(browser_of(app))  # still shown until the third flag


def test_the_queue_filters_and_sorts(app, moderator, alice, bob):
    pending = write(alice, "Waiting words")
    flagged = write(moderator, "Flagged words")
    hidden = write(moderator, "Hidden words")
    much_flagged = write(moderator, "Flagged twice")
    flag_comment(alice, flagged, FlagReason.SPAM, None)
    flag_comment(alice, much_flagged, FlagReason.SPAM, None)
    flag_comment(bob, much_flagged, FlagReason.ABUSE, None)
    moderate_comment(make_member("admin2@example.org", Role.ADMIN), hidden, "hide", "spam")
    client = browser_of(app, moderator)

    def shown(query):
        page = client.get("/moderation/", query_string=query).text
        return [int(n) for n in re.findall(r'<li class="queue-item" id="queue-(\d+)"', page)]

    assert shown({}) == [pending.id, flagged.id, much_flagged.id]
    assert shown({"show": "flagged"}) == [flagged.id, much_flagged.id]
    assert shown({"show": "pending"}) == [pending.id]
    assert shown({"show": "hidden"}) == [hidden.id]
    assert shown({"sort": "newest"}) == [much_flagged.id, flagged.id, pending.id]
    assert shown({"sort": "flags"}) == [much_flagged.id, flagged.id, pending.id]
    assert shown({"show": "nonsense", "sort": "nonsense", "page": "x"}) == shown({})
    page = client.get("/moderation/", query_string={"show": "flagged"}).text
    assert re.search(r'aria-current="page">Flagged \(2\)</a>', page)
    assert "Waiting for approval (1)" in page and "Hidden (1)" in page


def test_each_item_shows_its_finding_the_comment_it_answers_and_the_authors_record(
        app, moderator, alice):
    top = write(moderator, "The question above")
    earlier = write(alice, "An earlier comment")
    moderate_comment(moderator, earlier, "approve")
    removed = write(alice, "A removed comment")
    moderate_comment(moderator, removed, "hide", "spam")
    flag_comment(make_member("flagger@example.org"), earlier, FlagReason.SPAM, None)
    reply = write(alice, "Alice replies", top)
    item = queue_item(browser_of(app, moderator).get("/moderation/").text, reply)
    assert "Is LinkedIn responsible" in item or "LinkedIn" in item  # the finding's title
    assert "In reply to" in item and "The question above" in item
    assert "Moderatorin" in item and '<span class="badge">Moderator</span>' in item
    assert f'href="/findings/{SLUG}/{FINDING}#comment-{top.id}"' in item
    assert "approved 1, hidden 1, flags received 1" in item


def test_the_item_links_a_visible_comment_in_its_thread(app, moderator, alice):
    comment = write(moderator, "Visible and flagged")
    flag_comment(alice, comment, FlagReason.SPAM, None)
    item = queue_item(browser_of(app, moderator).get("/moderation/").text, comment)
    assert f'href="/findings/{SLUG}/{FINDING}#comment-{comment.id}">View in the thread' in item


def test_approving_is_one_click_without_a_reason(app, moderator, alice):
    comment = write(alice, "Approve me")
    page = browser_of(app, moderator).get("/moderation/").text
    item = queue_item(page, comment)
    approve = re.search(r'<form method="post" action="([^"]+)" class="quick">(.*?)</form>', item,
                        re.S)
    assert approve and approve.group(1).endswith(f"/comments/{comment.id}/approve")
    assert "<input" not in approve.group(2).replace('<input type="hidden" name="csrf_token"', "")
    response = browser_of(app, moderator).post(approve.group(1))
    assert response.status_code == 302
    assert fresh(Comment, comment.id).status == CommentStatus.VISIBLE
    assert [(e.action, e.reason) for e in log_entries()] == [("approve", None)]


def test_dismissing_flags_is_logged_and_later_flags_of_the_same_members_count(
        app, moderator, alice):
    comment = write(alice, "Flagged unfairly")
    moderate_comment(moderator, comment, "approve")
    flaggers = [make_member(f"flagger{n}@example.org") for n in range(FLAGS_TO_HIDE)]
    for flagger in flaggers[:2]:
        flag_comment(flagger, comment, FlagReason.ABUSE, None)
    client = browser_of(app, moderator)
    assert act(client, comment, "dismiss") == ["Done: flags dismissed."]
    assert f'id="queue-{comment.id}"' not in client.get("/moderation/").text
    assert [e.action for e in log_entries()] == ["approve", "dismiss_flags"]
    rows = table_rows(client.get("/moderation/log").text)
    assert rows[1][1:4] == ["Moderatorin", "flags dismissed", f"#{comment.id}"]

    for flagger in flaggers[:2]:  # the same members flag it again: their flags count anew
        flag_comment(flagger, comment, FlagReason.ABUSE, None)
    assert f'id="queue-{comment.id}"' in client.get("/moderation/").text
    assert fresh(Comment, comment.id).status == CommentStatus.VISIBLE
    assert flag_comment(flaggers[2], comment, FlagReason.ABUSE, None) is True  # the third
    assert fresh(Comment, comment.id).status == CommentStatus.HIDDEN
    db.session.rollback()
    assert db.session.scalar(select(func.count(Flag.id))) == 5


def test_a_member_cannot_flag_twice_while_the_first_flag_is_open(app, moderator, alice):
    comment = write(moderator, "Flag me once")
    flag_comment(alice, comment, FlagReason.SPAM, None)
    with pytest.raises(DiscussionError, match="already_flagged"):
        flag_comment(alice, comment, FlagReason.ABUSE, None)


def test_dismissing_the_flags_that_hid_a_comment_shows_it_again(app, moderator, alice):
    comment = write(alice, "Hidden by flags")
    moderate_comment(moderator, comment, "approve")
    flag_by_members(comment, FLAGS_TO_HIDE)
    moderate_comment(moderator, fresh(Comment, comment.id), "dismiss")
    assert fresh(Comment, comment.id).status == CommentStatus.VISIBLE
    assert "Hidden by flags" in page_text(browser_of(app))


def test_several_comments_are_approved_at_once(app, moderator, admin, alice, bob):
    ones = [write(alice, "First of Alice"), write(bob, "First of Bob")]
    staff_comment = write(make_member("mod2@example.org", Role.MODERATOR), "Visible already")
    left_alone = write(alice, "Not ticked")
    client = browser_of(app, moderator)
    page = client.get("/moderation/").text
    assert page.count('form="bulk" name="comment_id"') == 3  # the pending ones only
    response = client.post("/moderation/approve",
                           data={"comment_id": [str(c.id) for c in ones] + [str(staff_comment.id)]})
    assert response.status_code == 302
    assert flashed(client) == ["Approved: 2. Left as they were: 1."]
    assert [fresh(Comment, c.id).status for c in ones] == [CommentStatus.VISIBLE] * 2
    assert fresh(Comment, left_alone.id).status == CommentStatus.PENDING
    assert [e.action for e in log_entries()] == ["approve", "approve"]
    assert client.post("/moderation/approve", data={}).status_code == 302
    assert flashed(client) == ["Tick the comments to approve first."]


def test_banning_from_the_queue_needs_a_reason_and_returns_to_it(app, moderator, alice):
    comment = write(alice, "Spam spam")
    client = browser_of(app, moderator)
    url = f"/moderation/members/{alice.id}/ban?comment={comment.id}"
    refused = client.post(url, data={"preset": "", "reason": ""})
    assert refused.status_code == 422
    assert "Please give a reason for the ban." in queue_item(refused.text, comment)
    assert not fresh(User, alice.id).is_banned
    done = client.post(url, data={"preset": "spam", "reason": ""})
    assert done.status_code == 302 and done.headers["Location"] == "/moderation/"
    assert fresh(User, alice.id).is_banned
    assert log_entries()[-1].reason == "spam"


def test_staff_comments_carry_a_badge(app, moderator, admin, alice):
    for author, body in ((moderator, "Said by a moderator"), (admin, "Said by an admin")):
        write(author, body)
    moderate_comment(moderator, write(alice, "Said by a member"), "approve")
    page = page_text(browser_of(app))
    badges = re.findall(r'<strong>([^<]+)</strong> <span class="badge">([^<]+)</span>', page)
    assert sorted(badges) == [("Adminin", "Admin"), ("Moderatorin", "Moderator")]
    assert "Alice</strong> <span" not in page


# -- actions on comments -------------------------------------------------------------------


def act(client, comment, action, reason=""):
    response = client.post(f"/moderation/comments/{comment.id}/{action}",
                           data={"reason": reason, "note": ""})
    assert response.status_code == 302
    assert response.headers["Location"] == "/moderation/"
    return flashed(client)


def test_approve_hide_restore_and_delete_change_what_readers_see(app, moderator, alice):
    comment = write(alice, "Words under review")
    client, reader = browser_of(app, moderator), browser_of(app)
    assert "Words under review" not in page_text(reader)

    assert act(client, comment, "approve") == ["Done: approved."]
    assert "Words under review" in page_text(reader)

    assert act(client, comment, "hide", "insults a respondent") == ["Done: hidden."]
    assert "Words under review" not in page_text(reader)
    assert "Words under review" not in page_text(browser_of(app, make_member("x@example.org")))
    assert fresh(Comment, comment.id).status == CommentStatus.HIDDEN

    assert act(client, comment, "restore") == ["Done: restored."]
    assert "Words under review" in page_text(reader)

    assert act(client, comment, "delete", "on second thought") == ["Done: deleted."]
    assert "Words under review" not in page_text(reader)
    assert fresh(Comment, comment.id).status == CommentStatus.DELETED
    assert [e.action for e in log_entries()] == ["approve", "hide", "restore", "delete"]


@pytest.mark.parametrize("reason", ["", "   "])
def test_hiding_needs_a_reason_and_changes_nothing_without_one(app, moderator, alice, reason):
    comment = write(alice, "Still here")
    moderate_comment(moderator, comment, "approve")
    flag_by_members(comment, 1)
    client = browser_of(app, moderator)
    response = client.post(f"/moderation/comments/{comment.id}/hide",
                           data={"preset": "", "reason": reason})
    assert response.status_code == 422
    item = queue_item(response.text, comment)
    field = f'id="reason-{comment.id}-reason"'
    assert REASON_MESSAGE in item and f'id="reason-{comment.id}-error"' in item
    assert re.search(rf'<select id="reason-{comment.id}-preset"[^>]*aria-invalid="true"', item)
    assert field in item and 'role="alert"' in response.text
    assert fresh(Comment, comment.id).status == CommentStatus.VISIBLE
    assert "Still here" in page_text(browser_of(app))
    assert [e.action for e in log_entries()] == ["approve"]


def test_a_refused_reason_comes_back_as_typed(app, moderator, alice):
    comment = write(alice, "Still here")
    too_long = "Rude " * 101
    response = browser_of(app, moderator).post(
        f"/moderation/comments/{comment.id}/hide", data={"reason": too_long})
    assert response.status_code == 422
    item = queue_item(response.text, comment)
    assert f'value="{too_long}"' in item and "500" in item
    assert fresh(Comment, comment.id).status == CommentStatus.PENDING
    assert log_entries() == []


def test_hiding_takes_a_preset_reason_and_the_author_reads_it_in_their_language(
        app, moderator, alice):
    comment = write(alice, "Words that break the rules")
    moderate_comment(moderator, comment, "approve")
    client = browser_of(app, moderator)
    assert client.post(f"/moderation/comments/{comment.id}/hide",
                       data={"preset": "off_topic", "reason": ""}).status_code == 302
    assert log_entries()[-1].reason == "off_topic"
    author = browser_of(app, alice)
    own = page_text(author)
    assert "Words that break the rules" in own and "Reason: Off topic" in own
    assert "hidden by moderators: only you see it" in own
    german = author.get("/account?lang=de").text
    assert "Grund: Am Thema vorbei" in german
    assert "Words that break the rules" not in page_text(browser_of(app))


def test_written_words_win_over_a_preset(app, moderator, alice):
    comment = write(alice, "Words")
    browser_of(app, moderator).post(f"/moderation/comments/{comment.id}/hide",
                                    data={"preset": "spam", "reason": "names a colleague"})
    assert log_entries()[-1].reason == "names a colleague"
    assert "Reason: names a colleague" in browser_of(app, alice).get("/account").text


def test_hidden_comment_with_replies_leaves_a_placeholder(app, moderator, alice):
    top = write(alice, "Hidden words")
    moderate_comment(moderator, top, "approve")
    reply = write(moderator, "The reply stays", top)
    act(browser_of(app, moderator), top, "hide", "off topic")
    page = page_text(browser_of(app))
    assert "Hidden words" not in page
    assert "[hidden by moderation]" in page
    assert reply.id in comment_ids(page) and "The reply stays" in page


def test_restoring_a_flagged_comment_takes_it_out_of_the_queue(app, moderator, alice):
    comment = write(alice, "Flagged unfairly")
    moderate_comment(moderator, comment, "approve")
    flag_by_members(comment, FLAGS_TO_HIDE)
    client = browser_of(app, moderator)
    assert f'id="queue-{comment.id}"' in client.get("/moderation/").text
    act(client, comment, "restore")
    assert f'id="queue-{comment.id}"' not in client.get("/moderation/").text
    assert "Flagged unfairly" in page_text(browser_of(app))


@pytest.mark.parametrize(("author_role", "actor_role", "allowed"), [
    (Role.MODERATOR, Role.MODERATOR, False),
    (Role.MODERATOR, Role.ADMIN, True),
    (Role.ADMIN, Role.MODERATOR, False),
    (Role.ADMIN, Role.ADMIN, True),  # another admin: else nobody could restore it
])
def test_staff_comments_hidden_by_flags_are_reviewed_by_a_higher_role(
        app, release, author_role, actor_role, allowed):
    author = make_member("author@example.org", author_role)
    actor = make_member("actor@example.org", actor_role)
    comment = write(author, "Flagged staff words")
    flag_by_members(comment, FLAGS_TO_HIDE)
    assert act(browser_of(app, actor), comment, "restore") == (
        ["Done: restored."] if allowed else [NOT_ALLOWED])
    assert ("Flagged staff words" in page_text(browser_of(app))) == allowed


def test_nobody_moderates_their_own_comment(app, admin, alice):
    comment = write(admin, "My own flagged words")
    flag_by_members(comment, FLAGS_TO_HIDE)
    assert act(browser_of(app, admin), comment, "restore") == [NOT_ALLOWED]
    assert fresh(Comment, comment.id).status == CommentStatus.HIDDEN


# -- bans ----------------------------------------------------------------------------------


def ban(client, member, action="ban", reason="spam again"):
    response = client.post(f"/moderation/members/{member.id}/{action}",
                           data={"reason": reason})
    assert response.status_code == 302
    return flashed(client)


def test_ban_hides_pending_comments_and_stops_new_ones_and_unban_allows_again(
        app, moderator, alice):
    pending = write(alice, "Pending when banned")
    moderator_client, member_client = browser_of(app, moderator), browser_of(app, alice)
    assert ban(moderator_client, alice) == ["Done: banned."]
    assert fresh(User, alice.id).is_banned
    assert fresh(Comment, pending.id).status == CommentStatus.HIDDEN
    assert "Pending when banned" not in page_text(member_client)
    assert "Pending when banned" not in moderator_client.get("/moderation/").text
    response = post_form(member_client, "Banned but trying")
    assert refusal(response, "Banned but trying") == "You are banned from posting comments."
    assert "Banned but trying" not in page_text(moderator_client)

    assert ban(moderator_client, alice, "unban") == ["Done: ban lifted."]
    assert not fresh(User, alice.id).is_banned
    assert post_form(member_client, "Allowed again").status_code == 302
    assert "Allowed again" in page_text(member_client)
    assert "You are banned" not in page_text(member_client)


def test_members_page_finds_members_and_shows_bans(app, moderator, alice):
    set_ban(moderator, alice, True, "spam")
    page = browser_of(app, moderator).get("/moderation/members", query_string={"q": "ALI"})
    rows = table_rows(page.text)
    assert [row[0] for row in rows[1:]] == ["Alice"]
    assert "banned" in rows[1][2]


@pytest.mark.parametrize(("actor_role", "target_role", "allowed"), [
    (Role.MODERATOR, Role.MEMBER, True),
    (Role.MODERATOR, Role.MODERATOR, False),
    (Role.MODERATOR, Role.ADMIN, False),
    (Role.ADMIN, Role.MODERATOR, True),
    (Role.ADMIN, Role.ADMIN, False),
])
def test_who_may_ban_whom(app, release, actor_role, target_role, allowed):
    actor = make_member("actor@example.org", actor_role)
    target = make_member("target@example.org", target_role)
    messages = ban(browser_of(app, actor), target)
    assert messages == (["Done: banned."] if allowed else [NOT_ALLOWED])
    assert fresh(User, target.id).is_banned == allowed
    assert len(log_entries()) == (1 if allowed else 0)


def test_nobody_bans_themselves(app, moderator):
    assert ban(browser_of(app, moderator), moderator) == [NOT_ALLOWED]
    assert not fresh(User, moderator.id).is_banned


# -- the audit log -------------------------------------------------------------------------


def test_every_action_appears_in_the_log_with_who_what_which_when_and_why(
        app, moderator, admin, alice):
    comment = write(alice, "Logged words")
    client = browser_of(app, moderator)
    act(client, comment, "approve")
    act(client, comment, "hide", "names a colleague")
    act(client, comment, "restore")
    act(client, comment, "delete", "spam link")
    ban(client, alice, reason="repeated spam")
    ban(client, alice, "unban", reason="promised to behave")
    flagged = write(admin, "Flagged words")
    flag_by_members(flagged, FLAGS_TO_HIDE)
    own = write(moderator, "Deleted by its author")
    client.post(f"/comments/{own.id}/delete")

    rows = table_rows(client.get("/moderation/log").text)
    assert rows[0] == ["When", "Who", "What", "Comment", "Member", "Why"]
    entries = [row[1:] for row in reversed(rows[1:])]  # oldest first, without the time
    assert entries == [
        ["Moderatorin", "approved", f"#{comment.id}", "Alice", ""],
        ["Moderatorin", "hidden", f"#{comment.id}", "Alice", "names a colleague"],
        ["Moderatorin", "restored", f"#{comment.id}", "Alice", ""],
        ["Moderatorin", "deleted", f"#{comment.id}", "Alice", "spam link"],
        ["Moderatorin", "banned", "", "Alice", "repeated spam"],
        ["Moderatorin", "ban lifted", "", "Alice", "promised to behave"],
        ["the system", "hidden by three flags", f"#{flagged.id}", "", f"{FLAGS_TO_HIDE} flags"],
        ["Moderatorin", "deleted by its author", f"#{own.id}", "", ""],
    ]
    assert all(re.fullmatch(r"\d+/\d+/\d+, \d+:\d+\s?[AP]M", row[0]) for row in rows[1:]), rows
    assert [(e.actor_id, e.action) for e in log_entries()] == [
        (moderator.id, "approve"), (moderator.id, "hide"), (moderator.id, "restore"),
        (moderator.id, "delete"), (moderator.id, "ban"), (moderator.id, "unban"),
        (None, "auto_hide"), (moderator.id, "author_delete")]


def test_log_has_pages(app, moderator, alice):
    for number in range(51):
        set_ban(moderator, alice, number % 2 == 0, f"round {number}")
    client = browser_of(app, moderator)
    first = table_rows(client.get("/moderation/log").text)
    assert len(first) == 51 and first[1][-1] == "round 50"
    second = table_rows(client.get("/moderation/log?page=2").text)
    assert [row[-1] for row in second[1:]] == ["round 0"]
    for page in ("0", "99999999999999999999", "x"):
        assert client.get("/moderation/log", query_string={"page": page}).status_code == 200


# -- the log is append-only ----------------------------------------------------------------


@pytest.fixture
def entry(moderator, alice):
    set_ban(moderator, alice, True, "the original reason")
    return log_entries()[0]


def assert_unchanged(entry_id):
    kept = fresh(ModerationAction, entry_id)
    assert kept is not None
    assert (kept.action, kept.reason) == ("ban", "the original reason")


def test_orm_cannot_change_a_log_entry(entry):
    entry.reason = "rewritten history"
    with pytest.raises(AppendOnlyError):
        db.session.commit()
    db.session.rollback()
    assert_unchanged(entry.id)


def test_orm_cannot_delete_a_log_entry(entry):
    db.session.delete(entry)
    with pytest.raises(AppendOnlyError):
        db.session.commit()
    db.session.rollback()
    assert_unchanged(entry.id)


@pytest.mark.parametrize("statement", [
    "UPDATE moderation_action SET reason = 'rewritten history'",
    "UPDATE moderation_action SET actor_id = NULL WHERE id = :id",
    "DELETE FROM moderation_action WHERE id = :id",
    "DELETE FROM moderation_action",
])
def test_database_refuses_to_change_or_delete_log_entries(entry, statement):
    assert_database_refuses(statement, {"id": entry.id}, match="append-only")
    assert_unchanged(entry.id)


@pytest.mark.parametrize("statement", [
    update(ModerationAction).values(reason="rewritten history"),
    delete(ModerationAction),
], ids=["update", "delete"])
def test_bulk_orm_statements_are_refused_by_the_database(entry, statement):
    assert_database_refuses(statement, match="append-only")
    assert_unchanged(entry.id)


def test_new_entries_can_still_be_added(entry, moderator, alice):
    set_ban(moderator, alice, False, "lifted")
    assert [e.action for e in log_entries()] == ["ban", "unban"]


SOURCES = sorted([*(ROOT / "survey").rglob("*.py"), *(ROOT / "reports").rglob("*.py"),
                  *(ROOT / "templates").rglob("*.html"), ROOT / "app.py"])
CHANGING_THE_LOG = re.compile(
    r"(update|delete)\(\s*ModerationAction\b"
    r"|(UPDATE|DELETE\s+FROM)\s+\"?moderation_action\b"
    r"|session\.delete\(\s*(action|entry|log_entry)\b"
    r"|\.query\(\s*ModerationAction\b",
    re.IGNORECASE)


def test_the_scan_finds_what_it_looks_for():
    for line in ("db.session.execute(update(ModerationAction).values(x=1))",
                 "delete( ModerationAction)", 'text("DELETE FROM moderation_action")',
                 "UPDATE moderation_action SET", "ModerationAction.query(ModerationAction)"):
        assert CHANGING_THE_LOG.search(line), line


def test_no_code_path_changes_or_deletes_log_entries():
    assert len(SOURCES) > 20 and ROOT / "survey" / "discussion" / "moderation.py" in SOURCES
    offending = [f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
                 for path in SOURCES
                 for number, line in enumerate(path.read_text().splitlines(), start=1)
                 if CHANGING_THE_LOG.search(line)]
    assert offending == []


# -- transparency --------------------------------------------------------------------------

REASON_LABELS = ["Spam or advertising", "Abusive or hateful", "Off topic",
                 "Singles out or identifies a person", "Something else"]


def test_transparency_counts_each_month_without_names(app, moderator, admin, alice):
    client = browser_of(app)
    assert "Nothing to report yet." in client.get("/transparency").text
    one = write(moderator, "One")
    two = write(moderator, "Two")
    three = write(moderator, "Three")
    write(alice, "Four, pending")
    flag_by_members(one, 2, FlagReason.SPAM)
    flag_comment(alice, one, FlagReason.IDENTIFIES_PERSON, "my neighbour")  # the third: hidden
    flag_comment(alice, two, FlagReason.OFF_TOPIC, None)
    moderate_comment(admin, two, "hide", "strays from the finding")
    moderate_comment(admin, three, "delete", "spam")
    set_ban(moderator, alice, True, "spam")
    set_ban(moderator, alice, False, "fine again")

    page = client.get("/transparency")
    assert page.status_code == 200
    rows = table_rows(page.text)
    assert rows[0] == ["Month", "Comments posted", "Hidden", "Deleted",
                       *[f"Flags: {label}" for label in REASON_LABELS], "Bans"]
    [month] = rows[1:]
    this_month = fresh(Comment, one.id).created_at.strftime("%Y-%m")
    this_month = babel_date(date.fromisoformat(this_month + "-01"), "LLLL yyyy", locale="en")
    assert month == [this_month, "4", "2", "1", "2", "0", "1", "1", "0", "1"]

    db.session.rollback()
    for user in db.session.scalars(select(User)):
        assert user.email not in page.text
        assert user.display_name not in page.text
    assert "my neighbour" not in page.text and "strays from the finding" not in page.text


def test_transparency_counts_flags_of_every_reason(app, moderator):
    comments = [write(moderator, f"Comment {n}") for n in range(len(FlagReason))]
    for comment, reason in zip(comments, FlagReason, strict=True):
        flag_comment(make_member(f"{reason.value.replace('_', '-')}@example.org"), comment,
                     reason, None)
    [month] = table_rows(browser_of(app).get("/transparency").text)[1:]
    assert month[4:9] == ["1"] * len(FlagReason)
    db.session.rollback()
    assert db.session.scalar(select(func.count(Flag.id))) == len(FlagReason)
