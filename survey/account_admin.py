"""What admins do to accounts besides roles: create one with an invitation mail, deactivate
and reactivate, send a reset mail. Each is recorded in the append-only audit log."""

from survey.database import write_transaction
from survey.discussion.moderation import log_action
from survey.models import Role, User, utcnow
from survey.passwords import send_password_link
from survey.users import AccountError, create_user


def invite(actor: User, email: str, display_name: str | None, role: Role,
           language: str) -> User:
    """A new account without a password; its owner gets a mail with a link to choose one."""
    user = create_user(email, None, role, display_name=display_name, language=language)
    with write_transaction():
        log_action(actor, "invite", member=user)
    send_password_link(user)
    return user


def set_active(actor: User, user: User, active: bool) -> None:
    """Deactivate an account (it can no longer log in, and its sessions end) or reactivate
    it. Nobody deactivates their own, so that an admin always remains."""
    if user.id == actor.id:
        raise AccountError("you cannot deactivate your own account", field="active")
    if user.is_deleted:
        raise AccountError("the account is deleted", field="active")
    with write_transaction():
        user.deactivated_at = None if active else (user.deactivated_at or utcnow())
        log_action(actor, "reactivate" if active else "deactivate", member=user)


def send_reset(actor: User, user: User) -> None:
    """Mail the account a link to set a new password (an invitation if it never had one)."""
    if not user.is_active:
        raise AccountError("the account is not active", field="active")
    with write_transaction():
        log_action(actor, "send_reset", member=user)
    send_password_link(user)
