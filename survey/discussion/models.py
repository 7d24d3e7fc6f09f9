"""Comments on findings, flags, and the append-only moderation log."""

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Index, String, Text, event, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey.extensions import db
from survey.models import Survey, User, UTCDateTime, utcnow


def _enum(kind):
    return Enum(kind, native_enum=False, length=20,
                values_callable=lambda members: [m.value for m in members])


class CommentStatus(enum.StrEnum):
    PENDING = "pending"  # a new member's comment, waiting for approval
    VISIBLE = "visible"
    HIDDEN = "hidden"  # by a moderator, or by three flags pending review
    DELETED = "deleted"


class FlagReason(enum.StrEnum):
    SPAM = "spam"
    ABUSE = "abuse"
    OFF_TOPIC = "off_topic"
    IDENTIFIES_PERSON = "identifies_person"
    OTHER = "other"


class Comment(db.Model):
    """A comment on one finding, written while a given release was shown."""

    __table_args__ = (Index("ix_comment_thread", "survey_id", "finding_id", "parent_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id"))
    finding_id: Mapped[str] = mapped_column(String(64))
    release_number: Mapped[int]
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comment.id"), index=True)
    depth: Mapped[int] = mapped_column(default=1)
    body: Mapped[str] = mapped_column(Text)  # Markdown as written
    body_html: Mapped[str] = mapped_column(Text)  # rendered and sanitized once, on save
    status: Mapped[CommentStatus] = mapped_column(_enum(CommentStatus), index=True)
    under_review: Mapped[bool] = mapped_column(default=False)  # flagged three times
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reply_count: Mapped[int] = mapped_column(default=0)  # visible replies, for sorting

    author: Mapped[User] = relationship()
    survey: Mapped[Survey] = relationship()
    parent: Mapped["Comment | None"] = relationship(remote_side=[id])


class Flag(db.Model):
    """A member's report of a comment: open until a moderator decides on the comment (approve,
    restore, hide, delete, or dismiss its flags). One open flag per member and comment; after
    a decision the same member may flag it again, and that flag counts anew."""

    __table_args__ = (Index("uq_flag_open", "comment_id", "user_id", unique=True,
                            sqlite_where=text("reviewed_at IS NULL"),
                            postgresql_where=text("reviewed_at IS NULL")),)
    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comment.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    reason: Mapped[FlagReason] = mapped_column(_enum(FlagReason))
    note: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ModerationAction(db.Model):
    """One moderation action (who, what, which comment or member, when, why). Append-only."""

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))  # None: the system
    action: Mapped[str] = mapped_column(String(30), index=True)
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comment.id"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    reason: Mapped[str | None] = mapped_column(String(500))
    note: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
    member: Mapped[User | None] = relationship(foreign_keys=[member_id])
    comment: Mapped[Comment | None] = relationship()


class AppendOnlyError(RuntimeError):
    """Something tried to change or delete a moderation log entry."""


@event.listens_for(ModerationAction, "before_update")
@event.listens_for(ModerationAction, "before_delete")
def _refuse_changes(_mapper, _connection, action):
    raise AppendOnlyError("the moderation log is append-only")
