"""Signed-in sessions: the account's session token on every request, remember cookies that
rotate, and cookies that are Secure whenever the request came over HTTPS.

Flask-Login stores `User.get_id()`, "<id>:<session token>", in the session; the loader
accepts it only while the account still has that token, so `end_all_sessions` (logout,
password change, an admin's "sign out everywhere") ends every session of the account at
once. The remember cookie is our own: signed with a time stamp (refused by the server
after REMEMBER_COOKIE_DAYS, whatever the browser keeps), carrying the same token and a
random part, and replaced by a new one each time it signs someone in.
"""

import hmac
import secrets

from flask import current_app, g, has_request_context, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_login import login_user, logout_user
from itsdangerous import BadSignature, URLSafeTimedSerializer

from survey.extensions import db, login_manager
from survey.models import User

REMEMBER_COOKIE = "resonanz_remember"
_SALT = "resonanz.remember"


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie session, Secure on HTTPS (directly or behind a trusted proxy)."""

    def get_cookie_secure(self, app) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or (
            has_request_context() and request.is_secure)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=_SALT)


def load_user(user_id: str) -> User | None:
    """Flask-Login's loader: the account, while it is active and the session's token is
    still its token."""
    number, _, token = user_id.partition(":")
    if not (number.isascii() and number.isdigit() and len(number) < 10 and token):
        return None
    user = db.session.get(User, int(number))
    if (user is None or not user.is_active
            or not hmac.compare_digest(user.session_token, token)):
        return None
    return user


def start_session(user: User, remember: bool = False) -> None:
    """Log in with a fresh session, so that nothing from before login carries over."""
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language
    login_user(user)
    g.remember_cookie = _remember_value(user) if remember else None


def end_session() -> None:
    """Log this browser out and drop its remember cookie."""
    logout_user()
    session.clear()
    g.remember_cookie = None


def _remember_value(user: User) -> str:
    return _serializer().dumps([user.id, user.session_token, secrets.token_urlsafe(16)])


def _from_remember_cookie(_request) -> User | None:
    """Flask-Login's request loader: sign in from a valid remember cookie, and rotate it."""
    value = request.cookies.get(REMEMBER_COOKIE)
    if not value:
        return None
    max_age = int(current_app.config["REMEMBER_COOKIE_DAYS"]) * 24 * 3600
    try:
        user_id, token, _random = _serializer().loads(value, max_age=max_age)
        user = load_user(f"{int(user_id)}:{token}")
    except (BadSignature, ValueError, TypeError):
        user = None
    if user is None:
        g.remember_cookie = None  # forget it
        return None
    login_user(user, fresh=False)
    g.remember_cookie = _remember_value(user)
    return user


def update_remember_cookie(response):
    """after_request: set the new remember cookie, or delete a stale one."""
    if "remember_cookie" not in g:
        return response
    value = g.pop("remember_cookie")
    if value is None:
        if REMEMBER_COOKIE in request.cookies:
            response.delete_cookie(REMEMBER_COOKIE, httponly=True, samesite="Lax",
                                   secure=request.is_secure)
        return response
    response.set_cookie(REMEMBER_COOKIE, value,
                        max_age=int(current_app.config["REMEMBER_COOKIE_DAYS"]) * 24 * 3600,
                        httponly=True, samesite="Lax",
                        secure=request.is_secure or current_app.config["SESSION_COOKIE_SECURE"])
    return response


def signed_in() -> bool:
    """Whether this request carries a signed-in session or a remember cookie (no query)."""
    return "_user_id" in session or REMEMBER_COOKIE in request.cookies


def init_app(app):
    """Session cookies, Flask-Login's loaders, and the remember cookie."""
    app.session_interface = SessionInterface()
    login_manager.login_view = "accounts.login"
    login_manager.login_message = None
    login_manager.session_protection = "strong"
    login_manager.user_loader(load_user)
    login_manager.request_loader(_from_remember_cookie)
    app.after_request(update_remember_cookie)
