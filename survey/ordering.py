"""The order in which one respondent sees the options of a question marked `shuffle: true`.

The order is derived, never stored: an HMAC of the secret key, the draft's submission id
and the question and option ids. So it stays the same on Back, after resuming and on
another device, differs between respondents, and adds nothing to the database that could
pair anyone with their answers. "Other", exclusive options ("none of these") and "don't
know" stay last, in their own order. Answers are stored in the definition's order whatever
the order shown.
"""

import hashlib
import hmac
from collections.abc import Iterable, Mapping

from flask import current_app

from survey.definition.model import DONT_KNOW, OTHER, QuestionBase, SurveyDefinition

KEEP_LAST = frozenset({OTHER, DONT_KNOW})


def _shuffled_ids(question: QuestionBase, definition: SurveyDefinition) -> tuple[list, set]:
    """The ids whose order is shuffled, and those that stay last."""
    if question.type == "matrix":
        if question.rows is not None:
            return [row.id for row in question.rows], set()
        source = definition.question(question.rows_from)
        return source.choice_ids(), {o.id for o in source.options if o.exclusive}
    if question.type == "ranking":
        return question.choice_ids(), set()
    return question.choice_ids(), {o.id for o in question.options if o.exclusive}


def respondent_order(question_id: str, ids: list[str], last: set[str], seed: str) -> list[str]:
    """`ids` in the order of the respondent known by `seed`, those in `last` (and "other",
    "don't know") kept at the end in their own order."""
    secret = current_app.config["SECRET_KEY"].encode()

    def rank(option_id: str) -> bytes:
        message = "\x1f".join(("order", seed, question_id, option_id)).encode()
        return hmac.new(secret, message, hashlib.sha256).digest()
    fixed = last | KEEP_LAST
    moving = sorted((i for i in ids if i not in fixed), key=rank)
    return moving + [i for i in ids if i in fixed]


def page_orders(definition: SurveyDefinition, questions: Iterable[QuestionBase],
                seed: str) -> dict[str, list[str]]:
    """For each shuffled question among `questions`, its option (row, item) ids in order."""
    orders = {}
    for question in questions:
        if question.shuffles():
            ids, last = _shuffled_ids(question, definition)
            orders[question.id] = respondent_order(question.id, ids, last, seed)
    return orders


def arrange(items, order: list[str] | None):
    """Options, (id, label) pairs or choices sorted into `order` (unchanged without one)."""
    items = list(items)
    if not order:
        return items
    position = {option_id: index for index, option_id in enumerate(order)}
    return sorted(items, key=lambda item: position.get(_id_of(item), len(position)))


def _id_of(item) -> str:
    if isinstance(item, str):
        return item
    if isinstance(item, tuple):  # (id, label)
        return item[0]
    if hasattr(item, "value"):  # WTForms' SelectChoice
        return item.value
    return item.id


def orders_for(orders: Mapping[str, list[str]] | None, question_id: str) -> list[str] | None:
    """The order of one question, or None when it is not shuffled."""
    return (orders or {}).get(question_id)
