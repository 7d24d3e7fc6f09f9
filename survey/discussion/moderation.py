"""Moderation service: the queue, actions on comments and members, the audit log, counts."""

from collections import defaultdict

from sqlalchemy import extract, func, or_, select

from survey.database import write_transaction
from survey.discussion.comments import MAX_PAGE, DiscussionError, _count_reply
from survey.discussion.models import Comment, CommentStatus, Flag, ModerationAction
from survey.extensions import db
from survey.models import Role, User, utcnow

COMMENT_ACTIONS = ("approve", "hide", "restore", "delete")
MEMBER_ACTIONS = ("ban", "unban")
LOG_PER_PAGE = 50


def review_queue() -> list[Comment]:
    """Comments waiting for approval or hidden by flags, oldest first."""
    return list(db.session.scalars(select(Comment).where(or_(
        Comment.status == CommentStatus.PENDING, Comment.under_review))
        .order_by(Comment.created_at, Comment.id)))


def flags_of(comment: Comment) -> list[Flag]:
    """The flags raised on a comment."""
    return list(db.session.scalars(select(Flag).where(Flag.comment_id == comment.id)
                                   .order_by(Flag.created_at)))


def thread_context(comment: Comment) -> list[Comment]:
    """The comments above this one, top first: what the moderator needs to judge it."""
    chain = []
    parent = comment.parent
    while parent is not None:
        chain.append(parent)
        parent = parent.parent
    return list(reversed(chain))


def _log(actor: User, action: str, *, comment: Comment | None = None,
         member: User | None = None, reason: str | None = None, note: str | None = None):
    db.session.add(ModerationAction(
        actor_id=actor.id, action=action, comment_id=comment.id if comment else None,
        member_id=member.id if member else (comment.author_id if comment else None),
        reason=(reason or "").strip()[:500] or None, note=(note or "").strip()[:1000] or None))


def _may_act_on(actor: User, member: User) -> bool:
    """Moderators act on members; admins also on moderators; nobody on admins or themselves."""
    if actor.id == member.id or member.role == Role.ADMIN:
        return False
    if member.role == Role.MODERATOR:
        return actor.role == Role.ADMIN
    return actor.has_role(Role.MODERATOR)


def _may_moderate(actor: User, comment: Comment) -> bool:
    """As for members, except that admins review other admins' comments too: else an admin's
    comment hidden by three flags could never be restored."""
    author = comment.author
    if author.role == Role.ADMIN and actor.id != author.id:
        return actor.role == Role.ADMIN
    return _may_act_on(actor, author)


def moderate_comment(actor: User, comment: Comment, action: str, reason: str | None = None,
                     note: str | None = None) -> None:
    """Approve, hide (a reason is required), restore or delete a comment, and log it."""
    if action not in COMMENT_ACTIONS:
        raise DiscussionError("unknown_action")
    if action == "hide" and not (reason or "").strip():
        raise DiscussionError("reason_required")
    if not _may_moderate(actor, comment):
        raise DiscussionError("not_allowed")
    with write_transaction():
        was_visible = comment.status == CommentStatus.VISIBLE
        if action in ("approve", "restore"):
            comment.status = CommentStatus.VISIBLE
            comment.approved_at = comment.approved_at or utcnow()
        else:
            comment.status = CommentStatus.HIDDEN if action == "hide" else CommentStatus.DELETED
        comment.under_review = False
        now_visible = comment.status == CommentStatus.VISIBLE
        if was_visible != now_visible:
            _count_reply(comment.parent_id, +1 if now_visible else -1)
        _log(actor, action, comment=comment, reason=reason, note=note)


def set_ban(actor: User, member: User, banned: bool, reason: str | None = None,
            note: str | None = None) -> None:
    """Ban a member (their pending comments are hidden, new ones refused) or lift the ban."""
    if not _may_act_on(actor, member):
        raise DiscussionError("not_allowed")
    with write_transaction():
        if banned:
            member.banned_at = utcnow()
            pending = db.session.scalars(select(Comment).where(
                Comment.author_id == member.id, Comment.status == CommentStatus.PENDING))
            for comment in pending:
                comment.status = CommentStatus.HIDDEN
        else:
            member.banned_at = None
        _log(actor, "ban" if banned else "unban", member=member, reason=reason, note=note)


def audit_log(page: int = 1):
    """The moderation log, newest first, paginated."""
    return db.paginate(select(ModerationAction).order_by(ModerationAction.id.desc()),
                       page=min(page, MAX_PAGE), per_page=LOG_PER_PAGE, error_out=False)


def _monthly(column, *conditions) -> dict[str, int]:
    year, month = extract("year", column), extract("month", column)
    rows = db.session.execute(select(year, month, func.count()).where(*conditions)
                              .group_by(year, month))
    return {f"{int(y):04d}-{int(m):02d}": count for y, m, count in rows}


def transparency_report() -> list[dict]:
    """Counts per month, newest first: posted, hidden, deleted, flags by reason, bans. No names."""
    columns = {
        "posted": _monthly(Comment.created_at),
        "hidden": _monthly(ModerationAction.created_at,
                           ModerationAction.action.in_(("hide", "auto_hide"))),
        "deleted": _monthly(ModerationAction.created_at,
                            ModerationAction.action.in_(("delete", "author_delete"))),
        "bans": _monthly(ModerationAction.created_at, ModerationAction.action == "ban"),
    }
    year, month = extract("year", Flag.created_at), extract("month", Flag.created_at)
    flags: dict[str, dict[str, int]] = defaultdict(dict)
    for y, m, reason, count in db.session.execute(
            select(year, month, Flag.reason, func.count()).group_by(year, month, Flag.reason)):
        flags[f"{int(y):04d}-{int(m):02d}"][str(reason.value if hasattr(reason, "value")
                                                 else reason)] = count
    months = sorted(set(flags).union(*columns.values()), reverse=True)
    return [{"month": month, **{name: counts.get(month, 0) for name, counts in columns.items()},
             "flags": flags.get(month, {})} for month in months]


def members_for_moderation(query: str = "") -> list[User]:
    """Members matching a name or email fragment, banned ones first (for the ban form)."""
    statement = select(User).order_by(User.banned_at.is_(None), User.id)
    if query:
        pattern = f"%{query.strip().lower()}%"
        statement = statement.where(or_(func.lower(User.email).like(pattern),
                                        func.lower(User.display_name).like(pattern)))
    return list(db.session.scalars(statement.limit(100)))
