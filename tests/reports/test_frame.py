"""The tidy frame built from stored responses: column types and values, free text left out,
incremental updates on disk, a reset for a new survey version, and compaction."""

import copy
import fcntl
import uuid

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import delete, insert, select
from sqlalchemy import update as update_rows

import reports.frame
from reports.releases import current_frame, frame_source, frame_store
from survey.database import write_transaction
from survey.definition.columns import META_COLUMNS, finding_columns
from survey.extensions import db
from survey.models import Response
from survey.surveys import find_survey
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


def submit(client, answers: dict, language: str = "en") -> None:
    body = {"submission_id": uuid.uuid4().hex, "language": language, "answers": answers}
    response = client.post(f"/api/v1/surveys/{SLUG}/responses", json=body)
    assert response.status_code == 201, response.text


def stored_ids() -> list[int]:
    db.session.rollback()
    return list(db.session.scalars(select(Response.id).order_by(Response.id)))


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


@pytest.fixture(params=["coded", "documents"])
def frame(request, client, survey):
    """The frame of four responses, read from their frame records or from their documents:
    every test of it holds for both."""
    for answers in (FULL, NONE_CHOSEN, AUSTRIAN, SILENT):
        submit(client, answers)
    if request.param == "documents":
        forget_frame_record()
    _source, built = current_frame(survey)
    return built.set_index(pd.Index(["full", "none", "austrian", "silent"]))


def test_meta_columns_name_each_response(frame):
    assert frame["response_id"].tolist() == stored_ids()
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


def test_update_reads_only_new_responses(client, survey, monkeypatch):
    reads = []
    original = reports.frame.read_chunks

    def spy(connection, source, after):
        reads.append(after)
        yield from original(connection, source, after)

    monkeypatch.setattr(reports.frame, "read_chunks", spy)
    submit(client, FULL)
    submit(client, AUSTRIAN)
    assert update(survey) == 2
    first_parts = frame_store(survey).state()["parts"]
    assert len(first_parts) == 1

    submit(client, NONE_CHOSEN)
    assert update(survey) == 1
    ids = stored_ids()
    assert reads == [0, ids[1]]  # the second build starts after the last response read
    parts = frame_store(survey).state()["parts"]
    assert parts[:1] == first_parts and len(parts) == 2
    assert load(survey)["response_id"].tolist() == ids

    assert update(survey) == 0  # nothing new: nothing read, no new part
    assert frame_store(survey).state()["parts"] == parts


def test_large_updates_are_read_in_chunks(client, survey, monkeypatch):
    monkeypatch.setattr(reports.frame, "CHUNK_ROWS", 2)
    for answers in (FULL, NONE_CHOSEN, AUSTRIAN, SILENT, FULL):
        submit(client, answers)
    assert update(survey) == 5
    assert len(frame_store(survey).state()["parts"]) == 3
    frame = load(survey)
    assert frame["response_id"].tolist() == stored_ids()
    assert frame["networks__none"].tolist() == [False, True, False, pd.NA, False]


def delete_responses(*ids: int) -> None:
    db.session.rollback()
    with write_transaction():
        db.session.execute(delete(Response).where(Response.id.in_(ids)))


def test_deleted_responses_leave_the_frame(client, survey):
    """Demo data purged after a build: the frame is read again, without them."""
    for answers in (FULL, NONE_CHOSEN, AUSTRIAN, SILENT):
        submit(client, answers)
    assert update(survey) == 4
    first, second, third, fourth = stored_ids()
    delete_responses(second, third)
    assert update(survey) == 2  # everything again
    assert load(survey)["response_id"].tolist() == [first, fourth]


def test_a_response_stored_late_below_the_last_id_is_read(client, survey):
    """On PostgreSQL an id is handed out before the commit: a response can appear with an
    id below the last one the frame read."""
    for answers in (FULL, NONE_CHOSEN, AUSTRIAN):
        submit(client, answers)
    first, second, third = stored_ids()
    late = {c: getattr(db.session.get(Response, second), c)
            for c in Response.__table__.columns.keys()}
    delete_responses(second)
    assert update(survey) == 2
    with write_transaction():
        db.session.execute(insert(Response).values(late))
    assert update(survey) == 3
    frame = load(survey)
    assert frame["response_id"].tolist() == [first, second, third]
    assert frame["primary"].tolist() == ["linkedin", np.nan, "xing"]


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
    old_parts = frame_store(survey).state()["parts"]

    pages = copy.deepcopy(OPTIONAL_NETWORKS)
    pages[0]["questions"][2]["options"].append({"id": "facebook", "label": "Facebook"})
    make_survey(pages=pages)
    submit(client, {**AUSTRIAN, "primary": "facebook"})
    survey = find_survey(SLUG)
    assert update(survey) == 2  # every response again, under the new definition's columns
    state = frame_store(survey).state()
    assert state["definition_hash"] == frame_source(survey).definition_hash
    assert len(state["parts"]) == 1
    assert not any((frame_store(survey).folder / name).exists() for name in old_parts
                   if name not in state["parts"])
    frame = load(survey)
    assert frame["version"].tolist() == [1, 2]
    assert list(frame["primary"].cat.categories) == ["xing", "linkedin", "facebook"]
    assert frame["primary"].tolist() == ["linkedin", "facebook"]


def test_compaction_keeps_every_row(client, survey, monkeypatch):
    monkeypatch.setattr(reports.frame, "MAX_PARTS", 3)
    answer_sets = [FULL, NONE_CHOSEN, AUSTRIAN, SILENT, FULL, AUSTRIAN]
    for answers in answer_sets[:3]:
        submit(client, answers)
        assert update(survey) == 1
    assert len(frame_store(survey).state()["parts"]) == 3
    submit(client, answer_sets[3])
    assert update(survey) == 1  # a fourth part: compacted into one
    folder = frame_store(survey).folder
    parts = frame_store(survey).state()["parts"]
    assert len(parts) == 1
    assert sorted(p.name for p in folder.glob("part-*")) == parts
    for answers in answer_sets[4:]:
        submit(client, answers)
        assert update(survey) == 1
    frame = load(survey)
    assert frame["response_id"].tolist() == stored_ids()
    assert frame["primary"].tolist() == ["linkedin", np.nan, "xing", np.nan, "linkedin", "xing"]
    assert isinstance(frame["primary"].dtype, pd.CategoricalDtype)
    assert frame["future__linkedin"].tolist() == [1, pd.NA, 2, pd.NA, 1, 2]


def test_frame_read_back_from_disk_equals_the_frame_just_built(client, survey):
    for answers in (FULL, NONE_CHOSEN, AUSTRIAN, SILENT):
        submit(client, answers)
    store = frame_store(survey)
    source = frame_source(survey)
    with db.engine.connect() as connection:
        assert store.update(connection, source) == 4
    pd.testing.assert_frame_equal(store.load(source), frame_store(survey).load(source))
