"""Published findings: pages, chart images, CSV downloads, the API, and publishing."""

import csv
import io
import json
from functools import cache

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import format_decimal, get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import bindparam

from reports.charts import NARROW
from reports.models import Release
from reports.presentation import (
    display_table,
    method_text,
    protection_document,
    protection_sentence,
    shown_count,
    spreadsheet_value,
    summary_sentence,
)
from reports.releases import (
    ReleaseError,
    latest_release,
    narrow_key,
    publish_release,
    release_by_number,
    release_stamp_statement,
    releases_of,
    surveys_with_releases,
)
from survey.accounts import role_required
from survey.caches import bounded_cache, database_key
from survey.discussion.comments import discussion_stamp_columns, read_thread
from survey.discussion.forms import CommentForm
from survey.errors import ApiError
from survey.extensions import db
from survey.guards import plain_int, survey_or_404
from survey.i18n import survey_language
from survey.models import Role, Survey
from survey.surveys import definition_of, open_surveys

bp = Blueprint("findings", __name__, url_prefix="/findings")
api_bp = Blueprint("findings_api", __name__, url_prefix="/api/v1")


MAX_RELEASE_NUMBER = 2**31 - 1


def _chosen_release(survey, given=None):
    """The release named by ?release=N (or `given`), else the latest; None when nothing is
    published."""
    given = request.args.get("release") if given is None else str(given)
    if given is None:
        return latest_release(survey)
    number = _release_number(given) or 0
    if not 0 < number <= MAX_RELEASE_NUMBER:  # a larger int overflows the database's integer
        abort(404)
    release = release_by_number(survey, number)
    if release is None:
        abort(404)
    return release


def _release_definition(release):
    """The definition the release was computed with (its newest version)."""
    version = next(v for v in release.survey.versions
                   if v.content_hash == release.definition_hash)
    return definition_of(version)


@bp.get("/")
def index():
    """Every survey with the findings of its latest release."""
    listing = []
    for survey in listed_surveys():
        release = latest_release(survey)
        if release is None:
            listing.append((survey, None, None, None))
            continue
        definition = _release_definition(release)
        listing.append((survey, release, definition, survey_language(definition)))
    return render_template("findings/index.html", listing=listing)


def listed_surveys():
    """Surveys on the findings page: the open ones and any with published findings."""
    surveys = {s.slug: s for s in open_surveys()}
    surveys.update((s.slug, s) for s in surveys_with_releases())
    return [surveys[slug] for slug in sorted(surveys)]


def _shown_release(slug, number=None):
    """(survey, release, definition) for a finding's URL: ?release=N (or `number`) or the
    latest; 404 if none."""
    survey = survey_or_404(slug)
    release = _chosen_release(survey, number)
    if release is None:
        abort(404)
    return survey, release, _release_definition(release)


def _published_finding(release, finding_id):
    finding = release.finding(finding_id)
    if finding is None:
        abort(404)
    return finding


@bp.get("/<slug>/<finding_id>")
def finding_page(slug, finding_id):
    """One finding: the question, its chart, its table, a summary, n and the method.

    Readers who are not logged in (and have no message waiting) all see the same page for
    the same address, language, release and state of the discussion; it is kept for them.
    """
    if current_user.is_authenticated or session.get("_flashes"):
        return render_finding_page(slug, finding_id)
    stamp = _page_stamp(slug, finding_id, _release_number(request.args.get("release")))
    if stamp is None:  # no such survey or release: the full path says which
        return render_finding_page(slug, finding_id)
    key = (database_key(), request.full_path, str(get_locale()), stamp)
    return _pages.get_or_make(key, lambda: render_finding_page(slug, finding_id))


def _release_number(given: str | None) -> int | None:
    """?release=N as a number; None when absent or not a plain number."""
    return plain_int(given)


def _page_stamp(slug: str, finding_id: str, number: int | None) -> tuple | None:
    """In one query, what a kept finding page depends on: the release shown (id and time;
    releases never change) and the state of its discussion. None if there is no such
    survey or release."""
    row = db.session.execute(_page_stamp_statement(number is not None),
                             {"slug": slug, "finding": finding_id, "number": number}).first()
    if row is None or row[1] is None:
        return None
    return (row[1], row[2].isoformat(), *row[3:])


@cache
def _page_stamp_statement(numbered: bool):
    return release_stamp_statement(
        *discussion_stamp_columns(Survey.id, bindparam("finding")), numbered=numbered)


_pages = bounded_cache("finding pages for visitors", 256)


