"""Register, log in, log out; the role check for views."""

from functools import wraps
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from survey.extensions import db, limiter, login_manager
from survey.forms import LoginForm, RegistrationForm
from survey.models import Role, User
from survey.users import AccountError, authenticate, create_user

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


def _register_limit():
    return current_app.config["RATELIMIT_REGISTER"]


def _start_session(user: User, remember: bool = False) -> None:
    """Log in with a fresh session, so that nothing from before login carries over."""
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language
    login_user(user, remember=remember)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    form = LoginForm()
    next_url = safe_next(request.args.get("next"))
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is not None:
            _start_session(user, remember=form.remember.data)
            flash(_("You are logged in."), "success")
            return redirect(next_url or url_for("main.index"))
        form.password.errors.append(_("Email or password is wrong."))
    return render_template("accounts/login.html", form=form, next_url=next_url), (
        422 if form.errors else 200)


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(_register_limit, methods=["POST"])
def register():
    form = RegistrationForm()
    if form.validate_on_submit():
        try:
            user = create_user(form.email.data, form.password.data,
                               display_name=form.display_name.data)
        except AccountError as error:
            messages = {
                "display_name": _("This name is taken; please choose another."),
                "password": _("Use 10 to 200 characters."),
            }
            field = form[error.field] if error.field in messages else form.email
            field.errors.append(messages.get(error.field,
                                             _("An account with this email exists already.")))
        else:
            _start_session(user)
            flash(_("Welcome! Your account is ready."), "success")
            return redirect(url_for("main.index"))
    return render_template("accounts/register.html", form=form), 422 if form.errors else 200


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    session.clear()
    flash(_("You are logged out."), "success")
    return redirect(url_for("main.index"))


def init_app(app):
    """Configure Flask-Login for this app."""
    login_manager.login_view = "accounts.login"
    login_manager.login_message = None
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(user_id: str):
        return db.session.get(User, int(user_id)) if user_id.isdigit() else None
