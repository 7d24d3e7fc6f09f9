"""A person answers the article's survey in German in a real browser, with and without JavaScript.

Every step clicks, checks, selects or types the way a respondent does and then
waits for what the respondent sees (the page's heading), so the tests follow
the server's redirects without sleeping. German interface translations may not
exist yet: buttons are found by their action, not by their wording.
"""

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from survey.extensions import db
from survey.models import Draft, Participation, Response

pytestmark = pytest.mark.browser

TITLE = "XING oder LinkedIn? Automatisierung, Konsolidierung oder Migration"
PAGE_TITLES = {
    "start": "Willkommen",
    "habits": "Ihre Nutzung",
    "automation": "Statusmeldungen und Austausch",
    "consolidation": "Lebensbereiche und Kontaktkreise",
    "migration": "Wechsel zwischen XING und LinkedIn",
    "migration_details": "Gründe für den Wechsel",
    "future": "Ausblick",
    "about_you": "Zu Ihrer Person",
}
CONSENT = "Ich nehme freiwillig teil."
THANKS = re.compile(r"Thank you|Danke|Vielen Dank")
COMMENT = "XING bleibt im DACH-Raum wichtig, LinkedIn wächst international – „mal sehen“."

# What the respondent chooses: the answers that make every conditional question of the
# survey's main path appear (own_migration -> migration_reasons, noticed_migration ->
# weekly_migrants, posts_updates -> automation_share, international_share -> contact_separation).
EXPECTED_ANSWERS = {
    "consent": True,
    "networks_used": ["xing", "linkedin", "twitter", "other"],
    "networks_used.other": "Mastodon",
    "primary_business_network": "linkedin",
    "contacts_per_network": {"xing": "c150_499", "linkedin": "c500_999", "twitter": "c0_49",
                             "other": "c0_49"},
    "activity_per_network": {"xing": "monthly", "linkedin": "daily", "twitter": "weekly",
                             "other": "rarely"},
    "sphere_per_network": {"xing": "business", "linkedin": "business", "twitter": "interests",
                           "other": "interests"},
    "posts_updates": "weekly",
    "international_share": "share_lt25",
    "automation_share": 90,
    "automation_tools": ["twitter_link", "other"],
    "automation_tools.other": "Eigenes Skript",
    "conversation_frequency": "rarely",
    "automated_updates_value": "slightly",
    "sphere_networks": {"private": "facebook", "business": "linkedin", "interests": "twitter"},
    "one_per_sphere": "rather",
    "sphere_mixing": "hardly",
    "cost_benefit": "effort_some",
    "contact_separation": ["by_network"],
    "reduce_networks": "considering",
    "noticed_migration": "to_linkedin",
    "own_migration": "partly_linkedin",
    "linkedin_actions": ["sent_invitations", "suggestions"],
    "weekly_migrants": 7,
    "migration_since": "y1_2",
    "migration_reasons": ["contacts_there", "international"],
    "linkedin_responsible": "strongly",
    "migration_drivers": ["linkedin_prompts", "contacts_already_there", "international_reach",
                          "recruiting", "costs", "content"],
    "future_xing": "fall",
    "future_linkedin": "rise",
    "future_ranking": ["linkedin", "xing", "twitter", "facebook", "google_plus"],
    "future_single_network": "unlikely",
    "future_comments": COMMENT,
    "country": "de",
    "age_band": "a35_44",
    "industry": "it_telecom",
}


# -- what a respondent does ---------------------------------------------------------------

def question(page: Page, question_id: str):
    """The block of one question on the page (its fieldset or label and input)."""
    return page.locator(f"#question-{question_id}")


def choose(page: Page, question_id: str, *labels: str) -> None:
    """Tick boxes or pick a radio button of a question by their visible labels."""
    block = question(page, question_id)
    for label in labels:
        block.get_by_label(label, exact=True).check()


