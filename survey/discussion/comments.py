"""Comment service: posting, replying, editing, deleting, flagging, and reading threads."""

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from survey.database import write_transaction
from survey.discussion.markdown import render_comment
from survey.discussion.models import (
    Comment,
    CommentStatus,
    Flag,
    FlagReason,
    ModerationAction,
)
from survey.discussion.notifications import reply_became_visible
from survey.extensions import db
from survey.models import Role, Survey, User, utcnow

MAX_LENGTH = 5000
MAX_DEPTH = 3
EDIT_WINDOW = timedelta(minutes=15)
APPROVALS_BEFORE_TRUST = 3  # a new member's first comments wait for approval
FLAGS_TO_HIDE = 3
THREADS_PER_PAGE = 20
MAX_PAGE = 100_000  # a larger page number would overflow the database's OFFSET
SORTS = ("newest", "replies")
OPEN_FLAG = Flag.reviewed_at.is_(None)


class DiscussionError(Exception):
    """The action is not possible; `code` names why, for the view's message."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def _check_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise DiscussionError("empty")
    if len(body) > MAX_LENGTH:
        raise DiscussionError("too_long")
    if "\x00" in body:
        raise DiscussionError("bad_characters")
    return body


def _is_trusted(author: User) -> bool:
    if author.has_role(Role.MODERATOR):
        return True
    approved = db.session.scalar(select(func.count(Comment.id)).where(
        Comment.author_id == author.id, Comment.approved_at.is_not(None)))
    return approved >= APPROVALS_BEFORE_TRUST


def post_comment(author: User, survey: Survey, finding_id: str, release_number: int,
                 body: str, parent_id: int | None = None) -> Comment:
    """A new comment or reply; a new member's first comments wait for approval."""
    if author.is_banned:
        raise DiscussionError("banned")
    body = _check_body(body)
    with write_transaction():
        depth = 1
        if parent_id is not None:
            parent = db.session.get(Comment, parent_id)
            if (parent is None or parent.survey_id != survey.id
                    or parent.finding_id != finding_id
                    or parent.status != CommentStatus.VISIBLE):
                raise DiscussionError("no_parent")
            if parent.depth >= MAX_DEPTH:
                raise DiscussionError("too_deep")
            depth = parent.depth + 1
        trusted = _is_trusted(author)
        now = utcnow()
        comment = Comment(
            survey_id=survey.id, finding_id=finding_id, release_number=release_number,
            author_id=author.id, parent_id=parent_id, depth=depth, body=body,
            body_html=render_comment(body), created_at=now,
            status=CommentStatus.VISIBLE if trusted else CommentStatus.PENDING,
            approved_at=now if trusted else None)
        db.session.add(comment)
        if trusted and parent_id is not None:
            _count_reply(parent_id, +1)
    if trusted:
        reply_became_visible(comment)
    return comment


def _count_reply(parent_id: int | None, change: int) -> None:
    if parent_id is not None:
        db.session.execute(update(Comment).where(Comment.id == parent_id)
                           .values(reply_count=Comment.reply_count + change))


def can_edit(user: User, comment: Comment) -> bool:
    """Authors may edit their own comment for 15 minutes after writing it."""
    return (user.is_authenticated and comment.author_id == user.id
            and comment.status in (CommentStatus.VISIBLE, CommentStatus.PENDING)
            and utcnow() - comment.created_at <= EDIT_WINDOW and not user.is_banned)


def edit_comment(user: User, comment: Comment, body: str) -> Comment:
    """Change one's own comment within the edit window; it is marked as edited."""
    if not can_edit(user, comment):
        raise DiscussionError("not_editable")
    body = _check_body(body)
    with write_transaction():
        comment.body = body
        comment.body_html = render_comment(body)
        comment.edited_at = utcnow()
    return comment


def delete_own_comment(user: User, comment: Comment) -> None:
    """An author deletes their comment; replies keep a "deleted" placeholder in the thread."""
    if comment.author_id != user.id or comment.status == CommentStatus.DELETED:
        raise DiscussionError("not_yours")
    with write_transaction():
        if comment.status == CommentStatus.VISIBLE:
            _count_reply(comment.parent_id, -1)
        comment.status = CommentStatus.DELETED
        db.session.add(ModerationAction(actor_id=user.id, action="author_delete",
                                        comment_id=comment.id))


def flag_comment(user: User, comment: Comment, reason: FlagReason, note: str | None) -> bool:
    """Report a comment; returns True when this flag hid it (the third from different members)."""
    if comment.author_id == user.id:
        raise DiscussionError("own_comment")
    if comment.status != CommentStatus.VISIBLE:
        raise DiscussionError("not_visible")
    with write_transaction():
        if db.session.scalar(select(Flag.id).where(Flag.comment_id == comment.id,
                                                   Flag.user_id == user.id, OPEN_FLAG)):
            raise DiscussionError("already_flagged")
        db.session.add(Flag(comment_id=comment.id, user_id=user.id, reason=FlagReason(reason),
                            note=(note or "").strip()[:500] or None))
        try:
            db.session.flush()
        except IntegrityError:  # the same member's flag, posted at the same moment
            raise DiscussionError("already_flagged") from None
        # A moderator's decision settles the flags raised before it (see Flag).
        flags = db.session.scalar(select(func.count(Flag.id)).where(
            Flag.comment_id == comment.id, OPEN_FLAG))
        if flags < FLAGS_TO_HIDE or comment.under_review:
            return False
        comment.status = CommentStatus.HIDDEN
        comment.under_review = True
        _count_reply(comment.parent_id, -1)
        db.session.add(ModerationAction(actor_id=None, action="auto_hide", comment_id=comment.id,
                                        reason=f"{flags} flags"))
    return True


