"""Previewing a definition page by page, following conditions from the answers the admin
picks. Nothing is stored: the answers so far travel in the form, and no draft, response or
participation is written."""

import json

from flask import render_template
from werkzeug.datastructures import MultiDict

from survey.definition import DefinitionError, parse_definition_text
from survey.definition.answers import check_answers, matrix_rows, shown_on_page, visible_pages
from survey.definition.locating import placed_problems
from survey.definition.navigation import answers_before, turn_page
from survey.fieldnames import field_of_answer
from survey.forms import answers_from_form, build_page_form
from survey.ordering import arrange, page_orders

PREVIEW_SEED = "preview"


def _answers(formdata) -> dict:
    try:
        answers = json.loads(formdata.get("answers") or "{}")
    except ValueError:
        return {}
    return answers if isinstance(answers, dict) else {}


def preview_page(text: str, formdata, survey=None):
    """The preview page for a posted form (or a fresh start), with its status."""
    try:
        definition = parse_definition_text(text, "definition.yaml")
    except DefinitionError:
        return render_template("admin/preview_problems.html", text=text,
                               problems=placed_problems(text, "definition.yaml")), 422
    language = formdata.get("language")
    if language not in definition.languages:
        language = definition.languages[0]
    answers = _answers(formdata)
    pages = visible_pages(definition, answers)
    page = definition.page(formdata.get("page", "")) or pages[0]
    if page not in pages:
        page = pages[0]
    action = formdata.get("action", "start")
    errors, finished, status = {}, False, 200
    if action in ("next", "back"):
        earlier = answers_before(definition, page, answers)
        questions = shown_on_page(definition, page, earlier)
        form = build_page_form(definition, questions, earlier, language,
                               formdata=MultiDict(formdata),
                               orders=page_orders(definition, questions, PREVIEW_SEED))
        checked = check_answers(definition, answers_from_form(form, questions),
                                questions=questions, earlier=earlier, language=language)
        turn = turn_page(definition, page, answers, checked, action)
        answers = turn.answers
        if turn.outcome == "refused":
            errors, status = checked.errors, 422
        elif turn.outcome == "submit":
            finished = True
        else:
            page = definition.page(turn.page_id)
    questions = shown_on_page(definition, page, answers)
    orders = page_orders(definition, questions, PREVIEW_SEED)
    if errors:
        form.question_errors = errors
        for key, message in errors.items():
            field = form._fields.get(field_of_answer(key))
            if field is not None:
                field.errors = [message]
    else:
        form = build_page_form(definition, questions, answers, language, orders=orders)
    pages = visible_pages(definition, answers)
    return render_template(
        "admin/preview.html", survey=survey, definition=definition, text=text, page=page,
        questions=questions, form=form, language=language, answers_json=json.dumps(answers),
        earlier_answers=answers_before(definition, page, answers), matrix_rows=matrix_rows,
        orders=orders, arrange=arrange, finished=finished, answers=answers,
        page_number=pages.index(page) + 1 if page in pages else 1, page_count=len(pages),
        is_first=pages[0] == page), status
