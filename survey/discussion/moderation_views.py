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
    approve_comments,
    audit_log,
    members_for_moderation,
    moderate_comment,
    set_ban,
)
from survey.discussion.queue import FILTERS, SORTS, queue_counts, review_queue
from survey.discussion.web import ACTION_NAMES, message_for
from survey.extensions import db
from survey.guards import plain_int
from survey.models import Role, User

bp = Blueprint("moderation", __name__, url_prefix="/moderation")

moderator_required = role_required(Role.MODERATOR)
REASON_CODES = ("reason_required", "ban_reason_required")


QUEUE_DEFAULTS = {"show": "all", "sort": "oldest", "page": 1}


def _view() -> dict:
    """Which part of the queue is shown: filter, order and page, from the query string."""
    show, sort = request.args.get("show", "all"), request.args.get("sort", "oldest")
    return {"show": show if show in FILTERS else "all",
            "sort": sort if sort in SORTS else "oldest",
            "page": max(1, min(plain_int(request.args.get("page", "1")) or 1, 10_000))}


def _view_args() -> dict:
    """The query string that shows the queue as it is shown now (defaults left out)."""
    return {key: value for key, value in _view().items() if value != QUEUE_DEFAULTS[key]}


def _queue_page(refused: dict | None = None, status: int = 200):
    view = _view()
    page = review_queue(view["show"], view["sort"], view["page"])
    return render_template("moderation/queue.html", page=page, view=view, args=_view_args(),
                           counts=queue_counts(), filters=FILTERS, sorts=SORTS,
                           refused=refused or {}), status


@bp.get("/")
@moderator_required
def queue():
    """Comments that wait for a decision (flagged, waiting for approval, hidden by flags), or
    one of those groups, with their context and their authors' records."""
    return _queue_page()


def _back_to_queue():
    """The queue as it was shown."""
    return redirect(url_for("moderation.queue", **_view_args()))


@bp.post("/comments/<int:comment_id>/<action>")
@moderator_required
def act_on_comment(comment_id, action):
    """Approve, restore, dismiss flags (one click), or hide (with a reason) or delete."""
    if action not in COMMENT_ACTIONS:
        abort(404)
    comment = db.get_or_404(Comment, comment_id)
    form = ModerationForm()
    refusal = _decide(action, form, lambda reason: moderate_comment(current_user, comment,
                                                                    action, reason))
    if refusal is None:
        return _back_to_queue()
    return _refused(comment, form, refusal)


def _decide(action: str, form: ModerationForm, decide) -> str | None:
    """Carry out a decision with the reason posted. Returns the message to show beside the
    reason when it is missing or wrong; other refusals are flashed."""
    if not form.validate():
        if form.reason.errors:
            return _("Please keep it to %(max)d characters.", max=500)
        return _("Please choose one of the reasons offered.")
    try:
        decide(form.chosen_reason())
    except DiscussionError as error:
        if error.code in REASON_CODES:
            return message_for(error)
        flash(message_for(error), "error")
    else:
        name = ACTION_NAMES["dismiss_flags" if action == "dismiss" else action]
        flash(_("Done: %(action)s.", action=name()), "success")
    return None


@bp.post("/approve")
@moderator_required
def approve_selected():
    """Approve the comments ticked in the queue."""
    ids = [number for value in request.form.getlist("comment_id")
           if (number := plain_int(value)) is not None]
    if not ids:
        flash(_("Tick the comments to approve first."), "error")
        return _back_to_queue()
    approved, left = approve_comments(current_user, ids)
    flash(_("Approved: %(approved)d. Left as they were: %(left)d.", approved=approved,
            left=left) if left else _("Approved: %(approved)d.", approved=approved),
          "success" if approved else "error")
    return _back_to_queue()


def _refused(comment: Comment, form: ModerationForm, message: str):
    """The queue again, with the message beside the reason of the item refused (422)."""
    return _queue_page({"comment_id": comment.id, "message": message,
                        "reason": form.reason.data or ""}, 422)


@bp.get("/members")
@moderator_required
def members():
    """Find members to ban or unban."""
    return _members_page()


def _members_page(refused: dict | None = None, status: int = 200):
    query = request.args.get("q", "")[:100]
    return render_template("moderation/members.html", members=members_for_moderation(query),
                           query=query, refused=refused or {}), status


@bp.post("/members/<int:member_id>/<action>")
@moderator_required
def act_on_member(member_id, action):
    """Ban (with a reason) or unban a member."""
    if action not in ("ban", "unban"):
        abort(404)
    member = db.get_or_404(User, member_id)
    # From the queue, `comment` names the item whose form asked for the ban.
    comment = db.session.get(Comment, plain_int(request.args.get("comment")) or 0)
    form = ModerationForm()
    refusal = _decide(action, form, lambda reason: set_ban(current_user, member,
                                                           action == "ban", reason))
    if refusal is None and comment is not None:
        return _back_to_queue()
    if refusal is None:
        return redirect(url_for("moderation.members", q=request.args.get("q") or None))
    if comment is not None:
        return _refused(comment, form, refusal)
    return _members_page({"member_id": member.id, "message": refusal,
                          "reason": form.reason.data or ""}, 422)


@bp.get("/log")
@moderator_required
def log():
    """The append-only audit log."""
    page = audit_log(request.args.get("page", 1, type=int))
    return render_template("moderation/log.html", page=page, action_names=ACTION_NAMES)