def render_finding_page(slug, finding_id, refused=None, release_number=None) -> str:
    """The finding page; with `refused` (a CommentForm with errors), the comment or reply
    form shows again with its text and messages, at release `release_number`."""
    survey, release, definition = _shown_release(slug, release_number)
    published = _published_finding(release, finding_id)
    language = survey_language(definition)
    sort = request.args.get("sort", "newest")
    replying = refused is not None and bool(refused.parent_id.data)
    context = {
        "thread": read_thread(survey, finding_id, current_user if current_user.is_authenticated
                              else None, sort, request.args.get("page", 1, type=int)),
        "sort": sort,
        "comment_form": refused if refused is not None and not replying else CommentForm(
            formdata=None),
        "reply_form": refused if replying else None,
    }
    if published["published"]:
        charts = release.charts.get(finding_id) or {}
        context.update(table=display_table(published, definition, language),
                       summary=summary_sentence(published, definition, language),
                       narrow_chart=narrow_key(language) in charts)
    return render_template(
        "findings/finding.html", survey=survey, release=release, releases=releases_of(survey),
        definition=definition, language=language, published=published,
        title=definition.finding_title(finding_id, language),
        question=definition.question(published["question_id"]),
        method=method_text(published["method_code"], release.settings),
        protection=protection_sentence(release.settings), **context)


@bp.get("/<slug>/<finding_id>/chart.svg")
def chart(slug, finding_id):
    """The finding's chart as stored in the release, in the page's language."""
    survey, release, definition = _shown_release(slug)
    charts = release.charts.get(finding_id) or abort(404)
    language = survey_language(definition)
    if language not in charts:
        language = definition.languages[0]
    # ?layout=narrow: the chart for phones; releases drawn before there was one have none.
    svg = (request.args.get("layout") == NARROW and charts.get(narrow_key(language))
           or charts[language])
    response = Response(svg, mimetype="image/svg+xml")
    # A chart of a named release never changes; "the latest" does with the next release.
    response.headers["Cache-Control"] = ("public, max-age=86400, immutable"
                                         if request.args.get("release") else "no-cache")
    return response


@bp.get("/<slug>/<finding_id>.csv")
def finding_csv(slug, finding_id):
    """The finding's table as CSV, suppressed exactly as on the page."""
    survey, release, definition = _shown_release(slug)
    published = _published_finding(release, finding_id)
    if not published["published"]:
        abort(404)
    table = display_table(published, definition, survey_language(definition))
    out = io.StringIO()
    # A byte order mark, so that spreadsheet programs read UTF-8 (umlauts, dashes); where
    # the decimal mark is a comma, fields are separated by semicolons, as those programs
    # expect there.
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";" if format_decimal(0.5) == "0,5" else ",")
    writer.writerow(table.header)
    for row in table.rows:
        writer.writerow([spreadsheet_value(cell) for cell in row])
    filename = f"{slug}-{finding_id}-release-{release.number}.csv"
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.post("/<slug>/publish")
@role_required(Role.MODERATOR)
def publish(slug):
    """Publish a new release (moderators and admins)."""
    survey = survey_or_404(slug)
    try:
        release = publish_release(survey)
    except ReleaseError:
        flash(_("Not published: a new release needs at least %(k)d responses more than the "
                "last one, or it would show what those few people answered.",
                k=current_app.config["DISCLOSURE_K"]), "error")
        return redirect(url_for("findings.index"))
    flash(_("Release %(number)d is published.", number=release.number), "success")
    return redirect(url_for("findings.index"))


def release_document(release) -> dict:
    """A release as the API gives it."""
    settings = release.settings
    return {"survey": release.survey.slug, "release": release.number,
            "published_at": release.created_at.isoformat(),
            "responses": shown_count(release.responses, settings),
            "demo_responses": shown_count(release.demo_responses, settings),
            "versions": release.versions, "settings": settings,
            "protection": protection_document(settings), "findings": release.findings}


@cache
def _api_stamp_statement(numbered: bool):
    return release_stamp_statement(numbered=numbered)


@api_bp.get("/surveys/<slug>/findings")
def findings_api(slug):
    """The latest release (or ?release=N), suppressed exactly as published."""
    given = request.args.get("release")
    number = _release_number(given)
    row = db.session.execute(_api_stamp_statement(number is not None),
                             {"slug": slug, "number": number}).first()
    if row is None:
        raise ApiError(404, "not_found", f"There is no survey {slug!r}.")
    if given is not None and number is None:
        raise ApiError(400, "bad_request", "release must be a release number.")
    if row[1] is None:
        raise ApiError(404, "not_found", "No such release of this survey.")
    stamp = (row[1], row[2].isoformat())
    # Releases never change, so their JSON is made once per process.
    body = _api_bodies.get_or_make((database_key(), *stamp), lambda: json.dumps(
        release_document(db.session.get(Release, stamp[0])),
        separators=(",", ":"), sort_keys=True).encode())
    return Response(body, mimetype="application/json")


_api_bodies = bounded_cache("release documents", 64)


def latest_findings(limit: int = 6) -> list[tuple]:
    """(survey, release, finding, title) of the newest published findings, for the home page."""
    items = []
    for survey in surveys_with_releases():
        release = latest_release(survey)
        if release is None:
            continue
        definition = _release_definition(release)
        language = survey_language(definition)
        for finding in release.findings:
            if finding["published"]:
                items.append((survey, release, finding,
                              definition.finding_title(finding["finding_id"], language)))
    return items[:limit]


def init_app(app):
    """The home page's hook: the newest findings, through a template global."""
    app.jinja_env.globals["latest_findings"] = latest_findings
    app.jinja_env.globals["shown_count"] = shown_count
