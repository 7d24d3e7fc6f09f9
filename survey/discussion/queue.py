"""The review queue as moderators read it: which comments need a look, in which order, and
what a moderator needs beside each to decide (its thread, its open flags, its author's record)."""

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import case, func, or_, select

from survey.discussion.comments import MAX_PAGE, OPEN_FLAG
from survey.discussion.models import Comment, CommentStatus, Flag, FlagReason
from survey.extensions import db

FILTERS = ("all", "flagged", "pending", "hidden")  # "all": everything that waits for a decision
SORTS = ("oldest", "newest", "flags")
PER_PAGE = 25


@dataclass
class AuthorRecord:
    """How an author's comments fared so far."""

    approved: int = 0
    hidden: int = 0
    flags: int = 0  # flags received on all their comments, settled or not


@dataclass
class QueueItem:
    """A comment in the queue with what a moderator judges it by."""

    comment: Comment
    context: list[Comment]  # the comments above it, top first; the last is the one it answers
    flags: list[Flag]  # open flags, oldest first
    record: AuthorRecord = field(default_factory=AuthorRecord)

    @property
    def reasons(self) -> list[tuple[FlagReason, int]]:
        """Each reason of the open flags with how many flags give it, most given first."""
        return Counter(flag.reason for flag in self.flags).most_common()


def _open_flags():
    return (select(func.count(Flag.id)).where(Flag.comment_id == Comment.id, OPEN_FLAG)
            .correlate(Comment).scalar_subquery())


def _condition(show: str):
    flagged = _open_flags() > 0
    if show == "flagged":
        return flagged
    if show == "pending":
        return Comment.status == CommentStatus.PENDING
    if show == "hidden":
        return Comment.status == CommentStatus.HIDDEN
    return or_(Comment.status == CommentStatus.PENDING, Comment.under_review, flagged)


def review_queue(show: str = "all", sort: str = "oldest", page: int = 1):
    """A page of the queue: comments waiting for approval, flagged (from the first flag on)
    or hidden, as `show` picks, oldest or newest first or the most flagged first."""
    show = show if show in FILTERS else "all"
    order = {"newest": (Comment.created_at.desc(), Comment.id.desc()),
             "flags": (_open_flags().desc(), Comment.created_at, Comment.id)}.get(
        sort, (Comment.created_at, Comment.id))
    statement = select(Comment).where(Comment.status != CommentStatus.DELETED,
                                      _condition(show)).order_by(*order)
    result = db.paginate(statement, page=min(max(page, 1), MAX_PAGE), per_page=PER_PAGE,
                         error_out=False)
    result.items = _items(result.items)
    return result


def queue_counts() -> dict[str, int]:
    """How many comments each filter of the queue shows."""
    return {show: db.session.scalar(select(func.count(Comment.id)).where(
        Comment.status != CommentStatus.DELETED, _condition(show))) for show in FILTERS}


def _items(comments: list[Comment]) -> list[QueueItem]:
    ids = [comment.id for comment in comments]
    flags: dict[int, list[Flag]] = {}
    for flag in db.session.scalars(select(Flag).where(Flag.comment_id.in_(ids), OPEN_FLAG)
                                   .order_by(Flag.created_at, Flag.id)):
        flags.setdefault(flag.comment_id, []).append(flag)
    records = author_records({comment.author_id for comment in comments})
    return [QueueItem(comment, thread_context(comment), flags.get(comment.id, []),
                      records.get(comment.author_id, AuthorRecord())) for comment in comments]


def author_records(author_ids) -> dict[int, AuthorRecord]:
    """The record of each author: comments approved, comments hidden, flags received."""
    if not author_ids:
        return {}
    records = {author_id: AuthorRecord() for author_id in author_ids}
    rows = db.session.execute(select(
        Comment.author_id,
        func.count(Comment.approved_at),
        func.sum(case((Comment.status == CommentStatus.HIDDEN, 1), else_=0)),
    ).where(Comment.author_id.in_(records)).group_by(Comment.author_id))
    for author_id, approved, hidden in rows:
        records[author_id].approved, records[author_id].hidden = approved, int(hidden or 0)
    for author_id, count in db.session.execute(
            select(Comment.author_id, func.count(Flag.id)).join(Flag, Flag.comment_id == Comment.id)
            .where(Comment.author_id.in_(records)).group_by(Comment.author_id)):
        records[author_id].flags = count
    return records


def thread_context(comment: Comment) -> list[Comment]:
    """The comments above this one, top first: what the moderator needs to judge it."""
    chain = []
    parent = comment.parent
    while parent is not None:
        chain.append(parent)
        parent = parent.parent
    return list(reversed(chain))

