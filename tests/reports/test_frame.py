"""The tidy frame built from stored responses: column types and values, free text left out,
updates on disk that read only the days that changed, a reset for a new survey version, and
parts of whole days that order responses no finer than their day."""

import copy
import fcntl
import uuid
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pyarrow.feather as feather
import pytest
from sqlalchemy import delete, insert, select
from sqlalchemy import update as update_rows

import reports.frame
from reports.releases import current_frame, frame_source, frame_store
from survey.database import write_transaction
from survey.definition.columns import META_COLUMNS, finding_columns
from survey.definition.records import coded_response
from survey.extensions import db
from survey.mixing import mix
from survey.models import Response, new_response_id
from survey.responses import submission_key
from survey.surveys import definition_of, find_survey, newest_version
from tests.helpers.factories import BASE, COMPLETE_ANSWERS

SLUG = "test-survey"

# The factory survey with `networks` optional, so that a multi_choice question can go
# unanswered (its matrix `activity`, rows_from networks, is then not asked either).
OPTIONAL_NETWORKS = copy.deepcopy(BASE["pages"])
OPTIONAL_NETWORKS[0]["questions"][1]["required"] = False

FULL = COMPLETE_ANSWERS  # xing, linkedin and "other" (Mastodon); ranks linkedin, xing, facebook
NONE_CHOSEN = {"consent": True, "networks": ["none"], "activity": {"none": "rarely"},
               "agree": "dont_know"}
AUSTRIAN = {"consent": True, "networks": ["linkedin"], "primary": "xing", "country": "at",
            "activity": {"linkedin": "daily"}, "agree": "no", "share": 50,
            "future": ["facebook", "linkedin", "xing"]}
SILENT = {"consent": True, "agree": "partly"}  # networks unanswered


@pytest.fixture
def survey(make_survey):
    make_survey(pages=OPTIONAL_NETWORKS)
    return find_survey(SLUG)


def submit(client, answers: dict, language: str = "en") -> int:
    """Submit through the API; the stored response's id."""
    submission_id = uuid.uuid4().hex
    body = {"submission_id": submission_id, "language": language, "answers": answers}
    response = client.post(f"/api/v1/surveys/{SLUG}/responses", json=body)
    assert response.status_code == 201, response.text
    return response_id(submission_id)


def response_id(submission_id: str) -> int:
    db.session.rollback()
    key = submission_key(find_survey(SLUG), submission_id)
    return db.session.scalar(select(Response.id).where(Response.submission_key == key))


def stored_ids() -> list[int]:
    db.session.rollback()
    return sorted(db.session.scalars(select(Response.id)))


def store_on(day: date, answers: dict) -> int:
    """A response submitted on `day` (as demo data or a late day may bring); its id."""
    version = newest_version(find_survey(SLUG))
    record = coded_response(definition_of(version), answers, version_id=version.id, day=day,
                            is_demo=False)
    identifier = new_response_id()
    with write_transaction():
        db.session.execute(insert(Response).values(
            id=identifier, survey_version_id=version.id, submission_key=uuid.uuid4().hex,
            language="en", submitted_on=day, answers=answers, frame_record=record,
            is_demo=False, unmixed=False))
    return identifier


