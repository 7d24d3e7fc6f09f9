"""Answer checks over the factory survey: what a respondent may answer, and what is refused."""

import pytest

from survey.definition import parse_definition
from survey.definition.answers import (
    check_answers,
    matrix_rows,
    prune_hidden,
    visible_pages,
    visible_questions,
)
from tests.helpers.factories import COMPLETE_ANSWERS, question_in, survey_document


@pytest.fixture(autouse=True)
def _babel(app):
    """check_answers translates its messages: it runs inside the app's context."""
    return app


@pytest.fixture
def definition():
    return parse_definition(survey_document())


def _survey_with(question_id: str, **changes):
    document = survey_document()
    question_in(document, question_id).update(changes)
    return parse_definition(document)


def _with(**answers) -> dict:
    """COMPLETE_ANSWERS with some answers replaced (None removes one)."""
    merged = {**COMPLETE_ANSWERS, **answers}
    return {key: value for key, value in merged.items() if value is not None}


def _without(*keys) -> dict:
    return {key: value for key, value in COMPLETE_ANSWERS.items() if key not in keys}


# ------------------------------------------------------------------ complete answers

def test_complete_answers_are_accepted(definition):
    checked = check_answers(definition, COMPLETE_ANSWERS)
    assert checked.ok, checked.errors
    assert checked.answers == COMPLETE_ANSWERS


def test_only_required_answers_are_enough(definition):
    required = {"consent": True, "networks": ["linkedin"],
                "activity": {"linkedin": "daily"}, "agree": "no"}
    checked = check_answers(definition, required)
    assert checked.ok, checked.errors
    assert checked.answers == required


@pytest.mark.parametrize("question_id, message", [
    ("consent", "Please tick the box to agree."),
    ("networks", "Please answer this question."),
    ("activity", "Please answer this question."),
    ("agree", "Please answer this question."),
])
def test_required_question_left_out_is_refused(definition, question_id, message):
    checked = check_answers(definition, _without(question_id))
    assert checked.errors.get(question_id) == message


@pytest.mark.parametrize("empty", [None, "", [], {}], ids=["none", "empty-string", "list", "dict"])
def test_empty_value_counts_as_no_answer(definition, empty):
    checked = check_answers(definition, {**COMPLETE_ANSWERS, "activity": empty})
    assert checked.errors == {"activity": "Please answer this question."}


# ------------------------------------------------------------------ invalid values

NAN = float("nan")
INF = float("inf")