def choose_other(page: Page, question_id: str, text: str) -> None:
    """Tick the question's "Other" choice and type what it is."""
    question(page, question_id).locator("input[value=other]").check()
    page.locator(f"#{question_id}__other").fill(text)


def rate_rows(page: Page, question_id: str, rows: dict[str, str]) -> None:
    """In a matrix, pick one column label in each row (rows are found by their label)."""
    block = question(page, question_id)
    for row, column in rows.items():
        block.get_by_role("group", name=row, exact=True).get_by_label(column, exact=True).check()


def rank(page: Page, question_id: str, labels_best_first: list[str]) -> None:
    """Give each item of a ranking its place from the select next to its label."""
    block = question(page, question_id)
    for place, label in enumerate(labels_best_first, start=1):
        block.get_by_label(label, exact=True).select_option(str(place))


def type_into(page: Page, question_id: str, text: str) -> None:
    """Click into a number or text field and type like a person."""
    field = page.locator(f"#{question_id}")
    field.click()
    field.press_sequentially(text)


def press(page: Page, action: str) -> None:
    """Press the form's "Next"/"Submit", "Back" or "Save" button."""
    page.locator(f"main button[name=action][value={action}]").click()


def expect_page(page: Page, page_id: str) -> None:
    """Wait until the survey page with this German title is shown."""
    expect(page.locator("main h2").first).to_have_text(PAGE_TITLES[page_id])
    expect(page.locator("main h1")).to_have_text(TITLE)
    expect(page.locator("html")).to_have_attribute("lang", "de")


def open_survey_from_home(page: Page, live_url: str) -> None:
    """Start on the German home page and follow the survey's link, as a visitor would."""
    page.goto(f"{live_url}/?lang=de")
    page.get_by_role("link", name=TITLE).first.click()
    expect_page(page, "start")


def stored_responses() -> list[Response]:
    """The responses in the database, read freshly (the server wrote them in its threads)."""
    db.session.remove()
    return list(db.session.scalars(select(Response)))


# -- the pages -----------------------------------------------------------------------------

def answer_start(page: Page) -> None:
    expect_page(page, "start")
    page.get_by_label(CONSENT, exact=False).check()
    choose(page, "networks_used", "XING", "LinkedIn", "Twitter / X")
    choose_other(page, "networks_used", "Mastodon")
    choose(page, "primary_business_network", "LinkedIn")
    press(page, "next")


def answer_habits(page: Page, posts: str) -> None:
    expect_page(page, "habits")
    # The matrices ask about exactly the networks chosen on page 1, the typed one included.
    rows = question(page, "contacts_per_network").locator("fieldset.matrix-row > legend")
    expect(rows).to_have_text(["XING", "LinkedIn", "Twitter / X", "Mastodon"])
    rate_rows(page, "contacts_per_network", {"XING": "150–499", "LinkedIn": "500–999",
                                             "Twitter / X": "unter 50", "Mastodon": "unter 50"})
    rate_rows(page, "activity_per_network", {
        "XING": "ein- bis mehrmals pro Monat", "LinkedIn": "(fast) täglich",
        "Twitter / X": "ein- bis mehrmals pro Woche", "Mastodon": "seltener"})
    rate_rows(page, "sphere_per_network", {
        "XING": "überwiegend beruflich", "LinkedIn": "überwiegend beruflich",
        "Twitter / X": "überwiegend für Hobbys und Interessen",
        "Mastodon": "überwiegend für Hobbys und Interessen"})
    choose(page, "posts_updates", posts)
    choose(page, "international_share", "unter 25 %")
    press(page, "next")


def answer_automation(page: Page) -> None:
    expect_page(page, "automation")
    type_into(page, "automation_share", "90")
    choose(page, "automation_tools", "Verknüpfung mit Twitter / X (Tweets erscheinen automatisch)")
    choose_other(page, "automation_tools", "Eigenes Skript")
    choose(page, "conversation_frequency", "selten")
    choose(page, "automated_updates_value", "wenig nützlich")
    press(page, "next")


