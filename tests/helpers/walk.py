"""Answering a survey through the HTML pages like a browser does, for tests."""

import random
import re

from survey.definition.answers import matrix_rows, other_key
from survey.definition.model import OTHER
from survey.fieldnames import other_field, rank_field, row_field

SHOWN_QUESTION = re.compile(r'id="question-([a-z][a-z0-9_]*)"')
CURRENT_PAGE = re.compile(r'name="page" type="hidden" value="([^"]+)"')


def random_answer(definition, question, answers, rng: random.Random):
    """A random valid answer to one question (rows of a matrix follow earlier answers)."""
    kind = question.type
    if kind in ("single_choice", "likert"):
        return rng.choice(question.choice_ids())
    if kind == "multi_choice":
        plain = [o.id for o in question.options if not o.exclusive]
        plain += [OTHER] if question.other else []
        limit = question.max_choices or len(plain)
        return sorted(rng.sample(plain, rng.randint(1, min(limit, len(plain)))),
                      key=question.choice_ids().index)
    if kind == "matrix":
        rows = matrix_rows(definition, question, answers, "en")
        return {row: rng.choice(question.choice_ids()) for row, _label in rows}
    if kind == "ranking":
        items = question.choice_ids()
        return rng.sample(items, len(items))
    if kind == "number":
        value = rng.uniform(question.min, min(question.max, question.min + 50))
        return int(value) if question.integer else round(value, 1)
    if kind == "text":
        return " ".join(["Antwort"] * rng.randint(1, 3))
    if kind == "consent":
        return True
    raise ValueError(kind)


def form_data(definition, answers: dict, question_ids) -> dict:
    """The form fields a browser posts for these answers."""
    data: dict = {}
    for question_id in question_ids:
        question = definition.question(question_id)
        value = answers.get(question_id)
        if value is None:
            continue
        if question.type == "matrix":
            data.update({row_field(question_id, row): col for row, col in value.items()})
        elif question.type == "ranking":
            data.update({rank_field(question_id, item): str(place)
                         for place, item in enumerate(value, start=1)})
        elif question.type == "consent":
            data[question_id] = "y"
        elif question.type == "number":
            data[question_id] = str(value)
        else:
            data[question_id] = value
        if other_key(question_id) in answers:
            data[other_field(question_id)] = answers[other_key(question_id)]
    return data


def shown_questions(html: str) -> list[str]:
    """The ids of the questions a page shows."""
    return SHOWN_QUESTION.findall(html)


def current_page(html: str) -> str:
    """The id of the page a survey page posts."""
    match = CURRENT_PAGE.search(html)
    assert match, "no survey page form in the response"
    return match.group(1)


def walk(client, definition, rng: random.Random, language: str = "en", fixed=None):
    """Answer every page at random (answers in `fixed` win); returns (answers, pages seen)."""
    fixed = fixed or {}
    answers: dict = {}
    seen_pages = []
    url = f"/s/{definition.slug}"
    response = client.get(f"{url}?lang={language}")
    for _ in range(len(definition.pages) + 1):
        assert response.status_code == 200, response.text
        html = response.text
        page_id = current_page(html)
        seen_pages.append(page_id)
        shown = shown_questions(html)
        for question_id in shown:
            question = definition.question(question_id)
            value = fixed.get(question_id, random_answer(definition, question, answers, rng))
            answers[question_id] = value
            if value == OTHER or (isinstance(value, list) and OTHER in value):
                answers[other_key(question_id)] = fixed.get(other_key(question_id), "Mastodon")
        data = {"page": page_id, "action": "next", **form_data(definition, answers, shown)}
        response = client.post(url, data=data)
        assert response.status_code == 302, response.text
        if response.headers["Location"].endswith("/thanks"):
            return answers, seen_pages
        response = client.get(response.headers["Location"])
    raise AssertionError("the survey did not end")
