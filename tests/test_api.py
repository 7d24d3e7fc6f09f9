"""The JSON API: listing, definitions, storing responses, and refusing bad input as JSON."""

import copy
import json
import uuid
from datetime import date, datetime

import pytest
from openapi_spec_validator import validate
from sqlalchemy import func, select

from survey.database import write_transaction
from survey.extensions import db
from survey.models import Response, Survey
from survey.responses import submission_key
from tests.helpers.factories import ARTICLE_ANSWERS, COMPLETE_ANSWERS
from tests.helpers.urlmap import url_map_rules

SLUG = "test-survey"
SUBMIT_URL = f"/api/v1/surveys/{SLUG}/responses"



def new_id() -> str:
    return uuid.uuid4().hex


def submission(answers=None, **envelope) -> dict:
    """A request body: a fresh submission id, English, and the given (default: complete) answers."""
    body = {"submission_id": new_id(), "language": "en",
            "answers": copy.deepcopy(COMPLETE_ANSWERS if answers is None else answers)}
    body.update(envelope)
    return body


def with_answers(**changes) -> dict:
    """COMPLETE_ANSWERS with some answers replaced (a value of None removes the answer)."""
    answers = copy.deepcopy(COMPLETE_ANSWERS)
    for key, value in changes.items():
        key = key.replace("__", ".")
        if value is None:
            answers.pop(key, None)
        else:
            answers[key] = value
    return answers


def assert_json_error(response, status: int) -> dict:
    """The response is the documented error shape with this status; returns the error object."""
    assert response.status_code == status, response.text
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert list(body) == ["error"]
    error = body["error"]
    assert set(error) == {"code", "message", "fields"}
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["fields"], dict)
    assert all(isinstance(k, str) and isinstance(v, str) and v for k, v in error["fields"].items())
    return error


def stored_responses() -> list[Response]:
    db.session.rollback()  # see what other sessions committed
    return list(db.session.scalars(select(Response).order_by(Response.id)))


def response_count() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count(Response.id)))


@pytest.fixture
def factory_survey(make_survey):
    make_survey()
    return SLUG


def close_survey(slug: str) -> None:
    with write_transaction():
        db.session.scalar(select(Survey).where(Survey.slug == slug)).is_open = False


# -- reading -------------------------------------------------------------------------------


def test_survey_list_shows_open_surveys_only(client, factory_survey, article_survey):
    response = client.get("/api/v1/surveys")
    assert response.status_code == 200
    surveys = response.get_json()["surveys"]
    assert [s["slug"] for s in surveys] == ["test-survey", "xing-linkedin"]
    first = surveys[0]
    assert first["title"] == {"de": "Testumfrage", "en": "Test survey"}
    assert first["languages"] == ["de", "en"]
    assert first["version"] == 1
    assert first["url"] == "http://localhost/api/v1/surveys/test-survey"

    close_survey("xing-linkedin")
    assert [s["slug"] for s in client.get("/api/v1/surveys").get_json()["surveys"]] == [
        "test-survey"]


def test_survey_detail_gives_the_current_definition(client, factory_survey):
    response = client.get("/api/v1/surveys/test-survey")
    assert response.status_code == 200
    body = response.get_json()
    assert body["slug"] == "test-survey"
    assert body["is_open"] is True
    definition = body["definition"]
    assert definition["slug"] == "test-survey"
    assert [p["id"] for p in definition["pages"]] == ["first", "second", "third"]
    assert [q["id"] for q in definition["pages"][0]["questions"]] == [
        "consent", "networks", "primary", "country"]


def test_unknown_survey_is_a_json_404(client, factory_survey):
    error = assert_json_error(client.get("/api/v1/surveys/no-such-survey"), 404)
    assert error["code"] == "not_found"
    assert_json_error(client.post("/api/v1/surveys/no-such-survey/responses",
                                  json=submission()), 404)


# -- storing -------------------------------------------------------------------------------