# (question id, value, fragment of the message)
INVALID = {
    "choice-unknown-option": ("primary", "myspace", "choose one of the options"),
    "choice-option-other-case": ("primary", "LinkedIn", "choose one of the options"),
    "choice-option-upper-case": ("country", "DE", "choose one of the options"),
    "choice-option-leading-space": ("primary", " linkedin", "choose one of the options"),
    "choice-option-trailing-space": ("primary", "linkedin ", "choose one of the options"),
    "choice-option-newline": ("primary", "linkedin\n", "choose one of the options"),
    "choice-not-offered-other": ("primary", "other", "choose one of the options"),
    "choice-number": ("primary", 1, "choose one of the options"),
    "choice-list": ("primary", ["linkedin"], "choose one of the options"),
    "choice-bool": ("primary", True, "choose one of the options"),
    "likert-unknown-point": ("agree", "maybe", "choose one of the options"),
    "likert-other-case": ("agree", "Yes", "choose one of the options"),
    "likert-dont-know-spelled-out": ("agree", "don't know", "choose one of the options"),
    "number-bool-true": ("weekly", True, "enter a number"),
    "number-bool-false": ("weekly", False, "enter a number"),
    "number-string": ("weekly", "7", "enter a number"),
    "number-list": ("weekly", [7], "enter a number"),
    "number-nan": ("weekly", NAN, "enter a number"),
    "number-inf": ("weekly", INF, "enter a number"),
    "number-minus-inf": ("weekly", -INF, "enter a number"),
    "decimal-nan": ("share", NAN, "enter a number"),
    "decimal-inf": ("share", INF, "enter a number"),
    "number-below-min": ("weekly", -1, "from 0 to 500"),
    "number-above-max": ("weekly", 501, "from 0 to 500"),
    "number-huge": ("weekly", 10**400, "from 0 to 500"),
    "decimal-below-min": ("share", -0.5, "from 0 to 100"),
    "decimal-above-max": ("share", 100.01, "from 0 to 100"),
    "integer-question-decimal": ("weekly", 7.5, "whole number"),
    "integer-question-tiny-fraction": ("weekly", 7.000001, "whole number"),
    "text-too-long": ("comment", "x" * 51, "at most 50 characters (you used 51)"),
    "text-nul": ("comment", "Inter\x00esting", "character that is not allowed"),
    "text-unpaired-surrogate": ("comment", "Inter\ud800esting", "character that is not allowed"),
    "text-lone-low-surrogate": ("comment", "\udc00", "character that is not allowed"),
    "text-number": ("comment", 42, "enter text"),
    "text-list": ("comment", ["Interesting."], "enter text"),
    "multi-not-a-list": ("networks", "xing", "choose from the options"),
    "multi-unknown-option": ("networks", ["xing", "myspace"], "choose one of the options"),
    "multi-option-other-case": ("networks", ["XING"], "choose one of the options"),
    "multi-option-whitespace": ("networks", ["xing "], "choose one of the options"),
    "multi-duplicate": ("networks", ["xing", "xing"], "only once"),
    "multi-exclusive-combined": ("networks", ["none", "xing"], "cannot be combined"),
    "multi-exclusive-with-other": ("networks", ["other", "none"], "cannot be combined"),
    "ranking-missing-item": ("future", ["xing", "linkedin"], "different place"),
    "ranking-repeated-item": ("future", ["xing", "xing", "facebook"], "different place"),
    "ranking-extra-item": ("future", ["xing", "linkedin", "facebook", "google_plus"],
                           "different place"),
    "ranking-unknown-item": ("future", ["xing", "linkedin", "myspace"], "different place"),
    "ranking-not-a-list": ("future", "xing", "every item in order"),
    "ranking-numbers": ("future", [1, 2, 3], "every item in order"),
    "matrix-not-a-mapping": ("activity", ["daily"], "one answer per row"),
    "matrix-unknown-row": ("activity", {"xing": "daily", "linkedin": "daily", "other": "daily",
                                        "facebook": "daily"}, "not part of the question: facebook"),
    "matrix-unknown-column": ("activity", {"xing": "hourly", "linkedin": "daily",
                                           "other": "daily"}, "choose one of the options"),
    "matrix-missing-row-when-required": ("activity", {"xing": "daily", "linkedin": "daily"},
                                         "every row"),
    "consent-false": ("consent", False, "tick the box"),
    "consent-string": ("consent", "yes", "tick the box"),
    "consent-one": ("consent", 1, "tick the box"),
}


@pytest.mark.parametrize("question_id, value, fragment", INVALID.values(), ids=INVALID.keys())
def test_invalid_value_is_refused_under_the_question_id(definition, question_id, value, fragment):
    checked = check_answers(definition, _with(**{question_id: value}))
    assert not checked.ok
    assert fragment in checked.errors[question_id]


@pytest.mark.parametrize("question_id, value, fragment", INVALID.values(), ids=INVALID.keys())
def test_invalid_value_is_not_kept(definition, question_id, value, fragment):
    checked = check_answers(definition, _with(**{question_id: value}))
    assert question_id not in checked.answers


@pytest.mark.parametrize("question_id, value", [
    ("country", "DE"), ("weekly", True), ("weekly", 7.5), ("comment", "\x00"),
    ("future", ["xing"]), ("activity", {"xing": "daily"}), ("networks.other", "x" * 201),
], ids=["choice", "number", "integer", "text", "ranking", "matrix", "other-text"])
def test_an_invalid_value_leaves_the_other_answers_alone(definition, question_id, value):
    checked = check_answers(definition, _with(**{question_id: value}))
    assert list(checked.errors) == [question_id]


def test_invalid_answers_are_reported_together(definition):
    checked = check_answers(definition, _with(country="DE", weekly=-1, future=["xing"]))
    assert sorted(checked.errors) == ["country", "future", "weekly"]


def test_invalid_earlier_answer_hides_the_questions_that_depend_on_it(definition):
    checked = check_answers(definition, _with(primary="myspace"))
    assert checked.errors["share"] == "This question is not asked for your answers."


# ------------------------------------------------------------------ accepted values