def answer_consolidation(page: Page) -> None:
    expect_page(page, "consolidation")
    rate_rows(page, "sphere_networks", {"Privates (Familie, Freunde)": "Facebook",
                                        "Beruf": "LinkedIn",
                                        "Hobbys und Interessen": "Twitter / X"})
    choose(page, "one_per_sphere", "trifft eher zu")
    choose(page, "sphere_mixing", "kaum")
    choose(page, "cost_benefit", "Der Aufwand überwiegt eher")
    # Shown because some business contacts live abroad (international_share on page 2).
    choose(page, "contact_separation", "Getrennt nach Netzwerk (z. B. nationale Kontakte auf "
                                       "XING, internationale auf LinkedIn)")
    choose(page, "reduce_networks", "Ich denke darüber nach")
    press(page, "next")


def answer_migration(page: Page) -> None:
    expect_page(page, "migration")
    choose(page, "noticed_migration", "Ja, vor allem von XING zu LinkedIn")
    choose(page, "own_migration",
           "Ja, teilweise: LinkedIn nutze ich heute mehr, XING weniger als früher")
    choose(page, "linkedin_actions", "Kontakte per LinkedIn-Einladungs-E-Mail eingeladen",
           "Kontaktvorschläge genutzt („Personen, die Sie vielleicht kennen“)")
    press(page, "next")


def answer_migration_details(page: Page) -> None:
    expect_page(page, "migration_details")
    # Asked because of page 5: contacts move to LinkedIn, and my own use moved partly.
    expect(question(page, "weekly_migrants")).to_be_visible()
    expect(question(page, "migration_reasons")).to_be_visible()
    expect(question(page, "keep_both_reasons")).to_have_count(0)
    type_into(page, "weekly_migrants", "7")
    choose(page, "migration_since", "seit einem bis unter zwei Jahren")
    choose(page, "migration_reasons", "Viele meiner Kontakte sind inzwischen dort",
           "Dort erreiche ich mehr internationale Kontakte")
    choose(page, "linkedin_responsible", "stark")
    rank(page, "migration_drivers", [
        "Einladungs-E-Mails, Kontaktvorschläge und Werbung von LinkedIn",
        "Viele Kontakte sind bereits auf LinkedIn",
        "Die internationale Reichweite von LinkedIn",
        "Personalverantwortliche und Auftraggeber suchen auf LinkedIn",
        "Unterschiede bei Kosten und kostenlosen Funktionen",
        "Inhalte, Gruppen und Diskussionen",
    ])
    press(page, "next")


def answer_future(page: Page) -> None:
    expect_page(page, "future")
    choose(page, "future_xing", "etwas abnehmen")
    choose(page, "future_linkedin", "etwas zunehmen")
    rank(page, "future_ranking", ["LinkedIn", "XING", "Twitter / X", "Facebook", "Google+"])
    choose(page, "future_single_network", "eher unwahrscheinlich")
    type_into(page, "future_comments", COMMENT)
    press(page, "next")


def answer_about_you(page: Page) -> None:
    expect_page(page, "about_you")
    choose(page, "country", "Deutschland")
    choose(page, "age_band", "35–44 Jahre")
    choose(page, "industry", "IT und Telekommunikation")
    press(page, "next")  # the last page's button submits


def answer_whole_survey(page: Page, live_url: str) -> None:
    open_survey_from_home(page, live_url)
    answer_start(page)

    # Posting nothing: the automation questions are not asked on page 3.
    answer_habits(page, posts="nie")
    expect_page(page, "automation")
    expect(question(page, "conversation_frequency")).to_be_visible()
    expect(question(page, "automation_share")).to_have_count(0)
    expect(question(page, "automation_tools")).to_have_count(0)

    # Back to page 2: the answers are still there; posting weekly makes them appear.
    press(page, "back")
    expect_page(page, "habits")
    expect(question(page, "posts_updates").get_by_label("nie", exact=True)).to_be_checked()
    expect(question(page, "international_share").get_by_label("unter 25 %", exact=True)
           ).to_be_checked()
    answer_habits(page, posts="ein- bis mehrmals pro Woche")
    expect_page(page, "automation")
    expect(question(page, "automation_share")).to_be_visible()
    expect(question(page, "automation_tools")).to_be_visible()

    answer_automation(page)
    answer_consolidation(page)
    answer_migration(page)
    answer_migration_details(page)
    answer_future(page)
    answer_about_you(page)

    expect(page.locator("main h1")).to_have_text(THANKS)
    expect(page.locator("main")).to_contain_text(TITLE)
    assert page.url == f"{live_url}/s/xing-linkedin/thanks"