def test_valid_response_is_stored_with_the_checked_answers(client, factory_survey):
    body = submission()
    response = client.post(SUBMIT_URL, json=body)
    assert response.status_code == 201, response.text
    assert response.get_json() == {"status": "stored", "submission_id": body["submission_id"],
                                   "survey": SLUG, "version": 1}
    [stored] = stored_responses()
    assert stored.answers == COMPLETE_ANSWERS
    assert stored.language == "en"
    assert stored.is_demo is False
    survey = db.session.scalar(select(Survey).where(Survey.slug == SLUG))
    assert stored.submission_key == submission_key(survey, body["submission_id"])
    assert body["submission_id"] not in stored.submission_key


def test_checked_answers_are_normalised_before_storing(client, factory_survey):
    """Options come back in the definition's order, text is trimmed, whole numbers are ints."""
    answers = with_answers(networks=["other", "linkedin", "xing"], comment="  Interesting.  ",
                           weekly=7.0)
    assert client.post(SUBMIT_URL, json=submission(answers)).status_code == 201
    [stored] = stored_responses()
    assert stored.answers == COMPLETE_ANSWERS
    assert type(stored.answers["weekly"]) is int


def test_valid_article_response_is_stored(client, article_survey):
    body = submission(ARTICLE_ANSWERS, language="de")
    response = client.post("/api/v1/surveys/xing-linkedin/responses", json=body)
    assert response.status_code == 201, response.text
    [stored] = stored_responses()
    assert stored.answers == ARTICLE_ANSWERS
    assert stored.language == "de"


def test_emoji_and_other_paired_surrogates_are_kept(client, factory_survey):
    raw = json.dumps(submission(with_answers(comment="Gut \U0001f44d")))  # ASCII: \ud83d\udc4d
    assert "\\ud83d\\udc4d" in raw
    response = client.post(SUBMIT_URL, data=raw, content_type="application/json")
    assert response.status_code == 201, response.text
    assert stored_responses()[0].answers["comment"] == "Gut \U0001f44d"


def test_stored_response_holds_no_person_and_only_the_day(client, factory_survey):
    assert client.post(SUBMIT_URL, json=submission(),
                       headers={"User-Agent": "Agent/1.0 (unique-agent-string)"},
                       environ_base={"REMOTE_ADDR": "203.0.113.77"}).status_code == 201
    columns = set(Response.__table__.columns.keys())
    for personal in ("user_id", "ip", "ip_address", "remote_addr", "user_agent", "created_at",
                     "submitted_at"):
        assert personal not in columns
    [stored] = stored_responses()
    assert type(stored.submitted_on) is date
    assert not isinstance(stored.submitted_on, datetime)
    row = json.dumps({c: str(getattr(stored, c)) for c in columns})
    assert "203.0.113.77" not in row
    assert "unique-agent-string" not in row


def test_replayed_submission_is_stored_once(client, factory_survey):
    body = submission()
    assert client.post(SUBMIT_URL, json=body).status_code == 201
    replay = client.post(SUBMIT_URL, json=body)
    assert replay.status_code == 200, replay.text
    assert replay.get_json()["status"] == "already_stored"
    # Even with different answers, the id decides: nothing new is stored.
    changed = client.post(SUBMIT_URL, json={**body, "answers": with_answers(agree="no",
                                                                            comment=None)})
    assert changed.status_code == 200
    assert response_count() == 1
    assert stored_responses()[0].answers == COMPLETE_ANSWERS


def test_distinct_submission_ids_are_stored_separately(client, factory_survey):
    for _ in range(3):
        assert client.post(SUBMIT_URL, json=submission()).status_code == 201
    assert response_count() == 3


def test_closed_survey_refuses_responses(client, factory_survey):
    close_survey(SLUG)
    error = assert_json_error(client.post(SUBMIT_URL, json=submission()), 403)
    assert error["code"] == "closed"
    assert response_count() == 0
    # Its definition stays readable.
    detail = client.get(f"/api/v1/surveys/{SLUG}")
    assert detail.status_code == 200
    assert detail.get_json()["is_open"] is False