# (question id, value given, value kept)
ACCEPTED = {
    "decimal-for-non-integer-question": ("share", 12.5, 12.5),
    "integer-for-non-integer-question": ("share", 12, 12),
    "whole-float-for-integer-question": ("weekly", 7.0, 7),
    "number-at-min": ("weekly", 0, 0),
    "number-at-max": ("weekly", 500, 500),
    "decimal-at-max": ("share", 100.0, 100.0),
    "text-at-max-length": ("comment", "x" * 50, "x" * 50),
    "text-trimmed": ("comment", "  Interesting.\n", "Interesting."),
    "text-non-ascii": ("comment", "Schöne Grüße 👋", "Schöne Grüße 👋"),
    "multi-in-option-order": ("networks", ["other", "linkedin", "xing"],
                              ["xing", "linkedin", "other"]),
    "ranking-any-order": ("future", ["facebook", "xing", "linkedin"],
                          ["facebook", "xing", "linkedin"]),
}


@pytest.mark.parametrize("question_id, given, kept", ACCEPTED.values(), ids=ACCEPTED.keys())
def test_valid_value_is_accepted(definition, question_id, given, kept):
    checked = check_answers(definition, _with(**{question_id: given}))
    assert checked.ok, checked.errors
    assert checked.answers[question_id] == kept
    assert type(checked.answers[question_id]) is type(kept)


def test_likert_dont_know_is_accepted(definition):
    checked = check_answers(definition, _with(agree="dont_know", comment=None))
    assert checked.ok, checked.errors
    assert checked.answers["agree"] == "dont_know"


def test_dont_know_is_refused_where_the_scale_has_none():
    definition = _survey_with("agree", dont_know=False)
    checked = check_answers(definition, _with(agree="dont_know", comment=None))
    assert checked.errors == {"agree": "Please choose one of the options offered."}


def test_whitespace_only_text_counts_as_no_answer(definition):
    checked = check_answers(definition, _with(comment="   "))
    assert checked.ok, checked.errors
    assert "comment" not in checked.answers


def test_exclusive_option_alone_is_accepted(definition):
    answers = _with(networks=["none"], activity={"none": "rarely"}, weekly=None)
    answers.pop("networks.other")
    checked = check_answers(definition, answers)
    assert checked.ok, checked.errors
    assert checked.answers["networks"] == ["none"]


def test_max_choices_is_enforced():
    definition = _survey_with("networks", max_choices=2)
    checked = check_answers(definition, COMPLETE_ANSWERS)
    assert "at most 2" in checked.errors["networks"]


def test_matrix_row_left_out_is_accepted_when_not_required():
    definition = _survey_with("activity", required=False)
    checked = check_answers(definition, _with(activity={"xing": "daily"}))
    assert checked.ok, checked.errors
    assert checked.answers["activity"] == {"xing": "daily"}


# ------------------------------------------------------------------ unknown and hidden questions

@pytest.mark.parametrize("key", ["nowhere", "Primary", "primary ", "pages", "primary.other",
                                 "consent.other", "networks.others", "networks.other.other"])
def test_answer_to_unknown_question_is_refused(definition, key):
    checked = check_answers(definition, {**COMPLETE_ANSWERS, key: "x"})
    assert checked.errors == {key: "There is no such question."}


def test_answer_to_unknown_question_is_not_kept(definition):
    checked = check_answers(definition, {**COMPLETE_ANSWERS, "nowhere": "x"})
    assert "nowhere" not in checked.answers


# (question id, answers that hide it)
HIDDEN = {
    "contains-unmet": ("weekly", {"networks": ["linkedin"], "activity": {"linkedin": "daily"},
                                  "networks.other": None}),
    "any-unmet": ("share", {"primary": "xing", "country": "de"}),
    "any-unanswered": ("share", {"primary": None, "country": None}),
    "all-partly-met": ("comment", {"agree": "no"}),
}


@pytest.mark.parametrize("question_id, hiding", HIDDEN.values(), ids=HIDDEN.keys())
def test_answer_to_hidden_question_is_refused(definition, question_id, hiding):
    checked = check_answers(definition, _with(**hiding))
    assert checked.errors == {question_id: "This question is not asked for your answers."}


@pytest.mark.parametrize("question_id, hiding", HIDDEN.values(), ids=HIDDEN.keys())
def test_hidden_question_is_not_required(question_id, hiding):
    definition = _survey_with(question_id, required=True)
    answers = _with(**hiding)
    answers.pop(question_id)
    checked = check_answers(definition, answers)
    assert checked.ok, checked.errors


