"""Comments under a finding: posting, replying, Markdown, editing, deleting, approval of new
members, flags, order and pages of the thread, a member's page, and what others may not do."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from survey.discussion.comments import (
    APPROVALS_BEFORE_TRUST,
    EDIT_WINDOW,
    FLAGS_TO_HIDE,
    MAX_DEPTH,
    MAX_LENGTH,
    THREADS_PER_PAGE,
    post_comment,
)
from survey.discussion.models import Comment, CommentStatus, Flag, FlagReason
from survey.discussion.moderation import moderate_comment, set_ban
from survey.discussion.queue import review_queue
from survey.extensions import db
from survey.models import Role, utcnow
from survey.surveys import find_survey
from tests.helpers.discussion import (
    FINDING,
    PAGE,
    SLUG,
    another_release,
    browser_of,
    comment_ids,
    flashed,
    make_member,
    page_text,
    post_form,
    refusal,
)


def write(author, body, parent=None, release_number=1) -> Comment:
    """A comment written through the service (pending or visible, as the author's trust says)."""
    return post_comment(author, find_survey(SLUG), FINDING, release_number, body,
                        parent.id if parent is not None else None)


def visible(author, body, parent=None, moderator=None, release_number=1) -> Comment:
    """A comment everyone sees: approved by `moderator` when the author is not trusted yet."""
    comment = write(author, body, parent, release_number)
    if comment.status == CommentStatus.PENDING:
        moderate_comment(moderator, comment, "approve")
    assert comment.status == CommentStatus.VISIBLE
    return comment


def fresh(model, ident):
    """A row as the database holds it now (the test's session may hold an older snapshot)."""
    db.session.rollback()
    return db.session.get(model, ident)


def meta_of(page: str, comment_id: int) -> str:
    """The line above a comment's body: author, time, release, edited, pending."""
    return re.search(rf'id="comment-{comment_id}-meta">(.*?)</p>', page, re.DOTALL).group(1)


def stored_comments() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count(Comment.id)))


def last_comment() -> Comment:
    db.session.rollback()
    return db.session.scalar(select(Comment).order_by(Comment.id.desc()).limit(1))


# -- posting and replying ------------------------------------------------------------------


def test_comment_and_replies_nest_three_levels_and_a_fourth_is_refused(app, moderator):
    client = browser_of(app, moderator)
    response = post_form(client, "Top level thought")
    assert response.status_code == 302
    top = last_comment()
    assert response.headers["Location"].endswith(f"{PAGE}#comment-{top.id}")
    assert (top.depth, top.status, top.release_number) == (1, CommentStatus.VISIBLE, 1)

    parent = top
    for depth in range(2, MAX_DEPTH + 1):
        assert post_form(client, f"Reply at depth {depth}", parent_id=parent.id).status_code == 302
        parent = last_comment()
        assert parent.depth == depth

    page = page_text(client)
    for text in ("Top level thought", "Reply at depth 2", "Reply at depth 3"):
        assert text in page
    assert f'class="comment depth-3" id="comment-{parent.id}"' in page
    # The deepest comment offers no reply form; posting a reply to it anyway is refused.
    assert f'name="parent_id" value="{parent.id}"' not in page
    assert f'name="parent_id" value="{top.id}"' in page

    before = stored_comments()
    response = post_form(client, "Reply at depth 4", parent_id=parent.id)
    assert refusal(response, "Reply at depth 4") == "Replies can be nested only three levels deep."
    assert stored_comments() == before
    assert "Reply at depth 4" not in page_text(client)


def test_reply_counts_are_kept_for_the_parent(app, moderator, alice):
    top = visible(moderator, "Parent")
    visible(alice, "First reply", top, moderator)
    visible(moderator, "Second reply", top)
    assert fresh(Comment, top.id).reply_count == 2


def test_comment_remembers_the_release_it_was_written_on(app, moderator, release):
    client = browser_of(app, moderator)
    assert post_form(client, "Written on the first release").status_code == 302
    first = last_comment()
    another_release()
    # The page now shows release 2 and its form names release 2.
    page = page_text(client)
    assert 'name="release" value="2"' in page
    assert post_form(client, "Written on the second release", release=2).status_code == 302
    second = last_comment()

    assert (fresh(Comment, first.id).release_number, second.release_number) == (1, 2)
    page = page_text(client)
    assert "on release 1" in meta_of(page, first.id)
    assert "on release 2" in meta_of(page, second.id)


