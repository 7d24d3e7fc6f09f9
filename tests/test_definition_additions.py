"""Keys the format gained for imports and authoring: shuffle, `not` and `answered`
conditions, opening and closing dates, the closing message."""

from datetime import UTC, datetime

import pytest
import yaml

from survey.definition import (
    DefinitionError,
    canonical_json,
    content_hash,
    parse_definition,
    parse_definition_text,
)
from survey.definition.answers import condition_holds, condition_questions
from survey.definition.compat import incompatibilities
from tests.helpers.factories import question_in, survey_document


def _messages(document) -> list[str]:
    with pytest.raises(DefinitionError) as caught:
        parse_definition_text(yaml.safe_dump(document, sort_keys=False), "bad.yaml")
    return caught.value.messages


def _with(question_id, **keys):
    document = survey_document()
    question_in(document, question_id).update(keys)
    return document


@pytest.mark.parametrize("question_id", ["networks", "primary", "activity", "future"])
def test_shuffle_is_accepted_on_choice_matrix_and_ranking_questions(question_id):
    definition = parse_definition(_with(question_id, shuffle=True))
    assert definition.question(question_id).shuffles()


@pytest.mark.parametrize("question_id", ["agree", "weekly", "comment", "consent"])
def test_shuffle_is_refused_where_order_carries_meaning_or_there_are_no_options(question_id):
    [message] = _messages(_with(question_id, shuffle=True))
    assert "unknown key 'shuffle'" in message


def test_keys_left_at_their_default_keep_the_content_hash_of_older_files():
    plain = parse_definition(survey_document())
    explicit = parse_definition(_with("networks", shuffle=False))
    assert content_hash(plain) == content_hash(explicit)
    assert "shuffle" not in canonical_json(plain) and "opens_at" not in canonical_json(plain)
    assert content_hash(parse_definition(_with("networks", shuffle=True))) != content_hash(plain)


def test_turning_shuffle_on_keeps_question_ids_compatible():
    before = parse_definition(survey_document())
    after = parse_definition(_with("networks", shuffle=True))
    assert incompatibilities(before, after) == []


def test_not_and_answered_conditions_are_evaluated():
    document = survey_document()
    question_in(document, "weekly")["show_if"] = {
        "not": {"question": "networks", "contains": "xing"}}
    question_in(document, "share")["show_if"] = {
        "all": [{"question": "primary", "answered": True},
                {"not": {"question": "country", "answered": False}}]}
    definition = parse_definition(document)
    weekly = definition.question("weekly").show_if
    share = definition.question("share").show_if
    assert condition_holds(weekly, {"networks": ["linkedin"]})
    assert not condition_holds(weekly, {"networks": ["xing"]})
    assert condition_questions(share) == {"primary", "country"}
    assert condition_holds(share, {"primary": "xing", "country": "de"})
    assert not condition_holds(share, {"primary": "xing"})
    assert not condition_holds(share, {"country": "de", "primary": ""})


def test_a_not_condition_is_checked_like_any_other():
    document = survey_document()
    question_in(document, "weekly")["show_if"] = {"not": {"question": "comment",
                                                          "answered": True}}
    [message] = _messages(document)
    assert message.startswith("bad.yaml: pages[1].questions[2].show_if.not.question: ")
    assert "not on an earlier page" in message


def test_dates_and_closing_message_are_read_with_their_time_zone():
    definition = parse_definition(survey_document(
        opens_at="2026-05-01T08:00:00+02:00", closes_at="2026-06-01T00:00:00Z",
        closing_message={"de": "Vielen Dank.", "en": "Thank you."}))
    assert definition.opens_at == datetime(2026, 5, 1, 6, tzinfo=UTC)
    assert not definition.is_within_dates(datetime(2026, 5, 1, 5, 59, tzinfo=UTC))
    assert definition.is_within_dates(datetime(2026, 5, 1, 6, tzinfo=UTC))
    assert not definition.is_within_dates(datetime(2026, 6, 1, tzinfo=UTC))


@pytest.mark.parametrize(("keys", "expected"), [
    ({"opens_at": "2026-05-01T08:00:00"}, "opens_at: give the time with its time zone"),
    ({"opens_at": "2026-06-01T00:00:00Z", "closes_at": "2026-05-01T00:00:00Z"},
     "closes_at: the survey must close after it opens"),
    ({"closing_message": {"de": "Danke."}}, "closing_message: missing text for en"),
])
def test_bad_dates_and_messages_are_refused_with_their_place(keys, expected):
    [message] = _messages(survey_document(**keys))
    assert expected in message