# -- the tests -----------------------------------------------------------------------------

@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_a_person_answers_the_whole_survey_in_german(open_tab, live_url, article_survey,
                                                     javascript):
    answer_whole_survey(open_tab(javascript=javascript), live_url)

    responses = stored_responses()
    assert db.session.scalar(select(func.count(Response.id))) == 1
    response = responses[0]
    assert response.language == "de"
    assert response.answers == EXPECTED_ANSWERS
    assert db.session.scalar(select(func.count()).select_from(Participation)) == 1
    assert db.session.scalar(select(func.count()).select_from(Draft)) == 0


def test_a_missing_required_answer_is_shown_next_to_the_field(page, live_url, article_survey):
    page.goto(f"{live_url}/s/xing-linkedin?lang=de")
    expect_page(page, "start")
    choose(page, "networks_used", "XING")
    press(page, "next")

    # Still page 1: the consent box says what is missing, right next to it.
    expect_page(page, "start")
    consent = page.get_by_label(CONSENT, exact=False)
    expect(consent).to_have_attribute("aria-invalid", "true")
    error = question(page, "consent").locator(".error")
    expect(error).to_be_visible()
    expect(error).not_to_be_empty()
    error_id = error.get_attribute("id")
    expect(consent).to_have_attribute("aria-describedby", error_id)
    error_box, consent_box = error.bounding_box(), consent.bounding_box()
    assert error_box["y"] + error_box["height"] <= consent_box["y"]  # above the box, not beside
    expect(page.get_by_role("alert")).to_contain_text(
        "Ich nehme freiwillig teil")  # the summary names the question
    # The answered question has no error and keeps its answer.
    expect(question(page, "networks_used").locator(".error")).to_have_count(0)
    expect(question(page, "networks_used").get_by_label("XING", exact=True)).to_be_checked()
    expect(consent).not_to_be_checked()

    consent.check()
    choose(page, "primary_business_network", "XING")
    press(page, "next")
    expect_page(page, "habits")
    rows = question(page, "contacts_per_network").locator("fieldset.matrix-row > legend")
    expect(rows).to_have_text(["XING"])
    rate_rows(page, "contacts_per_network", {"XING": "50–149"})
    choose(page, "posts_updates", "seltener")
    choose(page, "international_share", "keine")

    # Back keeps what was typed on the page being left and on the page returned to.
    press(page, "back")
    expect_page(page, "start")
    expect(page.get_by_label(CONSENT, exact=False)).to_be_checked()
    expect(question(page, "networks_used").get_by_label("XING", exact=True)).to_be_checked()
    expect(question(page, "networks_used").get_by_label("LinkedIn", exact=True)
           ).not_to_be_checked()
    expect(question(page, "primary_business_network").get_by_label("XING", exact=True)
           ).to_be_checked()
    expect(page.locator("[aria-invalid=true]")).to_have_count(0)
    press(page, "next")
    expect_page(page, "habits")
    expect(question(page, "contacts_per_network").get_by_label("50–149", exact=True)
           ).to_be_checked()
    expect(question(page, "posts_updates").get_by_label("seltener", exact=True)).to_be_checked()
    expect(question(page, "international_share").get_by_label("keine", exact=True)
           ).to_be_checked()

    assert stored_responses() == []
