"""Answering through the HTML pages: the whole article survey, resume, duplicates, errors."""

import random

import pytest
from sqlalchemy import func, select

from survey.definition import load_definition_file
from survey.definition.model import All, Any_, Contains, In
from survey.extensions import db
from survey.models import Draft, Participation, Response
from tests.helpers.factories import ARTICLE_SURVEY, COMPLETE_ANSWERS
from tests.helpers.walk import current_page, form_data, shown_questions, walk

ARTICLE = load_definition_file(ARTICLE_SURVEY)
CONDITIONAL = {q.id for q in ARTICLE.questions() if q.show_if is not None}


def stored_responses():
    db.session.remove()  # read what the requests committed, not a stale snapshot
    return list(db.session.scalars(select(Response).order_by(Response.id)))


def satisfying(condition) -> dict:
    """Answers that make a condition hold (the first way, for `any`)."""
    if isinstance(condition, All):
        return {k: v for part in condition.all for k, v in satisfying(part).items()}
    if isinstance(condition, Any_):
        return satisfying(condition.any[0])
    if isinstance(condition, Contains):
        return {condition.question: [condition.contains]}
    if isinstance(condition, In):
        return {condition.question: condition.in_[0]}
    return {condition.question: condition.equals}


@pytest.mark.parametrize("language", ["de", "en"])
def test_article_survey_answered_end_to_end(app, article_survey, language):
    """People answer at random, one of them set on showing each conditional question;
    together they see and skip every conditional question, and each response is stored."""
    conditional = [q for q in ARTICLE.questions() if q.show_if is not None]
    people = [{}] * 4 + [satisfying(q.show_if) for q in conditional]
    seen, skipped, known = set(), set(), set()
    for seed, fixed in enumerate(people):
        client = app.test_client()
        answers, _pages = walk(client, ARTICLE, random.Random(seed), language, fixed)
        shown = {key for key in answers if "." not in key}
        seen |= shown & CONDITIONAL
        skipped |= CONDITIONAL - shown
        thanks = client.get(f"/s/{article_survey}/thanks")
        assert ("Vielen Dank" if language == "de" else "Thank you") in thanks.text
        [stored] = [r for r in stored_responses() if r.id not in known]  # ids are random
        known.add(stored.id)
        assert stored.answers == answers
        assert stored.language == language
    assert seen == CONDITIONAL, f"never shown: {CONDITIONAL - seen}"
    assert skipped == CONDITIONAL, f"never hidden: {CONDITIONAL - skipped}"
    assert len(stored_responses()) == len(people)


def test_pages_are_in_the_chosen_language(client, article_survey):
    german = client.get(f"/s/{article_survey}?lang=de")
    assert '<html lang="de">' in german.text
    assert ARTICLE.pages[0].title["de"] in german.text
    english = client.get(f"/s/{article_survey}?lang=en")
    assert '<html lang="en">' in english.text
    assert ARTICLE.pages[0].title["en"] in english.text


def test_accept_language_picks_german(client, article_survey):
    page = client.get(f"/s/{article_survey}", headers={"Accept-Language": "de-DE,de;q=0.9"})
    assert '<html lang="de">' in page.text
    assert ARTICLE.title["de"] in page.text


def test_language_switch_on_every_page(client, article_survey):
    for url in ["/", "/login", "/register"]:
        html = client.get(url).text
        assert "?lang=de" in html and "?lang=en" in html, url
    # On a survey page the other language is a button that posts the page.
    html = client.get(f"/s/{article_survey}?lang=de").text
    assert 'form="survey-page" name="language" value="en"' in html


def test_language_switch_keeps_what_was_typed_valid_or_not(client, make_survey):
    definition = make_survey()
    _answer_first_page(client, definition, COMPLETE_ANSWERS)
    typed = {"page": "second", "language": "de", "activity__row__xing": "daily",
             "weekly": "sieben", "share": "12,5"}
    response = client.post("/s/test-survey?lang=en", data=typed)
    assert response.status_code == 200
    assert '<html lang="de">' in response.text
    assert 'value="sieben"' in response.text and 'value="12,5"' in response.text
    assert 'class="error"' not in response.text  # switching is not submitting
    db.session.rollback()
    [draft] = db.session.scalars(select(Draft)).all()
    assert draft.page_id == "second" and draft.answers["share"] == 12.5  # the valid part
    assert "weekly" not in draft.answers


