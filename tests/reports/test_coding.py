"""Frame records: kept at submit, and read into exactly the frame the JSON documents give."""

import base64
import dataclasses
import math
import struct
import uuid
from datetime import date

import pandas as pd
import pytest
from sqlalchemy import select, update

from reports.coding import decode
from reports.frame import FrameStore
from reports.releases import frame_source
from survey.database import write_transaction
from survey.definition.records import HEADER, coded_response, layout_digest
from survey.extensions import db
from survey.models import Response
from survey.surveys import definition_of, find_survey, newest_version
from tests.helpers.releasing import add_answer_sets, add_demo_responses

ARTICLE = "xing-linkedin"


def frames(survey, folder) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The survey's frame read as it is stored, and read from the JSON documents only."""
    source = frame_source(survey)
    built = []
    for name, read_from in (("coded", source),
                            ("documents", dataclasses.replace(source, coded_versions=()))):
        store = FrameStore(folder / name)
        with db.engine.connect() as connection:
            store.update(connection, read_from)
        built.append(store.load(read_from))
    return built[0], built[1]


def forget_coded_answers(every: int) -> None:
    """Drop the frame record of every `every`-th response, as if stored before they were."""
    db.session.rollback()
    with write_transaction():
        db.session.execute(update(Response).where(Response.id % every == 0)
                           .values(frame_record=None))


def test_demo_responses_read_from_frame_records_equal_their_documents(article_survey, tmp_path):
    add_demo_responses(ARTICLE, 600, seed=5)
    survey = find_survey(ARTICLE)
    assert frame_source(survey).coded_versions == (newest_version(survey).id,)
    coded, documents = frames(survey, tmp_path)
    assert len(coded) == 600
    pd.testing.assert_frame_equal(coded, documents)


def test_a_chunk_of_coded_and_uncoded_responses_keeps_id_order(article_survey, tmp_path):
    add_demo_responses(ARTICLE, 300, seed=6)
    forget_coded_answers(every=3)
    coded, documents = frames(find_survey(ARTICLE), tmp_path)
    assert coded["response_id"].is_monotonic_increasing
    pd.testing.assert_frame_equal(coded, documents)


# Shapes as stored answers have them (checked at submit), values the checks would refuse.
ODD_ANSWERS = [
    {"consent": True, "networks": [], "agree": "dont_know"},  # answered, nothing chosen
    {"consent": True, "networks": ["xing", "nope"], "primary": "nope", "weekly": 3,
     "activity": {"xing": "daily", "linkedin": "nope"}, "future": ["xing", "xing", "facebook"]},
    {"consent": True, "networks": None, "share": 12.25, "future": []},
]


def test_odd_answers_read_from_frame_records_equal_their_documents(make_survey, tmp_path):
    make_survey()
    add_answer_sets("test-survey", ODD_ANSWERS)
    coded, documents = frames(find_survey("test-survey"), tmp_path)
    assert len(coded) == len(ODD_ANSWERS)
    pd.testing.assert_frame_equal(coded, documents)


def test_a_submitted_response_keeps_its_frame_record(client, make_survey):
    make_survey()
    answers = {"consent": True, "networks": ["linkedin"], "activity": {"linkedin": "daily"},
               "primary": "linkedin", "agree": "no", "share": 40.5,
               "future": ["linkedin", "xing", "facebook"]}
    body = {"submission_id": uuid.uuid4().hex, "language": "en", "answers": answers}
    assert client.post("/api/v1/surveys/test-survey/responses", json=body).status_code == 201
    response = db.session.scalar(select(Response))
    header = HEADER.pack(response.survey_version_id,
                         (response.submitted_on - date(1970, 1, 1)).days, 0)
    # networks (xing, linkedin, none, other), primary, country, activity rows (the same
    # four), agree, weekly, share, future (xing, linkedin, facebook); 255 = not answered.
    # 9 + 30 bytes: a multiple of three, nothing to pad.
    answered = (bytes([0, 1, 0, 0, 1, 255, 255, 0, 255, 255, 0]) + struct.pack("<d", math.nan)
                + struct.pack("<d", 40.5) + bytes([2, 1, 3]))
    assert base64.b64decode(response.frame_record) == header + answered


def test_records_that_are_not_whole_are_refused(make_survey):
    definition = make_survey()
    record = coded_response(definition, {"consent": True}, version_id=1, day=date.today(),
                            is_demo=False)
    with pytest.raises(ValueError, match="not records of 39 bytes"):
        decode(record.encode()[:-4], definition)
    with pytest.raises(ValueError, match="not base64"):
        decode(b"{not base64}", definition)


def test_a_version_with_other_columns_is_read_from_its_documents(make_survey):
    make_survey()
    first = newest_version(find_survey("test-survey"))
    document_pages = definition_of(first).model_dump(mode="json", by_alias=True)["pages"]
    document_pages[0]["questions"][2]["options"].append({"id": "mastodon", "label": "Mastodon"})
    make_survey(pages=document_pages)
    survey = find_survey("test-survey")
    newest = newest_version(survey)
    assert layout_digest(definition_of(first)) != layout_digest(definition_of(newest))
    assert frame_source(survey).coded_versions == (newest.id,)


def test_a_relabelled_version_still_reads_frame_records(make_survey):
    make_survey()
    make_survey(title={"de": "Neuer Titel", "en": "New title"})
    survey = find_survey("test-survey")
    assert len(survey.versions) == 2
    assert frame_source(survey).coded_versions == tuple(v.id for v in survey.versions)
