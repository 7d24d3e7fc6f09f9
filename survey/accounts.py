"""Register, log in, log out; the role check for views."""

from functools import wraps
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from survey.extensions import limiter
from survey.forms import LoginForm, RegistrationForm
from survey.limitkeys import login_account_key
from survey.models import Role
from survey.sessions import end_session, start_session
from survey.users import AccountError, authenticate, end_all_sessions
from survey.users import register as register_account

bp = Blueprint("accounts", __name__)


def safe_next(target: str | None) -> str | None:
    """`target` if it is a path on this site, else None (no scheme, host, or backslash tricks)."""
    if not target or "\\" in target or any(ord(c) < 32 for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def role_required(role: Role):
    """A view decorator: visitors are sent to log in, users below `role` get 403."""
    def decorate(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not current_user.has_role(role):
                abort(403)
            return view(*args, **kwargs)
        return wrapped
    return decorate


def _login_limit():
    return current_app.config["RATELIMIT_LOGIN"]


def _login_account_limit():
    return current_app.config["RATELIMIT_LOGIN_ACCOUNT"]


def _register_limit():
    return current_app.config["RATELIMIT_REGISTER"]


def _failed_login(response) -> bool:
    """A wrong email or password (a page again, 422): what the per-account limit counts."""
    return response.status_code == 422


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
@limiter.limit(_login_account_limit, methods=["POST"], key_func=login_account_key,
               deduct_when=_failed_login)
def login():
    form = LoginForm()
    next_url = safe_next(request.args.get("next"))
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is not None:
            start_session(user, remember=form.remember.data)
            flash(_("You are logged in."), "success")
            return redirect(next_url or url_for("main.index"))
        form.password.errors.append(_("Email or password is wrong."))
    return render_template("accounts/login.html", form=form, next_url=next_url), (
        422 if form.errors else 200)


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(_register_limit, methods=["POST"])
def register():
    """Register. The answer is the same whether or not the address had an account."""
    form = RegistrationForm()
    if form.validate_on_submit():
        try:
            register_account(form.email.data, form.password.data,
                             display_name=form.display_name.data)
        except AccountError as error:
            messages = {
                "display_name": _("This name is taken; please choose another."),
                "password": _("This password is too common or too short: use at least "
                              "10 characters that are not a well-known password."),
            }
            field = form[error.field] if error.field in messages else form.email
            field.errors.append(messages.get(error.field,
                                             _("Please enter a valid email address.")))
        else:
            flash(_("Thank you. If this address had no account yet, it has one now: log in "
                    "with it and your password. If it had one already, its password has not "
                    "changed."), "success")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/register.html", form=form), 422 if form.errors else 200


@bp.post("/logout")
@login_required
def logout():
    """Log out everywhere: every session and remember cookie of the account ends."""
    end_all_sessions(current_user._get_current_object())
    end_session()
    flash(_("You are logged out."), "success")
    return redirect(url_for("main.index"))
