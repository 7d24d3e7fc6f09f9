"""Synthetic demo responses: valid for the definition, conditions respected, answers
correlated, marked as demo data, and removed again by `demo-data --purge` (only they)."""

import uuid

import pandas as pd
import pytest
from sqlalchemy import func, select

from reports.demo import generate
from survey.definition import load_definition_file
from survey.definition.answers import check_answers, is_shown, other_key
from survey.extensions import db
from survey.models import Response
from tests.helpers.factories import ARTICLE_SURVEY

SLUG = "xing-linkedin"


@pytest.fixture(scope="module")
def definition():
    return load_definition_file(ARTICLE_SURVEY)


def answer_sets(definition, count: int, seed: int) -> list[dict]:
    return [answers for batch in generate(definition, count, seed) for answers in batch]


def test_demo_answers_pass_the_survey_checks(app, definition):
    for answers in answer_sets(definition, 500, seed=3):
        checked = check_answers(definition, answers)
        assert checked.ok, (checked.errors, answers)
        assert checked.answers == answers  # nothing dropped or changed by the checks


def test_demo_answers_respect_conditions(definition):
    sets = answer_sets(definition, 500, seed=4)
    for answers in sets:
        for question in definition.questions():
            if not is_shown(question, answers):
                assert question.id not in answers and other_key(question.id) not in answers
            elif question.required:
                assert question.id in answers
    conditional = [q.id for q in definition.questions() if q.show_if is not None]
    for question_id in conditional:  # every conditional question is reached by some, not all
        answered = sum(question_id in answers for answers in sets)
        assert 0 < answered < len(sets), question_id


def test_demo_answers_follow_the_seed(definition):
    assert answer_sets(definition, 50, seed=7) == answer_sets(definition, 50, seed=7)
    assert answer_sets(definition, 50, seed=7) != answer_sets(definition, 50, seed=8)


def _codes(definition, answers: list, question_id: str, row: str | None = None) -> pd.Series:
    """Each answer's position among the question's options (NaN where not answered)."""
    ids = definition.question(question_id).choice_ids()
    values = [a.get(question_id) for a in answers]
    if row is not None:
        values = [(v or {}).get(row) for v in values]
    return pd.Series([ids.index(v) if v in ids else float("nan") for v in values], dtype=float)


def test_demo_answers_are_correlated_like_real_ones(definition):
    """Who noticed contacts moving (to LinkedIn first in the options) is more active on
    LinkedIn (daily first in the columns): a positive rank correlation of the positions."""
    sets = answer_sets(definition, 3000, seed=1)
    noticed = _codes(definition, sets, "noticed_migration")
    activity = _codes(definition, sets, "activity_per_network", row="linkedin")
    both = noticed.notna() & activity.notna()
    assert both.sum() > 500
    assert noticed[both].corr(activity[both], method="spearman") > 0.05
    daily = activity == 0
    moved_to_linkedin = daily[both & (noticed == 0)].mean()
    no_moves = daily[both & (noticed == 3)].mean()
    assert moved_to_linkedin > no_moves


def test_demo_counts_are_skewed_like_the_articles(definition):
    """The article speaks of 5 to 10 contacts a week moving: most say few, some many."""
    weekly = pd.Series([a["weekly_migrants"] for a in answer_sets(definition, 5000, seed=2)
                        if "weekly_migrants" in a])
    assert len(weekly) > 200
    assert 4 <= weekly.median() <= 10
    assert weekly.mean() > weekly.median()  # a long tail of many


def test_another_seed_draws_from_the_same_population(definition):
    """Demo responses added later (another seed) answer as the earlier ones did."""
    shares = [pd.Series([a.get("own_migration") for a in answer_sets(definition, 3000, seed)])
              .value_counts(normalize=True) for seed in (11, 12)]
    assert (shares[0] - shares[1]).abs().max() < 0.04


def demo_count() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count(Response.id)).where(Response.is_demo))


def real_ids() -> list[int]:
    db.session.rollback()
    return list(db.session.scalars(select(Response.id).where(~Response.is_demo)))


def test_demo_data_command_adds_marked_responses_and_purge_removes_only_them(
        app, client, article_survey, definition):
    real = answer_sets(definition, 1, seed=99)[0]
    body = {"submission_id": uuid.uuid4().hex, "language": "de", "answers": real}
    assert client.post(f"/api/v1/surveys/{SLUG}/responses", json=body).status_code == 201
    [real_id] = real_ids()

    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo-data", SLUG, "--responses", "300", "--seed", "1"])
    assert result.exit_code == 0, result.output
    assert "added 300 demo responses" in result.output
    assert demo_count() == 300
    keys = db.session.scalars(select(Response.submission_key).where(Response.is_demo)).all()
    assert all(key.startswith("demo-") for key in keys) and len(set(keys)) == 300

    result = runner.invoke(args=["demo-data", SLUG, "--purge"])
    assert result.exit_code == 0, result.output
    assert "removed 300 demo responses" in result.output
    assert demo_count() == 0
    assert real_ids() == [real_id]


def test_demo_data_for_an_unknown_survey_fails_with_one_line(app):
    result = app.test_cli_runner().invoke(args=["demo-data", "no-such-survey",
                                                "--responses", "5"])
    assert result.exit_code != 0
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "no-such-survey" in lines[0], result.output
    assert "Traceback" not in result.output
