"""What the discussion's pages share with the finding page's comment form: links to a
thread, rate-limit keys, refusal messages and the names shown for members and actions."""

from flask import current_app, url_for
from flask_babel import gettext as _
from flask_login import current_user

from survey.discussion.comments import DiscussionError
from survey.discussion.forms import FLAG_REASONS, HIDE_REASONS
from survey.discussion.models import Comment, CommentStatus, FlagReason, ModerationAction
from survey.i18n import survey_language
from survey.models import Role, User
from survey.surveys import newest_definition

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
    "ban_reason_required": lambda: _("Please give a reason for the ban."),
    "not_allowed": lambda: _("You are not allowed to act on this member's content."),
    "unknown_action": lambda: _("Unknown action."),
}


def message_for(error: DiscussionError) -> str:
    """The translated message for a refused discussion action."""
    return MESSAGES.get(error.code, MESSAGES["unknown_action"])()


ACTION_NAMES = {
    "approve": lambda: _("approved"),
    "hide": lambda: _("hidden"),
    "restore": lambda: _("restored"),
    "delete": lambda: _("deleted"),
    "ban": lambda: _("banned"),
    "unban": lambda: _("ban lifted"),
    "auto_hide": lambda: _("hidden by three flags"),
    "author_delete": lambda: _("deleted by its author"),
    "dismiss_flags": lambda: _("flags dismissed"),
    "account_delete": lambda: _("account deleted by its owner"),
    "invite": lambda: _("account created and invited"),
    "deactivate": lambda: _("account deactivated"),
    "reactivate": lambda: _("account reactivated"),
    "send_reset": lambda: _("password reset mail sent"),
}


def member_key() -> str:
    """The rate-limit key of the member signed in."""
    return f"member:{current_user.id}"


def comment_limit() -> str:
    """How many comments a member may post (Flask-Limiter's notation)."""
    return current_app.config["RATELIMIT_COMMENT"]


def flag_limit() -> str:
    """How many flags a member may raise."""
    return current_app.config["RATELIMIT_FLAG"]


def finding_url(comment_or_slug, finding_id=None, **anchor):
    """The page of the finding a comment belongs to."""
    if isinstance(comment_or_slug, Comment):
        slug, finding_id = comment_or_slug.survey.slug, comment_or_slug.finding_id
        anchor = {"_anchor": f"comment-{comment_or_slug.id}"}
    else:
        slug = comment_or_slug
    return url_for("findings.finding_page", slug=slug, finding_id=finding_id, **anchor)


def thread_link(comment: Comment) -> str:
    """Where a comment sits in its thread: itself if readers see it, else the comment it
    answers, else the discussion."""
    if comment.status == CommentStatus.VISIBLE:
        return finding_url(comment)
    if comment.parent is not None and comment.parent.status == CommentStatus.VISIBLE:
        return finding_url(comment.parent)
    return finding_url(comment.survey.slug, comment.finding_id, _anchor="discussion")


def finding_of(comment: Comment) -> str:
    """The title of the finding a comment belongs to, in the page's language."""
    definition = newest_definition(comment.survey)
    return definition.finding_title(comment.finding_id, survey_language(definition))


def member_name(user: User) -> str:
    """How a member appears to others: their display name, never their email."""
    if user.is_deleted:
        return _("Former member")
    return user.display_name or _("Member %(id)d", id=user.id)


def staff_badge(user: User) -> str | None:
    """The badge staff comments carry ("Moderator", "Admin"); None for members."""
    if user.is_deleted or not user.is_staff:
        return None
    return _("Admin") if user.role == Role.ADMIN else _("Moderator")


def flag_reason_label(reason) -> str:
    """The translated label of a flag reason."""
    return str(FLAG_REASONS[FlagReason(reason)])


# Reasons the site itself records, by key (see survey.deletion).
RECORDED_REASONS = {
    "comments_removed": lambda: _("comments removed"),
    "comments_kept": lambda: _("comments kept, signed “Former member”"),
}


def reason_text(reason: str | None) -> str:
    """A reason in the log as shown: a preset's label in the reader's language, or the words
    the moderator wrote."""
    if reason in HIDE_REASONS:
        return str(HIDE_REASONS[reason])
    if reason in RECORDED_REASONS:
        return RECORDED_REASONS[reason]()
    return reason or ""


def hiding_reason(action: ModerationAction | None) -> str | None:
    """What the author of a hidden comment is told about why it is hidden."""
    if action is None:
        return None
    if action.action == "auto_hide":
        return _("Several members flagged it; a moderator will look at it.")
    return reason_text(action.reason)
