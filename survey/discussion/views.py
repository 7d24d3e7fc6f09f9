"""Discussion pages: posting and managing comments, a member's page, guidelines, transparency;
and the moderation queue, actions and audit log."""


from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from reports.releases import release_by_number
from survey.accounts import role_required
from survey.discussion.comments import (
    DiscussionError,
    can_edit,
    delete_own_comment,
    edit_comment,
    flag_comment,
    member_activity,
    post_comment,
)
from survey.discussion.forms import (
    FLAG_REASONS,
    CommentForm,
    EditForm,
    FlagForm,
    ModerationForm,
)
from survey.discussion.models import Comment, CommentStatus, FlagReason
from survey.discussion.moderation import (
    COMMENT_ACTIONS,
    audit_log,
    flags_of,
    members_for_moderation,
    moderate_comment,
    review_queue,
    set_ban,
    thread_context,
    transparency_report,
)
from survey.extensions import db, limiter
from survey.models import Role, User
from survey.surveys import current_version, definition_of, get_survey

bp = Blueprint("discussion", __name__)
moderation_bp = Blueprint("moderation", __name__, url_prefix="/moderation")

MESSAGES = {
    "empty": lambda: _("Please write something."),
    "too_long": lambda: _("Please keep it to %(max)d characters.", max=5000),
    "bad_characters": lambda: _("The text contains a character that is not allowed."),
    "banned": lambda: _("You are banned from posting comments."),
    "no_parent": lambda: _("The comment you replied to is no longer there."),
    "too_deep": lambda: _("Replies can be nested only three levels deep."),
    "not_editable": lambda: _("Comments can be edited only by their author, for 15 minutes."),
    "not_yours": lambda: _("You can only delete your own comments."),
    "own_comment": lambda: _("You cannot flag your own comment."),
    "not_visible": lambda: _("This comment is not shown, so it cannot be flagged."),
    "already_flagged": lambda: _("You have already flagged this comment."),
    "reason_required": lambda: _("Please give a reason for hiding the comment."),
    "not_allowed": lambda: _("You are not allowed to act on this member's content."),
    "unknown_action": lambda: _("Unknown action."),
}


def message_for(error: DiscussionError) -> str:
    """The translated message for a refused discussion action."""
    return MESSAGES.get(error.code, MESSAGES["unknown_action"])()


def _member_key():
    return f"member:{current_user.get_id()}"


def _comment_limit():
    return current_app.config["RATELIMIT_COMMENT"]


def _flag_limit():
    return current_app.config["RATELIMIT_FLAG"]


def finding_url(comment_or_slug, finding_id=None, **anchor):
    """The page of the finding a comment belongs to."""
    if isinstance(comment_or_slug, Comment):
        slug, finding_id = comment_or_slug.survey.slug, comment_or_slug.finding_id
        anchor = {"_anchor": f"comment-{comment_or_slug.id}"}
    else:
        slug = comment_or_slug
    return url_for("findings.finding_page", slug=slug, finding_id=finding_id, **anchor)


def _comment_or_404(comment_id) -> Comment:
    return db.get_or_404(Comment, comment_id)


def _form_number(text: str | None) -> int | None:
    """A hidden field's id or number, or None: ASCII digits only ("²".isdigit() is true, too),
    and few enough for the database's integer."""
    text = text or ""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 9 else None


@bp.post("/discussion/<slug>/<finding_id>")
@login_required
@limiter.limit(_comment_limit, key_func=_member_key)
def post(slug, finding_id):
    """Post a comment or a reply under a finding."""
    survey = get_survey(slug)
    if survey is None or not survey.versions:
        abort(404)
    definition = definition_of(current_version(survey))
    if finding_id not in {f.id for f in definition.findings}:
        abort(404)
    form = CommentForm()
    release = _form_number(form.release.data)
    parent = _form_number(form.parent_id.data) if form.parent_id.data else None
    if (release is None or release_by_number(survey, release) is None
            or (form.parent_id.data and parent is None)):
        abort(400)  # the page's hidden fields were changed: no such release or comment
    if not form.validate():
        for message in [*form.body.errors] or [_("Please write something.")]:
            flash(message, "error")
        return redirect(finding_url(slug, finding_id, _anchor="discussion"))
    try:
        comment = post_comment(current_user, survey, finding_id, release, form.body.data, parent)
    except DiscussionError as error:
        flash(message_for(error), "error")
        return redirect(finding_url(slug, finding_id, _anchor="discussion"))
    if comment.approved_at is None:
        flash(_("Thank you! Your first comments are checked by a moderator before others "
                "see them."), "success")
    return redirect(finding_url(comment))


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
            flash(_("Your comment is changed."), "success")
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
    flash(_("Your comment is deleted."), "success")
    return redirect(finding_url(comment.survey.slug, comment.finding_id, _anchor="discussion"))


