"""Releases: findings computed at one moment and stored immutably."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey.extensions import db
from survey.models import Survey, UTCDateTime, utcnow


class ImmutableError(RuntimeError):
    """A release was about to be changed or deleted."""


class Release(db.Model):
    """All findings of a survey at one moment: results, charts, n, versions, time."""

    __table_args__ = (UniqueConstraint("survey_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id"), index=True)
    number: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    responses: Mapped[int]  # how many responses the release was computed from
    demo_responses: Mapped[int]
    versions: Mapped[list[int]] = mapped_column(JSON)  # definition versions included
    definition_hash: Mapped[str] = mapped_column(String(64))
    settings: Mapped[dict[str, Any]] = mapped_column(JSON)  # k, min n
    findings: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    # finding → language → SVG; loaded only when read (the chart images), not with every page
    charts: Mapped[dict[str, dict[str, str]]] = mapped_column(JSON, deferred=True)
    survey: Mapped[Survey] = relationship()

    def finding(self, finding_id: str) -> dict[str, Any] | None:
        """The stored result of one finding, or None."""
        return next((f for f in self.findings if f["finding_id"] == finding_id), None)


@event.listens_for(Release, "before_update")
@event.listens_for(Release, "before_delete")
def _refuse_changes(_mapper, _connection, release):
    raise ImmutableError(f"release {release.id} is immutable; publish a new one instead")


class ExportJob(db.Model):
    """An export started from the admin page, written to disk in the background."""

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id"), index=True)
    requested_by: Mapped[int] = mapped_column(ForeignKey("user.id"))
    format: Mapped[str] = mapped_column(String(10))
    options: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(10), default="queued")  # running, done, failed
    progress: Mapped[int] = mapped_column(default=0)  # percent
    files: Mapped[list[str]] = mapped_column(JSON, default=list)
    error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    survey: Mapped[Survey] = relationship()
