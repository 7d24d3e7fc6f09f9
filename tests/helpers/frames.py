"""Random frames in the format of `survey.definition.columns`, for tests and timing checks.

The column types follow `reports.frame`: categoricals over the option ids, nullable
booleans for multi_choice options, nullable small integers for ranking places."""

import numpy as np
import pandas as pd

from survey.definition.columns import frame_columns


def random_frame(definition, rows: int, seed: int = 0, missing: float = 0.2) -> pd.DataFrame:
    """`rows` random responses to `definition`; each question is unanswered with
    probability `missing` (all of a multi_choice or ranking question's columns together)."""
    rng = np.random.default_rng(seed)
    data: dict[str, object] = {
        "response_id": np.arange(1, rows + 1),
        "version": np.ones(rows, dtype=np.int64),
        "submitted_on": pd.Timestamp("2024-01-01") + pd.to_timedelta(
            rng.integers(0, 365, rows), unit="D"),
        "is_demo": np.zeros(rows, dtype=bool),
    }
    for columns in frame_columns(definition):
        question = definition.question(columns.question_id)
        absent = rng.random(rows) < missing
        if columns.kind == "choice":
            data[columns.columns[0]] = _strings(rng, question.choice_ids(), absent)
        elif columns.kind == "matrix":
            for name in columns.columns:
                data[name] = _strings(rng, question.choice_ids(), rng.random(rows) < missing)
        elif columns.kind == "multi":
            chosen = rng.random((rows, len(columns.columns))) < 0.4
            for index, name in enumerate(columns.columns):
                data[name] = pd.arrays.BooleanArray(chosen[:, index], absent.copy())
        elif columns.kind == "ranking":
            places = rng.random((rows, len(columns.columns))).argsort(axis=1).argsort(axis=1) + 1
            for index, name in enumerate(columns.columns):
                data[name] = pd.arrays.IntegerArray(places[:, index].astype(np.int8),
                                                    absent.copy())
        elif columns.kind == "number":
            values = rng.integers(int(question.min), int(question.max) + 1, rows).astype(float)
            values[absent] = np.nan
            data[columns.columns[0]] = values
    return pd.DataFrame(data)


def _strings(rng, ids: list[str], absent: np.ndarray) -> pd.Categorical:
    codes = rng.integers(0, len(ids), absent.size)
    codes[absent] = -1
    return pd.Categorical.from_codes(codes, categories=ids)
