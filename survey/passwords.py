"""Passwords: single-use links that let an account's owner set one (a reset asked for, an
admin's reset mail, an invitation), and changing one's own.

A link holds a random token; only its SHA-256 is stored, beside the account and when it
expires. Only the newest link of an account works, once; setting a password by any way voids
its links and ends every session of the account (sessions carry the account's session token,
`User.get_id`, which a new password replaces). Nothing here touches a survey.
"""

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, select

from survey.database import write_transaction
from survey.extensions import db
from survey.mail import send_mail, site_url
from survey.models import AccountToken, TokenPurpose, User, utcnow
from survey.users import (
    AccountError,
    find_user_by_email,
    hash_password,
    password_matches,
    replace_password,
)


class LinkError(ValueError):
    """The link is unknown, used, replaced by a newer one, or expired."""


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _lifetime(purpose: TokenPurpose) -> timedelta:
    config = current_app.config
    if purpose == TokenPurpose.INVITATION:
        return timedelta(days=config["INVITATION_LINK_DAYS"])
    return timedelta(hours=config["RESET_LINK_HOURS"])


def _purge_expired() -> None:
    db.session.execute(delete(AccountToken).where(AccountToken.expires_at <= utcnow()))


def issue_link(user: User, purpose: TokenPurpose) -> str:
    """A new link token for `user` (their earlier links stop working)."""
    token = secrets.token_urlsafe(32)
    with write_transaction():
        _purge_expired()
        db.session.execute(delete(AccountToken).where(AccountToken.user_id == user.id))
        db.session.add(AccountToken(token_hash=_digest(token), user_id=user.id,
                                    purpose=purpose, expires_at=utcnow() + _lifetime(purpose)))
    return token


def link_for(token: str) -> AccountToken | None:
    """The valid link with this token (not expired, its account active), or None."""
    if not token or len(token) > 100:
        return None
    link = db.session.get(AccountToken, _digest(token))
    if link is None or link.expires_at <= utcnow() or not link.user.is_active:
        return None
    return link


def set_password_by_link(token: str, password: str) -> User:
    """Set the account's password through its link, once: the link and every other one of the
    account stop working, and so do all its sessions and its old password."""
    password_hash = hash_password(password)
    with write_transaction():
        link = link_for(token)
        if link is None:
            raise LinkError("this link does not work (any more)")
        user = link.user
        replace_password(user, password_hash)
        db.session.execute(delete(AccountToken).where(AccountToken.user_id == user.id))
    return user


def change_own_password(user: User, current: str, new: str) -> None:
    """A member changes their password, giving the current one; every session of the account
    ends (the view starts a new one for the browser that asked)."""
    if not password_matches(user, current):
        raise AccountError("the current password is wrong", field="current_password")
    password_hash = hash_password(new)
    with write_transaction():
        replace_password(user, password_hash)
        db.session.execute(delete(AccountToken).where(AccountToken.user_id == user.id))


def send_password_link(user: User) -> None:
    """Mail `user` a link to set their password: a reset, or an invitation if they have never
    had a password."""
    purpose = TokenPurpose.RESET if user.password_hash else TokenPurpose.INVITATION
    token = issue_link(user, purpose)
    link = site_url("accounts.reset_password", token=token)
    if purpose == TokenPurpose.INVITATION:
        send_mail(user.email, user.language, "invitation",
                  subject=lambda: _("You are invited to Resonanz"), link=link, user=user,
                  days=current_app.config["INVITATION_LINK_DAYS"])
    else:
        send_mail(user.email, user.language, "password_reset",
                  subject=lambda: _("Resetting your Resonanz password"), link=link,
                  hours=current_app.config["RESET_LINK_HOURS"],
                  forgot_link=site_url("accounts.forgot_password"))


def request_password_reset(email: str) -> None:
    """Someone asks for a reset link for `email`: a mail goes out only if an active account
    has that address; the caller answers the same either way, and both ways write to the
    database (expired links are purged), so the time taken tells little."""
    user = find_user_by_email(email) if email and len(email) <= 254 else None
    if user is None or not user.is_active:
        with write_transaction():
            _purge_expired()
        return
    send_password_link(user)


def awaiting_password() -> set[int]:
    """The accounts that were invited and whose owners have not chosen a password yet (their
    link still works)."""
    return set(db.session.scalars(select(AccountToken.user_id).join(User).where(
        User.password_hash.is_(None), AccountToken.expires_at > utcnow())))