@dataclass
class ThreadNode:
    """A comment as a reader sees it, with the replies they may see."""

    comment: Comment
    shown: bool  # False: a placeholder ("deleted" or "hidden") that keeps its replies
    replies: list["ThreadNode"] = field(default_factory=list)
    hidden_by: ModerationAction | None = None  # why the viewer's own comment is hidden


HIDING = ("hide", "auto_hide")  # the actions that hide a comment with a reason


def _visible_to(comment: Comment, viewer: User | None, hidden_by=None) -> bool:
    """Visible comments to all; to their authors also their pending ones and those hidden
    with a reason (`hidden_by`; comments hidden by a ban stay out of sight)."""
    if comment.status == CommentStatus.VISIBLE:
        return True
    if viewer is None or viewer.id != comment.author_id:
        return False
    return comment.status == CommentStatus.PENDING or (
        comment.status == CommentStatus.HIDDEN and hidden_by is not None)


def _shown_to(comment, viewer: User | None):
    """SQL for _visible_to."""
    if viewer is None:
        return comment.status == CommentStatus.VISIBLE
    hidden_with_reason = and_(comment.status == CommentStatus.HIDDEN, select(
        ModerationAction.id).where(ModerationAction.comment_id == comment.id,
                                   ModerationAction.action.in_(HIDING)).exists())
    return or_(comment.status == CommentStatus.VISIBLE,
               and_(comment.author_id == viewer.id,
                    or_(comment.status == CommentStatus.PENDING, hidden_with_reason)))


def hiding_actions(comments) -> dict[int, ModerationAction]:
    """For each hidden comment among `comments`, the latest action that hid it (a moderator's,
    with its reason, or the system's after three flags); comments hidden by a ban have none."""
    ids = [c.id for c in comments if c.status == CommentStatus.HIDDEN]
    if not ids:
        return {}
    actions = db.session.scalars(select(ModerationAction).where(
        ModerationAction.comment_id.in_(ids),
        ModerationAction.action.in_(HIDING)).order_by(ModerationAction.id))
    return {action.comment_id: action for action in actions}


@dataclass
class Thread:
    nodes: list[ThreadNode]
    page: int
    pages: int
    total: int


def read_thread(survey: Survey, finding_id: str, viewer: User | None, sort: str = "newest",
                page: int = 1) -> Thread:
    """The finding's discussion as `viewer` may see it: top-level threads paginated."""
    order = (Comment.created_at.desc() if sort != "replies"
             else (Comment.reply_count.desc(), Comment.created_at.desc()))
    order = order if isinstance(order, tuple) else (order,)
    in_thread = (Comment.survey_id == survey.id, Comment.finding_id == finding_id)
    # Only threads the viewer sees something of take places on a page (MAX_DEPTH is 3).
    reply, deeper = aliased(Comment), aliased(Comment)
    shown_below = select(reply.id).where(reply.parent_id == Comment.id, or_(
        _shown_to(reply, viewer),
        select(deeper.id).where(deeper.parent_id == reply.id,
                                _shown_to(deeper, viewer)).exists())).exists()
    top = db.paginate(select(Comment).where(*in_thread, Comment.parent_id.is_(None),
                                            or_(_shown_to(Comment, viewer), shown_below))
                      .order_by(*order, Comment.id.desc()),
                      page=min(page, MAX_PAGE), per_page=THREADS_PER_PAGE, error_out=False)
    everything = list(db.session.scalars(select(Comment).where(
        *in_thread, Comment.parent_id.is_not(None)).order_by(Comment.created_at)))
    children: dict[int, list[Comment]] = {}
    for comment in everything:
        children.setdefault(comment.parent_id, []).append(comment)

    reasons = hiding_actions([c for c in (*top.items, *everything)
                              if c.author_id == viewer.id]) if viewer is not None else {}

    def build(comment: Comment) -> ThreadNode | None:
        replies = [node for child in children.get(comment.id, []) if (node := build(child))]
        if _visible_to(comment, viewer, reasons.get(comment.id)):
            return ThreadNode(comment, True, replies, reasons.get(comment.id))
        return ThreadNode(comment, False, replies) if replies else None

    nodes = [node for comment in top.items if (node := build(comment))]
    return Thread(nodes, top.page, max(top.pages, 1), top.total or 0)


def member_activity(member: User) -> tuple[list[Comment], list[Comment]]:
    """A member's own comments, and the visible replies others wrote to them."""
    own = list(db.session.scalars(select(Comment).where(
        Comment.author_id == member.id, Comment.status != CommentStatus.DELETED)
        .order_by(Comment.created_at.desc()).limit(200)))
    mine = select(Comment.id).where(Comment.author_id == member.id)
    replies = list(db.session.scalars(select(Comment).where(
        Comment.parent_id.in_(mine), Comment.author_id != member.id,
        Comment.status == CommentStatus.VISIBLE).order_by(Comment.created_at.desc()).limit(200)))
    return own, replies


def discussion_stamp_columns(survey_id, finding_id: str) -> list:
    """What changes whenever readers of a finding's discussion may see something new: the
    newest comment, the latest edit and the latest moderation action (each is logged), as
    scalar subqueries; `survey_id` may be a column of an enclosing query."""
    in_thread = (Comment.survey_id == survey_id, Comment.finding_id == finding_id)
    return [select(func.max(Comment.id)).where(*in_thread).scalar_subquery(),
            select(func.max(Comment.edited_at)).where(*in_thread).scalar_subquery(),
            select(func.max(ModerationAction.id)).scalar_subquery()]
