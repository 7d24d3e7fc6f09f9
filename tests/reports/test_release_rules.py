"""Releases cannot be differenced: a new one needs at least k new responses."""

import pytest
from sqlalchemy import func, select

from reports import releases
from reports.models import Release
from reports.releases import ReleaseError
from survey.extensions import db
from survey.models import Role
from survey.surveys import find_survey
from tests.helpers.releasing import add_answer_sets, answer_set, balanced, memoize_charts, publish

SLUG = "test-survey"


@pytest.fixture
def published_once(make_survey, monkeypatch):
    memoize_charts(monkeypatch)
    make_survey()
    add_answer_sets(SLUG, balanced(30))
    publish(SLUG)
    return SLUG


def release_count() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count(Release.id)))


def test_a_release_one_response_after_the_last_is_refused(published_once):
    add_answer_sets(SLUG, balanced(1))
    with pytest.raises(ReleaseError, match="at least 5"):
        publish(SLUG)
    assert release_count() == 1


def test_a_release_k_responses_after_the_last_is_published(published_once):
    add_answer_sets(SLUG, balanced(5))
    assert publish(SLUG).number == 2
    assert release_count() == 2


def test_the_cli_refuses_with_one_line(app, published_once):
    result = app.test_cli_runner().invoke(args=["release", "publish", SLUG])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "Error: only 0 responses arrived since release 1; a new release needs at least 5, "
        "or it would show what those few answered"]
    assert release_count() == 1


def test_the_button_explains_the_refusal(client, published_once, make_user, login_as):
    login_as(make_user("moderator@example.org", Role.MODERATOR))
    response = client.post(f"/findings/{SLUG}/publish", follow_redirects=True)
    assert "needs at least 5 responses more" in response.text
    assert release_count() == 1


def test_charts_that_did_not_change_are_taken_from_the_last_release(published_once,
                                                                     monkeypatch):
    first = releases.latest_release(find_survey(SLUG))
    rendered = []
    render = releases.render_chart  # count the renderings; each still really renders

    monkeypatch.setattr(releases, "render_chart",
                        lambda *args: rendered.append(args) or render(*args))
    add_answer_sets(SLUG, balanced(30))  # the same mix again: the same shares
    second = publish(SLUG)
    assert rendered == []
    assert second.charts == first.charts


def test_charts_that_moved_are_drawn_again(published_once, monkeypatch):
    first = releases.latest_release(find_survey(SLUG))
    rendered = []
    render = releases.render_chart
    monkeypatch.setattr(releases, "render_chart",
                        lambda *args: rendered.append(args) or render(*args))
    # Each country still half XING, half LinkedIn; but everyone agrees now.
    add_answer_sets(SLUG, [answer_set(("xing", "linkedin")[i % 2], ("de", "at")[i // 2 % 2],
                                      agree="yes") for i in range(32)])
    second = publish(SLUG)
    assert {(published["finding_id"], language) for published, _d, language in rendered} == {
        ("blame", "de"), ("blame", "en")}
    assert second.charts["blame"]["en"] != first.charts["blame"]["en"]
    assert second.charts["primary-by-country"] == first.charts["primary-by-country"]
