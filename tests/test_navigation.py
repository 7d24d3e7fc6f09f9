"""Where answering a page leads (survey.definition.navigation), without an app or a request."""

import pytest

from survey.definition import parse_definition
from survey.definition.answers import CheckedAnswers
from survey.definition.navigation import answers_before, turn_page
from tests.helpers.factories import survey_document

FIRST = {"consent": True, "networks": ["linkedin"], "primary": "linkedin", "country": "de"}


@pytest.fixture
def definition():
    return parse_definition(survey_document())


def checked(answers=None, errors=None) -> CheckedAnswers:
    return CheckedAnswers(answers=dict(answers or {}), errors=dict(errors or {}))


def test_next_with_valid_answers_goes_to_the_next_page(definition):
    turn = turn_page(definition, definition.pages[0], {}, checked(FIRST), "next")
    assert (turn.outcome, turn.page_id, turn.answers) == ("moved", "second", FIRST)


def test_next_with_an_error_is_refused_and_stays(definition):
    turn = turn_page(definition, definition.pages[0], {},
                     checked({"consent": True}, {"networks": "Please answer."}), "next")
    assert (turn.outcome, turn.page_id) == ("refused", "first")


def test_back_keeps_what_was_valid_and_goes_to_the_previous_page(definition):
    second = {"agree": "yes"}
    turn = turn_page(definition, definition.pages[1], FIRST,
                     checked(second, {"activity": "Please answer."}), "back")
    assert (turn.outcome, turn.page_id, turn.answers) == ("moved", "first", {**FIRST, **second})


def test_back_on_the_first_page_stays_there(definition):
    turn = turn_page(definition, definition.pages[0], {}, checked(FIRST), "back")
    assert (turn.outcome, turn.page_id) == ("moved", "first")


def test_save_stays_on_the_page_even_with_errors(definition):
    turn = turn_page(definition, definition.pages[1], FIRST,
                     checked({}, {"agree": "Please answer."}), "save")
    assert (turn.outcome, turn.page_id, turn.answers) == ("saved", "second", FIRST)


def test_next_on_the_last_page_submits(definition):
    turn = turn_page(definition, definition.pages[2], FIRST, checked({"future": ["xing"]}),
                     "next")
    assert (turn.outcome, turn.answers["future"]) == ("submit", ["xing"])


def test_an_unknown_action_is_refused(definition):
    assert turn_page(definition, definition.pages[0], {}, checked(FIRST),
                     "publish").outcome == "refused"


def test_answers_of_a_page_replace_what_it_had(definition):
    before = {**FIRST, "agree": "no", "weekly": 3}
    turn = turn_page(definition, definition.pages[1], before, checked({"agree": "yes"}), "save")
    assert turn.answers["agree"] == "yes" and "weekly" not in turn.answers


def test_answers_that_hide_a_question_drop_its_answer(definition):
    before = {**FIRST, "agree": "yes", "comment": "Interesting."}
    turn = turn_page(definition, definition.pages[1], before, checked({"agree": "no"}), "next")
    assert "comment" not in turn.answers


def test_answers_before_a_page_are_those_of_earlier_pages(definition):
    answers = {**FIRST, "networks.other": "Mastodon", "agree": "yes", "future": ["xing"]}
    assert answers_before(definition, definition.pages[1], answers) == {
        **FIRST, "networks.other": "Mastodon"}
