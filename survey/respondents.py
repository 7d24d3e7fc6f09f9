"""Who the current respondent is, as keys that never leave the participation HMAC."""

import secrets

from flask import current_app, g, request
from flask_login import current_user

COOKIE_MAX_AGE = 400 * 24 * 3600


def browser_key() -> str:
    """This browser's random respondent id, made on first use and set as a cookie."""
    name = current_app.config["RESPONDENT_COOKIE"]
    value = request.cookies.get(name, "")
    if len(value) < 20 or len(value) > 64:
        value = g.setdefault("new_respondent_cookie", secrets.token_urlsafe(24))
    return value


def respondent_keys() -> list[str]:
    """The keys under which the current respondent's participation is recorded."""
    keys = [f"browser:{browser_key()}"]
    if current_user.is_authenticated:
        keys.append(f"user:{current_user.id}")
    return keys


def set_respondent_cookie(response):
    """after_request: hand a new browser its respondent cookie."""
    value = g.pop("new_respondent_cookie", None)
    if value:
        response.set_cookie(current_app.config["RESPONDENT_COOKIE"], value,
                            max_age=COOKIE_MAX_AGE, httponly=True, samesite="Lax",
                            secure=request.is_secure)
    return response
