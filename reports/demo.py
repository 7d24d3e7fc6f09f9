"""Plausible synthetic responses, marked as demo data.

Each synthetic respondent has a latent leaning `z` (standard normal). Every
ordered answer (scale points, options in the order the definition lists them,
numbers, rankings) leans with it, so answers correlate as real ones do: someone
who noticed many contacts moving also tends to be more active and more positive
on later scale points. Conditions are respected: a question is answered only
when the answers so far show it.
"""

import hashlib
import math
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
from sqlalchemy import delete, func, insert, select

from survey.database import write_transaction
from survey.definition import localize
from survey.definition.answers import (
    condition_holds,
    condition_questions,
    matrix_rows,
    other_key,
)
from survey.definition.columns import matrix_row_ids
from survey.definition.model import DONT_KNOW, OTHER, SurveyDefinition
from survey.definition.records import coded_response
from survey.extensions import db
from survey.models import Response, SurveyVersion, new_response_id
from survey.surveys import definition_of

BATCH = 10_000
LEANING = 1.6  # how strongly the latent leaning moves ordered answers
SKIP_OPTIONAL = 0.08


@dataclass
class _Batch:
    z: np.ndarray
    rng: np.random.Generator


def _ordinal_choice(batch: _Batch, base: np.ndarray, size: int | None = None) -> np.ndarray:
    """Indices into `base` (log-weights of ordered options), leaning with z."""
    count = len(base)
    position = (np.arange(count) / max(count - 1, 1)) - 0.5
    z = batch.z if size is None else batch.z[:size]
    logits = base[None, :] + LEANING * z[:, None] * position[None, :]
    gumbel = batch.rng.gumbel(size=logits.shape)
    return np.argmax(logits + gumbel, axis=1)


