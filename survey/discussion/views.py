"""Discussion pages: editing, deleting and flagging comments, guidelines and transparency.
Posting a comment sits with the finding page, which knows the releases."""

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user, login_required

from survey.discussion.comments import (
    DiscussionError,
    can_edit,
    delete_own_comment,
    edit_comment,
    flag_comment,
)
from survey.discussion.forms import HIDE_REASONS, EditForm, FlagForm
from survey.discussion.models import Comment, CommentStatus, FlagReason
from survey.discussion.moderation import transparency_report
from survey.discussion.web import (
    finding_of,
    finding_url,
    flag_limit,
    flag_reason_label,
    hiding_reason,
    member_key,
    member_name,
    message_for,
    reason_text,
    staff_badge,
    thread_link,
)
from survey.extensions import db, limiter

bp = Blueprint("discussion", __name__)


def _comment_or_404(comment_id) -> Comment:
    return db.get_or_404(Comment, comment_id)


@bp.route("/comments/<int:comment_id>/edit", methods=["GET", "POST"])
@login_required
def edit(comment_id):
    """Edit one's own comment within 15 minutes."""
    comment = _comment_or_404(comment_id)
    if not can_edit(current_user, comment):
        abort(403)
    form = EditForm(data={"body": comment.body} if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            edit_comment(current_user, comment, form.body.data)
        except DiscussionError as error:
            flash(message_for(error), "error")
        else:
            flash(_("Your comment has been changed."), "success")
        return redirect(finding_url(comment))
    return render_template("discussion/edit.html", form=form, comment=comment), (
        422 if form.errors else 200)


@bp.post("/comments/<int:comment_id>/delete")
@login_required
def delete(comment_id):
    """Delete one's own comment."""
    comment = _comment_or_404(comment_id)
    try:
        delete_own_comment(current_user, comment)
    except DiscussionError:
        abort(403)
    flash(_("Your comment has been deleted."), "success")
    return redirect(finding_url(comment.survey.slug, comment.finding_id, _anchor="discussion"))


@bp.route("/comments/<int:comment_id>/flag", methods=["GET", "POST"])
@login_required
@limiter.limit(flag_limit, key_func=member_key, methods=["POST"])
def flag(comment_id):
    """Ask moderators to look at a comment."""
    comment = _comment_or_404(comment_id)
    if comment.status != CommentStatus.VISIBLE:
        abort(404)  # only shown comments can be flagged; others' text stays private
    form = FlagForm()
    if form.validate_on_submit():
        try:
            flag_comment(current_user, comment, FlagReason(form.reason.data), form.note.data)
        except DiscussionError as error:
            flash(message_for(error), "error")
        else:
            flash(_("Thank you. Moderators will look at the comment."), "success")
        return redirect(finding_url(comment))
    return render_template("discussion/flag.html", form=form, comment=comment), (
        422 if form.errors else 200)


@bp.get("/guidelines")
def guidelines():
    """The moderation guidelines."""
    return render_template("discussion/guidelines.html")


@bp.get("/transparency")
def transparency():
    """Public moderation counts per month, with no names."""
    return render_template("discussion/transparency.html", months=transparency_report(),
                           reasons=FLAG_REASON_ORDER)


FLAG_REASON_ORDER = [reason.value for reason in FlagReason]


def month_name(month: str) -> str:
    """"2026-12" as the page's language writes a month: "Dezember 2026", "December 2026"."""
    year, number = month.split("-")
    return format_date(date(int(year), int(number), 1), "LLLL yyyy")


def init_app(app):
    """The template helpers of discussion pages."""
    app.jinja_env.globals.update(
        can_edit=can_edit, member_name=member_name, staff_badge=staff_badge,
        flag_reason_label=flag_reason_label, hide_reasons=HIDE_REASONS, reason_text=reason_text,
        hiding_reason=hiding_reason, finding_of=finding_of, thread_link=thread_link,
        month_name=month_name)