def test_text_typed_beside_other_counts_as_choosing_other(client, make_survey):
    make_survey()
    data = {"page": "first", "action": "next", "consent": "y", "networks": ["xing"],
            "networks__other": "Mastodon", "primary": "xing", "country": "de"}
    response = client.post("/s/test-survey", data=data)
    assert response.status_code == 302, response.text
    db.session.rollback()
    [draft] = db.session.scalars(select(Draft)).all()
    assert draft.answers["networks"] == ["xing", "other"]
    assert draft.answers["networks.other"] == "Mastodon"


def _answer_first_page(client, definition, answers):
    first = client.get(f"/s/{definition.slug}")
    shown = shown_questions(first.text)
    data = {"page": current_page(first.text), "action": "next",
            **form_data(definition, answers, shown)}
    return client.post(f"/s/{definition.slug}", data=data)


def test_conditional_question_follows_earlier_answer(client, make_survey):
    definition = make_survey()
    plain = {k: v for k, v in COMPLETE_ANSWERS.items() if k != "networks.other"}
    _answer_first_page(client, definition, {**plain, "networks": ["linkedin"], "primary": "xing"})
    second = client.get("/s/test-survey")
    assert "weekly" not in shown_questions(second.text)  # only shown to XING users
    assert "share" not in shown_questions(second.text)
    client.post("/s/test-survey", data={"page": "second", "action": "back"})
    _answer_first_page(client, definition, {**plain, "networks": ["xing"]})
    second = client.get("/s/test-survey")
    assert {"weekly", "share"} <= set(shown_questions(second.text))


def test_matrix_rows_come_from_the_earlier_answer(client, make_survey):
    definition = make_survey()
    _answer_first_page(client, definition, COMPLETE_ANSWERS)
    second = client.get("/s/test-survey").text
    assert "<legend>XING</legend>" in second and "<legend>Mastodon</legend>" in second
    assert "activity__row__xing" in second and "activity__row__none" not in second


def test_back_keeps_answers(client, make_survey):
    definition = make_survey()
    _answer_first_page(client, definition, COMPLETE_ANSWERS)
    client.post("/s/test-survey", data={"page": "second", "action": "back",
                                        "agree": "partly"})
    first = client.get("/s/test-survey").text
    assert current_page(first) == "first"
    assert 'value="linkedin" checked' in first.replace("\n", " ").replace("  ", " ") or \
        'value="linkedin"' in first and "checked" in first
    assert 'value="Mastodon"' in first
    client.post("/s/test-survey", data={"page": "first", "action": "next",
                                        **form_data(definition, COMPLETE_ANSWERS,
                                                    ["consent", "networks", "primary", "country"])})
    second = client.get("/s/test-survey").text
    assert current_page(second) == "second"
    assert 'value="partly" checked' in " ".join(second.split())


def test_resume_link_restores_answers_in_another_browser(app, make_survey):
    definition = make_survey()
    first_browser = app.test_client()
    _answer_first_page(first_browser, definition, COMPLETE_ANSWERS)
    saved = first_browser.post("/s/test-survey", data={"page": "second", "action": "save",
                                                       "agree": "no"})
    assert saved.status_code == 302
    page = first_browser.get(saved.headers["Location"]).text
    link = page.split('class="resume-link">')[1].split("<")[0]
    assert "/s/test-survey/resume/" in link

    other_browser = app.test_client()
    resumed = other_browser.get(link.replace("http://localhost", ""))
    assert resumed.status_code == 302
    second = other_browser.get("/s/test-survey").text
    assert current_page(second) == "second"
    assert 'value="no" checked' in " ".join(second.split())
    assert "<legend>Mastodon</legend>" in second


def test_invalid_resume_link_is_a_clear_404(client, make_survey):
    make_survey()
    response = client.get("/s/test-survey/resume/not-a-token")
    assert response.status_code == 404
    assert "not valid" in response.text


def _finish(client, definition, answers=COMPLETE_ANSWERS):
    """Answer the factory survey completely; returns the last page's form data."""
    response = client.get("/s/test-survey")
    while True:
        shown = shown_questions(response.text)
        data = {"page": current_page(response.text), "action": "next",
                "submission_id": response.text.split('name="submission_id" type="hidden" '
                                                     'value="')[1].split('"')[0],
                **form_data(definition, answers, shown)}
        posted = client.post("/s/test-survey", data=data)
        assert posted.status_code == 302, posted.text
        if posted.headers["Location"].endswith("/thanks"):
            return data
        response = client.get(posted.headers["Location"])


