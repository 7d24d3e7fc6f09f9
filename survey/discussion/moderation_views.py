"""The moderation area: the review queue, actions on comments and members, the audit log."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from survey.accounts import role_required
from survey.discussion.comments import DiscussionError
from survey.discussion.forms import ModerationForm
from survey.discussion.models import Comment
from survey.discussion.moderation import (
    COMMENT_ACTIONS,
    audit_log,
    flags_of,
    members_for_moderation,
    moderate_comment,
    review_queue,
    set_ban,
    thread_context,
)
from survey.discussion.web import ACTION_NAMES, message_for
from survey.extensions import db
from survey.models import Role, User

bp = Blueprint("moderation", __name__, url_prefix="/moderation")

moderator_required = role_required(Role.MODERATOR)


@bp.get("/")
@moderator_required
def queue():
    """Pending and flagged comments, oldest first, each with its thread above it."""
    items = [(comment, thread_context(comment), flags_of(comment)) for comment in review_queue()]
    return render_template("moderation/queue.html", items=items, form=ModerationForm())


@bp.post("/comments/<int:comment_id>/<action>")
@moderator_required
def act_on_comment(comment_id, action):
    """Approve, hide, restore or delete a comment."""
    if action not in COMMENT_ACTIONS:
        abort(404)
    comment = db.get_or_404(Comment, comment_id)
    _act(action, lambda reason, note: moderate_comment(current_user, comment, action, reason,
                                                       note))
    return redirect(url_for("moderation.queue"))


@bp.get("/members")
@moderator_required
def members():
    """Find members to ban or unban."""
    query = request.args.get("q", "")[:100]
    return render_template("moderation/members.html", members=members_for_moderation(query),
                           query=query, form=ModerationForm())


@bp.post("/members/<int:member_id>/<action>")
@moderator_required
def act_on_member(member_id, action):
    """Ban or unban a member."""
    if action not in ("ban", "unban"):
        abort(404)
    member = db.get_or_404(User, member_id)
    _act(action, lambda reason, note: set_ban(current_user, member, action == "ban", reason,
                                              note))
    return redirect(url_for("moderation.members"))


def _act(action: str, act) -> None:
    """Run a moderator's action with the reason and note posted, and say how it went."""
    form = ModerationForm()
    if not form.validate():
        abort(400)
    try:
        act(form.reason.data, form.note.data)
    except DiscussionError as error:
        flash(message_for(error), "error")
    else:
        flash(_("Done: %(action)s.", action=ACTION_NAMES[action]()), "success")


@bp.get("/log")
@moderator_required
def log():
    """The append-only audit log."""
    page = audit_log(request.args.get("page", 1, type=int))
    return render_template("moderation/log.html", page=page, action_names=ACTION_NAMES)