@bp.route("/comments/<int:comment_id>/flag", methods=["GET", "POST"])
@login_required
@limiter.limit(_flag_limit, key_func=_member_key, methods=["POST"])
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


@bp.get("/account")
@login_required
def account():
    """The member's own comments and the replies to them."""
    own, replies = member_activity(current_user)
    return render_template("discussion/account.html", own=own, replies=replies)


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


moderator_required = role_required(Role.MODERATOR)


@moderation_bp.get("/")
@moderator_required
def queue():
    """Pending and flagged comments, oldest first, each with its thread above it."""
    items = [(comment, thread_context(comment), flags_of(comment)) for comment in review_queue()]
    return render_template("moderation/queue.html", items=items, form=ModerationForm())


@moderation_bp.post("/comments/<int:comment_id>/<action>")
@moderator_required
def act_on_comment(comment_id, action):
    """Approve, hide, restore or delete a comment."""
    if action not in COMMENT_ACTIONS:
        abort(404)
    comment = _comment_or_404(comment_id)
    form = ModerationForm()
    if not form.validate():
        abort(400)
    try:
        moderate_comment(current_user, comment, action, form.reason.data, form.note.data)
    except DiscussionError as error:
        flash(message_for(error), "error")
    else:
        flash(_("Done: %(action)s.", action=ACTION_NAMES[action]()), "success")
    return redirect(url_for("moderation.queue"))


ACTION_NAMES = {
    "approve": lambda: _("approved"),
    "hide": lambda: _("hidden"),
    "restore": lambda: _("restored"),
    "delete": lambda: _("deleted"),
    "ban": lambda: _("banned"),
    "unban": lambda: _("ban lifted"),
    "auto_hide": lambda: _("hidden by three flags"),
    "author_delete": lambda: _("deleted by its author"),
}


@moderation_bp.get("/members")
@moderator_required
def members():
    """Find members to ban or unban."""
    query = request.args.get("q", "")[:100]
    return render_template("moderation/members.html", members=members_for_moderation(query),
                           query=query, form=ModerationForm())


@moderation_bp.post("/members/<int:member_id>/<action>")
@moderator_required
def act_on_member(member_id, action):
    """Ban or unban a member."""
    if action not in ("ban", "unban"):
        abort(404)
    member = db.get_or_404(User, member_id)
    form = ModerationForm()
    if not form.validate():
        abort(400)
    try:
        set_ban(current_user, member, action == "ban", form.reason.data, form.note.data)
    except DiscussionError as error:
        flash(message_for(error), "error")
    else:
        flash(_("Done: %(action)s.", action=ACTION_NAMES[action]()), "success")
    return redirect(url_for("moderation.members"))


@moderation_bp.get("/log")
@moderator_required
def log():
    """The append-only audit log."""
    page = audit_log(request.args.get("page", 1, type=int))
    return render_template("moderation/log.html", page=page, action_names=ACTION_NAMES)


def init_app(app):
    """Register the blueprints and template helpers."""
    app.register_blueprint(bp)
    app.register_blueprint(moderation_bp)
    app.jinja_env.globals.update(can_edit=can_edit, member_name=member_name,
                                 flag_reason_label=flag_reason_label)


def member_name(user: User) -> str:
    """How a member appears to others: their display name, never their email."""
    return user.display_name or _("Member %(id)d", id=user.id)


def flag_reason_label(reason) -> str:
    """The translated label of a flag reason."""
    return str(FLAG_REASONS[FlagReason(reason)])
