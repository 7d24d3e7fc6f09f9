"""What a respondent sees and what they may answer: conditions, visibility, answer checks.

One set of rules serves the HTML pages and the JSON API. Answers are plain JSON
values keyed by question id; the free text of an "other" choice is keyed
``<question id>.other``.
"""

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _

from survey.definition.model import (
    OTHER,
    All,
    Answered,
    Any_,
    Contains,
    Equals,
    In,
    Not,
    Page,
    QuestionBase,
    SurveyDefinition,
    localize,
)

OTHER_SUFFIX = ".other"
OTHER_TEXT_MAX = 200


def other_key(question_id: str) -> str:
    """The answer key of the free text given with an "other" choice."""
    return question_id + OTHER_SUFFIX


def condition_holds(condition, answers: Mapping[str, Any]) -> bool:
    """Evaluate a show_if condition (data, never code) against the answers so far."""
    if isinstance(condition, All):
        return all(condition_holds(part, answers) for part in condition.all)
    if isinstance(condition, Any_):
        return any(condition_holds(part, answers) for part in condition.any)
    if isinstance(condition, Not):
        return not condition_holds(condition.not_, answers)
    answer = answers.get(condition.question)
    if isinstance(condition, Answered):
        return _given(answer) is condition.answered
    if answer is None:
        return False
    if isinstance(condition, Contains):
        return isinstance(answer, list) and condition.contains in answer
    if isinstance(condition, Equals):
        return _same(answer, condition.equals)
    if isinstance(condition, In):
        return any(_same(answer, value) for value in condition.in_)
    raise TypeError(f"unknown condition {condition!r}")


def condition_questions(condition) -> set[str]:
    """The ids of the questions whose answers a show_if condition looks at."""
    if isinstance(condition, All | Any_):
        parts = condition.all if isinstance(condition, All) else condition.any
        return set().union(*(condition_questions(part) for part in parts))
    if isinstance(condition, Not):
        return condition_questions(condition.not_)
    return {condition.question}


def _same(answer: Any, value: Any) -> bool:
    if isinstance(answer, bool) or isinstance(value, bool):
        return answer is value
    return answer == value


def is_shown(question: QuestionBase, answers: Mapping[str, Any]) -> bool:
    """Whether a question is asked for these answers: its condition holds and, for a matrix
    with `rows_from`, the earlier answer gave it at least one row."""
    if question.show_if is not None and not condition_holds(question.show_if, answers):
        return False
    rows_from = question.row_source()
    return rows_from is None or _given(answers.get(rows_from))


def visible_questions(definition: SurveyDefinition,
                      answers: Mapping[str, Any]) -> list[QuestionBase]:
    """The questions shown for these answers, in order (conditions look only at earlier pages)."""
    return [q for q in definition.questions() if is_shown(q, answers)]


def visible_pages(definition: SurveyDefinition, answers: Mapping[str, Any]) -> list[Page]:
    """The pages that show at least one question for these answers."""
    shown = {q.id for q in visible_questions(definition, answers)}
    return [p for p in definition.pages if any(q.id in shown for q in p.questions)]


def shown_on_page(definition: SurveyDefinition, page: Page, answers: Mapping[str, Any]):
    """The questions of one page shown for the answers given on earlier pages."""
    shown = {q.id for q in visible_questions(definition, answers)}
    return [q for q in page.questions if q.id in shown]


def prune_hidden(definition: SurveyDefinition, answers: Mapping[str, Any]) -> dict[str, Any]:
    """Drop the answers of questions that the other answers now hide."""
    shown = {q.id for q in visible_questions(definition, answers)}
    return {key: value for key, value in answers.items()
            if key.removesuffix(OTHER_SUFFIX) in shown}


def matrix_rows(definition: SurveyDefinition, question, answers: Mapping[str, Any], language: str):
    """The rows of a matrix question as (id, label), taken from an earlier answer if so defined."""
    if question.rows is not None:
        return [(row.id, localize(row.label, language)) for row in question.rows]
    source = definition.question(question.rows_from)
    chosen = answers.get(source.id) or []
    rows = [(o.id, localize(o.label, language)) for o in source.options if o.id in chosen]
    if OTHER in chosen:
        rows.append((OTHER, answers.get(other_key(source.id)) or _("Other")))
    return rows


@dataclass
class CheckedAnswers:
    """The outcome of checking submitted answers: clean values, and an error per field."""

    answers: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


class _Invalid(ValueError):
    """One answer is not acceptable; the message is for the respondent."""


def check_answers(
    definition: SurveyDefinition,
    submitted: Mapping[str, Any],
    *,
    questions: Iterable[QuestionBase] | None = None,
    earlier: Mapping[str, Any] | None = None,
    language: str = "en",
) -> CheckedAnswers:
    """Check answers to the given questions (default: the whole survey) as a respondent gave them.

    `earlier` holds answers already accepted on earlier pages; they decide which
    questions are shown. Answers to unknown or hidden questions are refused.
    """
    context = dict(earlier or {})
    result = CheckedAnswers()
    scope = list(questions) if questions is not None else definition.questions()
    scope_ids = {q.id for q in scope}
    with_other = {other_key(q.id) for q in scope if q.offers_other()}
    for key in submitted:
        if not isinstance(key, str) or (key not in scope_ids and key not in with_other):
            result.errors[str(key)] = _("There is no such question.")
    for question in scope:
        if not is_shown(question, context):
            for key in (question.id, other_key(question.id)):
                if _given(submitted.get(key)):
                    result.errors[key] = _("This question is not asked for your answers.")
            continue
        try:
            value = _check_value(definition, question, submitted, context, language)
        except _Invalid as invalid:
            result.errors[question.id] = str(invalid)
            continue
        if value is None:
            if question.required:
                result.errors[question.id] = (_("Please tick the box to agree.")
                                              if question.type == "consent"
                                              else _("Please answer this question."))
            elif _given(submitted.get(other_key(question.id))):
                result.errors[other_key(question.id)] = _('Choose "Other" to add this text.')
            continue
        result.answers[question.id] = value
        context[question.id] = value
        _check_other_text(question, value, submitted, result, context)
    return result


