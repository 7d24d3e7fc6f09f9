"""The admin's survey pages: create (upload or write YAML), check, preview, save as a new
version, download, duplicate, archive, delete, dates. Services own every write."""

from datetime import UTC

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from survey.accounts import role_required
from survey.authoring import (
    AuthoringError,
    archive_survey,
    check_text,
    definition_text,
    delete_survey,
    duplicate_survey,
    response_count,
    save_survey,
    schedule_survey,
)
from survey.authoring_forms import (
    STARTER,
    DuplicateForm,
    EditorForm,
    ScheduleForm,
    closing_message_field,
)
from survey.guards import survey_or_404
from survey.i18n import survey_language
from survey.importing import ImportRefused
from survey.importing.service import upload_text
from survey.models import Role
from survey.preview import preview_page
from survey.surveys import newest_definition

bp = Blueprint("authoring", __name__, url_prefix="/admin/surveys")
admin_required = role_required(Role.ADMIN)
UPLOAD_ENDPOINTS = {"authoring.new", "authoring.edit"}


def _room_for_uploads():
    """An admin's survey upload may be MAX_UPLOAD_LENGTH, as large as the importers take (a
    LimeSurvey archive often exceeds the site's 1 MB); every other request keeps
    MAX_CONTENT_LENGTH. Runs before any other before_request, since CSRF protection reads
    the form."""
    if (request.method == "POST" and request.endpoint in UPLOAD_ENDPOINTS
            and current_user.is_authenticated and current_user.has_role(Role.ADMIN)):
        request.max_content_length = current_app.config["MAX_UPLOAD_LENGTH"]


def init_app(app):
    """Let admins upload surveys up to the importers' own limit."""
    app.before_request_funcs.setdefault(None, []).insert(0, _room_for_uploads)


def _editor(form, survey=None, checked=None, report=None, status=200):
    return render_template("admin/editor.html", form=form, survey=survey, checked=checked,
                           report=report, lines=(checked.text.splitlines() if checked else [])
                           ), status


def _edit(survey):
    """Check an uploaded or written definition; save it when asked and it has no problems."""
    form = EditorForm()
    if not form.validate_on_submit():
        return _editor(form, survey, status=422)
    upload, report = request.files.get("file"), None
    if upload is not None and upload.filename:
        try:
            text, report = upload_text(upload.filename, upload.read(), form.slug.data or None)
        except ImportRefused as refused:
            form.file.errors = [str(refused)]
            return _editor(form, survey, status=422)
        form.definition.data = text
    checked = check_text(form.definition.data or "", survey)
    if request.form.get("action") == "save" and checked.ok and report is None:
        try:
            result = save_survey(checked, survey)
        except AuthoringError as error:
            form.definition.errors = [str(error)]
            return _editor(form, survey, checked, status=422)
        flash(_("Saved as version %(number)d.", number=result.version), "success")
        return redirect(url_for("authoring.survey_page", slug=result.slug))
    return _editor(form, survey, checked, report, status=200 if checked.ok else 422)


@bp.route("/new", methods=["GET", "POST"])
@admin_required
def new():
    """A new survey: upload a file or write YAML, check, preview, save (closed)."""
    if request.method == "POST":
        return _edit(None)
    form = EditorForm(formdata=None, definition=STARTER)
    return _editor(form)


@bp.route("/<slug>/edit", methods=["GET", "POST"])
@admin_required
def edit(slug):
    """A new version of a survey, starting from its current definition."""
    survey = survey_or_404(slug)
    if request.method == "POST":
        return _edit(survey)
    form = EditorForm(formdata=None, definition=definition_text(newest_definition(survey)))
    return _editor(form, survey)


def _survey_page(survey, duplicate=None, schedule=None, problem=None, status=200):
    definition = newest_definition(survey)
    schedule = schedule or ScheduleForm(formdata=None, opens_at=_naive(definition.opens_at),
                                        closes_at=_naive(definition.closes_at))
    return render_template(
        "admin/survey.html", survey=survey, definition=definition,
        language=survey_language(definition), responses=response_count(survey),
        duplicate=duplicate or DuplicateForm(formdata=None), schedule=schedule,
        closing_message_field=closing_message_field, problem=problem), status


def _naive(moment):
    return moment.astimezone(UTC).replace(tzinfo=None) if moment else None


@bp.get("/<slug>")
@admin_required
def survey_page(slug):
    """One survey: state, versions, dates, and what can be done with it."""
    return _survey_page(survey_or_404(slug))


@bp.get("/<slug>/definition.yaml")
@admin_required
def download(slug):
    """The current definition as a YAML file."""
    survey = survey_or_404(slug)
    return Response(definition_text(newest_definition(survey)), mimetype="application/yaml",
                    headers={"Content-Disposition": f"attachment; filename={slug}.yaml"})


@bp.post("/<slug>/duplicate")
@admin_required
def duplicate(slug):
    """A copy under a new slug (closed, as its first version)."""
    survey = survey_or_404(slug)
    form = DuplicateForm()
    if not form.validate_on_submit():
        return _survey_page(survey, duplicate=form, status=422)
    try:
        duplicate_survey(survey, form.new_slug.data)
    except AuthoringError as error:
        form.new_slug.errors = [str(error)]
        return _survey_page(survey, duplicate=form, status=422)
    flash(_("The copy is saved, closed."), "success")
    return redirect(url_for("authoring.survey_page", slug=form.new_slug.data))


@bp.post("/<slug>/archive")
@admin_required
def archive(slug):
    """Archive: closed, hidden from the lists, its findings kept."""
    archive_survey(survey_or_404(slug))
    flash(_("The survey is archived."), "success")
    return redirect(url_for("admin.index"))


@bp.post("/<slug>/delete")
@admin_required
def delete(slug):
    """Delete a survey without responses."""
    survey = survey_or_404(slug)
    try:
        delete_survey(survey)
    except AuthoringError as error:
        return _survey_page(survey, problem=str(error), status=422)
    flash(_("The survey is deleted."), "success")
    return redirect(url_for("admin.index"))


@bp.post("/<slug>/schedule")
@admin_required
def schedule(slug):
    """Dates and closing message: a new version."""
    survey = survey_or_404(slug)
    form = ScheduleForm()
    if not form.validate_on_submit():
        return _survey_page(survey, schedule=form, status=422)
    definition = newest_definition(survey)
    messages = {language: request.form.get(closing_message_field(language), "")
                for language in definition.languages}
    try:
        schedule_survey(survey, _utc(form.opens_at.data), _utc(form.closes_at.data), messages)
    except AuthoringError as error:
        form.closes_at.errors = [str(error)]
        return _survey_page(survey, schedule=form, status=422)
    flash(_("The dates are saved as a new version."), "success")
    return redirect(url_for("authoring.survey_page", slug=slug))


def _utc(moment):
    return moment.replace(tzinfo=UTC) if moment else None


@bp.post("/preview")
@admin_required
def preview():
    """A page of a definition as respondents see it; nothing is stored or counted."""
    return preview_page(request.form.get("definition", ""), request.form)


@bp.get("/<slug>/preview")
@admin_required
def preview_survey(slug):
    """The first page of a survey's current version as respondents see it."""
    survey = survey_or_404(slug)
    text = definition_text(newest_definition(survey))
    return preview_page(text, {"action": "start", "language": request.args.get("lang", "")},
                        survey=survey)