# -- refusing bad input --------------------------------------------------------------------


def raw_body(answers_json: str) -> str:
    """A JSON text whose answers are given verbatim (for literals json.dumps would not write)."""
    return f'{{"submission_id": "{new_id()}", "language": "en", "answers": {answers_json}}}'


def raw_answers(**verbatim) -> str:
    """COMPLETE_ANSWERS as JSON text with some values replaced by verbatim JSON text."""
    answers = {k.replace("__", "."): json.dumps(v) for k, v in COMPLETE_ANSWERS.items()}
    answers.update({k.replace("__", "."): v for k, v in verbatim.items()})
    return "{" + ", ".join(f"{json.dumps(k)}: {v}" for k, v in answers.items()) + "}"


def case(id_, status, *, body=None, raw=None, content_type="application/json", field=None):
    return pytest.param(body, raw, content_type, status, field, id=id_)


def answers_case(id_, field, status=422, **changes):
    return case(id_, status, body=submission(with_answers(**changes)), field=field)


HIDDEN_WEEKLY = with_answers(networks=["linkedin"],
                             activity={"linkedin": "daily"}, networks__other=None)
HIDDEN_WEEKLY["weekly"] = 7

MALFORMED = [
    # not JSON at all
    case("text-plain", 415, raw=json.dumps(submission()), content_type="text/plain"),
    case("form-encoded", 415, raw="submission_id=abcdefgh12",
         content_type="application/x-www-form-urlencoded"),
    case("no-content-type", 415, raw=json.dumps(submission()), content_type=""),
    case("invalid-json", 400, raw="{not json"),
    case("truncated-json", 400, raw=json.dumps(submission())[:-10]),
    case("empty-body", 400, raw=""),
    case("invalid-utf8", 400, raw=b'{"submission_id": "\xff\xfe"}'),
    case("deeply-nested-json", 400, raw="[" * 50_000 + "]" * 50_000),
    case("deeply-nested-answers", 400, raw=raw_body("[" * 5_000 + "]" * 5_000)),
    case("nested-answer-value", 422, raw=raw_body(raw_answers(comment="[" * 600 + "]" * 600)),
         field="answers.comment"),
    # JSON, but not an object
    case("json-array", 400, body=[submission()]),
    case("json-string", 400, body="submission"),
    case("json-number", 400, body=42),
    case("json-null", 400, raw="null"),
    # the envelope
    case("submission-id-missing", 422, body={"language": "en", "answers": COMPLETE_ANSWERS},
         field="submission_id"),
    case("submission-id-short", 422, body=submission(submission_id="abc1234"),
         field="submission_id"),
    case("submission-id-long", 422, body=submission(submission_id="a" * 101),
         field="submission_id"),
    case("submission-id-spaces", 422, body=submission(submission_id="abc def ghi"),
         field="submission_id"),
    case("submission-id-slash", 422, body=submission(submission_id="../../abcdefgh"),
         field="submission_id"),
    case("submission-id-trailing-newline", 422, body=submission(submission_id="abcdefgh12\n"),
         field="submission_id"),
    case("submission-id-number", 422, body=submission(submission_id=1234567890),
         field="submission_id"),
    case("submission-id-null", 422, body=submission(submission_id=None), field="submission_id"),
    case("language-unknown", 422, body=submission(language="fr"), field="language"),
    case("language-case", 422, body=submission(language="EN"), field="language"),
    case("language-list", 422, body=submission(language=["en"]), field="language"),
    case("unknown-top-level-field", 422, body=submission(user_id=7), field="user_id"),
    case("answers-missing", 422, body={"submission_id": new_id(), "language": "en"},
         field="answers"),
    case("answers-list", 422, body=submission([["consent", True]]), field="answers"),
    case("answers-string", 422, body=submission("consent"), field="answers"),
    case("answers-null", 422, body={"submission_id": new_id(), "language": "en", "answers": None},
         field="answers"),
    # unknown and hidden questions
    answers_case("unknown-question", "answers.favourite_colour", favourite_colour="blue"),
    answers_case("other-text-for-question-without-other", "answers.primary.other",
                 primary__other="Friendster"),
    answers_case("other-text-without-choosing-other", "answers.networks.other",
                 networks=["xing", "linkedin"], activity={"xing": "daily", "linkedin": "daily"}),
    case("hidden-question-answered", 422, body=submission(HIDDEN_WEEKLY), field="answers.weekly"),
    answers_case("hidden-text-answered", "answers.comment", agree="no"),
    answers_case("required-missing", "answers.agree", agree=None, comment=None),
    # wrong types per question type
    answers_case("consent-string", "answers.consent", consent="yes"),
    answers_case("consent-one", "answers.consent", consent=1),
    answers_case("consent-false", "answers.consent", consent=False),
    answers_case("multi-choice-string", "answers.networks", networks="xing"),
    answers_case("multi-choice-number", "answers.networks", networks=[1, 2]),
    answers_case("multi-choice-duplicate", "answers.networks",
                 networks=["xing", "xing", "linkedin", "other"]),
    answers_case("multi-choice-exclusive", "answers.networks", networks=["none", "xing"]),
    answers_case("single-choice-list", "answers.primary", primary=["linkedin"]),
    answers_case("single-choice-number", "answers.country", country=1),
    answers_case("single-choice-object", "answers.country", country={"id": "de"}),
    answers_case("matrix-list", "answers.activity", activity=["daily", "rarely", "daily"]),
    answers_case("matrix-unknown-column", "answers.activity",
                 activity={"xing": "weekly", "linkedin": "rarely", "other": "daily"}),
    answers_case("matrix-row-not-chosen", "answers.activity",
                 activity={"xing": "daily", "linkedin": "rarely", "other": "daily",
                           "facebook": "daily"}),
    answers_case("matrix-row-missing", "answers.activity",
                 activity={"xing": "daily", "linkedin": "rarely"}),
    answers_case("matrix-cell-number", "answers.activity",
                 activity={"xing": 1, "linkedin": "rarely", "other": "daily"}),
    answers_case("likert-number", "answers.agree", agree=2),
    answers_case("ranking-string", "answers.future", future="linkedin"),
    answers_case("ranking-incomplete", "answers.future", future=["linkedin", "xing"]),
    answers_case("ranking-duplicate", "answers.future", future=["xing", "xing", "facebook"]),
    answers_case("ranking-numbers", "answers.future", future=[1, 2, 3]),
    answers_case("number-string", "answers.weekly", weekly="7"),
    answers_case("number-list", "answers.weekly", weekly=[7]),
    answers_case("number-fraction-for-integer", "answers.weekly", weekly=7.5),
    answers_case("text-number", "answers.comment", comment=5),
    answers_case("text-list", "answers.comment", comment=["Interesting."]),
    answers_case("other-text-number", "answers.networks.other", networks__other=5),
    # option ids that are nearly, but not exactly, an option
    answers_case("option-case", "answers.primary", primary="LinkedIn"),
    answers_case("option-leading-space", "answers.primary", primary=" linkedin"),
    answers_case("option-trailing-space", "answers.primary", primary="linkedin "),
    answers_case("option-trailing-newline", "answers.primary", primary="linkedin\n"),
    answers_case("option-fullwidth", "answers.primary", primary="ｌｉｎｋｅｄｉｎ"),
    answers_case("multi-option-case", "answers.networks", networks=["XING", "linkedin", "other"]),
    answers_case("likert-option-case", "answers.agree", agree="Yes"),
    answers_case("matrix-column-case", "answers.activity",
                 activity={"xing": "Daily", "linkedin": "rarely", "other": "daily"}),
    answers_case("matrix-row-case", "answers.activity",
                 activity={"XING": "daily", "linkedin": "rarely", "other": "daily"}),
    answers_case("ranking-item-space", "answers.future", future=["linkedin ", "xing", "facebook"]),
    # numbers out of range, booleans, NaN and infinity
    answers_case("number-below-min", "answers.weekly", weekly=-1),
    answers_case("number-above-max", "answers.weekly", weekly=501),
    answers_case("decimal-above-max", "answers.share", share=100.5),
    answers_case("number-huge", "answers.weekly", weekly=10**400),
    answers_case("number-true", "answers.weekly", weekly=True),
    answers_case("number-false", "answers.share", share=False),
    case("number-nan-literal", 422, raw=raw_body(raw_answers(weekly="NaN")),
         field="answers.weekly"),
    case("number-infinity-literal", 422, raw=raw_body(raw_answers(share="Infinity")),
         field="answers.share"),
    case("number-minus-infinity-literal", 422, raw=raw_body(raw_answers(weekly="-Infinity")),
         field="answers.weekly"),
    case("number-overflowing-literal", 422, raw=raw_body(raw_answers(share="1e999")),
         field="answers.share"),
    case("nan-for-text", 422, raw=raw_body(raw_answers(comment="NaN")), field="answers.comment"),
    case("nan-for-choice", 422, raw=raw_body(raw_answers(primary="NaN")),
         field="answers.primary"),
    # text: too long, NUL, unpaired surrogates
    answers_case("text-too-long", "answers.comment", comment="x" * 51),
    answers_case("other-text-too-long", "answers.networks.other", networks__other="x" * 201),
    case("nul-in-text", 400, body=submission(with_answers(comment="nice\x00"))),
    case("nul-in-key", 400, body=submission({**COMPLETE_ANSWERS, "comm\x00ent": "x"})),
    case("nul-in-submission-id", 400, body=submission(submission_id="abcdefgh\x00")),
    case("unpaired-surrogate-in-value", 400,
         raw=raw_body(raw_answers(comment='"text \\ud800"'))),
    case("unpaired-low-surrogate-in-value", 400,
         raw=raw_body(raw_answers(networks__other='"\\udc00 net"'))),
    case("unpaired-surrogate-in-answer-key", 400,
         raw=raw_body('{"\\ud800": "x", "consent": true}')),
    case("unpaired-surrogate-in-top-level-key", 400,
         raw=json.dumps(submission())[:-1] + ', "\\ud800": 1}'),
    case("unpaired-surrogate-in-list", 400,
         raw=raw_body(raw_answers(networks='["xing", "\\ud800"]'))),
]