def test_second_attempt_sees_already_answered(client, make_survey):
    definition = make_survey()
    _finish(client, definition)
    again = client.get("/s/test-survey")
    assert "already answered" in again.text
    assert "<form method=\"post\" action=\"/s/test-survey\"" not in again.text
    assert len(stored_responses()) == 1


def test_member_cannot_answer_twice_from_another_browser(app, make_survey, make_user):
    definition = make_survey()
    user = make_user()
    for _browser in range(2):
        client = app.test_client()
        client.post("/login", data={"email": user.email, "password": "correct horse battery"})
        if _browser == 0:
            _finish(client, definition)
        else:
            assert "already answered" in client.get("/s/test-survey").text
    assert len(stored_responses()) == 1


def test_replayed_final_submit_is_stored_once(app, client, make_survey):
    definition = make_survey()
    last_page = _finish(client, definition)
    replay = client.post("/s/test-survey", data=last_page)
    assert replay.status_code == 302 and replay.headers["Location"].endswith("/thanks")
    stranger = app.test_client().post("/s/test-survey", data=last_page)
    assert stranger.headers["Location"].endswith("/thanks")
    assert len(stored_responses()) == 1


def test_submission_deletes_the_draft_and_records_participation(client, make_survey):
    definition = make_survey()
    _finish(client, definition)
    db.session.remove()
    assert db.session.scalar(select(func.count()).select_from(Draft)) == 0
    assert db.session.scalar(select(func.count()).select_from(Participation)) == 1
    stored = stored_responses()[0]
    assert stored.answers == COMPLETE_ANSWERS


@pytest.mark.parametrize("page_index", range(len(ARTICLE.pages)))
def test_empty_submit_of_every_article_page_gives_field_errors(app, article_survey, page_index):
    """Reach each page with valid answers, then submit it empty: errors, never a 500."""
    client = app.test_client()
    rng = random.Random(page_index)
    answers = {}
    response = client.get(f"/s/{article_survey}")
    while current_page(response.text) != ARTICLE.pages[page_index].id:
        shown = shown_questions(response.text)
        from tests.helpers.walk import random_answer
        for question_id in shown:
            answers[question_id] = random_answer(ARTICLE, ARTICLE.question(question_id),
                                                 answers, rng)
            if "other" in str(answers[question_id]):
                answers[question_id + ".other"] = "x"
        client.post(f"/s/{article_survey}", data={
            "page": current_page(response.text), "action": "next",
            **form_data(ARTICLE, answers, shown)})
        response = client.get(f"/s/{article_survey}")
    page = ARTICLE.pages[page_index]
    empty = client.post(f"/s/{article_survey}", data={"page": page.id, "action": "next"})
    required = [q for q in page.questions if q.required and q.id in shown_questions(response.text)]
    if required:
        assert empty.status_code == 422
        assert 'aria-invalid="true"' in empty.text
        for question in required:
            assert f'id="q-{question.id}-error"' in empty.text
    else:
        assert empty.status_code == 302


MALFORMED = {
    "unknown option": {"primary": "myspace"},
    "exclusive combined": {"consent": "y", "networks": ["xing", "none"]},
    "other without text": {"consent": "y", "networks": ["other"]},
    "overlong other text": {"consent": "y", "networks": ["other"], "networks__other": "x" * 500},
    "NUL in text": {"consent": "y", "networks": ["other"], "networks__other": "a\x00b"},
}


@pytest.mark.parametrize("data", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_submit_gives_field_errors(client, make_survey, data):
    make_survey()
    response = client.post("/s/test-survey", data={"page": "first", "action": "next", **data})
    assert response.status_code == 422
    assert 'class="error"' in response.text
    assert stored_responses() == []


def test_malformed_number_on_second_page(client, make_survey):
    definition = make_survey()
    _answer_first_page(client, definition, COMPLETE_ANSWERS)
    data = {"page": "second", "action": "next",
            **form_data(definition, COMPLETE_ANSWERS, ["activity", "agree"]),
            "weekly": "1e9", "share": "12,5"}
    response = client.post("/s/test-survey", data=data)
    assert response.status_code == 422
    assert 'id="q-weekly-error"' in response.text
    assert "from 0 to 500" in response.text
    assert 'id="q-share-error"' not in response.text  # a decimal comma is fine


def test_unknown_survey_is_404(client):
    assert client.get("/s/no-such-survey").status_code == 404


def test_home_page_lists_the_article_questions_and_survey(client, article_survey):
    page = client.get("/?lang=en").text
    assert "Is LinkedIn itself responsible" in page
    assert f'href="/s/{article_survey}"' in page
