"""Exports from the admin page: a form, a background job writing to disk, then downloads.

The web process never holds the export in memory: the job writes files under
`instance/exports/<job id>/` and downloads are streamed from there.
"""

import shutil
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

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
from sqlalchemy import select
from wtforms import BooleanField, DateField, IntegerField, SelectChoice, SelectField
from wtforms.validators import InputRequired, NumberRange, Optional

from reports.export import FORMATS, run_export
from reports.models import ExportJob
from survey.admin import admin_required
from survey.database import write_transaction
from survey.extensions import db
from survey.models import utcnow
from survey.surveys import find_survey, open_surveys

bp = Blueprint("exports", __name__, url_prefix="/admin/exports")
_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="export")
_PROGRESS_STEP = 5  # percent between progress writes


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


def export_folder(job_id: int) -> Path:
    """Where a job's files are written."""
    return Path(current_app.instance_path) / "exports" / str(job_id)


def _form():
    form = ExportForm()
    form.survey.choices = [SelectChoice(s.slug) for s in open_surveys()]
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
        with write_transaction():
            job = ExportJob(survey_id=survey.id, requested_by=current_user.id,
                            format=form.format.data, options=options, files=[])
            db.session.add(job)
        start_job(job.id)
        return redirect(url_for("exports.status", job_id=job.id))
    jobs = list(db.session.scalars(select(ExportJob).order_by(ExportJob.id.desc()).limit(20)))
    return render_template("admin/exports.html", form=form, jobs=jobs), 422 if form.errors else 200


@bp.get("/<int:job_id>")
@admin_required
def status(job_id):
    """A job's state; the page reloads itself (no JavaScript) until the files are ready."""
    job = db.get_or_404(ExportJob, job_id)
    return render_template("admin/export_status.html", job=job)


@bp.get("/<int:job_id>/<path:filename>")
@admin_required
def download(job_id, filename):
    """One file of a finished export, streamed from disk."""
    job = db.get_or_404(ExportJob, job_id)
    if job.status != "done" or filename not in job.files:
        abort(404)
    return send_from_directory(export_folder(job.id), filename, as_attachment=True)


def start_job(job_id: int) -> None:
    """Run the export in a background thread of this process."""
    app = current_app._get_current_object()
    _executor.submit(_run_job, app, job_id)


def _run_job(app, job_id: int) -> None:
    with app.app_context():
        job = db.session.get(ExportJob, job_id)
        folder = export_folder(job_id)
        folder.mkdir(parents=True, exist_ok=True)
        _update(job_id, status="running")
        last = {"percent": 0}
        lock = threading.Lock()

        def progress(done: int, total: int) -> None:
            percent = int(100 * done / total) if total else 100
            with lock:
                if percent - last["percent"] >= _PROGRESS_STEP:
                    last["percent"] = percent
                    _update(job_id, progress=percent)

        try:
            options = dict(job.options)
            since = options.pop("since", None)
            out = folder / f"{job.survey.slug}.{job.format}"
            run_export(job.survey, job.format, out, progress=progress,
                       since=date.fromisoformat(since) if since else None, **options)
        except Exception as error:  # noqa: BLE001 - any failure ends the job with its message
            shutil.rmtree(folder, ignore_errors=True)
            _update(job_id, status="failed", error=str(error).splitlines()[0][:500],
                    finished_at=utcnow())
            app.logger.exception("export %s failed", job_id)
            return
        files = sorted(p.name for p in folder.iterdir() if p.is_file())
        _update(job_id, status="done", progress=100, files=files, finished_at=utcnow())


def _update(job_id: int, **values) -> None:
    with write_transaction():
        job = db.session.get(ExportJob, job_id)
        for key, value in values.items():
            setattr(job, key, value)


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
