"""Deleting an account: the member's data goes, the row stays as an empty stub.

The stub (no email, password, name or language) keeps the append-only moderation log and
comments kept as "former member" pointing somewhere, and keeps the account's number from
being given to a new account (SQLite would reuse the highest number if its row went), whose
survey participations, keyed by an HMAC of that number, would then seem to be its own.
Survey answers are not touched: nothing relates them to an account.
"""

from sqlalchemy import delete, select

from survey.database import write_transaction
from survey.discussion.comments import _count_reply
from survey.discussion.models import Comment, CommentStatus
from survey.discussion.moderation import log_action
from survey.extensions import db
from survey.models import AccountToken, User, utcnow
from survey.users import AccountError, password_matches


def delete_account(user: User, password: str, remove_comments: bool) -> None:
    """Delete the member's account, confirmed by their password; their comments stay, signed
    "former member", or lose their text (replies keep a "deleted" placeholder)."""
    if not password_matches(user, password):
        raise AccountError("the password is wrong", field="current_password")
    with write_transaction():
        if remove_comments:
            for comment in db.session.scalars(select(Comment).where(
                    Comment.author_id == user.id)):
                if comment.status == CommentStatus.VISIBLE:
                    _count_reply(comment.parent_id, -1)
                if comment.status != CommentStatus.DELETED:
                    log_action(user, "author_delete", comment=comment)
                comment.status = CommentStatus.DELETED
                comment.body = comment.body_html = ""
        log_action(user, "account_delete", member=user,
                   reason="comments_removed" if remove_comments else "comments_kept")
        db.session.execute(delete(AccountToken).where(AccountToken.user_id == user.id))
        user.email = user.password_hash = user.display_name = user.language = None
        user.notify_replies = False
        user.deleted_at = utcnow()
