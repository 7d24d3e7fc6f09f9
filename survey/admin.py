"""The admin area: surveys (open or close), users (roles), and links to releases and exports."""


from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from survey.accounts import role_required
from survey.database import write_transaction
from survey.extensions import db
from survey.models import Role, Survey, User
from survey.surveys import survey_summaries

bp = Blueprint("admin", __name__, url_prefix="/admin")


admin_required = role_required(Role.ADMIN)


@bp.get("/")
@admin_required
def index():
    """Surveys with their versions and responses, and the accounts."""
    users = list(db.session.scalars(select(User).order_by(User.id).limit(500)))
    return render_template("admin/index.html", surveys=survey_summaries(), users=users,
                           roles=[r.value for r in Role])


@bp.post("/surveys/<slug>/state")
@admin_required
def survey_state(slug):
    """Open or close a survey for responses."""
    with write_transaction():
        survey = db.session.scalar(select(Survey).where(Survey.slug == slug)) or abort(404)
        survey.is_open = request.form.get("open") == "1"
    flash(_("The survey is open.") if survey.is_open else _("The survey is closed."), "success")
    return redirect(url_for("admin.index"))


@bp.post("/users/<int:user_id>/role")
@admin_required
def user_role(user_id):
    """Give an account another role (not one's own, so that an admin always remains)."""
    role = request.form.get("role", "")
    if role not in [r.value for r in Role]:
        abort(400)
    if user_id == current_user.id:
        flash(_("You cannot change your own role."), "error")
        return redirect(url_for("admin.index"))
    with write_transaction():
        user = db.session.get(User, user_id) or abort(404)
        user.role = Role(role)
    flash(_("The role is changed."), "success")
    return redirect(url_for("admin.index"))
