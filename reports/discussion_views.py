"""Posting a comment under a finding: the discussion's one action that needs the survey's
releases (a comment belongs to the release it was written under)."""

from flask import Blueprint, abort, flash, make_response, redirect, request
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.exceptions import HTTPException

from reports.releases import release_by_number
from reports.views import render_finding_page
from survey.discussion.comments import DiscussionError, post_comment
from survey.discussion.forms import CommentForm
from survey.discussion.web import comment_limit, finding_url, member_key, message_for
from survey.extensions import limiter
from survey.guards import plain_int, survey_or_404
from survey.surveys import newest_definition

bp = Blueprint("finding_discussion", __name__)


@bp.post("/discussion/<slug>/<finding_id>")
@login_required
@limiter.limit(comment_limit, key_func=member_key, on_breach=lambda _limit: _limited())
def post(slug, finding_id):
    """Post a comment or a reply under a finding."""
    survey = survey_or_404(slug)
    definition = newest_definition(survey)
    if finding_id not in {f.id for f in definition.findings}:
        abort(404)
    form = CommentForm()
    release = plain_int(form.release.data)
    parent = plain_int(form.parent_id.data) if form.parent_id.data else None
    if (release is None or release_by_number(survey, release) is None
            or (form.parent_id.data and parent is None)):
        abort(400)  # the page's hidden fields were changed: no such release or comment
    if not form.validate():
        return _refused(form, slug, finding_id, release)
    try:
        comment = post_comment(current_user, survey, finding_id, release, form.body.data, parent)
    except DiscussionError as error:
        form.body.errors = [message_for(error)]
        if error.code in ("no_parent", "too_deep"):
            form.parent_id.data = ""  # no reply form to show it in: the comment form takes it
        return _refused(form, slug, finding_id, release)
    if comment.approved_at is None:
        flash(_("Thank you! Your first comments are checked by a moderator before others "
                "see them."), "success")
    return redirect(finding_url(comment))


def _refused(form, slug, finding_id, release):
    """The finding page again with the text as typed and why it was refused (422)."""
    if not form.body.errors:
        form.body.errors = [_("Please write something.")]
    return render_finding_page(slug, finding_id, refused=form, release_number=release), 422


def _limited():
    """A comment over the member's limit: the finding page again (429) with the text as
    typed, so that nothing written is lost; the limiter adds Retry-After."""
    form = CommentForm()
    release = plain_int(form.release.data)
    form.body.errors = [_("You have written many comments in a short time. Please wait a few "
                          "minutes, then send it again: your text is kept here.")]
    try:
        page = render_finding_page(request.view_args["slug"], request.view_args["finding_id"],
                                   refused=form, release_number=release)
    except HTTPException:
        return None  # no such survey, finding or release: the plain 429 page
    return make_response(page, 429)
