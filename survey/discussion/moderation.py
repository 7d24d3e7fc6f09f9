"""Moderation service: actions on comments and members, the audit log, counts."""

from collections import defaultdict

from sqlalchemy import extract, func, or_, select, update

from survey.database import write_transaction
from survey.discussion.comments import MAX_PAGE, OPEN_FLAG, DiscussionError, _count_reply
from survey.discussion.models import Comment, CommentStatus, Flag, ModerationAction
from survey.discussion.notifications import reply_became_visible
from survey.extensions import db
from survey.models import Role, User, utcnow

COMMENT_ACTIONS = ("approve", "hide", "restore", "delete", "dismiss")
MEMBER_ACTIONS = ("ban", "unban")
LOG_PER_PAGE = 50
MAX_BULK = 100  # comments approved in one go


def log_action(actor: User | None, action: str, *, comment: Comment | None = None,
               member: User | None = None, reason: str | None = None,
               note: str | None = None) -> None:
    """Add an entry to the append-only audit log (inside the caller's transaction)."""
    db.session.add(ModerationAction(
        actor_id=actor.id if actor else None, action=action,
        comment_id=comment.id if comment else None,
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


def _needs_reason(reason: str | None, code: str) -> None:
    if not (reason or "").strip():
        raise DiscussionError(code)


def moderate_comment(actor: User, comment: Comment, action: str, reason: str | None = None,
                     note: str | None = None) -> None:
    """Approve, hide (a reason is required), restore or delete a comment, or dismiss its
    flags; every decision settles the flags raised so far, and is logged."""
    if action not in COMMENT_ACTIONS:
        raise DiscussionError("unknown_action")
    if action == "hide":
        _needs_reason(reason, "reason_required")
    with write_transaction():
        first_shown = _decide(actor, comment, action, reason, note)
    if first_shown:
        reply_became_visible(comment)


def _decide(actor: User, comment: Comment, action: str, reason: str | None,
            note: str | None) -> bool:
    """Carry out a decision; True when it showed the comment to readers for the first time."""
    if not _may_moderate(actor, comment):
        raise DiscussionError("not_allowed")
    was_visible = comment.status == CommentStatus.VISIBLE
    first_approval = comment.approved_at is None
    if action == "dismiss":
        if comment.under_review:  # hidden by the flags now dismissed: shown again
            comment.status = CommentStatus.VISIBLE
    elif action in ("approve", "restore"):
        comment.status = CommentStatus.VISIBLE
        comment.approved_at = comment.approved_at or utcnow()
    else:
        comment.status = CommentStatus.HIDDEN if action == "hide" else CommentStatus.DELETED
    comment.under_review = False
    now_visible = comment.status == CommentStatus.VISIBLE
    if was_visible != now_visible:
        _count_reply(comment.parent_id, +1 if now_visible else -1)
    db.session.execute(update(Flag).where(Flag.comment_id == comment.id, OPEN_FLAG)
                       .values(reviewed_at=utcnow()))
    log_action(actor, "dismiss_flags" if action == "dismiss" else action, comment=comment,
               reason=reason, note=note)
    return now_visible and first_approval


def approve_comments(actor: User, comment_ids: list[int]) -> tuple[int, int]:
    """Approve several pending comments at once; returns (approved, refused). Comments that
    are not pending (any more) or not the actor's to moderate are left as they are."""
    wanted = set(comment_ids[:MAX_BULK])
    approved = []
    with write_transaction():
        for comment in db.session.scalars(select(Comment).where(Comment.id.in_(wanted))
                                          .order_by(Comment.id)):
            if comment.status == CommentStatus.PENDING and _may_moderate(actor, comment):
                _decide(actor, comment, "approve", None, None)
                approved.append(comment)
    for comment in approved:
        reply_became_visible(comment)
    return len(approved), len(wanted) - len(approved)


def set_ban(actor: User, member: User, banned: bool, reason: str | None = None,
            note: str | None = None) -> None:
    """Ban a member (a reason is required; their pending comments are hidden, new ones
    refused) or lift the ban."""
    if banned:
        _needs_reason(reason, "ban_reason_required")
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
        log_action(actor, "ban" if banned else "unban", member=member, reason=reason,
                   note=note)


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
    statement = select(User).where(User.deleted_at.is_(None)).order_by(
        User.banned_at.is_(None), User.id)
    if query:
        pattern = f"%{query.strip().lower()}%"
        statement = statement.where(or_(func.lower(User.email).like(pattern),
                                        func.lower(User.display_name).like(pattern)))
    return list(db.session.scalars(statement.limit(100)))