@pytest.mark.parametrize(("body", "raw", "content_type", "status", "field"), MALFORMED)
def test_malformed_submission_is_a_json_4xx(client, factory_survey, body, raw, content_type,
                                            status, field):
    if raw is None:
        raw = json.dumps(body)
    headers = {"Content-Type": content_type} if content_type else {}
    response = client.post(SUBMIT_URL, data=raw, headers=headers)
    error = assert_json_error(response, status)
    if field is not None:
        assert field in error["fields"], error
    assert response_count() == 0


def test_answer_errors_name_every_invalid_field(client, factory_survey):
    answers = with_answers(weekly=501, future=["xing"], unknown_thing=1)
    error = assert_json_error(client.post(SUBMIT_URL, json=submission(answers)), 422)
    assert error["code"] == "invalid_answers"
    assert set(error["fields"]) == {"answers.weekly", "answers.future", "answers.unknown_thing"}


def test_answer_errors_are_in_the_submission_language(client, factory_survey):
    answers = with_answers(weekly=501)
    english = assert_json_error(client.post(SUBMIT_URL, json=submission(answers)), 422)
    german = assert_json_error(
        client.post(SUBMIT_URL, json=submission(answers, language="de")), 422)
    assert "500" in english["fields"]["answers.weekly"]
    assert "500" in german["fields"]["answers.weekly"]
    assert german["fields"]["answers.weekly"] != english["fields"]["answers.weekly"]


