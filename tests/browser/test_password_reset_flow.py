"""In Chromium, a member who forgot their password asks for a link on the login page, opens
it from the mail that a real SMTP server on loopback received, chooses a new password and
logs in with it; the old password and the session of another browser stop working."""

import pytest
from playwright.sync_api import Page, expect

from tests.helpers.accounts import PASSWORD
from tests.helpers.discussion import cheap_passwords, make_member
from tests.helpers.mail import sent_mails

pytestmark = pytest.mark.browser
NEW_PASSWORD = "a new and long passphrase"


@pytest.fixture
def app_config(smtp_server):
    return {"WTF_CSRF_ENABLED": True, **smtp_server.config()}


def log_in(page: Page, live_url: str, email: str, password: str) -> None:
    page.goto(f"{live_url}/login")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Log in").click()


def test_member_resets_the_password_from_the_mail_and_logs_in(app, live_url, open_tab,
                                                              smtp_server, monkeypatch):
    cheap_passwords(monkeypatch)
    member = make_member("paula@example.org", name="Paula")
    other_browser, page = open_tab(), open_tab()
    log_in(other_browser, live_url, member.email, PASSWORD)
    expect(other_browser.get_by_role("status")).to_have_text("You are logged in.")

    page.goto(f"{live_url}/login")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("Email", exact=True).fill(member.email)
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your mail")

    [mail] = sent_mails(app, smtp_server)
    assert mail.envelope_to == [member.email]
    [link] = [link for link in mail.links() if "/password/reset/" in link]
    assert link.startswith(f"{live_url}/password/reset/")
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose a new password")
    page.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Repeat the password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Save the password").click()
    expect(page.get_by_role("status")).to_have_text("Your password is set. Log in with it.")

    page.get_by_label("Email", exact=True).fill(member.email)
    page.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("status")).to_have_text("You are logged in.")
    page.get_by_role("link", name="Your account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")

    page.goto(link)  # the link worked once
    expect(page.get_by_role("heading", level=1)).to_have_text("This link does not work any more")
    other_browser.goto(f"{live_url}/account")
    expect(other_browser.get_by_role("heading", level=1)).to_have_text("Log in")
    log_in(other_browser, live_url, member.email, PASSWORD)
    expect(other_browser.locator("#password-error")).to_have_text("Email or password is wrong.")
