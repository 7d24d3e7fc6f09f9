"""Posting a comment under a finding: the discussion's one action that needs the survey's
releases (a comment belongs to the release it was written under)."""

from flask import Blueprint, abort, flash, redirect
from flask_babel import gettext as _
from flask_login import current_user, login_required

from reports.releases import release_by_number
from survey.discussion.comments import DiscussionError, post_comment
from survey.discussion.forms import CommentForm
from survey.discussion.web import comment_limit, finding_url, member_key, message_for
from survey.extensions import limiter
from survey.guards import plain_int, survey_or_404
from survey.surveys import newest_definition

bp = Blueprint("finding_discussion", __name__)


@bp.post("/discussion/<slug>/<finding_id>")
@login_required
@limiter.limit(comment_limit, key_func=member_key)
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