def test_body_over_max_content_length_is_a_json_413(app, client, factory_survey):
    limit = app.config["MAX_CONTENT_LENGTH"]
    raw = json.dumps(submission(with_answers(comment="x" * (limit + 1))))
    error = assert_json_error(client.post(SUBMIT_URL, data=raw,
                                          content_type="application/json"), 413)
    assert error["code"] == "request_entity_too_large"
    assert response_count() == 0


@pytest.mark.parametrize(("method", "url"), [
    ("get", SUBMIT_URL),
    ("put", SUBMIT_URL),
    ("delete", "/api/v1/surveys"),
    ("post", "/api/v1/surveys"),
    ("patch", f"/api/v1/surveys/{SLUG}"),
    ("post", "/api/openapi.json"),
], ids=lambda v: v.replace("/", "_") if isinstance(v, str) and "/" in v else v)
def test_wrong_method_is_a_json_405(client, factory_survey, method, url):
    response = getattr(client, method)(url)
    error = assert_json_error(response, 405)
    assert error["code"] == "method_not_allowed"
    assert "Allow" in response.headers


@pytest.mark.parametrize("url", ["/api/v1/nothing", "/api/v2/surveys", "/api/",
                                 "/api/v1/surveys/test-survey/responses/1"])
def test_unknown_api_path_is_a_json_404(client, factory_survey, url):
    error = assert_json_error(client.get(url), 404)
    assert error["code"] == "not_found"


