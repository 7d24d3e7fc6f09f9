"""Account service: creating users and checking passwords (argon2)."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select

from survey.database import write_transaction
from survey.extensions import db
from survey.models import Role, User

_hasher = PasswordHasher()
# Verified when the email is unknown, so that both cases take the same time.
_DUMMY_HASH = _hasher.hash("not a password of anyone")
MIN_PASSWORD_LENGTH = 10


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


def create_user(email: str, password: str, role: Role = Role.MEMBER,
                display_name: str | None = None) -> User:
    """A new account with an argon2 hash of its password."""
    try:
        email = normalize_email(validate_email(email, check_deliverability=False).normalized)
    except EmailNotValidError:
        raise AccountError(f"{email!r} is not a valid email address") from None
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password needs at least {MIN_PASSWORD_LENGTH} characters",
                           field="password")
    with write_transaction():
        if find_user_by_email(email) is not None:
            raise AccountError("an account with this email exists already")
        display_name = (display_name or "").strip() or None
        if display_name and db.session.scalar(select(User.id).where(
                func.lower(User.display_name) == display_name.lower())):
            raise AccountError("this name is taken", field="display_name")
        user = User(email=email, password_hash=_hasher.hash(password), role=Role(role),
                    display_name=display_name)
        db.session.add(user)
    return user


def authenticate(email: str, password: str) -> User | None:
    """The user whose email and password these are, or None."""
    user = find_user_by_email(email)
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None:
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
    """Accounts in the order they were made."""
    return list(db.session.scalars(select(User).order_by(User.id).limit(limit)))
