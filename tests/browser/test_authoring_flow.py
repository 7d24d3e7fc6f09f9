"""An admin makes a survey in Chromium: uploads a definition, sees the error at its line,
fixes it in the text box, previews two pages in German, saves, opens the survey; then a
respondent answers it."""

import re

import pytest
import yaml
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from survey.extensions import db
from survey.models import Draft, Participation, Response, Role
from tests.helpers.accounts import PASSWORD
from tests.helpers.factories import question_in, survey_document

pytestmark = pytest.mark.browser


def _log_in(page: Page, live_url: str, email: str) -> None:
    page.goto(f"{live_url}/login?lang=de")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form button[type=submit]").last.click()
    expect(page.get_by_role("status")).to_be_visible()


def _button(page: Page, value: str):
    return page.locator(f"main button[name=action][value={value}]")


def _answer_first_page(page: Page) -> None:
    """Agree, use XING (so that the weekly count is asked), XING first, Germany; go on."""
    page.locator("input[name=consent]").check()
    page.locator("input[name=networks][value=xing]").check()
    page.locator("input[name=primary][value=xing]").check()
    page.locator("input[name=country][value=de]").check()
    _button(page, "next").click()


def test_admin_uploads_fixes_previews_saves_opens_and_a_respondent_answers(
        live_url, open_tab, make_user, tmp_path):
    make_user("admin@example.org", Role.ADMIN)
    document = survey_document(slug="flow-survey")
    question_in(document, "agree")["type"] = "likrt"
    upload = tmp_path / "flow.yaml"
    upload.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False))

    admin = open_tab(javascript=False)
    _log_in(admin, live_url, "admin@example.org")
    admin.goto(f"{live_url}/admin/surveys/new?lang=de")
    expect(admin.get_by_role("heading", level=1)).to_have_text("Neue Umfrage")
    admin.locator("input[name=file]").set_input_files(str(upload))
    _button(admin, "check").click()
    problem = admin.locator("li.problem").first
    expect(problem).to_contain_text(re.compile(r"Zeile \d+"))
    expect(problem).to_contain_text("pages[1].questions[1].type")
    expect(problem.locator("pre")).to_contain_text("type: likrt")

    text = admin.locator("textarea[name=definition]")
    text.fill(text.input_value().replace("type: likrt", "type: likert"))
    _button(admin, "check").click()
    expect(admin.locator(".checked-ok")).to_have_text("Die Definition ist in Ordnung.")

    with admin.context.expect_page() as opened:
        _button(admin, "start").click()
    preview = opened.value
    expect(preview.get_by_role("heading", level=2)).to_have_text("Erste Seite")
    expect(preview.locator("#question-consent")).to_contain_text("Ich stimme zu.")
    _answer_first_page(preview)
    expect(preview.get_by_role("heading", level=2)).to_have_text("Zweite Seite")
    expect(preview.locator("#question-agree")).to_contain_text("LinkedIn ist schuld.")
    expect(preview.locator("#question-weekly")).to_be_visible()  # networks contains xing
    expect(preview.locator("#question-share")).to_have_count(0)  # primary is not linkedin
    db.session.remove()
    assert db.session.scalar(select(func.count(Response.id))) == 0
    assert db.session.scalar(select(func.count(Draft.token_hash))) == 0

    _button(admin, "save").click()
    expect(admin.get_by_role("status").first).to_contain_text("Als Version 1 gespeichert.")
    expect(admin.locator("dl.facts")).to_contain_text("geschlossen")
    admin.get_by_role("button", name="Umfrage öffnen").click()
    expect(admin.get_by_role("status").first).to_be_visible()

    respondent = open_tab(javascript=False)
    respondent.goto(f"{live_url}/s/flow-survey?lang=de")
    expect(respondent.get_by_role("heading", level=2)).to_have_text("Erste Seite")
    _answer_first_page(respondent)
    expect(respondent.get_by_role("heading", level=2)).to_have_text("Zweite Seite")
    respondent.locator("input[name=activity__row__xing][value=daily]").check()
    respondent.locator("input[name=agree][value=yes]").check()
    respondent.locator("input[name=weekly]").fill("3")
    _button(respondent, "next").click()
    expect(respondent.get_by_role("heading", level=2)).to_have_text("Dritte Seite")
    for place, item in enumerate(("linkedin", "xing", "facebook"), start=1):
        respondent.locator(f"select[name=future__rank__{item}]").select_option(str(place))
    respondent.locator("textarea[name=comment]").fill("Gut gemacht.")
    _button(respondent, "next").click()
    expect(respondent.get_by_role("heading", level=1)).to_have_text("Vielen Dank!")
    db.session.remove()
    [stored] = db.session.scalars(select(Response)).all()
    assert stored.answers["agree"] == "yes" and stored.answers["future"] == [
        "linkedin", "xing", "facebook"]
    assert db.session.scalar(select(func.count()).select_from(Participation)) == 1