@pytest.mark.parametrize(("release", "status"), [
    ("abc", 400), ("-1", 400), ("1.5", 400), ("\u00b2", 400), ("\u0661", 400),
    ("9" * 30, 400), ("9" * 5000, 400), ("1", 404), (None, 404),
], ids=["letters", "negative", "decimal", "superscript-two", "arabic-indic-one", "huge",
        "over-int-digit-limit", "unpublished", "latest-unpublished"])
def test_findings_api_refuses_bad_release_numbers_as_json(client, factory_survey, release,
                                                          status):
    query = {"release": release} if release is not None else {}
    response = client.get(f"/api/v1/surveys/{SLUG}/findings", query_string=query)
    assert_json_error(response, status)


def test_html_pages_keep_html_errors(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert response.mimetype == "text/html"


# -- the OpenAPI description ---------------------------------------------------------------


def test_openapi_document_is_valid(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    validate(document)
    assert document["openapi"].startswith("3.")


API_RULES = [rule for rule in url_map_rules() if rule.rule.startswith("/api/v1/")]


def openapi_path(rule) -> str:
    """A Werkzeug rule as an OpenAPI path: /a/<slug> becomes /a/{slug}."""
    path = rule.rule
    for argument in rule.arguments:
        converter = rule._converters[argument]
        for spelling in (f"<{argument}>", f"<{type(converter).__name__}:{argument}>"):
            path = path.replace(spelling, "{" + argument + "}")
    return path.replace("<", "{").replace(">", "}")


def test_api_rules_are_found():
    assert {r.rule for r in API_RULES} >= {"/api/v1/surveys", "/api/v1/surveys/<slug>",
                                           "/api/v1/surveys/<slug>/responses"}


@pytest.mark.parametrize("rule", API_RULES, ids=lambda r: f"{r.endpoint}:{r.rule}")
def test_every_api_route_is_documented(client, rule):
    document = client.get("/api/openapi.json").get_json()
    path = openapi_path(rule)
    assert path in document["paths"], f"{rule.rule} is missing from /api/openapi.json"
    documented = document["paths"][path]
    for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
        operation = documented.get(method.lower())
        assert operation is not None, f"{method} {rule.rule} is not documented"
        assert operation["responses"]
        parameters = {p["name"] for p in operation.get("parameters", []) + documented.get(
            "parameters", []) if p["in"] == "path"}
        assert parameters == set(rule.arguments)
