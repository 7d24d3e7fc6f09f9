"""What a frame knows of the days responses were submitted on, and how it learns what is new.

Response ids are random and nothing stores when a response came, finer than its day
(`submitted_on`). So a frame's parts each hold whole days, and the frame remembers, per
day, how many responses it holds and the sum of their ids' low 32 bits. The database gives
the same pair per day from an index; a day whose pair differs has gained, lost or moved
(mixed) a response, and only its responses are read again. Nothing in the frame orders
responses finer than their day: within a part, rows are in id order (a random one).
"""

from bisect import bisect_right

import numpy as np
import pandas as pd
from sqlalchemy import text

NO_DAY = ""  # responses without a day (none are stored so), sorted before every day
_LOW_BITS = 0xFFFFFFFF

# Per version and day: how many responses, and the sum of their ids' low 32 bits. Ids are
# random, so any change to a day's responses changes the pair (but for odds of about one
# in four billion). Read from the index on (version, day) alone.
_DAYS = text("""
    SELECT submitted_on, count(*), sum(id & 4294967295) FROM response
    WHERE survey_version_id IN (SELECT id FROM survey_version WHERE survey_id = :survey)
    GROUP BY survey_version_id, submitted_on
""")

DayCounts = dict[str, tuple[int, int]]  # day → (responses, sum of their ids' low bits)


def _day_key(value) -> str:
    return NO_DAY if value is None else str(value)[:10]


def stored_days(connection, survey_id: int) -> DayCounts:
    """The survey's responses per day as the database holds them."""
    days: dict[str, list[int]] = {}
    for day, count, checksum in connection.execute(_DAYS, {"survey": survey_id}):
        entry = days.setdefault(_day_key(day), [0, 0])
        entry[0] += int(count)
        entry[1] += int(checksum or 0)
    return {day: (count, checksum) for day, (count, checksum) in days.items()}


def frame_days(frame: pd.DataFrame) -> DayCounts:
    """The same pairs for the rows of a frame (`response_id`, `submitted_on`)."""
    if not len(frame):
        return {}
    low = frame["response_id"].to_numpy(dtype=np.int64) & _LOW_BITS
    grouped = pd.DataFrame({"day": day_numbers(frame), "low": low}).groupby("day")["low"]
    counts, sums = grouped.size(), grouped.sum()
    return {_key_of(number): (int(counts[number]), int(sums[number])) for number in counts.index}


_NO_DAY_NUMBER = np.iinfo(np.int64).min  # what NaT becomes: before every day


def day_numbers(frame: pd.DataFrame) -> np.ndarray:
    """Each row's day as days since 1970 (NaT, no day: before all of them)."""
    return frame["submitted_on"].to_numpy().astype("datetime64[D]").astype(np.int64)


def day_number(key: str) -> int:
    """A day key ("YYYY-MM-DD" or NO_DAY) as `day_numbers` gives it."""
    return _NO_DAY_NUMBER if key == NO_DAY else int(np.datetime64(key, "D").astype(np.int64))


def _key_of(number: int) -> str:
    return NO_DAY if number == _NO_DAY_NUMBER else str(np.datetime64(int(number), "D"))


def changed_days(held: DayCounts, stored: DayCounts) -> list[str]:
    """The days whose responses differ between what a frame holds and the database."""
    return sorted(day for day in held.keys() | stored.keys() if held.get(day) != stored.get(day))


def plan_parts(days: DayCounts, rows_per_part: int) -> list[str]:
    """The first day of each part: consecutive days, about `rows_per_part` rows a part
    (a larger day is a part of its own)."""
    firsts: list[str] = []
    rows = 0
    for day in sorted(days):
        count = days[day][0]
        if not firsts or (rows and rows + count > rows_per_part):
            firsts.append(day)
            rows = 0
        rows += count
    return firsts or [NO_DAY]


def part_of(firsts: list[str], day: str) -> int:
    """The part a day belongs to: the last whose first day is not after it (else the first)."""
    return max(bisect_right(firsts, day) - 1, 0)


def parts_of_rows(firsts: list[str], numbers: np.ndarray) -> np.ndarray:
    """`part_of` for each row, from its `day_numbers`."""
    bounds = np.array([day_number(first) for first in firsts], dtype=np.int64)
    return np.maximum(np.searchsorted(bounds, numbers, side="right") - 1, 0)