@pytest.mark.parametrize("release_value", ["7", "0", "²", "99999999999999999999", "", "one"])
def test_a_comment_on_a_release_that_does_not_exist_is_refused(app, moderator, release_value):
    client = browser_of(app, moderator)
    response = post_form(client, "Which release?", release=release_value)
    assert response.status_code == 400
    assert stored_comments() == 0


@pytest.mark.parametrize("parent_value", ["²", "99999999999999999999", "-1", "x"])
def test_a_tampered_parent_is_refused_without_error(app, moderator, parent_value):
    client = browser_of(app, moderator)
    response = post_form(client, "Whose reply?", parent_id=parent_value)
    assert response.status_code == 400
    assert stored_comments() == 0


def test_a_reply_to_a_missing_comment_is_refused_with_a_message(app, moderator):
    client = browser_of(app, moderator)
    response = post_form(client, "A reply to nothing", parent_id=12345)
    assert refusal(response, "A reply to nothing") == (
        "The comment you replied to is no longer there.")
    assert stored_comments() == 0


def test_comments_on_an_unknown_finding_are_not_found(app, moderator):
    client = browser_of(app, moderator)
    assert post_form(client, "Lost", finding_url=f"/discussion/{SLUG}/no-such").status_code == 404
    assert post_form(client, "Lost", finding_url=f"/discussion/nobody/{FINDING}").status_code == 404
    assert stored_comments() == 0


# -- Markdown ------------------------------------------------------------------------------

MARKDOWN = """\
Some *emphasis* and **strong** words.

- first item
- second item

1. one
2. two

> a quoted line

Inline `code()` and a block:

```
print("hi")
```

A [link](https://example.org/page "Title") and ![an image](https://example.org/i.png).
"""


def test_markdown_renders_safely_with_nofollow_links_and_no_images(app, moderator):
    visible(moderator, MARKDOWN)
    page = page_text(browser_of(app))
    body = page.split('<div class="comment-body">')[1].split("</div>")[0]
    assert "<em>emphasis</em>" in body and "<strong>strong</strong>" in body
    assert "<ul>\n<li>first item</li>\n<li>second item</li>\n</ul>" in body
    assert "<ol>\n<li>one</li>\n<li>two</li>\n</ol>" in body
    assert "<blockquote>\n<p>a quoted line</p>\n</blockquote>" in body
    assert "<code>code()</code>" in body
    assert '<pre><code>print("hi")\n</code></pre>' in body
    [link] = re.findall(r"<a [^>]*>link</a>", body)
    assert 'href="https://example.org/page"' in link
    assert 'rel="nofollow ugc noopener"' in link
    assert 'title="Title"' in link
    assert "<img" not in page.split('id="discussion"')[1]


def test_raw_html_is_shown_as_text(app, moderator):
    visible(moderator, "<b>bold?</b> <script>alert(1)</script>")
    page = page_text(browser_of(app))
    assert "&lt;b&gt;bold?&lt;/b&gt; &lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)" not in page


def test_too_long_comment_is_refused_with_a_clear_message(app, moderator):
    client = browser_of(app, moderator)
    response = post_form(client, "x" * (MAX_LENGTH + 1))
    assert refusal(response, "x" * (MAX_LENGTH + 1)) == (
        f"Please keep it to {MAX_LENGTH} characters.")
    assert stored_comments() == 0
    assert post_form(client, "x" * MAX_LENGTH).status_code == 302
    assert stored_comments() == 1


@pytest.mark.parametrize("body", ["", "   \n  "])
def test_empty_comment_is_refused_with_a_clear_message(app, moderator, body):
    client = browser_of(app, moderator)
    assert refusal(post_form(client, body), body) == "Please write something."
    assert stored_comments() == 0


def test_comment_with_nul_is_refused(app, moderator):
    client = browser_of(app, moderator)
    response = post_form(client, "before\x00after")
    assert refusal(response, "before\x00after") == (
        "The text contains a character that is not allowed.")
    assert stored_comments() == 0


# -- editing -------------------------------------------------------------------------------


