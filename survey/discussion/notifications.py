"""Mail to members about the discussion: a reply to their comment, if they asked for it."""

from flask_babel import gettext as _

from survey.discussion.models import Comment, CommentStatus
from survey.mail import send_mail, site_url
from survey.surveys import newest_definition


def reply_became_visible(reply: Comment) -> None:
    """Mail the author of the comment `reply` answers, when they chose reply mails (off by
    default), the reply is someone else's and readers now see it."""
    parent = reply.parent
    if parent is None or reply.status != CommentStatus.VISIBLE:
        return
    author = parent.author
    if (author.id == reply.author_id or not author.notify_replies or not author.is_active
            or not author.email):
        return
    send_mail(author.email, author.language, "reply",
              subject=lambda: _("A reply to your comment on Resonanz"),
              reply=reply, definition=newest_definition(reply.survey),
              link=site_url("findings.finding_page", slug=reply.survey.slug,
                            finding_id=reply.finding_id, _anchor=f"comment-{reply.id}"),
              settings_link=site_url("account.index", _anchor="preferences"))
