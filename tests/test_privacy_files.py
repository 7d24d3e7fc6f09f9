"""What someone holding the database's files finds after a mix: no order of the responses,
nothing that pairs a participation with its response, nothing of a submitted draft.

On SQLite the attacker reads the main file, the WAL and the wal-index (-shm) byte by byte;
on PostgreSQL, `xmin` and `ctid` and the files of rewritten tables. Before the mix the same
attacker recovers the order and the pairs: that shows each check can fail.
"""

import glob
import hashlib
import json
import os
import secrets
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from scipy.stats import spearmanr

from survey.extensions import db
from survey.mixing import mix
from survey.responses import participation_key
from survey.surveys import find_survey
from tests.conftest import ON_POSTGRES
from tests.helpers.clients import isolated_client
from tests.helpers.pages import FACTORY_PAGES, input_values

SLUG = "test-survey"
RESPONDENTS = 60
# |Spearman's rho| of 60 pairs in random order exceeds 0.5 with odds of about 1 in 20,000.
CHANCE = 0.5


@pytest.fixture
def survey(make_survey):
    make_survey()
    return find_survey(SLUG)


@dataclass(frozen=True)
class Respondent:
    """One browser's run through the survey, and what only it could know."""

    marker: str  # its free-text answer, unique: where it lies in a file is where the row is
    submission_id: str
    token_hash: str  # of its resume token
    participation: str  # the HMAC its participation row holds


def answer(app, survey, number: int) -> Respondent:
    """A browser answers every page of the factory survey, with a comment of its own."""
    client = isolated_client(app)
    marker = f"Marker{number:02d}x{secrets.token_hex(8)}"
    pages = {**FACTORY_PAGES, "third": {**FACTORY_PAGES["third"], "comment": marker}}
    submission_id = token = None
    for _page in pages:
        hidden = input_values(client.get(f"/s/{SLUG}").text)
        submission_id = hidden["submission_id"]
        data = {**pages[hidden["page"]], "action": "next", "page": hidden["page"],
                "submission_id": submission_id}
        assert client.post(f"/s/{SLUG}", data=data).status_code == 302
        with client.session_transaction() as session:
            token = session.get("drafts", {}).get(SLUG, token)
    assert client.get(f"/s/{SLUG}/thanks").status_code == 200
    browser = client.get_cookie("resonanz_respondent").value
    return Respondent(marker, submission_id, hashlib.sha256(token.encode()).hexdigest(),
                      participation_key(survey, f"browser:{browser}"))


def answered(app, survey, count: int = RESPONDENTS) -> list[Respondent]:
    """`count` respondents, in the order they submitted."""
    people = [answer(app, survey, number) for number in range(count)]
    db.session.remove()  # the test's own snapshot must not hold the WAL
    return people


# ------------------------------------------------------------------ SQLite, byte by byte

def database_files() -> dict[str, bytes]:
    """The main file, WAL and wal-index as they lie on disk now (copied while in use, as a
    backup or a curious operator would)."""
    path = db.engine.url.database
    return {name: Path(path + suffix).read_bytes() if Path(path + suffix).exists() else b""
            for name, suffix in (("main", ""), ("wal", "-wal"), ("shm", "-shm"))}


def ids_by_marker(files: dict[str, bytes], workdir: Path) -> dict[str, tuple[int, int]]:
    """(rowid, id) of each response, read from a copy of the files."""
    for name, suffix in (("main", ""), ("wal", "-wal")):
        (workdir / f"copy.sqlite3{suffix}").write_bytes(files[name])
    connection = sqlite3.connect(workdir / "copy.sqlite3")
    try:
        return {json.loads(answers)["comment"]: (rowid, identifier) for rowid, identifier, answers
                in connection.execute("SELECT rowid, id, answers FROM response")}
    finally:
        connection.close()
        for path in glob.glob(str(workdir / "copy.sqlite3*")):
            os.remove(path)


def recoverable_orders(files: dict[str, bytes], people: list[Respondent],
                       workdir: Path) -> dict[str, list]:
    """Every order of the responses (and participations) an attacker can read off the
    files: each respondent's value, None where it cannot be found."""
    ids = ids_by_marker(files, workdir)
    orders = {
        "id": [ids[p.marker][1] for p in people],
        "rowid": [ids[p.marker][0] for p in people],
    }
    for name in ("main", "wal", "shm"):
        content = files[name]
        orders[f"response in {name}"] = [_offset(content, p.marker) for p in people]
        orders[f"participation in {name}"] = [_offset(content, p.participation) for p in people]
    return orders


def _offset(content: bytes, text: str) -> int | None:
    offset = content.find(text.encode())
    return None if offset < 0 else offset


def correlations(orders: dict[str, list]) -> dict[str, float]:
    """Spearman's rho between the submission order and each order found for at least ten."""
    found = {}
    for name, values in orders.items():
        pairs = [(rank, value) for rank, value in enumerate(values) if value is not None]
        if len(pairs) >= 10:
            found[name] = spearmanr(*zip(*pairs, strict=True)).statistic
    return found


