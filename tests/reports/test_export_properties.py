"""Properties of anonymized exports: every released combination of quasi-identifiers occurs
at least k times, whatever the responses and k; planted personal data (e-mails, phone
numbers, URLs, handles, IBANs, account names) never reaches any file written."""

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete

from reports.export import run_export
from reports.export.anonymity import (
    QuasiIdentifier,
    build_hierarchies,
    cell_counts,
    plan_generalization,
)
from reports.export.scrubbing import scrub_text
from survey.database import write_transaction
from survey.extensions import db
from survey.models import Response
from tests.helpers.exports import (
    QUASI_IDENTIFIERS,
    make_export_survey,
    output_text,
    random_answers,
    read_back,
    store_responses,
)

BAND = QuasiIdentifier("band", ("b18", "b25", "b35", "b45", "b55", "b65"), ordered=True)
COUNTRY = QuasiIdentifier("country", ("de", "at", "ch", "fr", "other"), ordered=False)
SECTOR = QuasiIdentifier("sector", ("it", "media", "public"), ordered=False)
QUASI = [BAND, COUNTRY, SECTOR]


records_strategy = st.lists(
    st.tuples(st.one_of(st.none(), st.sampled_from(BAND.options)),
              st.one_of(st.none(), st.sampled_from(COUNTRY.options), st.just("xx")),
              st.sampled_from(SECTOR.options)),
    min_size=0, max_size=120)


def option_codes(records: pd.DataFrame, qi: QuasiIdentifier) -> np.ndarray:
    """Option codes as the export makes them: unknown and not answered → the last code."""
    index = {option: code for code, option in enumerate(qi.options)}
    return np.array([index.get(value, len(qi.options)) for value in records[qi.question_id]],
                    dtype=np.int64)


def released_classes(records: pd.DataFrame, plan):
    """Sizes of the released equivalence classes, generalized as the plan says, and which
    records are released."""
    codes = [option_codes(records, qi) for qi in QUASI]
    keep = plan.keep(codes) if len(records) else np.zeros(0, dtype=bool)
    groups = pd.DataFrame({qi.question_id: plan.generalize(i, codes[i])
                           for i, qi in enumerate(QUASI)})[keep]
    return groups.groupby(list(groups.columns)).size(), keep


@settings(max_examples=150, deadline=None)
@given(records=records_strategy, k=st.integers(2, 10),
       max_suppression=st.sampled_from([0.0, 0.05, 0.25]))
def test_every_released_combination_occurs_at_least_k_times(records, k, max_suppression):
    frame = pd.DataFrame(records, columns=[qi.question_id for qi in QUASI], dtype=object)
    cells = cell_counts(frame, QUASI)
    plan = plan_generalization(cells, build_hierarchies(QUASI, cells), k, max_suppression)
    sizes, keep = released_classes(frame, plan)
    assert (sizes >= k).all()
    assert plan.suppressed == int((~keep).sum())
    assert plan.records == len(frame)
    if len(frame) < k:
        assert plan.suppressed == len(frame)
    elif max_suppression == 0:
        assert plan.suppressed == 0
    else:
        assert plan.suppressed <= max_suppression * len(frame)
    if len(sizes):
        assert plan.k_reached == sizes.min()


@settings(max_examples=60, deadline=None)
@given(records=records_strategy, k=st.integers(2, 10))
def test_no_generalization_when_the_answers_are_k_anonymous_already(records, k):
    frame = pd.DataFrame(records, columns=[qi.question_id for qi in QUASI], dtype=object)
    cells = cell_counts(frame, QUASI)
    plan = plan_generalization(cells, build_hierarchies(QUASI, cells), k)
    if len(frame) and cells["count"].min() >= k:
        assert plan.levels == (0, 0, 0)
        assert plan.information_loss == 0


