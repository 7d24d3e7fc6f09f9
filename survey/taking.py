"""Taking a survey in the browser, page by page, without JavaScript."""

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from survey.definition.answers import (
    check_answers,
    matrix_rows,
    shown_on_page,
    visible_pages,
)
from survey.definition.navigation import answers_before, turn_page
from survey.extensions import limiter
from survey.fieldnames import TEMPLATE_HELPERS, field_of_answer
from survey.forms import answers_from_form, build_page_form
from survey.guards import survey_or_404
from survey.i18n import survey_language, switch_language
from survey.models import utcnow
from survey.ordering import arrange, page_orders
from survey.respondents import respondent_keys, set_respondent_cookie
from survey.responses import (
    AlreadyAnswered,
    find_draft,
    has_answered,
    new_submission_id,
    save_draft,
    start_draft,
    submit_response,
    was_submitted,
)
from survey.surveys import accepts_responses, definition_of, newest_definition, newest_version

bp = Blueprint("taking", __name__, url_prefix="/s")
bp.after_app_request(set_respondent_cookie)
bp.record_once(lambda state: state.app.jinja_env.globals.update(TEMPLATE_HELPERS))

def _takes_answers(survey):
    return accepts_responses(survey.is_open, newest_definition(survey))


def _notice(template, survey, status=200):
    """A short page about a survey (thanks, already answered, closed, bad link)."""
    definition = newest_definition(survey)
    return render_template(f"taking/{template}.html", survey=survey, definition=definition,
                           language=survey_language(definition), now=utcnow()), status


def _draft_token(slug):
    return session.get("drafts", {}).get(slug)


def _remember_draft(slug, token):
    drafts = dict(session.get("drafts", {}))
    if token is None:
        drafts.pop(slug, None)
    else:
        drafts[slug] = token
    session["drafts"] = drafts


def _render_page(survey, version, definition, page, answers, form, status=200, saved_token=None,
                 orders=None):
    pages = visible_pages(definition, answers)
    language = survey_language(definition)
    return render_template(
        "taking/page.html", survey=survey, version=version, definition=definition, page=page,
        earlier_answers=answers_before(definition, page, answers), matrix_rows=matrix_rows,
        orders=orders or {}, arrange=arrange,
        questions=shown_on_page(definition, page, answers), form=form, language=language,
        page_number=pages.index(page) + 1, page_count=len(pages), is_first=pages[0] == page,
        is_last=pages[-1] == page, saved_token=saved_token, language_form="survey-page",
    ), status


@bp.get("/<slug>")
def take(slug):
    """Show the page the respondent is on (the first one for a new respondent)."""
    survey = survey_or_404(slug)
    if has_answered(survey, respondent_keys()):
        return _notice("answered", survey)
    if not _takes_answers(survey):
        return _notice("closed", survey, 403)
    draft = find_draft(survey, _draft_token(slug))
    version = draft.survey_version if draft else newest_version(survey)
    definition = definition_of(version)
    answers = draft.answers if draft else {}
    pages = visible_pages(definition, answers)
    page = definition.page(draft.page_id) if draft else pages[0]
    if page not in pages:
        page = pages[0]
    questions = shown_on_page(definition, page, answers)
    submission_id = draft.submission_id if draft else new_submission_id()
    orders = page_orders(definition, questions, submission_id)
    form = build_page_form(definition, questions, answers, survey_language(definition),
                           orders=orders)
    form.page.data = page.id
    form.submission_id.data = submission_id
    return _render_page(survey, version, definition, page, answers, form, orders=orders,
                        saved_token=request.args.get("saved") and _draft_token(slug))


def _submit_limit():
    return current_app.config["RATELIMIT_SUBMIT"]


@bp.post("/<slug>")
@limiter.limit(_submit_limit)
def answer_page(slug):
    """Take one page's answers: go back, save for later, go on, or submit on the last page."""
    survey = survey_or_404(slug)
    submission_id = request.form.get("submission_id", "")
    if submission_id and was_submitted(survey, submission_id):
        return redirect(url_for("taking.thanks", slug=slug))  # a replayed final submit
    if has_answered(survey, respondent_keys()):
        return redirect(url_for("taking.take", slug=slug))
    if not _takes_answers(survey):
        abort(403)
    draft = find_draft(survey, _draft_token(slug))
    version = draft.survey_version if draft else newest_version(survey)
    definition = definition_of(version)
    page = definition.page(request.form.get("page", ""))
    answers = dict(draft.answers) if draft else {}
    if page is None or page not in visible_pages(definition, answers):
        return redirect(url_for("taking.take", slug=slug))
    language = survey_language(definition)
    earlier = answers_before(definition, page, answers)
    questions = shown_on_page(definition, page, earlier)
    orders = page_orders(definition, questions, draft.submission_id if draft else submission_id)
    form = build_page_form(definition, questions, earlier, language, formdata=request.form,
                           orders=orders)
    checked = check_answers(definition, answers_from_form(form, questions),
                            questions=questions, earlier=earlier, language=language)
    # The language switch on a survey page posts the page: what is valid is saved, and the
    # page comes back in the other language with everything as typed, valid or not.
    switching = request.form.get("language")
    action = "save" if switching else request.form.get("action", "next")
    turn = turn_page(definition, page, answers, checked, action)
    if turn.outcome == "refused":
        _show_errors(form, checked.errors)
        return _render_page(survey, version, definition, page, turn.answers, form, status=422,
                            orders=orders)
    if draft is None:
        draft, token = start_draft(version, language, page.id, submission_id)
        _remember_draft(slug, token)
    if turn.outcome == "submit":
        return _submit(survey, version, definition, draft, turn.answers, language)
    if switching and switch_language(switching):
        language = survey_language(definition)
        save_draft(draft, turn.answers, turn.page_id, language)
        form = build_page_form(definition, questions, earlier, language, formdata=request.form,
                               orders=orders)
        return _render_page(survey, version, definition, page, turn.answers, form,
                            orders=orders)
    save_draft(draft, turn.answers, turn.page_id, language)
    return redirect(url_for("taking.take", slug=slug, saved=1 if turn.outcome == "saved" else None))


def _show_errors(form, errors):
    for key, message in errors.items():
        field = form._fields.get(field_of_answer(key))
        if field is not None:
            field.errors = [message]
        else:
            form.form_errors.append(message)
    form.question_errors = errors


def _submit(survey, version, definition, draft, answers, language):
    checked = check_answers(definition, answers, language=language)
    if not checked.ok:
        # Only reachable with a tampered or outdated draft: send the respondent to the problem.
        first = definition.page_of(next(iter(checked.errors)).split(".")[0])
        save_draft(draft, answers, definition.pages[first].id, language)
        return redirect(url_for("taking.take", slug=survey.slug))
    try:
        submit_response(version, checked.answers, submission_id=draft.submission_id,
                        language=language, respondent_keys=respondent_keys(), draft=draft)
    except AlreadyAnswered:
        return redirect(url_for("taking.take", slug=survey.slug))
    _remember_draft(survey.slug, None)
    return redirect(url_for("taking.thanks", slug=survey.slug))


@bp.get("/<slug>/thanks")
def thanks(slug):
    """The thank-you page."""
    survey = survey_or_404(slug)
    return _notice("thanks", survey)


@bp.get("/<slug>/resume/<token>")
def resume(slug, token):
    """Continue a saved draft, in this browser or another."""
    survey = survey_or_404(slug)
    if find_draft(survey, token) is None:
        return _notice("resume_invalid", survey, 404)
    _remember_draft(slug, token)
    return redirect(url_for("taking.take", slug=slug))
