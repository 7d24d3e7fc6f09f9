"""A member discusses a finding and a moderator works the queue, each in their own Chromium
tab: the member posts, replies and flags through the pages; the moderator approves several
comments at once, dismisses a flag, hides with a preset and with written reasons (refused
first without one) and bans, with the keyboard alone; then the audit log and the public
numbers show what happened."""

import re
from datetime import UTC, datetime

import pytest
from babel.dates import format_date
from playwright.sync_api import Page, expect

from survey.discussion.comments import post_comment
from survey.discussion.moderation import moderate_comment
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
MAX_TABS = 200  # presses of Tab to reach a control: more means the page is in the way


@pytest.fixture
def discussion(app, monkeypatch):
    """A published finding with a moderator's question, a member's approved comment, a new
    member's pending one; the moderator, and Paula, who is new too."""
    cheap_passwords(monkeypatch)
    publish_demo_release()
    moderator = make_member("mod@example.org", Role.MODERATOR, "Moderatorin")
    member = make_member("paula@example.org", name="Paula")
    survey = find_survey(SLUG)
    answer_me = post_comment(moderator, survey, FINDING, 1, "What do you make of this?")
    flag_me = post_comment(make_member("tina@example.org", name="Tina"), survey, FINDING, 1,
                           "A comment Paula finds off topic")
    moderate_comment(moderator, flag_me, "approve")
    post_comment(make_member("otto@example.org", name="Otto"), survey, FINDING, 1,
                 "Otto's first words")
    return moderator, member, answer_me, flag_me


def log_in(page: Page, live_url: str, email: str) -> None:
    page.goto(f"{live_url}/login")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("status")).to_have_text("You are logged in.")


def tab_to(page: Page, control) -> None:
    """Press Tab (only the keyboard) until `control` (a locator) has the focus."""
    handle = control.element_handle()
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if page.evaluate("element => document.activeElement === element", handle):
            return
    raise AssertionError(f"Tab never reached {control}")


def item(page: Page, text: str):
    return page.locator("li.queue-item", has_text=text)


def test_member_discusses_and_moderator_works_the_queue_with_the_keyboard(
        live_url, open_tab, discussion):
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
    expect(paula.locator(f"#comment-{answer_me.id}")).to_contain_text("Moderator")  # a badge

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

    # The moderator opens the queue: the one flag brought the comment in, with its reason.
    log_in(mod, live_url, moderator.email)
    mod.goto(f"{live_url}/moderation/")
    expect(mod.locator("li.queue-item")).to_have_count(4)
    flagged = item(mod, "finds off topic")
    expect(flagged).to_contain_text("1 open flag")
    expect(flagged).to_contain_text("Off topic (1)")
    expect(flagged).to_contain_text("not about XING")
    reply = item(mod, "crosses the line")
    expect(reply).to_contain_text("In reply to")
    expect(reply).to_contain_text("What do you make of this?")
    expect(reply.get_by_role("link", name="View in the thread")).to_have_attribute(
        "href", re.compile(f"#comment-{answer_me.id}$"))

    # Keyboard only from here: tick two comments, approve both at once.
    for text in ("looks high to me", "Otto's first words"):
        tab_to(mod, item(mod, text).get_by_label("Tick to approve with others"))
        mod.keyboard.press("Space")
    tab_to(mod, mod.get_by_role("button", name="Approve the ticked comments"))
    mod.keyboard.press("Enter")
    expect(mod.get_by_role("status")).to_have_text("Approved: 2.")
    expect(mod.locator("li.queue-item")).to_have_count(2)

    # The flag was unfounded: dismiss it.
    tab_to(mod, item(mod, "finds off topic").get_by_role("button", name="Dismiss the flags"))
    mod.keyboard.press("Enter")
    expect(mod.get_by_role("status")).to_have_text("Done: flags dismissed.")

    # Hiding without a reason is refused beside the field; then a written reason.
    tab_to(mod, item(mod, "crosses the line").get_by_text("Hide, delete or ban…"))
    mod.keyboard.press("Enter")  # opens the reasoned decisions
    tab_to(mod, item(mod, "crosses the line").get_by_role("button", name="Hide"))
    mod.keyboard.press("Enter")
    expect(mod.get_by_role("alert")).to_contain_text("Please give a reason for hiding")
    words = item(mod, "crosses the line").get_by_label("or in your own words")
    expect(words).to_have_attribute("aria-invalid", "true")
    tab_to(mod, words)
    mod.keyboard.type("insults another member")
    mod.keyboard.press("Enter")  # Enter in the text field submits its form: Hide
    expect(mod.get_by_role("status")).to_have_text("Done: hidden.")
    expect(mod.get_by_text("The queue is empty.")).to_be_visible()

    # Readers see the approved comments, not the hidden reply; Paula sees why it is hidden.
    mod.goto(live_url + PAGE)
    expect(mod.locator("li.comment", has_text="looks high to me")).to_be_visible()
    expect(mod.get_by_text("crosses the line")).to_have_count(0)
    paula.goto(live_url + PAGE)
    hidden = paula.locator("li.depth-2", has_text="crosses the line")
    expect(hidden).to_contain_text("hidden by moderators: only you see it")
    expect(hidden).to_contain_text("Reason: insults another member")

    # The moderator bans Paula from the members page, with a preset reason, by keyboard.
    mod.goto(f"{live_url}/moderation/members?q=paula")
    row = mod.locator("tr", has_text="paula@example.org")
    tab_to(mod, row.get_by_label("Reason for hiding or banning"))
    mod.keyboard.press("ArrowDown")  # the first preset: spam or advertising
    tab_to(mod, row.get_by_role("button", name="Ban", exact=True))
    mod.keyboard.press("Enter")
    expect(mod.get_by_role("status")).to_have_text("Done: banned.")
    expect(mod.locator("tr", has_text="paula@example.org")).to_contain_text("banned")

    # Paula can read but no longer post.
    paula.goto(live_url + PAGE)
    expect(paula.get_by_text("You are banned from posting comments.")).to_be_visible()
    expect(paula.get_by_label("Your comment")).to_have_count(0)

    # The audit log names who did what to which comment or member, when, and why.
    mod.goto(f"{live_url}/moderation/log")
    rows = table_rows(mod.content())
    assert [row[1:3] + row[4:] for row in rows[1:]] == [
        ["Moderatorin", "banned", "Paula", "Spam or advertising"],
        ["Moderatorin", "hidden", "Paula", "insults another member"],
        ["Moderatorin", "flags dismissed", "Tina", ""],
        ["Moderatorin", "approved", "Paula", ""],
        ["Moderatorin", "approved", "Otto", ""],
        ["Moderatorin", "approved", "Tina", ""],
    ]
    assert all(re.fullmatch(r"#\d+", row[3]) for row in rows[2:])
    expect(mod.locator("table time")).to_have_count(6)

    # The public page counts it, without names.
    paula.goto(live_url + "/transparency")
    month = format_date(datetime.now(UTC), "LLLL yyyy", locale="en")  # "December 2026"
    rows = table_rows(paula.content())
    assert rows[1] == [month, "5", "1", "0", "0", "0", "1", "0", "0", "1"]
    for name in ("Paula", "Moderatorin", "paula@example.org", "mod@example.org"):
        expect(paula.locator("main")).not_to_contain_text(name)