@pytest.mark.skipif(ON_POSTGRES, reason="reads SQLite's files")
def test_after_a_mix_no_order_of_the_responses_is_in_the_sqlite_files(app, survey, tmp_path):
    people = answered(app, survey)
    before = correlations(recoverable_orders(database_files(), people, tmp_path))
    # The attacker works: before the mix the WAL holds rows in the order they came.
    assert max(abs(rho) for rho in before.values()) > 0.9, before

    assert mix().wal_truncated
    files = database_files()
    after = correlations(recoverable_orders(files, people, tmp_path))
    assert {"id", "rowid", "response in main", "participation in main"} <= set(after)
    assert all(abs(rho) <= CHANCE for rho in after.values()), after
    assert files["wal"] == b""
    for person in people:  # the wal-index holds page numbers only, no row
        assert person.marker.encode() not in files["shm"]
        assert person.participation.encode() not in files["shm"]


@pytest.mark.skipif(ON_POSTGRES, reason="reads SQLite's files")
def test_a_submitted_draft_leaves_nothing_in_the_sqlite_files(app, survey):
    people = answered(app, survey, 5)
    traces = [trace.encode() for person in people
              for trace in (person.submission_id, person.token_hash)]
    assert any(trace in database_files()["wal"] for trace in traces)  # before the mix
    mix()
    for name, content in database_files().items():
        found = [trace for trace in traces if trace in content]
        assert not found, f"{name} still holds {found}"


# ------------------------------------------------------------------ PostgreSQL

def postgres_rows(table: str, *columns: str) -> list[tuple]:
    db.session.rollback()
    return db.session.execute(sa.text(
        f"SELECT xmin::text, ctid::text, {', '.join(columns)} FROM {table}")).all()  # noqa: S608


def ctid_rank(ctid: str) -> int:
    """A ctid "(page,item)" as one number in the order of the heap."""
    page, item = ctid.strip("()").split(",")
    return int(page) << 16 | int(item)


def xmin_candidates(people: list[Respondent]) -> list[set[str]]:
    """For each participation, the responses (markers) written in its transaction."""
    responses = {}
    for xmin, _ctid, comment in postgres_rows("response", "answers->>'comment'"):
        responses.setdefault(xmin, set()).add(comment)
    participations = {key: xmin for xmin, _ctid, key in postgres_rows("participation", "key")}
    return [responses.get(participations[p.participation], set()) for p in people]


def ctid_correlations(people: list[Respondent]) -> dict[str, float]:
    response_ctid = {comment: ctid_rank(ctid)
                     for _xmin, ctid, comment in postgres_rows("response", "answers->>'comment'")}
    participation_ctid = {key: ctid_rank(ctid)
                          for _xmin, ctid, key in postgres_rows("participation", "key")}
    ranks = range(len(people))
    return {
        "response ctid": spearmanr(ranks, [response_ctid[p.marker] for p in people]).statistic,
        "participation ctid": spearmanr(
            ranks, [participation_ctid[p.participation] for p in people]).statistic,
    }


@pytest.mark.skipif(not ON_POSTGRES, reason="xmin and ctid are PostgreSQL's")
def test_after_a_mix_xmin_and_ctid_pair_no_participation_with_its_response(app, survey):
    people = answered(app, survey)
    # Before: each participation's transaction wrote exactly its response.
    assert xmin_candidates(people) == [{person.marker} for person in people]
    assert min(abs(rho) for rho in ctid_correlations(people).values()) > 0.9

    mix()
    # After: one transaction wrote them all; joining on xmin leaves every response a
    # candidate for every participation, the odds of a guess (1 in 60).
    markers = {person.marker for person in people}
    assert all(candidates == markers for candidates in xmin_candidates(people))
    after = ctid_correlations(people)
    assert all(abs(rho) <= CHANCE for rho in after.values()), after
    assert len({xmin for xmin, _ctid, _c in postgres_rows("response", "id")}) == 1


def postgres_file(relative: str) -> Path | None:
    """A relation's file on this host, if the cluster's data directory is readable here."""
    for data in glob.glob("/var/lib/postgresql/*/main"):
        path = Path(data) / relative
        try:
            if path.exists() or Path(data, "base").exists():
                return path
        except PermissionError:
            return None
    return None


@pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL's files")
def test_a_submitted_draft_leaves_nothing_in_postgresql_tables(app, survey):
    people = answered(app, survey, 5)
    relation = db.session.scalar(sa.text("SELECT pg_relation_filepath('draft')"))
    mix()
    db.session.rollback()
    # The draft table is in a new file; the old one, dead copies of the drafts and all,
    # is emptied at once and removed at the next checkpoint.
    assert db.session.scalar(sa.text("SELECT pg_relation_filepath('draft')")) != relation
    old = postgres_file(relation)
    if old is not None:
        assert not old.exists() or old.stat().st_size == 0
    found = db.session.scalar(sa.text("SELECT count(*) FROM draft"))
    assert found == 0
    assert {person.submission_id for person in people}  # they had drafts, now gone