def test_author_edits_within_fifteen_minutes_and_the_comment_shows_edited(app, moderator):
    comment = visible(moderator, "First version")
    client = browser_of(app, moderator)
    assert "edited" not in page_text(client).split('id="discussion"')[1]
    form = client.get(f"/comments/{comment.id}/edit")
    assert form.status_code == 200 and "First version" in form.text

    response = client.post(f"/comments/{comment.id}/edit", data={"body": "Second *version*"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"#comment-{comment.id}")
    page = page_text(browser_of(app))
    assert "Second <em>version</em>" in page and "First version" not in page
    assert "<em>edited</em>" in page
    assert fresh(Comment, comment.id).edited_at is not None


def test_edit_that_is_too_long_is_refused_and_keeps_the_comment(app, moderator):
    comment = visible(moderator, "Short")
    client = browser_of(app, moderator)
    response = client.post(f"/comments/{comment.id}/edit", data={"body": "y" * (MAX_LENGTH + 1)})
    assert response.status_code == 422
    assert f"Please keep it to {MAX_LENGTH} characters." in response.text
    assert fresh(Comment, comment.id).body == "Short"


def test_editing_after_fifteen_minutes_is_refused(app, moderator):
    comment = visible(moderator, "Old words")
    db.session.execute(update(Comment).where(Comment.id == comment.id).values(
        created_at=utcnow() - EDIT_WINDOW - timedelta(seconds=5)))
    db.session.commit()
    client = browser_of(app, moderator)
    assert f"/comments/{comment.id}/edit" not in page_text(client)
    assert client.get(f"/comments/{comment.id}/edit").status_code == 403
    response = client.post(f"/comments/{comment.id}/edit", data={"body": "New words"})
    assert response.status_code == 403
    assert fresh(Comment, comment.id).body == "Old words"


def test_editing_just_within_the_window_works(app, moderator):
    comment = visible(moderator, "Old words")
    db.session.execute(update(Comment).where(Comment.id == comment.id).values(
        created_at=utcnow() - EDIT_WINDOW + timedelta(seconds=30)))
    db.session.commit()
    client = browser_of(app, moderator)
    assert client.post(f"/comments/{comment.id}/edit",
                       data={"body": "New words"}).status_code == 302
    assert fresh(Comment, comment.id).body == "New words"


# -- deleting ------------------------------------------------------------------------------


def test_deleting_own_comment_without_replies_removes_it(app, moderator):
    comment = visible(moderator, "Regrettable words")
    client = browser_of(app, moderator)
    response = client.post(f"/comments/{comment.id}/delete")
    assert response.status_code == 302
    assert flashed(client) == ["Your comment has been deleted."]
    page = page_text(browser_of(app))
    assert "Regrettable words" not in page
    assert f'id="comment-{comment.id}"' not in page
    assert "[deleted]" not in page
    assert "No comments yet." in page
    assert fresh(Comment, comment.id).status == CommentStatus.DELETED


def test_deleting_a_comment_with_replies_leaves_a_placeholder(app, moderator, alice):
    top = visible(alice, "Regrettable words", moderator=moderator)
    reply = visible(moderator, "A reply worth keeping", top)
    client = browser_of(app, alice)
    assert client.post(f"/comments/{top.id}/delete").status_code == 302
    page = page_text(browser_of(app))
    assert "Regrettable words" not in page
    assert "[deleted]" in page
    assert "A reply worth keeping" in page
    assert comment_ids(page) == [top.id, reply.id]
    # The placeholder shows neither the author nor a reply form.
    placeholder = page.split(f'id="comment-{top.id}"')[1].split(f'id="comment-{reply.id}"')[0]
    assert "Alice" not in placeholder
    assert "parent_id" not in placeholder


# -- visitors ------------------------------------------------------------------------------


def test_visitors_read_the_discussion_and_are_offered_a_login_instead_of_the_form(
        app, moderator):
    visible(moderator, "Readable by everyone")
    visitor = browser_of(app)
    page = page_text(visitor)
    assert "Readable by everyone" in page
    assert '<textarea' not in page and 'name="body"' not in page
    assert 'href="/login?next=' in page
    assert "to take part in the discussion." in page
    before = stored_comments()
    response = post_form(visitor, "Sneaking in")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    assert stored_comments() == before


# -- new members wait for approval ---------------------------------------------------------


def test_new_members_first_comments_wait_for_approval_then_they_are_trusted(
        app, moderator, alice, bob):
    author = browser_of(app, alice)
    reader = browser_of(app, bob)
    pending = []
    for number in range(1, APPROVALS_BEFORE_TRUST + 1):
        post_form(author, f"Early comment {number}")
        assert flashed(author) == ["Thank you! Your first comments are checked by a moderator "
                                   "before others see them."]
        pending.append(last_comment())
        assert pending[-1].status == CommentStatus.PENDING

    own_view, other_view, visitor_view = (page_text(author), page_text(reader),
                                          page_text(browser_of(app)))
    for number in range(1, APPROVALS_BEFORE_TRUST + 1):
        assert f"Early comment {number}" in own_view
        assert f"Early comment {number}" not in other_view
        assert f"Early comment {number}" not in visitor_view
    assert own_view.count("waiting for approval: only you see it") == APPROVALS_BEFORE_TRUST
    assert "waiting for approval" not in other_view
    assert {item.comment.id for item in review_queue().items} == {c.id for c in pending}

    for comment in pending:
        moderate_comment(moderator, fresh(Comment, comment.id), "approve")
    other_view = page_text(reader)
    for number in range(1, APPROVALS_BEFORE_TRUST + 1):
        assert f"Early comment {number}" in other_view

    post_form(author, "Trusted now")
    assert flashed(author) == []
    assert last_comment().status == CommentStatus.VISIBLE
    assert "Trusted now" in page_text(reader)
    assert review_queue().items == []


def test_two_approvals_are_not_enough(app, moderator, alice, bob):
    for number in range(APPROVALS_BEFORE_TRUST - 1):
        moderate_comment(moderator, write(alice, f"Early {number}"), "approve")
    assert write(alice, "Still new").status == CommentStatus.PENDING
    assert "Still new" not in page_text(browser_of(app, bob))


def test_moderators_comments_are_visible_at_once(app, moderator, bob):
    post_form(browser_of(app, moderator), "From the moderator")
    assert last_comment().status == CommentStatus.VISIBLE
    assert "From the moderator" in page_text(browser_of(app, bob))
    assert "From the moderator" in page_text(browser_of(app))


def test_new_members_cannot_reply_to_a_pending_comment(app, alice, bob):
    pending = write(alice, "Not approved yet")
    client = browser_of(app, bob)
    response = post_form(client, "Replying to something I cannot see", parent_id=pending.id)
    assert refusal(response, "Replying to something I cannot see") == (
        "The comment you replied to is no longer there.")
    assert stored_comments() == 1


# -- flags ---------------------------------------------------------------------------------


def flaggers(count):
    return [make_member(f"flagger{n}@example.org") for n in range(count)]


def test_flag_page_offers_the_reasons_including_identifying_a_person(app, moderator, alice):
    comment = visible(moderator, "Flag me")
    page = browser_of(app, alice).get(f"/comments/{comment.id}/flag")
    assert page.status_code == 200
    for label in ("Spam or advertising", "Abusive or hateful", "Off topic",
                  "Singles out or identifies a person", "Something else"):
        assert label in page.text
    assert 'value="identifies_person"' in page.text
    assert "Flag me" in page.text


def test_a_member_flags_a_comment_once(app, moderator, alice):
    comment = visible(moderator, "Questionable")
    client = browser_of(app, alice)
    response = client.post(f"/comments/{comment.id}/flag",
                           data={"reason": "identifies_person", "note": "names my colleague"})
    assert response.status_code == 302
    assert flashed(client) == ["Thank you. Moderators will look at the comment."]
    client.post(f"/comments/{comment.id}/flag", data={"reason": "spam"})
    assert flashed(client) == ["You have already flagged this comment."]
    db.session.rollback()
    [flag] = db.session.scalars(select(Flag)).all()
    assert (flag.user_id, flag.reason, flag.note) == (alice.id, FlagReason.IDENTIFIES_PERSON,
                                                      "names my colleague")
    assert fresh(Comment, comment.id).status == CommentStatus.VISIBLE


def test_flag_needs_a_known_reason(app, moderator, alice):
    comment = visible(moderator, "Questionable")
    client = browser_of(app, alice)
    for data in ({}, {"reason": "boring"}):
        response = client.post(f"/comments/{comment.id}/flag", data=data)
        assert response.status_code == 422
        assert 'aria-invalid="true"' in response.text
    db.session.rollback()
    assert db.session.scalar(select(func.count(Flag.id))) == 0


def test_own_comment_cannot_be_flagged(app, moderator, alice):
    comment = visible(alice, "Mine", moderator=moderator)
    client = browser_of(app, alice)
    assert f"/comments/{comment.id}/flag" not in page_text(client)
    client.post(f"/comments/{comment.id}/flag", data={"reason": "spam"})
    assert flashed(client) == ["You cannot flag your own comment."]
    db.session.rollback()
    assert db.session.scalar(select(func.count(Flag.id))) == 0


def test_three_flags_from_different_members_hide_the_comment_for_review(app, moderator, alice):
    comment = visible(alice, "Offensive words", moderator=moderator)
    members = flaggers(FLAGS_TO_HIDE)
    for number, member in enumerate(members, start=1):
        client = browser_of(app, member)
        assert client.post(f"/comments/{comment.id}/flag",
                           data={"reason": "abuse"}).status_code == 302
        still_shown = "Offensive words" in page_text(browser_of(app))
        assert still_shown == (number < FLAGS_TO_HIDE)
    hidden = fresh(Comment, comment.id)
    assert (hidden.status, hidden.under_review) == (CommentStatus.HIDDEN, True)
    assert [item.comment.id for item in review_queue().items] == [comment.id]
    queue = browser_of(app, moderator).get("/moderation/")
    assert "Offensive words" in queue.text and f"hidden by {FLAGS_TO_HIDE} flags" in queue.text


def test_pending_hidden_and_deleted_comments_cannot_be_flagged_or_read_through_the_flag_page(
        app, moderator, alice, bob):
    pending = write(alice, "Pending secret")
    hidden = visible(moderator, "Hidden secret")
    moderate_comment(make_member("admin@example.org", Role.ADMIN), hidden, "hide", "rude")
    deleted = visible(moderator, "Deleted secret")
    browser_of(app, moderator).post(f"/comments/{deleted.id}/delete")
    client = browser_of(app, bob)
    for comment, text in ((pending, "Pending secret"), (hidden, "Hidden secret"),
                          (deleted, "Deleted secret")):
        page = client.get(f"/comments/{comment.id}/flag")
        assert page.status_code == 404
        assert text not in page.text
        assert client.post(f"/comments/{comment.id}/flag",
                           data={"reason": "spam"}).status_code == 404
    db.session.rollback()
    assert db.session.scalar(select(func.count(Flag.id))) == 0


def test_a_restored_comment_is_not_hidden_again_by_one_more_flag(app, moderator, alice):
    comment = visible(alice, "Controversial but fine", moderator=moderator)
    for member in flaggers(FLAGS_TO_HIDE):
        browser_of(app, member).post(f"/comments/{comment.id}/flag", data={"reason": "abuse"})
    moderate_comment(moderator, fresh(Comment, comment.id), "restore")
    latecomers = [make_member(f"late{n}@example.org") for n in range(FLAGS_TO_HIDE)]
    for latecomer in latecomers[:-1]:
        browser_of(app, latecomer).post(f"/comments/{comment.id}/flag", data={"reason": "abuse"})
    assert fresh(Comment, comment.id).status == CommentStatus.VISIBLE
    assert "Controversial but fine" in page_text(browser_of(app))
    # Three new flags after the review hide it again.
    browser_of(app, latecomers[-1]).post(f"/comments/{comment.id}/flag", data={"reason": "abuse"})
    assert fresh(Comment, comment.id).status == CommentStatus.HIDDEN


# -- order and pages -----------------------------------------------------------------------


def test_sort_switch_orders_threads_newest_or_by_replies(app, moderator):
    quiet = visible(moderator, "Quiet thread")
    busy = visible(moderator, "Busy thread")
    middle = visible(moderator, "Middle thread")
    for number in range(3):
        visible(moderator, f"Busy reply {number}", busy)
    visible(moderator, "Middle reply", middle)
    visible(moderator, "Quiet reply", quiet)
    visible(moderator, "Quiet reply 2", quiet)
    newest = visible(moderator, "Newest, no replies")

    client = browser_of(app)
    tops = [quiet.id, busy.id, middle.id, newest.id]
    by_date = [i for i in comment_ids(page_text(client)) if i in tops]
    assert by_date == [newest.id, middle.id, busy.id, quiet.id]
    by_replies = [i for i in comment_ids(page_text(client, "?sort=replies")) if i in tops]
    assert by_replies == [busy.id, quiet.id, middle.id, newest.id]
    page = page_text(client, "?sort=replies")
    assert 'sort=replies#discussion" aria-current="true"' in page


def test_threads_are_paginated_twenty_per_page(app, moderator):
    threads = [visible(moderator, f"Thread number {n}") for n in range(THREADS_PER_PAGE + 1)]
    reply = visible(moderator, "Reply on the oldest", threads[0])
    client = browser_of(app)
    first = page_text(client)
    assert comment_ids(first) == [c.id for c in reversed(threads[1:])]
    assert f'href="{PAGE}?sort=newest&amp;page=2#discussion"' in first
    second = page_text(client, "?page=2")
    assert comment_ids(second) == [threads[0].id, reply.id]
    assert "Thread number 0" in second and "Thread number 1<" not in second
    assert comment_ids(page_text(client, "?page=3")) == []


@pytest.mark.parametrize("page", ["0", "-3", "x", "99999999999999999999"])
def test_odd_page_numbers_do_not_fail(app, moderator, page):
    visible(moderator, "Only thread")
    response = browser_of(app).get(PAGE, query_string={"page": page})
    assert response.status_code == 200


def test_threads_nobody_may_see_do_not_take_places_on_a_page(app, moderator, alice, bob):
    shown = [visible(moderator, f"Shown thread {n}") for n in range(3)]
    for number in range(THREADS_PER_PAGE):
        write(alice, f"Pending thread {number}")  # alice is new: all pending
    for number in range(3):
        comment = visible(moderator, f"Deleted thread {number}")
        browser_of(app, moderator).post(f"/comments/{comment.id}/delete")
    page = page_text(browser_of(app, bob))
    assert comment_ids(page) == [c.id for c in reversed(shown)]
    assert "?sort=newest&amp;page=2" not in page
    # The author of the pending threads sees them, on two pages.
    own = browser_of(app, alice)
    assert len(comment_ids(page_text(own))) == THREADS_PER_PAGE
    assert len(comment_ids(page_text(own, "?page=2"))) == 3


# -- the member's page ---------------------------------------------------------------------


def test_account_page_lists_own_comments_and_replies_from_others(app, moderator, alice, bob):
    mine = visible(alice, "Visible thought of Alice", moderator=moderator)
    write(alice, "Pending thought of Alice")
    visible(bob, "Bob answers Alice", mine, moderator)
    write(bob, "Pending answer of Bob", mine)
    visible(alice, "Alice answers herself", mine, moderator)
    visible(bob, "Bob elsewhere", moderator=moderator)

    page = browser_of(app, alice).get("/account")
    assert page.status_code == 200
    text = page.text
    replies, own = text.split('id="own-heading"')
    assert "Bob answers Alice" in replies and "Bob replied" in replies
    assert "Pending answer of Bob" not in text
    assert "Alice answers herself" not in replies
    assert "Bob elsewhere" not in text
    assert "Visible thought of Alice" in own and "Pending thought of Alice" in own
    assert "waiting for approval" in own
    assert f"#comment-{mine.id}" in own


def test_account_page_needs_a_login(app, release):
    response = browser_of(app).get("/account")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


# -- what members may not do to others -----------------------------------------------------


def test_nobody_edits_or_deletes_anothers_comment(app, moderator, alice, bob):
    comment = visible(alice, "Words of Alice", moderator=moderator)
    for intruder in (bob, moderator):
        client = browser_of(app, intruder)
        assert client.get(f"/comments/{comment.id}/edit").status_code == 403
        assert client.post(f"/comments/{comment.id}/edit",
                           data={"body": "Changed"}).status_code == 403
        assert client.post(f"/comments/{comment.id}/delete").status_code == 403
    kept = fresh(Comment, comment.id)
    assert (kept.body, kept.status) == ("Words of Alice", CommentStatus.VISIBLE)
    page = page_text(browser_of(app, bob))
    assert f"/comments/{comment.id}/edit" not in page
    assert f"/comments/{comment.id}/delete" not in page


def test_nobody_sees_anothers_pending_comments(app, alice, bob):
    write(alice, "Pending words of Alice")
    client = browser_of(app, bob)
    assert "Pending words of Alice" not in page_text(client)
    assert "Pending words of Alice" not in client.get("/account").text


def test_missing_comments_are_not_found(app, alice):
    client = browser_of(app, alice)
    assert client.get("/comments/999/edit").status_code == 404
    assert client.post("/comments/999/delete").status_code == 404
    assert client.get("/comments/999/flag").status_code == 404


# -- bans ----------------------------------------------------------------------------------


def test_banned_member_cannot_post_and_their_pending_comments_are_hidden(
        app, moderator, alice):
    write(alice, "Pending before the ban")
    client = browser_of(app, alice)
    assert "Pending before the ban" in page_text(client)
    set_ban(moderator, alice, True, "spam")

    page = page_text(client)
    assert "Pending before the ban" not in page
    assert "You are banned from posting comments." in page
    assert 'name="body"' not in page
    before = stored_comments()
    response = post_form(client, "After the ban")
    assert refusal(response, "After the ban") == "You are banned from posting comments."
    assert stored_comments() == before
    assert "Pending before the ban" not in browser_of(app, moderator).get("/moderation/").text