class DemoGenerator:
    """Draws answer sets for one survey definition from a seed."""

    def __init__(self, definition: SurveyDefinition, seed: int):
        self.definition = definition
        self.rng = np.random.default_rng(seed)
        # Each question gets its own fixed popularity of options, the same whatever the
        # seed: the seed picks respondents from one population, so that demo responses
        # added later look like those before. Lists of options tend to start with the
        # common answers (countries, networks): a mild downward trend, except on scales,
        # where the leaning does the work.
        population = np.random.default_rng(_stable_seed(definition.slug))
        trend = -0.12 * np.arange(16)
        self.bases = {q.id: population.normal(0, 0.7, size=16)
                      + (0 if q.type == "likert" else trend) for q in definition.questions()}

    def batch(self, size: int) -> list[dict]:
        """`size` answer sets."""
        batch = _Batch(z=self.rng.normal(size=size), rng=self.rng)
        questions = self.definition.questions()
        drawn = {q.id: self._draw(batch, q, size) for q in questions}
        skip = (self.rng.random((size, len(drawn))) < SKIP_OPTIONAL).tolist()
        # The per-respondent loop is the slow part: everything it reads is a Python list.
        plan = [(q.id, self._shown_if(q), not q.required, drawn[q.id], other_key(q.id))
                for q in questions]
        answer_sets = []
        for index in range(size):
            answers: dict = {}
            skipped = skip[index]
            for column, (question_id, show_if, optional, draw, other) in enumerate(plan):
                if show_if is not None and not show_if(answers):
                    continue
                if optional and skipped[column]:
                    continue
                value = draw(index, answers)
                if value is None:
                    continue
                answers[question_id] = value
                if value == OTHER or (isinstance(value, list) and OTHER in value):
                    answers[other] = "Demo"
            answer_sets.append(answers)
        return answer_sets

    def _draw(self, batch: _Batch, question, size: int):
        """A function (respondent index, answers so far) → that respondent's answer."""
        base = self.bases[question.id]
        kind = question.type
        if kind in ("single_choice", "likert"):
            ids = [i for i in question.choice_ids() if i not in (OTHER, DONT_KNOW)]
            picks = _ordinal_choice(batch, base[:len(ids)]).tolist()
            extra = [i for i in question.choice_ids() if i in (OTHER, DONT_KNOW)]
            rare = (batch.rng.random(size) < (0.04 if extra else 0)).tolist()
            side = batch.rng.integers(0, max(len(extra), 1), size).tolist()
            return lambda i, _a: extra[side[i]] if rare[i] else ids[picks[i]]
        if kind == "multi_choice":
            return self._multi(batch, question, size)
        if kind == "matrix":
            columns = question.choice_ids()
            picks = {row: _ordinal_choice(batch, base[:len(columns)] + self.rng.normal(0, .3))
                     for row in range(24)}  # drawn for 24 rows whatever the matrix has
            picks = {row: drawn.tolist() for row, drawn in picks.items()
                     if row < len(matrix_row_ids(self.definition, question))}
            row_ids = self._matrix_row_ids(question)

            def matrix(i, answers):
                return {row: columns[picks[n % 24][i]]
                        for n, row in enumerate(row_ids(answers))} or None
            return matrix
        if kind == "ranking":
            items = question.choice_ids()
            count = len(items)
            lean = (np.arange(count) / max(count - 1, 1)) - 0.5
            utility = base[None, :count] + LEANING * batch.z[:, None] * lean[None, :]
            order = np.argsort(-(utility + batch.rng.gumbel(size=utility.shape)), axis=1).tolist()
            return lambda i, _a: [items[j] for j in order[i]]
        if kind == "number":
            low, high = question.min, question.max
            span = min(high - low, 100.0) if math.isfinite(high - low) else 100.0
            lean = batch.z * 1.2 + batch.rng.normal(0, 0.8, size)
            if question.unit is not None and localize(question.unit, "en") == "%":
                raw = low + span / (1 + np.exp(-(lean - 1.2)))  # shares: most give little
            else:  # counts: right-skewed, most small, a few large (median 4% of the range)
                median = max(1.0, 0.04 * (high - low)) if math.isfinite(high - low) else 4.0
                raw = low + median * np.exp(0.6 * lean)
            values = np.clip(np.round(raw) if question.integer else np.round(raw, 1), low, high)
            cast = int if question.integer else float
            values = values.tolist()
            return lambda i, _a: cast(values[i])
        if kind == "text":
            answered = (batch.rng.random(size) < 0.15).tolist()
            return lambda i, _a: "Demo-Antwort" if answered[i] else None
        if kind == "consent":
            return lambda i, _a: True
        raise ValueError(f"no demo answers for {kind}")

    def _shown_if(self, question):
        """None for a question always shown, else a function (answers so far) → whether its
        condition holds: `condition_holds`, asked once per distinct combination of the
        answers the condition looks at (few: they are choices)."""
        condition = question.show_if
        if condition is None:
            return None
        asked = sorted(condition_questions(condition))
        seen: dict[tuple, bool] = {}

        def holds(answers):
            key = tuple(_frozen(answers.get(question_id)) for question_id in asked)
            result = seen.get(key)
            if result is None:
                result = seen[key] = condition_holds(condition, answers)
            return result
        return holds

    def _matrix_row_ids(self, question):
        """A function (answers so far) → the ids of the matrix's rows, as `matrix_rows` gives
        them; rows taken from an earlier answer are looked up once per distinct answer."""
        if question.rows is not None:
            fixed = [row.id for row in question.rows]
            return lambda _answers: fixed
        source_id = self.definition.question(question.rows_from).id
        seen: dict[tuple, list[str]] = {}

        def row_ids(answers):
            chosen = answers.get(source_id) or []
            key = tuple(chosen) if isinstance(chosen, list) else None
            rows = seen.get(key) if key is not None else None
            if rows is None:
                rows = [row for row, _label in matrix_rows(self.definition, question,
                                                           answers, "en")]
                if key is not None:
                    seen[key] = rows
            return rows
        return row_ids

    def _multi(self, batch: _Batch, question, size: int):
        ids = [o.id for o in question.options if not o.exclusive]
        exclusive = [o.id for o in question.options if o.exclusive]
        count = len(ids)
        lean = (np.arange(count) / max(count - 1, 1)) - 0.5
        logits = self.bases[question.id][None, :count] - 0.3 + LEANING * batch.z[:, None] * lean
        chosen = (batch.rng.random((size, count)) < 1 / (1 + np.exp(-logits))).tolist()
        other = (batch.rng.random(size) < (0.05 if question.other else 0)).tolist()
        alone = (batch.rng.random(size) < (0.05 if exclusive else 0)).tolist()
        limit = question.max_choices or count + 1

        def multi(i, _answers):
            if alone[i]:
                return [exclusive[0]]
            picked = [option for option, hit in zip(ids, chosen[i], strict=True) if hit][:limit]
            if other[i] and len(picked) < limit:
                picked.append(OTHER)
            if not picked:
                picked = [ids[int(np.argmax(logits[i]))]]
            return picked
        return multi