@pytest.mark.parametrize("question_id, hiding", HIDDEN.values(), ids=HIDDEN.keys())
def test_shown_required_question_is_required(question_id, hiding):
    definition = _survey_with(question_id, required=True)
    checked = check_answers(definition, _without(question_id))
    assert checked.errors == {question_id: "Please answer this question."}


def test_condition_uses_answers_of_earlier_pages(definition):
    checked = check_answers(definition, {"weekly": 3}, questions=[definition.question("weekly")],
                            earlier={"networks": ["xing"]})
    assert checked.ok, checked.errors
    assert checked.answers == {"weekly": 3}


def test_condition_without_earlier_answers_hides_the_question(definition):
    checked = check_answers(definition, {"weekly": 3}, questions=[definition.question("weekly")])
    assert checked.errors == {"weekly": "This question is not asked for your answers."}


def test_answer_outside_the_checked_page_is_refused(definition):
    checked = check_answers(definition, {"weekly": 3, "primary": "xing"},
                            questions=[definition.question("weekly")],
                            earlier={"networks": ["xing"]})
    assert checked.errors == {"primary": "There is no such question."}


def test_matrix_without_rows_is_not_asked():
    document = survey_document()
    question_in(document, "networks")["required"] = False
    definition = parse_definition(document)
    checked = check_answers(definition,
                            _without("networks", "networks.other", "activity", "weekly"))
    assert checked.ok, checked.errors
    assert "activity" not in [q.id for q in visible_questions(definition, checked.answers)]


def test_matrix_without_rows_refuses_an_answer():
    document = survey_document()
    question_in(document, "networks")["required"] = False
    definition = parse_definition(document)
    checked = check_answers(definition, _without("networks", "networks.other", "weekly"))
    assert checked.errors == {"activity": "This question is not asked for your answers."}


# ------------------------------------------------------------------ "other"

def test_other_without_its_text_is_refused(definition):
    checked = check_answers(definition, _without("networks.other"))
    assert checked.errors == {"networks.other": 'Please say what "Other" means for you.'}


@pytest.mark.parametrize("text", ["", "   "], ids=["empty", "blank"])
def test_other_with_blank_text_is_refused(definition, text):
    checked = check_answers(definition, _with(**{"networks.other": text}))
    assert checked.errors == {"networks.other": 'Please say what "Other" means for you.'}


def test_other_text_without_other_is_refused(definition):
    checked = check_answers(definition, _with(networks=["xing", "linkedin"],
                                          activity={"xing": "daily", "linkedin": "daily"}))
    assert checked.errors == {"networks.other": "You chose another answer and also wrote "
                              "something under “Other”: please keep only one of them."}


def test_other_text_without_any_choice_is_refused():
    definition = _survey_with("networks", required=False)
    answers = _without("networks", "activity", "weekly")
    checked = check_answers(definition, answers)
    assert checked.errors == {"networks.other": 'Choose "Other" to add this text.'}


@pytest.mark.parametrize("text, fragment", [
    ("x" * 201, "at most 200 characters"),
    ("Mast\x00odon", "not allowed"),
    ("\ud800", "not allowed"),
    (["Mastodon"], "enter text"),
], ids=["too-long", "nul", "surrogate", "list"])
def test_invalid_other_text_is_refused(definition, text, fragment):
    checked = check_answers(definition, _with(**{"networks.other": text}))
    assert fragment in checked.errors["networks.other"]


def test_other_text_is_kept_trimmed(definition):
    checked = check_answers(definition, _with(**{"networks.other": "  Mastodon "}))
    assert checked.answers["networks.other"] == "Mastodon"


def test_other_text_of_hidden_question_is_refused():
    document = survey_document()
    document["pages"][1]["questions"].append({
        "id": "second_choice", "type": "single_choice", "other": True, "text": "Second?",
        "show_if": {"question": "country", "equals": "at"},
        "options": [{"id": "xing", "label": "XING"}, {"id": "linkedin", "label": "LinkedIn"}]})
    definition = parse_definition(document)
    checked = check_answers(definition, _with(**{"second_choice.other": "Mastodon"}))
    assert checked.errors == {"second_choice.other": "This question is not asked for your answers."}


# ------------------------------------------------------------------ pruning hidden answers

def test_prune_hidden_drops_answer_hidden_by_a_changed_earlier_answer(definition):
    changed = _with(networks=["linkedin", "other"])
    assert "weekly" not in prune_hidden(definition, changed)


