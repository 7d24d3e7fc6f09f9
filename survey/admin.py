"""The admin area: surveys (open or close), users (roles), and links to releases and exports."""


from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from survey.accounts import role_required
from survey.models import Role
from survey.surveys import set_survey_open, survey_summaries
from survey.users import AccountError, accounts, change_role

bp = Blueprint("admin", __name__, url_prefix="/admin")


admin_required = role_required(Role.ADMIN)

ROLE_LABELS = {Role.MEMBER: _l("Member"), Role.MODERATOR: _l("Moderator"),
               Role.ADMIN: _l("Administrator")}


def role_label(role) -> str:
    """A role's name in the page's language."""
    return str(ROLE_LABELS[Role(role)])


bp.record_once(lambda state: state.app.jinja_env.globals.update(role_label=role_label))


@bp.get("/")
@admin_required
def index():
    """Surveys with their versions and responses, and the accounts."""
    return render_template("admin/index.html", surveys=survey_summaries(), users=accounts(),
                           roles=[r.value for r in Role])


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
