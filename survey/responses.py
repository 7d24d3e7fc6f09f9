"""Response service: drafts, one response per respondent, idempotent submission.

A Participation row holds only HMAC(secret, survey, respondent key); a Response
holds only answers, language and the day, under a random id. Nothing joins the two
but the transaction that wrote them together, and the next mix (`survey.mixing`)
erases that.
"""

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import delete, exists, select
from sqlalchemy.exc import IntegrityError

from survey import mixer
from survey.database import insert_unless_exists, write_transaction
from survey.definition.records import coded_response
from survey.extensions import db
from survey.mixing import delete_expired_drafts, today
from survey.models import Draft, Participation, Response, Survey, SurveyVersion, new_response_id
from survey.surveys import VersionRef, definition_of

SUBMISSION_ID = re.compile(r"\A[A-Za-z0-9_-]{8,100}\Z")  # \Z: "$" would let a trailing "\n" in


class AlreadyAnswered(Exception):
    """This respondent has already answered the survey."""


@dataclass(frozen=True)
class Submitted:
    """The outcome of a submission: stored now, or stored before (a replay)."""

    replay: bool


def _keyed_hash(*parts: str) -> str:
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, "\x1f".join(parts).encode(), hashlib.sha256).hexdigest()


def participation_key(survey: Survey, respondent_key: str) -> str:
    """The participation HMAC for a respondent key such as "user:7" or "browser:<random>"."""
    return _participation_key(survey.slug, respondent_key)


def _participation_key(slug: str, respondent_key: str) -> str:
    return _keyed_hash("participation", slug, respondent_key)


def submission_key(survey: Survey, submission_id: str) -> str:
    """The HMAC under which a submission id is remembered, for idempotency."""
    return _submission_key(survey.slug, submission_id)


def _submission_key(slug: str, submission_id: str) -> str:
    return _keyed_hash("submission", slug, submission_id)


def has_answered(survey: Survey, respondent_keys: list[str]) -> bool:
    """Whether any of these respondent keys has answered the survey."""
    return _answered([participation_key(survey, k) for k in respondent_keys])


def _answered(participation_keys: list[str]) -> bool:
    if not participation_keys:
        return False
    return bool(db.session.scalar(
        select(exists().where(Participation.key.in_(participation_keys)))))


def was_submitted(survey: Survey, submission_id: str) -> bool:
    """Whether a response with this submission id is stored."""
    return _stored(submission_key(survey, submission_id))


def _stored(key: str) -> bool:
    return bool(db.session.scalar(select(exists().where(Response.submission_key == key))))


def submit_response(
    version: "SurveyVersion | VersionRef",
    answers: dict[str, Any],
    *,
    submission_id: str,
    language: str,
    respondent_keys: list[str],
    draft: Draft | None = None,
    is_demo: bool = False,
) -> Submitted:
    """Store checked answers once; a replayed submission id stores nothing and says so."""
    slug = version.survey_slug
    response_key = _submission_key(slug, submission_id)
    participation_keys = [_participation_key(slug, k) for k in respondent_keys]
    draft_hash = draft.token_hash if draft is not None else None
    # Read now: write_transaction commits (expiring `version`), and reloading it would be
    # one more query while holding SQLite's write lock.
    version_id = version.id
    day = today()
    record = coded_response(definition_of(version), answers, version_id=version_id,
                            day=day, is_demo=is_demo)
    values = {"survey_version_id": version_id, "submission_key": response_key,
              "language": language, "submitted_on": day, "answers": answers,
              "frame_record": record, "is_demo": is_demo, "unmixed": True}
    for _attempt in range(3):
        try:
            with write_transaction():
                stored = _store(values, participation_keys, draft_hash)
        except IntegrityError:
            # A concurrent submit of the same id or respondent won the race (PostgreSQL),
            # or, once in billions, the random id was taken: then try another.
            if _stored(response_key):
                return Submitted(replay=True)
            if _answered(participation_keys):
                raise AlreadyAnswered from None
            continue
        if stored:
            mixer.note_written()
        return Submitted(replay=not stored)
    raise RuntimeError("could not store the response under a new id")


def _store(values: dict, participation_keys: list[str], draft_hash: str | None) -> bool:
    """Inside the write transaction: the response, its participations, the draft's end.
    False when the submission id was stored before (nothing written)."""
    # One statement stores the response or, for a submission id seen before, nothing.
    # RETURNING says whether a row went in (rowcount is not reliable for that on
    # every driver); executed on the session's connection, outside the ORM's bulk path.
    statement = insert_unless_exists(Response, "submission_key")
    stored = db.session.connection().execute(
        statement, {**values, "id": new_response_id()}).first()
    if stored is None:
        return False
    if _answered(participation_keys):
        raise AlreadyAnswered  # rolls the response back with the transaction
    db.session.add_all(Participation(key=k) for k in participation_keys)
    if draft_hash is not None:
        db.session.execute(delete(Draft).where(Draft.token_hash == draft_hash))
    return True


def new_submission_id() -> str:
    """A random submission id for a new draft."""
    return secrets.token_urlsafe(18)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_draft(version: SurveyVersion, language: str, page_id: str,
                submission_id: str | None = None) -> tuple[Draft, str]:
    """A new draft and its resume token (only the token's hash is stored)."""
    if (not submission_id or not SUBMISSION_ID.match(submission_id)
            or len(submission_id) > Draft.submission_id.type.length):  # a tampered form
        submission_id = new_submission_id()
    token = secrets.token_urlsafe(24)
    day = today()
    lifetime = timedelta(days=current_app.config["DRAFT_LIFETIME_DAYS"])
    with write_transaction():
        delete_expired_drafts(day)
        draft = Draft(token_hash=_token_hash(token), survey_version_id=version.id,
                      submission_id=submission_id, language=language, page_id=page_id,
                      answers={}, expires_on=day + lifetime)
        db.session.add(draft)
    return draft, token



def find_draft(survey: Survey, token: str | None) -> Draft | None:
    """The unexpired draft of this survey behind a resume token, or None."""
    if not token:
        return None
    draft = db.session.get(Draft, _token_hash(token))
    if (draft is None or draft.expires_on < today()
            or draft.survey_version.survey_id != survey.id):
        return None
    return draft


def save_draft(draft: Draft, answers: dict[str, Any], page_id: str, language: str) -> None:
    """Keep the answers so far and where the respondent is."""
    token_hash = draft.token_hash
    with write_transaction():
        draft = db.session.get(Draft, token_hash)
        if draft is None:  # submitted or expired meanwhile
            return
        draft.answers = answers
        draft.page_id = page_id
        draft.language = language