def _given(value: Any) -> bool:
    return value not in (None, "", [], {})


def _check_other_text(question, value, submitted, result, context):
    key = other_key(question.id)
    text = submitted.get(key)
    chose_other = value == OTHER or (isinstance(value, list) and OTHER in value)
    if not question.offers_other():
        return
    if not chose_other:
        if _given(text):
            result.errors[key] = _("You chose another answer and also wrote something under "
                                   "“Other”: please keep only one of them.")
        return
    try:
        text = _clean_text(text, OTHER_TEXT_MAX)
    except _Invalid as invalid:
        result.errors[key] = str(invalid)
        return
    if text is None:
        result.errors[key] = _('Please say what "Other" means for you.')
        return
    result.answers[key] = text
    context[key] = text


def _clean_text(value: Any, max_length: int) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise _Invalid(_("Please enter text."))
    _refuse_bad_characters(value)
    value = value.strip()
    if len(value) > max_length:
        raise _Invalid(_("Please use at most %(max)d characters (you used %(used)d).",
                         max=max_length, used=len(value)))
    return value or None


def _refuse_bad_characters(value: str) -> None:
    if "\x00" in value:
        raise _Invalid(_("The text contains a character that is not allowed."))
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise _Invalid(_("The text contains a character that is not allowed.")) from None


def _option_id(value: Any, allowed: list[str]) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise _Invalid(_("Please choose one of the options offered."))
    return value


def _check_value(definition, question, submitted, context, language):
    """The clean value of one answer, None when unanswered, or _Invalid."""
    value = submitted.get(question.id)
    if value in (None, "", [], {}):
        return None
    checker = _CHECKERS[question.type]
    return checker(definition, question, value, context, language)


def _check_choice(definition, question, value, context, language):
    return _option_id(value, question.choice_ids())


def _check_multi(definition, question, value, context, language):
    if not isinstance(value, list):
        raise _Invalid(_("Please choose from the options offered."))
    allowed = question.choice_ids()
    chosen = [_option_id(v, allowed) for v in value]
    if len(set(chosen)) != len(chosen):
        raise _Invalid(_("Each option can be chosen only once."))
    exclusive = {o.id for o in question.options if o.exclusive}
    if len(chosen) > 1 and exclusive.intersection(chosen):
        raise _Invalid(_("This option cannot be combined with others."))
    if question.max_choices and len(chosen) > question.max_choices:
        raise _Invalid(ngettext("Please choose at most %(num)d option.",
                                "Please choose at most %(num)d options.", question.max_choices))
    return [o for o in allowed if o in chosen]  # option order, whatever order they came in


def _check_matrix(definition, question, value, context, language):
    if not isinstance(value, dict):
        raise _Invalid(_("Please choose one answer per row."))
    rows = [row_id for row_id, _label in matrix_rows(definition, question, context, language)]
    unknown = [key for key in value if key not in rows]
    if unknown:
        raise _Invalid(_("This row is not part of the question: %(row)s", row=str(unknown[0])))
    columns = question.choice_ids()
    answered = {row: _option_id(value[row], columns)
                for row in rows if value.get(row) not in (None, "")}
    if question.required and len(answered) < len(rows):
        raise _Invalid(_("Please choose one answer in every row."))
    return answered or None


def _check_ranking(definition, question, value, context, language):
    items = question.choice_ids()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _Invalid(_("Please put every item in order."))
    if sorted(value) != sorted(items):
        if question.required:
            raise _Invalid(_("Please give each item a different place, using every place once."))
        raise _Invalid(_("Please give each item a different place, using every place once, "
                         "or leave them all empty."))
    return list(value)


def _check_number(definition, question, value, context, language):
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _Invalid(_("Please enter a number."))
    if isinstance(value, float) and not math.isfinite(value):
        raise _Invalid(_("Please enter a number."))
    if question.integer:
        if value != int(value):
            raise _Invalid(_("Please enter a whole number."))
        value = int(value)
    if not question.min <= value <= question.max:
        raise _Invalid(_("Please enter a number from %(min)s to %(max)s.",
                         min=format_decimal(question.min), max=format_decimal(question.max)))
    return value


def parse_number_input(text: str) -> float | int | str:
    """A number typed into a form (a decimal comma is fine), or the text itself if it is none."""
    cleaned = text.strip().replace(",", ".")
    for convert in (int, float):
        try:
            return convert(cleaned)
        except ValueError:
            continue
    return text


def _check_text(definition, question, value, context, language):
    return _clean_text(value, question.max_length)


def _check_consent(definition, question, value, context, language):
    if value is not True:
        raise _Invalid(_("Please tick the box to agree."))
    return True


_CHECKERS = {
    "single_choice": _check_choice,
    "likert": _check_choice,
    "multi_choice": _check_multi,
    "matrix": _check_matrix,
    "ranking": _check_ranking,
    "number": _check_number,
    "text": _check_text,
    "consent": _check_consent,
}