def test_prune_hidden_keeps_the_other_answers(definition):
    changed = _with(networks=["linkedin", "other"])
    assert prune_hidden(definition, changed) == {k: v for k, v in changed.items() if k != "weekly"}


def test_prune_hidden_keeps_everything_still_shown(definition):
    assert prune_hidden(definition, COMPLETE_ANSWERS) == COMPLETE_ANSWERS


@pytest.mark.parametrize("question_id, hiding", HIDDEN.values(), ids=HIDDEN.keys())
def test_prune_hidden_drops_each_hidden_question(definition, question_id, hiding):
    pruned = prune_hidden(definition, _with(**hiding))
    assert question_id not in pruned


def test_prune_hidden_drops_the_other_text_of_a_hidden_question():
    document = survey_document()
    document["pages"][2]["questions"][0] = {
        "id": "future", "type": "single_choice", "other": True, "text": "Future?",
        "show_if": {"question": "primary", "equals": "xing"},
        "options": [{"id": "xing", "label": "XING"}, {"id": "linkedin", "label": "LinkedIn"}]}
    definition = parse_definition(document)
    pruned = prune_hidden(definition, _with(future="other", **{"future.other": "Mastodon"}))
    assert "future" not in pruned
    assert "future.other" not in pruned


def test_prune_hidden_drops_a_matrix_whose_rows_are_gone():
    definition = _survey_with("networks", required=False)
    pruned = prune_hidden(definition, _without("networks", "networks.other"))
    assert "activity" not in pruned


def test_pruned_answers_pass_the_check_after_the_change(definition):
    changed = _with(networks=["linkedin"], activity={"linkedin": "daily"})
    changed.pop("networks.other")
    checked = check_answers(definition, prune_hidden(definition, changed))
    assert checked.ok, checked.errors


def test_visible_pages_leave_out_a_page_with_nothing_to_ask():
    document = survey_document()
    question_in(document, "future")["show_if"] = {"question": "agree", "equals": "yes"}
    definition = parse_definition(document)
    pages = [p.id for p in visible_pages(definition, {"agree": "no"})]
    assert pages == ["first", "second"]


# ------------------------------------------------------------------ matrix rows

def test_matrix_rows_follow_rows_from_with_other_text_as_label(definition):
    rows = matrix_rows(definition, definition.question("activity"), COMPLETE_ANSWERS, "en")
    assert rows == [("xing", "XING"), ("linkedin", "LinkedIn"), ("other", "Mastodon")]


def test_matrix_rows_follow_the_chosen_options_only(definition):
    rows = matrix_rows(definition, definition.question("activity"), {"networks": ["linkedin"]},
                       "en")
    assert rows == [("linkedin", "LinkedIn")]


def test_matrix_rows_keep_option_order(definition):
    answers = {"networks": ["linkedin", "xing"]}
    rows = matrix_rows(definition, definition.question("activity"), answers, "en")
    assert [row for row, _label in rows] == ["xing", "linkedin"]


@pytest.mark.parametrize("language, label", [("de", "Keines"), ("en", "None")])
def test_matrix_rows_are_labelled_in_the_language(definition, language, label):
    rows = matrix_rows(definition, definition.question("activity"), {"networks": ["none"]},
                       language)
    assert rows == [("none", label)]


def test_matrix_row_for_other_without_text_is_labelled_other(definition):
    rows = matrix_rows(definition, definition.question("activity"), {"networks": ["other"]}, "en")
    assert rows == [("other", "Other")]


def test_matrix_rows_of_fixed_rows():
    document = survey_document()
    question = question_in(document, "activity")
    question.pop("rows_from")
    question["rows"] = [{"id": "work", "label": {"de": "Beruf", "en": "Work"}},
                        {"id": "home", "label": {"de": "Privat", "en": "Home"}}]
    definition = parse_definition(document)
    rows = matrix_rows(definition, definition.question("activity"), {}, "de")
    assert rows == [("work", "Beruf"), ("home", "Privat")]


def test_matrix_answer_for_other_row_is_accepted(definition):
    checked = check_answers(definition, COMPLETE_ANSWERS)
    assert checked.answers["activity"]["other"] == "daily"


def test_matrix_answer_for_other_row_is_refused_without_other(definition):
    answers = _with(networks=["xing", "linkedin"])
    answers.pop("networks.other")
    checked = check_answers(definition, answers)
    assert "not part of the question: other" in checked.errors["activity"]
