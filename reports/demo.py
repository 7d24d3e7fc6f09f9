"""Plausible synthetic responses, marked as demo data.

Each synthetic respondent has a latent leaning `z` (standard normal). Every
ordered answer (scale points, options in the order the definition lists them,
numbers, rankings) leans with it, so answers correlate as real ones do: someone
who noticed many contacts moving also tends to be more active and more positive
on later scale points. Conditions are respected: a question is answered only
when the answers so far show it.
"""

import math
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from sqlalchemy import delete, func, insert, select

from survey.database import write_transaction
from survey.definition.answers import condition_holds, matrix_rows, other_key
from survey.definition.model import DONT_KNOW, OTHER, SurveyDefinition
from survey.extensions import db
from survey.models import Response, SurveyVersion

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
        # Each question gets its own fixed popularity of options, drawn once per seed.
        # Lists of options tend to start with the common answers (countries, networks):
        # a mild downward trend, except on scales, where the leaning does the work.
        trend = -0.12 * np.arange(16)
        self.bases = {q.id: self.rng.normal(0, 0.7, size=16) + (0 if q.type == "likert" else trend)
                      for q in definition.questions()}

    def batch(self, size: int) -> list[dict]:
        """`size` answer sets."""
        batch = _Batch(z=self.rng.normal(size=size), rng=self.rng)
        drawn = {q.id: self._draw(batch, q, size) for q in self.definition.questions()}
        skip = self.rng.random((size, len(drawn))) < SKIP_OPTIONAL
        answer_sets = []
        for index in range(size):
            answers: dict = {}
            for column, question in enumerate(self.definition.questions()):
                if question.show_if is not None and not condition_holds(question.show_if,
                                                                        answers):
                    continue
                if not question.required and skip[index, column]:
                    continue
                value = drawn[question.id](index, answers)
                if value is None:
                    continue
                answers[question.id] = value
                if value == OTHER or (isinstance(value, list) and OTHER in value):
                    answers[other_key(question.id)] = "Demo"
            answer_sets.append(answers)
        return answer_sets

    def _draw(self, batch: _Batch, question, size: int):
        """A function (respondent index, answers so far) → that respondent's answer."""
        base = self.bases[question.id]
        kind = question.type
        if kind in ("single_choice", "likert"):
            ids = [i for i in question.choice_ids() if i not in (OTHER, DONT_KNOW)]
            picks = _ordinal_choice(batch, base[:len(ids)])
            extra = [i for i in question.choice_ids() if i in (OTHER, DONT_KNOW)]
            rare = batch.rng.random(size) < (0.04 if extra else 0)
            side = batch.rng.integers(0, max(len(extra), 1), size)
            return lambda i, _a: extra[side[i]] if rare[i] else ids[picks[i]]
        if kind == "multi_choice":
            return self._multi(batch, question, size)
        if kind == "matrix":
            columns = question.choice_ids()
            picks = {row: _ordinal_choice(batch, base[:len(columns)] + self.rng.normal(0, .3))
                     for row in range(24)}

            def matrix(i, answers):
                rows = matrix_rows(self.definition, question, answers, "en")
                return {row: columns[picks[n % 24][i]] for n, (row, _l) in enumerate(rows)} or None
            return matrix
        if kind == "ranking":
            items = question.choice_ids()
            count = len(items)
            lean = (np.arange(count) / max(count - 1, 1)) - 0.5
            utility = base[None, :count] + LEANING * batch.z[:, None] * lean[None, :]
            order = np.argsort(-(utility + batch.rng.gumbel(size=utility.shape)), axis=1)
            return lambda i, _a: [items[j] for j in order[i]]
        if kind == "number":
            low, high = question.min, question.max
            span = min(high - low, 100.0) if math.isfinite(high - low) else 100.0
            raw = low + span / (1 + np.exp(-(batch.z * 1.2 + batch.rng.normal(0, 0.8, size))))
            values = np.clip(np.round(raw) if question.integer else np.round(raw, 1), low, high)
            cast = int if question.integer else float
            return lambda i, _a: cast(values[i])
        if kind == "text":
            answered = batch.rng.random(size) < 0.15
            return lambda i, _a: "Demo-Antwort" if answered[i] else None
        if kind == "consent":
            return lambda i, _a: True
        raise ValueError(f"no demo answers for {kind}")

    def _multi(self, batch: _Batch, question, size: int):
        ids = [o.id for o in question.options if not o.exclusive]
        exclusive = [o.id for o in question.options if o.exclusive]
        count = len(ids)
        lean = (np.arange(count) / max(count - 1, 1)) - 0.5
        logits = self.bases[question.id][None, :count] - 0.3 + LEANING * batch.z[:, None] * lean
        chosen = batch.rng.random((size, count)) < 1 / (1 + np.exp(-logits))
        other = batch.rng.random(size) < (0.05 if question.other else 0)
        alone = batch.rng.random(size) < (0.05 if exclusive else 0)
        limit = question.max_choices or count + 1

        def multi(i, _answers):
            if alone[i]:
                return [exclusive[0]]
            picked = [ids[j] for j in np.flatnonzero(chosen[i])][:limit]
            if other[i] and len(picked) < limit:
                picked.append(OTHER)
            if not picked:
                picked = [ids[int(np.argmax(logits[i]))]]
            return picked
        return multi


def generate(definition: SurveyDefinition, count: int, seed: int) -> Iterator[list[dict]]:
    """Answer sets in batches."""
    generator = DemoGenerator(definition, seed)
    left = count
    while left > 0:
        size = min(BATCH, left)
        yield generator.batch(size)
        left -= size


def insert_demo_responses(version: SurveyVersion, answer_sets: list[dict],
                          rng: np.random.Generator) -> None:
    """Store one batch of demo answer sets as responses of `version`, spread over 90 days."""
    languages = definition_languages(version)
    today = date.today()
    days = rng.integers(0, 90, len(answer_sets))
    spoken = rng.integers(0, len(languages), len(answer_sets))
    rows = [{"survey_version_id": version.id, "submission_key": f"demo-{secrets.token_hex(20)}",
             "language": languages[spoken[n]], "submitted_on": today - timedelta(int(days[n])),
             "answers": answers, "is_demo": True} for n, answers in enumerate(answer_sets)]
    with write_transaction():
        db.session.execute(insert(Response), rows)


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