@settings(max_examples=60, deadline=None)
@given(records=records_strategy)
def test_generalization_levels_are_nested_and_ordered_bands_stay_contiguous(records):
    frame = pd.DataFrame(records, columns=[qi.question_id for qi in QUASI], dtype=object)
    hierarchies = build_hierarchies(QUASI, cell_counts(frame, QUASI))
    for hierarchy in hierarchies:
        for level in range(1, hierarchy.top):
            finer, coarser = hierarchy.partitions[level - 1], hierarchy.partitions[level]
            together = {}
            for group, wider in zip(finer, coarser, strict=True):
                assert together.setdefault(group, wider) == wider  # each group stays whole
        if hierarchy.ordered:
            for level in range(hierarchy.top):
                for members in hierarchy.groups(level):
                    indices = [hierarchy.options.index(m) for m in members]
                    assert indices == list(range(indices[0], indices[-1] + 1))


# ------------------------------------------------------------------ scrubbing

words = st.text(alphabet="abcdefghijklmnopqrstuvwxyzäöüß ,;!?", min_size=0, max_size=30)
emails = st.builds("{}@{}.{}".format, st.from_regex(r"[a-z][a-z0-9._]{1,12}", fullmatch=True),
                   st.from_regex(r"[a-z][a-z0-9\-]{1,10}", fullmatch=True),
                   st.sampled_from(["de", "com", "org", "co.uk"]))
phones = st.builds("{}{} {}".format, st.sampled_from(["+49 ", "0", "+41 (0)", "0049 "]),
                   st.from_regex(r"[1-9][0-9]{1,3}", fullmatch=True),
                   st.from_regex(r"[0-9]{3}[ \-/]?[0-9]{3,5}", fullmatch=True))
urls = st.builds("{}{}.{}/{}".format, st.sampled_from(["https://", "http://", "www.", ""]),
                 st.from_regex(r"[a-z][a-z0-9\-]{2,12}", fullmatch=True),
                 st.sampled_from(["de", "com", "io", "net"]),
                 st.from_regex(r"[a-z0-9_]{0,10}", fullmatch=True))
handles = st.from_regex(r"@[A-Za-z][A-Za-z0-9_]{2,14}", fullmatch=True)
ibans = st.builds("{}{} {} {} {} {} {}".format, st.sampled_from(["DE", "AT", "CH"]),
                  *[st.from_regex(r"[0-9]{2}", fullmatch=True)],
                  *[st.from_regex(r"[0-9]{4}", fullmatch=True)] * 4,
                  st.from_regex(r"[0-9]{2}", fullmatch=True))
personal = st.one_of(emails, phones, urls, handles, ibans)


@settings(max_examples=200, deadline=None)
@given(parts=st.lists(st.tuples(words, personal), min_size=1, max_size=4), tail=words)
def test_scrubbing_leaves_none_of_the_planted_personal_data(parts, tail):
    text = " ".join(f"{filler} {planted}" for filler, planted in parts) + " " + tail
    scrubbed = scrub_text(text)
    for _filler, planted in parts:
        assert planted not in scrubbed
    assert "[" in scrubbed


# ------------------------------------------------------------------ whole exports

PLANTED = ["zebulon.quaxley@example.org", "Zebulon Quaxley", "ottilie@brumm.example",
           "Ottilie Brummwasser", "+49 30 12345678", "https://quaxley.example/profil",
           "@zquaxley", "DE89 3704 0044 0532 0130 00"]


@pytest.fixture
def export_survey(make_survey, make_user):
    make_user("zebulon.quaxley@example.org")
    make_user("ottilie@brumm.example")
    from survey.models import User

    with write_transaction():
        for user, name in zip(db.session.query(User).order_by(User.id), ["Zebulon Quaxley",
                                                                         "Ottilie Brummwasser"],
                              strict=True):
            user.display_name = name
    return make_export_survey(make_survey)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32 - 1), count=st.integers(0, 60), k=st.integers(2, 10),
       text=st.sampled_from(["drop", "scrub"]),
       fmt=st.sampled_from(["csv", "jsonl", "parquet", "xlsx", "sav"]))
