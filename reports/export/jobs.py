"""Export jobs started from the admin page: stored, run in a background thread of this
process, their files written under `instance/exports/<job id>/`.

The web process never holds an export in memory: the job writes its files to disk and
downloads are streamed from there.
"""

import shutil
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select

from reports.export.service import run_export
from reports.models import ExportJob
from survey.database import write_transaction
from survey.extensions import db
from survey.models import Survey, User, utcnow

_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="export")
PROGRESS_STEP = 5  # percent between progress writes


def export_folder(instance_path: str, job_id: int) -> Path:
    """Where a job's files are written."""
    return Path(instance_path) / "exports" / str(job_id)


def create_job(survey: Survey, requested_by: User, file_format: str,
               options: dict[str, Any]) -> ExportJob:
    """A queued export of `survey` (options as `run_export` takes them, `since` an ISO date)."""
    with write_transaction():
        job = ExportJob(survey_id=survey.id, requested_by=requested_by.id, format=file_format,
                        options=options, files=[])
        db.session.add(job)
    return job


def recent_jobs(limit: int = 20) -> list[ExportJob]:
    """The newest jobs first."""
    return list(db.session.scalars(select(ExportJob).order_by(ExportJob.id.desc()).limit(limit)))


def start_job(app, job_id: int) -> None:
    """Run a queued job in this process's export thread."""
    _executor.submit(run_job, app, job_id)


def run_job(app, job_id: int) -> None:
    """Write a job's files, recording its progress; a failure ends it with its message."""
    with app.app_context():
        job = db.session.get(ExportJob, job_id)
        folder = export_folder(app.instance_path, job_id)
        folder.mkdir(parents=True, exist_ok=True)
        _update(job_id, status="running")
        try:
            options = dict(job.options)
            since = options.pop("since", None)
            run_export(job.survey, job.format, folder / f"{job.survey.slug}.{job.format}",
                       progress=_progress_recorder(job_id),
                       since=date.fromisoformat(since) if since else None, **options)
        except Exception as error:  # noqa: BLE001 - any failure ends the job with its message
            shutil.rmtree(folder, ignore_errors=True)
            _update(job_id, status="failed", error=str(error).splitlines()[0][:500],
                    finished_at=utcnow())
            app.logger.exception("export %s failed", job_id)
            return
        files = sorted(p.name for p in folder.iterdir() if p.is_file())
        _update(job_id, status="done", progress=100, files=files, finished_at=utcnow())


def _progress_recorder(job_id: int):
    """A progress callback that stores the percentage every PROGRESS_STEP percent."""
    last = {"percent": 0}
    lock = threading.Lock()

    def progress(done: int, total: int) -> None:
        percent = int(100 * done / total) if total else 100
        with lock:
            if percent - last["percent"] >= PROGRESS_STEP:
                last["percent"] = percent
                _update(job_id, progress=percent)

    return progress


def _update(job_id: int, **values) -> None:
    with write_transaction():
        job = db.session.get(ExportJob, job_id)
        for key, value in values.items():
            setattr(job, key, value)
