"""Random, complete and valid answer sets for a survey definition.

The generator walks the pages in order with the app's own rules: it answers
the questions `shown_on_page` shows for the answers so far, matrix rows come
from `matrix_rows`, and values take the shapes the API
accepts (DESIGN.md, "API answer values"). Values are produced in their clean
form, so `check_answers` returns them unchanged; `check_answer_sets` proves it.
"""

import math
import random
from collections.abc import Iterable
from typing import Any

from flask import Flask
from flask_babel import Babel

from survey.definition import SurveyDefinition
from survey.definition.answers import check_answers, matrix_rows, other_key, shown_on_page
from survey.definition.model import OTHER

WORDS = ("netzwerk kontakte beruflich privat austausch profil nachricht gruppe "
         "empfehlung kunde projekt konferenz migration zukunft plattform").split()


def random_text(rng: random.Random, max_length: int, words: int = 8) -> str:
    """A few words (with an umlaut now and then), at most `max_length` characters."""
    text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, words)))
    if rng.random() < 0.3:
        text += " – schön, größer"
    return text[:max_length].strip() or "x"


def generate_answers(definition: SurveyDefinition, rng: random.Random,
                     language: str = "de") -> dict[str, Any]:
    """One complete answer set: every question shown for these answers is answered."""
    answers: dict[str, Any] = {}
    for page in definition.pages:
        # Page by page, as a respondent sees them: what a page shows depends on earlier pages.
        for question in shown_on_page(definition, page, answers):
            value = _VALUES[question.type](definition, question, answers, rng, language)
            if value is None:
                continue
            answers[question.id] = value
            chose_other = value == OTHER or (isinstance(value, list) and OTHER in value)
            if getattr(question, "other", False) and chose_other:
                answers[other_key(question.id)] = random_text(rng, 60, words=3)
    return answers


def _choice(definition, question, answers, rng, language):
    return rng.choice(question.choice_ids())


def _multi(definition, question, answers, rng, language):
    exclusive = [o.id for o in question.options if o.exclusive]
    if exclusive and rng.random() < 0.1:
        return [rng.choice(exclusive)]
    allowed = [c for c in question.choice_ids() if c not in exclusive]
    most = min(len(allowed), question.max_choices or len(allowed))
    chosen = set(rng.sample(allowed, rng.randint(1, most)))
    return [c for c in allowed if c in chosen]  # option order, as check_answers returns it


def _matrix(definition, question, answers, rng, language):
    columns = question.choice_ids()
    rows = matrix_rows(definition, question, answers, language)
    return {row_id: rng.choice(columns) for row_id, _label in rows} or None


def _ranking(definition, question, answers, rng, language):
    items = question.choice_ids()
    return rng.sample(items, len(items))


def _number(definition, question, answers, rng, language):
    if question.integer:
        return rng.randint(math.ceil(question.min), math.floor(question.max))
    return round(rng.uniform(question.min, question.max), 2)


def _text(definition, question, answers, rng, language):
    return random_text(rng, question.max_length, words=30)


def _consent(definition, question, answers, rng, language):
    return True


_VALUES = {
    "single_choice": _choice,
    "likert": _choice,
    "multi_choice": _multi,
    "matrix": _matrix,
    "ranking": _ranking,
    "number": _number,
    "text": _text,
    "consent": _consent,
}


def answer_sets(definition: SurveyDefinition, count: int, seed: int) -> list[tuple[str, dict]]:
    """`count` (language, answers) pairs from a seeded generator, languages mixed."""
    rng = random.Random(seed)
    sets = []
    for _ in range(count):
        language = rng.choice(definition.languages)
        sets.append((language, generate_answers(definition, rng, language)))
    return sets


def check_answer_sets(definition: SurveyDefinition, sets: Iterable[tuple[str, dict]]) -> None:
    """Raise ValueError unless the app's own check accepts every set unchanged.

    `check_answers` translates its messages with Flask-Babel, so it runs in the
    context of a bare app with Babel (no database needed).
    """
    app = Flask("bench.answers")
    Babel(app)
    with app.app_context():
        for number, (language, answers) in enumerate(sets):
            checked = check_answers(definition, answers, language=language)
            if not checked.ok:
                raise ValueError(f"generated answer set {number} is refused: {checked.errors}")
            if checked.answers != answers:
                raise ValueError(f"generated answer set {number} is not in clean form: "
                                 f"{answers} became {checked.answers}")