def test_exports_are_k_anonymous_and_free_of_personal_data(export_survey, tmp_path, seed,
                                                          count, k, text, fmt):
    with write_transaction():
        db.session.execute(delete(Response))
    rng = np.random.default_rng(seed)
    planted = " ".join(PLANTED[i] for i in rng.permutation(len(PLANTED))[:4])
    store_responses(export_survey, [random_answers(rng, f"Grüße, {planted} – bis bald")
                                    for _ in range(count)])
    result = run_export(export_survey, fmt, tmp_path / f"out-{seed}.{fmt}", k=k, text=text)
    codebook = json.loads(result.codebook_paths[0].read_text())
    frame = read_back(fmt, result.data_path, codebook)
    assert len(frame) == result.rows == result.disclosure["records"]["released"]
    if len(frame):
        sizes = frame[QUASI_IDENTIFIERS].fillna("(none)").groupby(QUASI_IDENTIFIERS).size()
        assert sizes.min() >= k
    written = output_text(result)
    for personal_data in PLANTED:
        assert personal_data.lower() not in written.lower()
    assert "Liechtenstein" not in written  # the free text of a quasi-identifier's "other"


# ------------------------------------------------------------------ hierarchies by example

def test_unordered_values_are_grouped_rarest_first():
    cells = pd.DataFrame({"country": [0, 1, 2, 4, 5], "count": [50, 3, 1, 2, 9]})
    (hierarchy,) = build_hierarchies([COUNTRY], cells)  # fr (3) has no records
    assert not hierarchy.ordered
    assert [hierarchy.groups(level) for level in (1, 2)] == [
        [("de",), ("at",), ("ch", "fr"), ("other",)],
        [("de",), ("at",), ("ch", "fr", "other")]]
    assert hierarchy.group_codes(2) == ["de", "at", "(grouped)", None]
    assert hierarchy.group_codes(hierarchy.top) == ["*"]


def test_ordered_bands_merge_the_neighbours_with_fewest_records():
    cells = pd.DataFrame({"band": [0, 1, 2, 3, 4, 5], "count": [9, 1, 2, 40, 3, 30]})
    (hierarchy,) = build_hierarchies([BAND], cells)
    assert hierarchy.groups(1) == [("b18",), ("b25", "b35"), ("b45",), ("b55",), ("b65",)]
    assert hierarchy.groups(2) == [("b18", "b25", "b35"), ("b45",), ("b55",), ("b65",)]
    assert hierarchy.group_codes(2)[0] == "b18..b35"


def test_information_loss_counts_what_merging_hides():
    cells = pd.DataFrame({"sector": [0, 1, 2], "count": [2, 2, 4]})
    (hierarchy,) = build_hierarchies([SECTOR], cells)
    counts = np.array([2, 2, 4, 0])
    assert hierarchy.information_loss(0, counts) == 0
    assert hierarchy.information_loss(1, counts) == pytest.approx(0.5)  # 4 of 8 lose 1 bit
    assert hierarchy.information_loss(hierarchy.top, counts) == pytest.approx(1.5)


def test_long_option_lists_keep_a_small_lattice_of_nested_levels():
    many = [QuasiIdentifier(f"q{n}", tuple(f"o{i}" for i in range(60)), ordered=n == 0)
            for n in range(4)]
    rng = np.random.default_rng(3)
    records = pd.DataFrame({qi.question_id: rng.choice(qi.options, 500) for qi in many})
    cells = cell_counts(records, many)
    hierarchies = build_hierarchies(many, cells)
    assert all(h.levels <= 11 for h in hierarchies)  # 20,000 ** (1/4) levels at most
    for hierarchy in hierarchies:
        assert hierarchy.partitions[0] == tuple(range(60))
        assert len(set(hierarchy.partitions[-1])) == 1  # one group, then the top "*"
    plan = plan_generalization(cells, hierarchies, 5)
    assert plan.suppressed == 0 and plan.k_reached >= 5
