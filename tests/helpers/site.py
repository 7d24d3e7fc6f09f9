"""A whole site with something on every page, for tests that visit every page as every role
(the browser sweep) and for looking at the pages: the article's survey with a published
release (real charts), members of each role, comments in each state, an export, drafts, a
password reset link."""

import random
from dataclasses import dataclass, field

from reports.export.jobs import create_job
from reports.releases import publish_release
from survey.definition.answers import is_shown, other_key
from survey.definition.navigation import answers_before
from survey.discussion.comments import flag_comment, post_comment
from survey.discussion.models import FlagReason
from survey.discussion.moderation import moderate_comment
from survey.models import Role, TokenPurpose
from survey.passwords import issue_link
from survey.responses import new_submission_id, save_draft, start_draft
from survey.surveys import definition_of, find_survey, newest_version
from tests.helpers.discussion import SLUG, load_article_survey, make_member
from tests.helpers.releasing import add_demo_responses
from tests.helpers.walk import random_answer

ROLES = ("visitor", "member", "moderator", "admin")
EMAILS = {"member": "member@example.org", "moderator": "moderator@example.org",
          "admin": "admin@example.org"}
DEMO_RESPONSES = 400


@dataclass
class Site:
    """What the pages show, by name: finding ids per kind, comment ids, resume tokens."""

    slug: str = SLUG
    findings: dict[str, str] = field(default_factory=dict)  # kind -> a finding of that kind
    own_comment: int = 0  # the member's, visible
    other_comment: int = 0  # the moderator's, visible: the member may flag it
    export_job: int = 0
    resume_tokens: dict[str, str] = field(default_factory=dict)  # page id -> token
    reset_token: str = ""  # a mailed link's, to choose a new password


def build_site() -> Site:
    """Fill the app's (empty) database; call inside an app context."""
    load_article_survey()
    survey = find_survey(SLUG)
    add_demo_responses(SLUG, DEMO_RESPONSES, seed=3)
    release = publish_release(survey)
    site = Site()
    definition = definition_of(newest_version(survey))
    kinds = {f.id: f.kind for f in definition.findings}
    for finding in release.findings:
        if finding["published"]:
            site.findings.setdefault(kinds[finding["finding_id"]], finding["finding_id"])
    users = {role: make_member(email, Role(role)) for role, email in EMAILS.items()}
    finding = site.findings["likert_summary"]
    own = post_comment(users["member"], survey, finding, release.number,
                       "LinkedIn *pushes* invitations; XING keeps the regional contacts.")
    moderate_comment(users["moderator"], own, "approve")
    site.own_comment = own.id
    other = post_comment(users["moderator"], survey, finding, release.number,
                         "A reply with a [link](https://example.org).", own.id)
    site.other_comment = other.id
    for number in range(2):  # a newcomer's comments wait in the queue
        newcomer = make_member(f"new{number}@example.org")
        post_comment(newcomer, survey, finding, release.number, f"First comment {number}.")
    flag_comment(users["member"], other, FlagReason.OFF_TOPIC, "Not about the finding.")
    hidden = post_comment(users["member"], survey, finding, release.number, "Too far.")
    moderate_comment(users["admin"], hidden, "hide", "identifies_person")
    site.reset_token = issue_link(make_member("forgetful@example.org"), TokenPurpose.RESET)
    site.export_job = create_job(survey, users["admin"], "csv", {"k": 5, "text": "drop"}).id
    version = newest_version(survey)
    answers = full_answers(definition)
    for page in definition.pages:
        draft, token = start_draft(version, "de", page.id, new_submission_id())
        save_draft(draft, answers_before(definition, page, answers), page.id, "de")
        site.resume_tokens[page.id] = token
    return site


# Answers under which every page of the article's survey shows, each with its conditional
# questions (the rest of each page is answered at random).
SHOWING_EVERYTHING = {"networks_used": ["xing", "linkedin", "twitter", "other"],
                      "networks_used.other": "Mastodon", "posts_updates": "weekly",
                      "international_share": "share_lt25", "noticed_migration": "to_linkedin",
                      "own_migration": "partly_linkedin"}


def full_answers(definition) -> dict:
    """A whole response to the article's survey that shows every page."""
    rng = random.Random(5)
    answers: dict = {}
    for question in definition.questions():
        if not is_shown(question, answers):
            continue
        answers[question.id] = SHOWING_EVERYTHING.get(
            question.id, random_answer(definition, question, answers, rng))
        if other_key(question.id) in SHOWING_EVERYTHING:
            answers[other_key(question.id)] = SHOWING_EVERYTHING[other_key(question.id)]
    return answers
