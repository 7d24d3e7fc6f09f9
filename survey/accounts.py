"""Register, log in, log out, reset a forgotten password; the role check for views."""

from functools import wraps
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from survey.account_mail import send_registration_mail
from survey.extensions import limiter
from survey.forms import (
    ForgotPasswordForm,
    LoginForm,
    NewPasswordForm,
    RegistrationForm,
    show_account_error,
)
from survey.i18n import current_language
from survey.limitkeys import login_account_key, reset_account_key
from survey.models import Role, TokenPurpose
from survey.passwords import LinkError, link_for, request_password_reset, set_password_by_link
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
        if user is not None and user.is_active:
            start_session(user, remember=form.remember.data)
            flash(_("You are logged in."), "success")
            return redirect(next_url or url_for("main.index"))
        form.password.errors.append(
            _("This account is deactivated. Please ask the site's administrators.")
            if user is not None else _("Email or password is wrong."))
    return render_template("accounts/login.html", form=form, next_url=next_url), (
        422 if form.errors else 200)


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(_register_limit, methods=["POST"])
def register():
    """Register. The answer is the same whether or not the address had an account; a mail to
    the address says which."""
    form = RegistrationForm()
    if form.validate_on_submit():
        try:
            registration = register_account(form.email.data, form.password.data,
                                            display_name=form.display_name.data,
                                            language=current_language())
        except AccountError as error:
            show_account_error(form, error)
        else:
            send_registration_mail(registration, current_language())
            flash(_("Thank you. If this address had no account yet, it has one now: log in "
                    "with it and your password. If it had one already, its password has not "
                    "changed."), "success")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/register.html", form=form), 422 if form.errors else 200


def _reset_limit():
    return current_app.config["RATELIMIT_RESET"]


def _reset_account_limit():
    return current_app.config["RATELIMIT_RESET_ACCOUNT"]


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(_reset_limit, methods=["POST"])
@limiter.limit(_reset_account_limit, methods=["POST"], key_func=reset_account_key)
def forgot_password():
    """Ask for a reset link. The page answers the same whether or not the address has an
    account; only an account's address gets a mail."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        request_password_reset(form.email.data)
        return render_template("accounts/reset_sent.html", email=form.email.data)
    return render_template("accounts/forgot.html", form=form), 422 if form.errors else 200


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token):
    """Choose a new password (or the first one, after an invitation) through a mailed link."""
    link = link_for(token)
    if link is None:
        return render_template("accounts/link_invalid.html"), 404
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            set_password_by_link(token, form.password.data)
        except AccountError as error:
            show_account_error(form, error)
        except LinkError:
            return render_template("accounts/link_invalid.html"), 404
        else:
            flash(_("Your password is set. Log in with it."), "success")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/reset.html", form=form, token=token,
                           invitation=link.purpose == TokenPurpose.INVITATION,
                           email=link.user.email), 422 if form.errors else 200


@bp.post("/logout")
@login_required
def logout():
    """Log out everywhere: every session and remember cookie of the account ends."""
    end_all_sessions(current_user._get_current_object())
    end_session()
    flash(_("You are logged out."), "success")
    return redirect(url_for("main.index"))