def by_id(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values("response_id", ignore_index=True)


def update(survey) -> int:
    """Bring the survey's frame store up to date; returns how many responses were read."""
    with db.engine.connect() as connection:
        return frame_store(survey).update(connection, frame_source(survey))


def load(survey) -> pd.DataFrame:
    return frame_store(survey).load(frame_source(survey))


def forget_frame_record() -> None:
    """Leave only the JSON documents, as responses stored before frame records were kept."""
    db.session.rollback()
    with write_transaction():
        db.session.execute(update_rows(Response).values(frame_record=None))


NAMES = ["full", "none", "austrian", "silent"]


@pytest.fixture(params=["coded", "documents"])
def frame(request, client, survey):
    """The frame of four responses, read from their frame records or from their documents:
    every test of it holds for both. Indexed by the names of the answer sets."""
    ids = {submit(client, answers): name
           for name, answers in zip(NAMES, (FULL, NONE_CHOSEN, AUSTRIAN, SILENT), strict=True)}
    if request.param == "documents":
        forget_frame_record()
    _source, built = current_frame(survey)
    return built.set_index(built["response_id"].map(ids)).loc[NAMES]


def test_meta_columns_name_each_response(frame):
    assert sorted(frame["response_id"]) == stored_ids()
    assert frame["version"].tolist() == [1, 1, 1, 1]
    assert frame["is_demo"].dtype == bool and not frame["is_demo"].any()
    assert pd.api.types.is_datetime64_any_dtype(frame["submitted_on"])
    assert frame["submitted_on"].notna().all()


def test_choice_columns_are_categoricals_of_option_ids(frame):
    primary = frame["primary"]
    assert isinstance(primary.dtype, pd.CategoricalDtype)
    assert list(primary.cat.categories) == ["xing", "linkedin"]
    assert primary["full"] == "linkedin" and primary["austrian"] == "xing"
    assert primary[["none", "silent"]].isna().all()
    agree = frame["agree"]
    assert list(agree.cat.categories) == ["no", "partly", "yes", "dont_know"]
    assert agree.tolist() == ["yes", "dont_know", "no", "partly"]


def test_multi_choice_is_one_bool_per_option_and_na_when_unanswered(frame):
    names = [f"networks__{o}" for o in ("xing", "linkedin", "none", "other")]
    assert [c for c in frame.columns if c.startswith("networks__")] == names
    for name in names:
        assert frame[name].dtype == "boolean"
    assert frame.loc["full", names].tolist() == [True, True, False, True]
    assert frame.loc["none", names].tolist() == [False, False, True, False]
    assert frame.loc["austrian", names].tolist() == [False, True, False, False]
    assert frame.loc["silent", names].isna().all()


def test_matrix_has_a_column_per_row_including_other_from_rows_from(frame):
    names = [f"activity__{r}" for r in ("xing", "linkedin", "none", "other")]
    assert [c for c in frame.columns if c.startswith("activity__")] == names
    for name in names:
        assert list(frame[name].cat.categories) == ["daily", "rarely"]
    full = frame.loc["full", names]
    assert full.iloc[:2].tolist() == ["daily", "rarely"]
    assert pd.isna(full.iloc[2]) and full.iloc[3] == "daily"
    assert frame.loc["none", "activity__none"] == "rarely"
    assert frame.loc["none", ["activity__xing", "activity__linkedin",
                              "activity__other"]].isna().all()
    assert frame.loc["silent", names].isna().all()


def test_ranking_columns_hold_places_one_is_best(frame):
    names = ["future__xing", "future__linkedin", "future__facebook"]
    for name in names:
        assert pd.api.types.is_integer_dtype(frame[name].dtype)
    assert frame.loc["full", names].tolist() == [2, 1, 3]
    assert frame.loc["austrian", names].tolist() == [3, 2, 1]
    assert frame.loc["none", names].isna().all()


def test_number_columns_are_floats_with_nan_when_unanswered(frame):
    assert frame["weekly"].dtype == np.float64 and frame["share"].dtype == np.float64
    assert frame.loc["full", "weekly"] == 7.0 and frame.loc["full", "share"] == 12.5
    assert frame.loc["austrian", "share"] == 50.0
    assert np.isnan(frame.loc["austrian", "weekly"])
    assert frame.loc[["none", "silent"], "share"].isna().all()


def test_frame_holds_no_free_text_and_no_consent(frame):
    assert "comment" not in frame.columns and "consent" not in frame.columns
    assert not [c for c in frame.columns if ".other" in c or c.startswith("comment")]
    expected = {"response_id", "version", "submitted_on", "is_demo", "primary", "country",
                "agree", "weekly", "share"}
    expected |= {f"networks__{o}" for o in ("xing", "linkedin", "none", "other")}
    expected |= {f"activity__{r}" for r in ("xing", "linkedin", "none", "other")}
    expected |= {f"future__{i}" for i in ("xing", "linkedin", "facebook")}
    assert set(frame.columns) == expected
    text = [str(value) for value in frame.to_numpy().ravel()]
    assert not any("Mastodon" in value or "Interesting" in value for value in text)


def test_stored_parts_hold_no_free_text(client, survey):
    submit(client, FULL)
    assert update(survey) == 1
    parts = list(frame_store(survey).folder.glob("part-*"))
    assert parts
    for part in parts:
        content = part.read_bytes()
        assert b"Mastodon" not in content and b"Interesting" not in content


def spy_on_reads(monkeypatch) -> list:
    """The `days` argument of every read of the database by the frame (None: all)."""
    reads = []
    original = reports.frame.read_chunks

    def spy(connection, source, days=None):
        reads.append(days)
        yield from original(connection, source, days)

    monkeypatch.setattr(reports.frame, "read_chunks", spy)
    return reads


@pytest.fixture
def rereading_days(monkeypatch):
    """Read changed days again however many responses they hold (by default a frame with
    most of its responses changed is read again whole, in id order: cheaper then)."""
    monkeypatch.setattr(reports.frame, "REREAD_SHARE", 1.0)


def part_names(survey) -> list[str]:
    return [part["name"] for part in frame_store(survey).state()["parts"]]


def test_update_reads_only_the_days_that_changed(client, survey, monkeypatch, rereading_days):
    reads = spy_on_reads(monkeypatch)
    old = store_on(date.today() - timedelta(days=40), AUSTRIAN)
    submit(client, FULL)
    submit(client, AUSTRIAN)
    assert update(survey) == 3
    assert update(survey) == 0  # nothing new: nothing read, nothing written
    assert reads == [None]

    submit(client, NONE_CHOSEN)
    today = date.today().isoformat()
    assert update(survey) == 3  # today's three, not the one of forty days ago
    assert reads == [None, [today]]
    assert sorted(load(survey)["response_id"]) == stored_ids()
    assert old in set(load(survey)["response_id"])


def test_large_updates_are_read_in_chunks(client, survey, monkeypatch):
    monkeypatch.setattr(reports.frame, "CHUNK_ROWS", 2)
    ids = {submit(client, answers): answers
           for answers in (FULL, NONE_CHOSEN, AUSTRIAN, SILENT, FULL)}
    assert update(survey) == 5
    frame = by_id(load(survey))
    assert frame["response_id"].tolist() == stored_ids()
    expected = [pd.NA if "networks" not in ids[i] else "none" in ids[i]["networks"]
                for i in frame["response_id"]]
    assert frame["networks__none"].tolist() == expected


def delete_responses(*ids: int) -> None:
    db.session.rollback()
    with write_transaction():
        db.session.execute(delete(Response).where(Response.id.in_(ids)))


def test_deleted_responses_leave_the_frame(client, survey, rereading_days):
    """Demo data purged after a build: the day is read again, without them."""
    first, second, third, fourth = (submit(client, answers)
                                    for answers in (FULL, NONE_CHOSEN, AUSTRIAN, SILENT))
    assert update(survey) == 4
    delete_responses(second, third)
    assert update(survey) == 2
    assert sorted(load(survey)["response_id"]) == sorted([first, fourth])


def test_a_response_stored_late_on_a_day_read_before_is_read(client, survey, rereading_days):
    """One committed after a build, on a day the frame holds already (a long transaction
    on PostgreSQL, or the clock just past midnight): that day is read again."""
    first, second, third = (submit(client, answers) for answers in (FULL, NONE_CHOSEN, AUSTRIAN))
    late = {c: getattr(db.session.get(Response, second), c)
            for c in Response.__table__.columns.keys()}
    delete_responses(second)
    assert update(survey) == 2
    with write_transaction():
        db.session.execute(insert(Response).values(late))
    assert update(survey) == 3
    frame = load(survey).set_index("response_id")
    assert sorted(frame.index) == sorted([first, second, third])
    assert frame.loc[[first, second, third], "primary"].tolist() == ["linkedin", np.nan, "xing"]


def test_the_frame_follows_responses_the_mix_moved_to_new_ids(client, survey, rereading_days):
    """A publish between submit and mix reads responses under ids the mix then changes."""
    for answers in (FULL, NONE_CHOSEN, AUSTRIAN):
        submit(client, answers)
    assert update(survey) == 3
    before = load(survey)
    assert mix().responses == 3
    assert update(survey) == 3  # today, again
    after = load(survey)
    assert sorted(after["response_id"]) == stored_ids()
    assert not set(after["response_id"]) & set(before["response_id"])
    columns = [c for c in after.columns if c != "response_id"]
    pd.testing.assert_frame_equal(
        after.sort_values(columns, ignore_index=True)[columns],
        before.sort_values(columns, ignore_index=True)[columns])


def test_the_findings_columns_are_their_questions_and_breakdowns(survey):
    # blame: agree; primary-by-country: primary by country (tests.factories)
    assert finding_columns(frame_source(survey).definition) == ["primary", "country", "agree"]


@pytest.mark.parametrize("read_back", [False, True], ids=["just-built", "from-disk"])
def test_a_frame_of_some_columns_equals_those_of_the_whole(client, survey, read_back):
    for answers in (FULL, NONE_CHOSEN, AUSTRIAN, SILENT):
        submit(client, answers)
    source, store = frame_source(survey), frame_store(survey)
    with db.engine.connect() as connection:
        store.update(connection, source)
    if read_back:
        store = frame_store(survey)  # a new store reads its parts from disk
    some = store.load(source, columns=["primary", "future__xing"])
    whole = frame_store(survey).load(source)
    assert list(some.columns) == [*META_COLUMNS, "primary", "future__xing"]
    pd.testing.assert_frame_equal(some, whole[list(some.columns)])


def test_a_store_is_held_by_one_publisher_at_a_time(survey):
    store = frame_store(survey)
    with store.locked(), open(store.lock_file, "a") as another:
        with pytest.raises(BlockingIOError):  # a second publisher would wait here
            fcntl.flock(another, fcntl.LOCK_EX | fcntl.LOCK_NB)
    with open(store.lock_file, "a") as another:  # and may go on once the first is done
        fcntl.flock(another, fcntl.LOCK_EX | fcntl.LOCK_NB)


def test_new_survey_version_rebuilds_the_frame(client, survey, make_survey):
    submit(client, FULL)
    assert update(survey) == 1
    old_parts = part_names(survey)

    pages = copy.deepcopy(OPTIONAL_NETWORKS)
    pages[0]["questions"][2]["options"].append({"id": "facebook", "label": "Facebook"})
    make_survey(pages=pages)
    submit(client, {**AUSTRIAN, "primary": "facebook"})
    survey = find_survey(SLUG)
    assert update(survey) == 2  # every response again, under the new definition's columns
    state = frame_store(survey).state()
    assert state["definition_hash"] == frame_source(survey).definition_hash
    assert len(state["parts"]) == 1
    assert not any((frame_store(survey).folder / name).exists() for name in old_parts)
    frame = load(survey).sort_values("version")
    assert frame["version"].tolist() == [1, 2]
    assert list(frame["primary"].cat.categories) == ["xing", "linkedin", "facebook"]
    assert frame["primary"].tolist() == ["linkedin", "facebook"]


def stored_parts(survey) -> list[pd.DataFrame]:
    store = frame_store(survey)
    return [feather.read_table(store.folder / name).to_pandas() for name in part_names(survey)]


def days_of(part: pd.DataFrame) -> set:
    return set(part["submitted_on"].dt.date)


def test_parts_hold_whole_days_in_id_order(client, survey, monkeypatch, rereading_days):
    """Nothing on disk orders responses finer than their day: a part holds whole days,
    its rows in id order (ids are random), and new responses go in among the others."""
    monkeypatch.setattr(reports.frame, "PART_ROWS", 2)
    today = date.today()
    for ago in (9, 9, 8, 5, 5, 5, 1):
        store_on(today - timedelta(days=ago), AUSTRIAN)
    assert update(survey) == 7
    parts = stored_parts(survey)
    assert len(parts) > 1
    for index, part in enumerate(parts):
        assert part["response_id"].is_monotonic_increasing
        for other in parts[index + 1:]:
            assert not days_of(part) & days_of(other)
    for answers in (FULL, NONE_CHOSEN, SILENT):
        submit(client, answers)
    store_on(today - timedelta(days=9), FULL)
    assert update(survey) == 6  # the three of today and the three of nine days ago
    parts = stored_parts(survey)
    assert sorted(pd.concat(parts)["response_id"]) == stored_ids()
    for part in parts:
        assert part["response_id"].is_monotonic_increasing
    state = frame_store(survey).state()
    assert set(state) == {"format", "definition_hash", "parts", "days"}
    assert state["days"][today.isoformat()][0] == 3


def test_a_change_on_one_day_rewrites_only_its_part(client, survey, monkeypatch,
                                                   rereading_days):
    monkeypatch.setattr(reports.frame, "PART_ROWS", 2)
    today = date.today()
    for ago in (30, 30, 20, 20, 10, 10):
        store_on(today - timedelta(days=ago), AUSTRIAN)
    assert update(survey) == 6
    before = frame_store(survey).state()["parts"]
    store_on(today - timedelta(days=20), FULL)
    assert update(survey) == 3
    after = frame_store(survey).state()["parts"]
    kept = [part for part in before if part in after]
    assert len(kept) == len(before) - 1
    assert [p["first"] for p in after] == [p["first"] for p in before]


def test_a_part_grown_too_large_is_split_at_its_days(client, survey, monkeypatch,
                                                    rereading_days):
    monkeypatch.setattr(reports.frame, "PART_ROWS", 2)
    today = date.today()
    store_on(today - timedelta(days=3), FULL)
    assert update(survey) == 1
    for ago in (3, 2, 2, 1, 1, 0):
        store_on(today - timedelta(days=ago), AUSTRIAN)
    assert update(survey) == 7
    parts = stored_parts(survey)
    assert len(parts) > 1
    assert sorted(pd.concat(parts)["response_id"]) == stored_ids()
    for index, part in enumerate(parts):
        for other in parts[index + 1:]:
            assert not days_of(part) & days_of(other)


def test_frame_read_back_from_disk_equals_the_frame_just_built(client, survey):
    for answers in (FULL, NONE_CHOSEN, AUSTRIAN, SILENT):
        submit(client, answers)
    store = frame_store(survey)
    source = frame_source(survey)
    with db.engine.connect() as connection:
        assert store.update(connection, source) == 4
    pd.testing.assert_frame_equal(store.load(source), frame_store(survey).load(source))
