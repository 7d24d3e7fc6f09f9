"""The admin area: surveys (open or close), accounts (roles, invitations, deactivation, reset
mails), and links to releases and exports."""


from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from survey.account_admin import invite, send_reset, set_active
from survey.accounts import role_required
from survey.extensions import db
from survey.forms import InvitationForm, show_account_error
from survey.i18n import current_language
from survey.models import Role, User
from survey.passwords import awaiting_password
from survey.surveys import set_survey_open, survey_summaries
from survey.users import AccountError, accounts, change_role, end_all_sessions

bp = Blueprint("admin", __name__, url_prefix="/admin")


admin_required = role_required(Role.ADMIN)

ROLE_LABELS = {Role.MEMBER: _l("Member"), Role.MODERATOR: _l("Moderator"),
               Role.ADMIN: _l("Administrator")}


def role_label(role) -> str:
    """A role's name in the page's language."""
    return str(ROLE_LABELS[Role(role)])


bp.record_once(lambda state: state.app.jinja_env.globals.update(role_label=role_label))


def _index(invitation: InvitationForm | None = None, status: int = 200):
    form = invitation or InvitationForm(formdata=None, data={"language": current_language()})
    return render_template("admin/index.html", surveys=survey_summaries(), users=accounts(),
                           roles=[r.value for r in Role], invitation=form,
                           invited=awaiting_password()), status


@bp.get("/")
@admin_required
def index():
    """Surveys with their versions and responses, and the accounts."""
    return _index()


@bp.post("/users")
@admin_required
def create_account():
    """Create an account; its owner gets an invitation mail to choose a password."""
    form = InvitationForm()
    if form.validate_on_submit():
        try:
            user = invite(current_user, form.email.data, form.display_name.data,
                          Role(form.role.data), form.language.data)
        except AccountError as error:
            show_account_error(form, error)
        else:
            flash(_("The account %(email)s is created; an invitation is on its way.",
                    email=user.email), "success")
            return redirect(url_for("admin.index", _anchor="users-heading"))
    return _index(form, 422)


@bp.post("/users/<int:user_id>/active")
@admin_required
def user_active(user_id):
    """Deactivate or reactivate an account (not one's own)."""
    user = db.get_or_404(User, user_id)
    active = request.form.get("active") == "1"
    try:
        set_active(current_user, user, active)
    except AccountError:
        flash(_("You cannot deactivate your own account."), "error")
    else:
        flash(_("The account %(email)s is active again.", email=user.email) if active
              else _("The account %(email)s is deactivated.", email=user.email), "success")
    return redirect(url_for("admin.index", _anchor="users-heading"))


@bp.post("/users/<int:user_id>/reset")
@admin_required
def user_reset(user_id):
    """Mail an account a link to set a new password."""
    user = db.get_or_404(User, user_id)
    try:
        send_reset(current_user, user)
    except AccountError:
        flash(_("A deactivated account gets no mail; reactivate it first."), "error")
    else:
        flash(_("A mail with a link to set a new password is on its way to %(email)s.",
                email=user.email), "success")
    return redirect(url_for("admin.index", _anchor="users-heading"))


@bp.post("/surveys/<slug>/state")
@admin_required
def survey_state(slug):
    """Open or close a survey for responses."""
    survey = set_survey_open(slug, request.form.get("open") == "1") or abort(404)
    flash(_("The survey is open.") if survey.is_open else _("The survey is closed."), "success")
    return redirect(url_for("admin.index"))


@bp.post("/users/<int:user_id>/role")
@admin_required
def user_role(user_id):
    """Give an account another role (not one's own, so that an admin always remains)."""
    role = request.form.get("role", "")
    if role not in [r.value for r in Role]:
        abort(400)
    try:
        change_role(current_user, user_id, Role(role)) or abort(404)
    except AccountError:
        flash(_("You cannot change your own role."), "error")
        return redirect(url_for("admin.index"))
    flash(_("The role has been changed."), "success")
    return redirect(url_for("admin.index"))


@bp.post("/users/<int:user_id>/sign-out")
@admin_required
def user_sign_out(user_id):
    """End every session and remember cookie of an account (one's own included)."""
    end_all_sessions(db.get_or_404(User, user_id))
    flash(_("The account is signed out everywhere."), "success")
    return redirect(url_for("admin.index"))
