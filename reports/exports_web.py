"""Exports from the admin page: a form that starts a job (`reports.export.jobs`), its
status, and downloads of its files from disk."""

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    send_from_directory,
    url_for,
)
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, IntegerField, SelectChoice, SelectField
from wtforms.validators import InputRequired, NumberRange, Optional

from reports.export import FORMATS
from reports.export.jobs import create_job, export_folder, recent_jobs, start_job
from reports.models import ExportJob
from survey.admin import admin_required
from survey.extensions import db
from survey.main import survey_title
from survey.surveys import find_survey, open_surveys

bp = Blueprint("exports", __name__, url_prefix="/admin/exports")


class ExportForm(FlaskForm):
    survey = SelectField(_l("Survey"), validators=[InputRequired()])
    format = SelectField(_l("Format"), choices=[SelectChoice(f) for f in FORMATS],
                         validators=[InputRequired()])
    k = IntegerField(_l("k: every combination of quasi-identifiers occurs at least k times"),
                     default=5, validators=[InputRequired(), NumberRange(2, 50)])
    text = SelectField(_l("Free text"), choices=[
        SelectChoice("drop", _l("leave out")),
        SelectChoice("scrub", _l("keep, with emails, links, phone numbers, handles and IBANs "
                                 "replaced"))])
    since = DateField(_l("Only responses since (optional)"), validators=[Optional()])
    include_demo = BooleanField(_l("Include demo responses"))


def _form():
    form = ExportForm()
    form.survey.choices = [SelectChoice(s.slug, survey_title(s)) for s in open_surveys()]
    return form


@bp.route("/", methods=["GET", "POST"])
@admin_required
def index():
    """Start an export; see the recent ones."""
    form = _form()
    if form.validate_on_submit():
        survey = find_survey(form.survey.data) or abort(404)
        options = {"k": form.k.data, "text": form.text.data, "include_demo": form.include_demo.data,
                   "since": form.since.data.isoformat() if form.since.data else None}
        job = create_job(survey, current_user, form.format.data, options)
        start_job(current_app._get_current_object(), job.id)
        return redirect(url_for("exports.status", job_id=job.id))
    return render_template("admin/exports.html", form=form, jobs=recent_jobs()), (
        422 if form.errors else 200)


@bp.get("/<int:job_id>")
@admin_required
def status(job_id):
    """A job's state, with a link to look again until the files are ready (a page that
    reloads itself would move a screen reader's reading position)."""
    job = db.get_or_404(ExportJob, job_id)
    return render_template("admin/export_status.html", job=job)


@bp.get("/<int:job_id>/<path:filename>")
@admin_required
def download(job_id, filename):
    """One file of a finished export, streamed from disk."""
    job = db.get_or_404(ExportJob, job_id)
    if job.status != "done" or filename not in job.files:
        abort(404)
    return send_from_directory(export_folder(current_app.instance_path, job.id), filename,
                               as_attachment=True)


JOB_STATES = {
    "queued": _l("Waiting to start."),
    "running": _l("Writing the export…"),
    "done": _l("Ready to download."),
    "failed": _l("The export failed."),
}


def job_state(job: ExportJob) -> str:
    """A job's state in words."""
    return str(JOB_STATES.get(job.status, job.status))


def init_app(app):
    """The template helper of export pages."""
    app.jinja_env.globals["job_state"] = job_state
