"""What a respondent or member types is never lost, in a real browser: Enter goes forward,
the language switch keeps a survey page's answers, a refused comment comes back with its
text; and errors are told apart from successes, to the eye and to assistive technology."""

import re

import pytest
from playwright.sync_api import expect

from survey.models import Role
from tests.helpers.accounts import PASSWORD
from tests.helpers.discussion import PAGE, cheap_passwords, make_member, publish_demo_release
from tests.helpers.looks import problems_of

pytestmark = pytest.mark.browser


def log_in(page, live_url, email):
    page.goto(f"{live_url}/login?lang=en")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{live_url}/")


def answer_first_page(page, live_url):
    page.goto(f"{live_url}/s/test-survey?lang=en")
    page.locator("#consent").check()
    page.locator("input[name=networks][value=xing]").check()
    page.locator("input[name=primary][value=linkedin]").check()
    page.locator("input[name=country][value=de]").check()
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_text("Page 2 of 3")).to_be_visible()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_enter_in_a_field_goes_forward_not_back(open_tab, live_url, make_survey, javascript):
    make_survey()
    page = open_tab(javascript=javascript)
    answer_first_page(page, live_url)
    page.locator("input[name=activity__row__xing][value=daily]").check()
    page.locator("input[name=agree][value=yes]").check()
    page.get_by_label(re.compile("Contacts per week")).fill("7")
    page.locator("input[name=share]").fill("12,5")
    page.locator("input[name=share]").press("Enter")
    expect(page.get_by_text("Page 3 of 3")).to_be_visible()  # forward, not back to page 1
    expect(page.get_by_role("button", name="Back")).to_be_visible()
    expect(page.get_by_role("button", name="Submit answers")).to_be_visible()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_language_switch_keeps_the_answers_typed_on_the_page(open_tab, live_url, make_survey,
                                                             javascript):
    make_survey()
    page = open_tab(javascript=javascript)
    answer_first_page(page, live_url)
    page.locator("input[name=agree][value=yes]").check()
    page.get_by_label(re.compile("Contacts per week")).fill("sieben")  # invalid, kept all the same
    page.locator("input[name=share]").fill("12,5")
    page.get_by_role("navigation", name="Language").get_by_role("button",
                                                                 name="Deutsch").click()
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.get_by_text("Seite 2 von 3")).to_be_visible()
    expect(page.locator("input[name=agree][value=yes]")).to_be_checked()
    expect(page.locator("input[name=weekly]")).to_have_value("sieben")
    expect(page.locator("input[name=share]")).to_have_value("12,5")
    expect(page.locator(".error-summary")).to_have_count(0)  # switching is not submitting
    # The valid answers were saved: they are there after coming back to the page.
    page.goto(f"{live_url}/s/test-survey")
    expect(page.locator("input[name=share]")).to_have_value("12.5")


@pytest.fixture
def member(app, monkeypatch):
    cheap_passwords(monkeypatch)
    publish_demo_release()
    return make_member("reader@example.org", Role.MODERATOR)


def test_a_refused_comment_comes_back_with_its_text(page, live_url, member):
    log_in(page, live_url, member.email)
    page.goto(f"{live_url}{PAGE}?lang=en")
    box = page.get_by_label("Your comment")
    too_long = "Long thoughts. " * 400  # 6,000 characters: over the limit of 5,000
    box.evaluate("(field, text) => { field.removeAttribute('maxlength'); field.value = text; }",
                 too_long)
    page.get_by_role("button", name="Post comment").click()

    box = page.get_by_label("Your comment")
    expect(box).to_have_value(too_long)
    expect(box).to_have_attribute("aria-invalid", "true")
    expect(box).to_have_accessible_description(re.compile("Please keep it to 5000 characters"))
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Please keep it to 5000 characters")
    expect(summary.get_by_role("link")).to_have_attribute("href", "#body")
    expect(box).to_be_in_viewport()  # the page opens at the form, not at its top
    assert problems_of(page) == []  # the refused page too: no overflow, nothing for axe


@pytest.mark.parametrize("width", [360, 1280])
def test_a_refused_survey_page_says_what_to_fix_next_to_each_answer(open_tab, live_url,
                                                                    make_survey, width):
    make_survey()
    page = open_tab()
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(f"{live_url}/s/test-survey?lang=de")
    page.locator("input[name=networks][value=xing]").check()
    page.locator("main button[name=action][value=next]").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Bitte setzen Sie das Häkchen")
    expect(page.locator("#consent")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("input[name=networks][value=xing]")).to_be_checked()  # kept
    assert problems_of(page) == []


def test_errors_and_successes_differ_in_role_and_look(page, live_url, app, monkeypatch):
    cheap_passwords(monkeypatch)
    admin = make_member("admin@example.org", Role.ADMIN)
    log_in(page, live_url, admin.email)
    success = page.locator(".flash")
    expect(success).to_have_attribute("role", "status")
    expect(success).to_have_text("You are logged in.")
    success_look = success.evaluate("e => getComputedStyle(e).backgroundColor + "
                                    "getComputedStyle(e).borderLeftColor")

    page.goto(f"{live_url}/admin/?lang=en")
    page.get_by_label(f"Role of {admin.email}").select_option("member")
    page.get_by_role("button", name="Change").click()
    error = page.locator(".flash")
    expect(error).to_have_attribute("role", "alert")
    expect(error).to_contain_text("You cannot change your own role.")
    error_look = error.evaluate("e => getComputedStyle(e).backgroundColor + "
                                "getComputedStyle(e).borderLeftColor")
    assert error_look != success_look
