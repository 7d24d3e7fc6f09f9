"""A member discusses a finding and a moderator moderates it, each in their own Chromium tab,
through the pages only: post, reply, flag; approve, hide with a reason, ban; then the audit log
and the public numbers show what happened."""

import re
from datetime import UTC, datetime

import pytest
from babel.dates import format_date
from playwright.sync_api import Page, expect

from survey.discussion.comments import post_comment
from survey.models import Role
from survey.surveys import find_survey
from tests.helpers.accounts import PASSWORD
from tests.helpers.discussion import (
    FINDING,
    PAGE,
    SLUG,
    cheap_passwords,
    make_member,
    publish_demo_release,
    table_rows,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def discussion(app, monkeypatch):
    """A published finding with two comments by a moderator, a new member, and the moderator."""
    cheap_passwords(monkeypatch)
    publish_demo_release()
    moderator = make_member("mod@example.org", Role.MODERATOR, "Moderatorin")
    member = make_member("paula@example.org", name="Paula")
    survey = find_survey(SLUG)
    answer_me = post_comment(moderator, survey, FINDING, 1, "What do you make of this?")
    flag_me = post_comment(moderator, survey, FINDING, 1, "A comment Paula finds off topic")
    return moderator, member, answer_me, flag_me


def log_in(page: Page, live_url: str, email: str) -> None:
    page.goto(f"{live_url}/login")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("status")).to_have_text("You are logged in.")


def test_member_discusses_and_moderator_approves_hides_and_bans(live_url, open_tab, discussion):
    moderator, member, answer_me, flag_me = discussion
    paula, mod = open_tab(), open_tab()

    # Paula posts, replies and flags.
    log_in(paula, live_url, member.email)
    paula.goto(live_url + PAGE)
    paula.get_by_label("Your comment").fill("The *share* looks **high** to me.")
    paula.get_by_role("button", name="Post comment").click()
    expect(paula.get_by_role("status")).to_contain_text("checked by a moderator")
    own = paula.locator("li.comment", has_text="looks high to me")
    expect(own.locator("em")).to_have_text("share")
    expect(own).to_contain_text("waiting for approval: only you see it")

    thread = paula.locator(f"#comment-{answer_me.id}")
    thread.get_by_text("Reply", exact=True).click()
    thread.get_by_label("Your reply").fill("A reply that crosses the line")
    thread.get_by_role("button", name="Post reply").click()
    expect(paula.locator("li.depth-2", has_text="crosses the line")).to_contain_text(
        "waiting for approval")

    paula.locator(f"#comment-{flag_me.id}").get_by_role("link", name="Flag").click()
    paula.get_by_label("Off topic").check()
    paula.get_by_label("Anything moderators should know (optional)").fill("not about XING")
    paula.get_by_role("button", name="Send to moderators").click()
    expect(paula.get_by_role("status")).to_have_text(
        "Thank you. Moderators will look at the comment.")

    # The moderator sees both comments in the queue, the reply with its thread, and acts.
    log_in(mod, live_url, moderator.email)
    mod.get_by_role("link", name="Moderation", exact=True).click()
    items = mod.locator("li.queue-item")
    expect(items).to_have_count(2)
    expect(items.nth(0)).to_contain_text("looks high to me")  # oldest first
    reply_item = items.nth(1)
    expect(reply_item).to_contain_text("crosses the line")
    reply_item.get_by_text("Thread above this comment").click()
    expect(reply_item.locator("ol.context")).to_contain_text("What do you make of this?")

    items.nth(0).locator("form[action$='/approve']").get_by_role("button").click()
    expect(mod.get_by_role("status")).to_have_text("Done: approved.")

    hide = mod.locator("li.queue-item", has_text="crosses the line").locator(
        "form[action$='/hide']")
    hide.get_by_role("button", name="Hide").click()  # without a reason: refused
    expect(mod.get_by_role("alert")).to_contain_text(  # an error, told as one
        "Please give a reason for hiding the comment.")
    hide = mod.locator("li.queue-item", has_text="crosses the line").locator(
        "form[action$='/hide']")
    hide.get_by_label("Reason (required to hide or ban)").fill("insults another member")
    hide.get_by_role("button", name="Hide").click()
    expect(mod.get_by_role("status")).to_have_text("Done: hidden.")
    expect(mod.get_by_text("The queue is empty.")).to_be_visible()

    # Readers now see the approved comment and not the hidden reply.
    mod.goto(live_url + PAGE)
    expect(mod.locator("li.comment", has_text="looks high to me")).to_be_visible()
    expect(mod.get_by_text("crosses the line")).to_have_count(0)

    # The moderator bans Paula from the members page.
    mod.goto(f"{live_url}/moderation/members?q=paula")
    row = mod.locator("tr", has_text="paula@example.org")
    row.get_by_label("Reason (required to hide or ban)").fill("repeated insults")
    row.get_by_role("button", name="Ban", exact=True).click()
    expect(mod.get_by_role("status")).to_have_text("Done: banned.")
    expect(mod.locator("tr", has_text="paula@example.org")).to_contain_text("banned")

    # Paula can read but no longer post.
    paula.goto(live_url + PAGE)
    expect(paula.get_by_text("You are banned from posting comments.")).to_be_visible()
    expect(paula.get_by_label("Your comment")).to_have_count(0)

    # The audit log names who did what to which comment or member, when, and why.
    mod.goto(f"{live_url}/moderation/log")
    rows = table_rows(mod.content())
    assert [row[1:] for row in rows[1:]] == [
        ["Moderatorin", "banned", "", "Paula", "repeated insults"],
        ["Moderatorin", "hidden", rows[2][3], "Paula", "insults another member"],
        ["Moderatorin", "approved", rows[3][3], "Paula", ""],
    ]
    assert re.fullmatch(r"#\d+", rows[2][3]) and re.fullmatch(r"#\d+", rows[3][3])
    expect(mod.locator("table time")).to_have_count(3)

    # The public page counts it, without names.
    paula.goto(live_url + "/transparency")
    month = format_date(datetime.now(UTC), "LLLL yyyy", locale="en")  # "December 2026"
    rows = table_rows(paula.content())
    assert rows[1] == [month, "4", "1", "0", "0", "0", "1", "0", "0", "1"]
    for name in ("Paula", "Moderatorin", "paula@example.org", "mod@example.org"):
        expect(paula.locator("main")).not_to_contain_text(name)
