"""Database models. Responses and participations are kept apart by design (see DESIGN.md)."""

import enum
import secrets
from datetime import UTC, date, datetime
from typing import Any

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from survey.extensions import db


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timestamp that is always timezone-aware UTC, also on SQLite (which stores it naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime; use timezone-aware UTC")
            value = value.astimezone(UTC)
            if dialect.name == "sqlite":
                value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


class Role(enum.StrEnum):
    MEMBER = "member"
    MODERATOR = "moderator"
    ADMIN = "admin"


def new_session_token() -> str:
    """A random token that every session and remember cookie of an account must carry."""
    return secrets.token_urlsafe(32)


class User(UserMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    # None once the account is deleted: the row stays as a stub that the moderation log and
    # comments kept as "former member" point to, with nothing of the person left on it.
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    # None while an invited account has no password yet, and after deletion.
    password_hash: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(
        Enum(Role, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]),
        default=Role.MEMBER,
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    display_name: Mapped[str | None] = mapped_column(String(40), unique=True)
    banned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Sessions and remember cookies carry it (see get_id); a new one ends them all at once.
    # Random, no time: it tells nothing of when or where anyone signed in.
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)
    language: Mapped[str | None] = mapped_column(String(8))  # of the mails we send them
    notify_replies: Mapped[bool] = mapped_column(default=False, server_default=false())
    deactivated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    def get_id(self) -> str:
        """Flask-Login's id: the account and its session token, so a new token logs out."""
        return f"{self.id}:{self.session_token}"

    @property
    def is_banned(self) -> bool:
        """Whether a moderator has banned this member from posting."""
        return self.banned_at is not None

    @property
    def is_active(self) -> bool:
        """Whether the account may sign in: neither deactivated by an admin nor deleted."""
        return self.deactivated_at is None and self.deleted_at is None

    @property
    def is_deleted(self) -> bool:
        """Whether the member deleted the account (only a stub without their data is left)."""
        return self.deleted_at is not None

    @property
    def is_staff(self) -> bool:
        """Whether the account moderates (a moderator or an admin)."""
        return self.has_role(Role.MODERATOR)

    def has_role(self, role: Role) -> bool:
        """Whether this user holds `role` or a higher one."""
        order = [Role.MEMBER, Role.MODERATOR, Role.ADMIN]
        return order.index(self.role) >= order.index(role)


class Survey(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    is_open: Mapped[bool] = mapped_column(default=True)
    # Archived: closed and left out of the lists; its versions, responses and findings stay.
    is_archived: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    versions: Mapped[list["SurveyVersion"]] = relationship(
        back_populates="survey", order_by="SurveyVersion.number"
    )


class SurveyVersion(db.Model):
    """One immutable version of a survey's definition."""

    __table_args__ = (UniqueConstraint("survey_id", "number"),
                      UniqueConstraint("survey_id", "content_hash"))
    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id"))
    number: Mapped[int]
    content_hash: Mapped[str] = mapped_column(String(64))
    # Deferred: the document is large and parsed once per process (surveys.definition_of), so
    # loading a version (survey.versions, a refresh after commit) need not decode it each time.
    definition: Mapped[dict[str, Any]] = mapped_column(JSON, deferred=True)
    source_name: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    survey: Mapped[Survey] = relationship(back_populates="versions")

    @property
    def survey_slug(self) -> str:
        """The slug of the survey this version belongs to."""
        return self.survey.slug


def new_response_id() -> int:
    """A random response id: a positive 63-bit number that tells nothing of when or in what
    order responses came."""
    return secrets.randbits(63)


class Response(db.Model):
    """A submitted response: answers only, no person, address, agent or exact time."""

    __table_args__ = (
        # Finds what changed on which day (reports.frame) from the index alone.
        Index("ix_response_version_day", "survey_version_id", "submitted_on",
              postgresql_include=["id"]),
        # The responses the next mix must rewrite (survey.mixing): few at any time.
        Index("ix_response_unmixed", "unmixed", sqlite_where=text("unmixed"),
              postgresql_where=text("unmixed")),
    )
    # Random, never a sequence: on SQLite the id is the rowid (hence INTEGER there, which
    # SQLite reads as "alias of the rowid"; BIGINT would add a hidden rowid counting up).
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                    primary_key=True, autoincrement=False,
                                    default=new_response_id)
    survey_version_id: Mapped[int] = mapped_column(ForeignKey("survey_version.id"))
    # HMAC of the client's submission id: makes a replayed submit idempotent.
    submission_key: Mapped[str] = mapped_column(String(64), unique=True)
    language: Mapped[str] = mapped_column(String(8))
    submitted_on: Mapped[date] = mapped_column(Date)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    # The same answers (and version, day, demo flag) coded in the frame's columns
    # (`survey.definition.records`), what findings are read from. None for responses stored before.
    frame_record: Mapped[str | None] = mapped_column(Text)
    is_demo: Mapped[bool] = mapped_column(default=False, index=True)
    # Written since the last mix: still in the same transaction trail as its participation.
    unmixed: Mapped[bool] = mapped_column(default=True, server_default=true())


class Participation(db.Model):
    """That someone answered a survey: an HMAC of survey and respondent key, nothing else.

    No foreign key to the response, no time; WITHOUT ROWID on SQLite so that
    not even insertion order pairs a participation with a response.
    """

    __table_args__ = {"sqlite_with_rowid": False}
    key: Mapped[str] = mapped_column(String(64), primary_key=True)


class Draft(db.Model):
    """Answers of an unfinished survey, found by the hash of a resume token."""

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    survey_version_id: Mapped[int] = mapped_column(ForeignKey("survey_version.id"), index=True)
    submission_id: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8))
    page_id: Mapped[str] = mapped_column(String(64))
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The day, not the time: an expiry to the second would tell when the survey was begun.
    expires_on: Mapped[date] = mapped_column(Date, index=True)
    survey_version: Mapped[SurveyVersion] = relationship()


class MixState(db.Model):
    """One row: the day of the last full mix (survey.mixing), so that several processes
    run it once a day between them."""

    id: Mapped[int] = mapped_column(primary_key=True)
    full_mixed_on: Mapped[date | None] = mapped_column(Date)


class RateLimitCounter(db.Model):
    """A fixed-window counter of the rate limiter's database storage (survey.ratelimits).

    The key holds a keyed hash of the address or account, never either itself; rows
    are deleted once their window has passed. On PostgreSQL the table is UNLOGGED: it
    leaves no trail in the write-ahead log next to the responses, and is emptied by a
    crash, which only forgets some counts. On SQLite it lives in a file of its own.
    """

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[float] = mapped_column(Float, index=True)


class TokenPurpose(enum.StrEnum):
    RESET = "reset"  # "forgot your password", or an admin's reset mail
    INVITATION = "invitation"  # an account an admin made: its owner chooses the password


class AccountToken(db.Model):
    """A single-use link that lets the owner of an account set its password.

    Only the SHA-256 of the random token is stored, with the account and when it expires:
    an account matter, nothing that touches a survey or a response.
    """

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    purpose: Mapped[TokenPurpose] = mapped_column(
        Enum(TokenPurpose, native_enum=False, length=20,
             values_callable=lambda e: [m.value for m in e]))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    user: Mapped[User] = relationship()


__all__ = ["AccountToken", "Draft", "MixState", "Participation", "RateLimitCounter",
           "Response", "Role", "Survey", "SurveyVersion", "TokenPurpose", "User",
           "new_response_id", "new_session_token", "utcnow"]