def _stable_seed(text: str) -> int:
    """A seed from a text, the same in every process (unlike hash())."""
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")


def _frozen(value):
    """A hashable stand-in for an answer that tells apart whatever `condition_holds` does
    (True from 1, a list from a string): strings and None stand for themselves, anything
    else becomes a tuple tagged with its type."""
    kind = type(value)
    if kind is str or value is None:
        return value
    if kind is list:
        return ("list", tuple(map(_frozen, value)))
    if kind is dict:
        return ("dict", tuple(sorted((key, _frozen(item)) for key, item in value.items())))
    return (kind.__name__, value)


def generate(definition: SurveyDefinition, count: int, seed: int) -> Iterator[list[dict]]:
    """Answer sets in batches."""
    generator = DemoGenerator(definition, seed)
    left = count
    while left > 0:
        size = min(BATCH, left)
        yield generator.batch(size)
        left -= size


def insert_demo_responses(version: SurveyVersion, answer_sets: list[dict],
                          rng: np.random.Generator, days: int = 90) -> None:
    """Store one batch of demo answer sets as responses of `version`, spread over the last
    `days` days (1: all today, as new responses come)."""
    languages = definition_languages(version)
    definition = definition_of(version)
    today = datetime.now(UTC).date()
    ago = rng.integers(0, days, len(answer_sets))
    spoken = rng.integers(0, len(languages), len(answer_sets))
    rows = []
    for n, answers in enumerate(answer_sets):
        day = today - timedelta(int(ago[n]))
        # Synthetic, with no participation: nothing to mix (survey.mixing).
        rows.append({"id": new_response_id(), "unmixed": False,
                     "survey_version_id": version.id,
                     "submission_key": f"demo-{secrets.token_hex(20)}",
                     "language": languages[spoken[n]], "submitted_on": day, "answers": answers,
                     "frame_record": coded_response(definition, answers, version_id=version.id,
                                                    day=day, is_demo=True),
                     "is_demo": True})
    with write_transaction():  # a Core insert: the ORM's bulk path costs more than SQLite
        db.session.execute(insert(Response.__table__), rows)


def definition_languages(version: SurveyVersion) -> list[str]:
    """The languages a version's definition is written in."""
    return list(version.definition["languages"])


def purge_demo_responses(survey) -> int:
    """Delete the survey's demo responses (and only them); returns how many."""
    versions = select(SurveyVersion.id).where(SurveyVersion.survey_id == survey.id)
    with write_transaction():
        count = db.session.scalar(select(func.count(Response.id)).where(
            Response.is_demo, Response.survey_version_id.in_(versions)))
        db.session.execute(delete(Response).where(
            Response.is_demo, Response.survey_version_id.in_(versions)))
    return count


__all__ = ["DemoGenerator", "generate", "insert_demo_responses",
           "purge_demo_responses"]
