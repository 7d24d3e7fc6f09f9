"""Reading the responses of an export in chunks, free text included (the frame of
`reports.frame` has none).

As in `reports.frame`, the database joins each chunk's answer documents into one
newline-delimited JSON text and Arrow parses it against a schema made from the
definition; the response's version, day and demo flag come beside it as a small CSV text.
All chunks are read in one read transaction, and in a thread of their own, so the
database works on the next chunk while the previous one is converted and written.
"""

import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.json as pa_json
from sqlalchemy import text

from reports.export.layout import Layout, SourceQuestion
from reports.frame import arrow_type
from reports.prefetch import read_ahead
from survey.definition.columns import question_columns

CHUNK_ROWS = 50_000
META = ("__v", "__d", "__demo")

# Fixed SQL; the survey, range and filters are bound parameters. On SQLite, the unary `+`
# keeps the survey_version_id index out of the chunk query: with it, SQLite would fetch and
# sort every remaining response of the survey for each chunk; without it, it walks the
# table in id order and stops at the chunk's last row.
_SQLITE_FILTER = """
    +survey_version_id IN (SELECT id FROM survey_version WHERE survey_id = :survey)
    AND (:include_demo OR NOT is_demo)
    AND (:since IS NULL OR submitted_on >= :since)"""
_POSTGRES_FILTER = """
    survey_version_id IN (SELECT id FROM survey_version WHERE survey_id = :survey)
    AND (CAST(:include_demo AS boolean) OR NOT is_demo)
    AND (CAST(:since AS date) IS NULL OR submitted_on >= CAST(:since AS date))"""
_SQLITE_CHUNK = """
    SELECT CAST(group_concat(answers, char(10)) AS BLOB),
           CAST(group_concat(survey_version_id || ',' || submitted_on || ',' || is_demo,
                             char(10)) AS BLOB),
           count(*), max(id)
    FROM (SELECT id, answers, survey_version_id, submitted_on, is_demo FROM response
          WHERE id > :after AND {filter} ORDER BY id LIMIT :limit)"""
_POSTGRES_CHUNK = """
    SELECT convert_to(string_agg(answers::text, E'\\n' ORDER BY id), 'UTF8'),
           convert_to(string_agg(survey_version_id || ',' || submitted_on::text || ','
                                 || is_demo::int, E'\\n' ORDER BY id), 'UTF8'),
           count(*), max(id)
    FROM (SELECT id, answers, survey_version_id, submitted_on, is_demo FROM response
          WHERE id > :after AND {filter} ORDER BY id LIMIT :limit) AS chunk"""
_SQLITE_COUNT = f"SELECT count(*) FROM response WHERE {_SQLITE_FILTER}"  # noqa: S608 fixed
_POSTGRES_COUNT = f"SELECT count(*) FROM response WHERE {_POSTGRES_FILTER}"  # noqa: S608 fixed


@dataclass(frozen=True)
class Selection:
    """Which responses an export takes."""

    survey_id: int
    since: date | None = None
    include_demo: bool = False

    def parameters(self) -> dict:
        return {"survey": self.survey_id, "include_demo": self.include_demo,
                "since": self.since.isoformat() if self.since else None}


def _is_sqlite(connection) -> bool:
    return connection.dialect.name == "sqlite"


def count_selected(connection, selection: Selection) -> int:
    """How many responses the selection takes."""
    query = _SQLITE_COUNT if _is_sqlite(connection) else _POSTGRES_COUNT
    return connection.execute(text(query), selection.parameters()).scalar_one()


def reading_schema(layout: Layout) -> pa.Schema:
    """The schema the JSON reader parses answer documents with: every exported answer."""
    wanted = {c.question_id for c in layout.columns if c.question_id}
    free = {c.name for c in layout.columns if c.kind == "other_text"}
    fields = []
    for source in layout.questions:
        question = source.question
        if question.id not in wanted:
            continue
        fields.append((question.id, _answer_type(source)))
        if question.id + ".other" in free:
            fields.append((question.id + ".other", pa.string()))
    return pa.schema(fields)


def _answer_type(source: SourceQuestion) -> pa.DataType:
    question = source.question
    if question.type == "text":
        return pa.string()
    if question.type == "consent":
        return pa.bool_()
    return arrow_type(question_columns(source.definition, question))


def parse_chunk(documents: bytes, meta: bytes, schema: pa.Schema) -> pa.Table:
    """One chunk's answer documents and CSV meta lines to a table of `schema` + META."""
    answers = pa_json.read_json(
        io.BytesIO(documents), read_options=pa_json.ReadOptions(block_size=4 << 20),
        parse_options=pa_json.ParseOptions(explicit_schema=schema,
                                           unexpected_field_behavior="ignore"))
    meta = pa_csv.read_csv(
        io.BytesIO(meta), read_options=pa_csv.ReadOptions(column_names=list(META)),
        convert_options=pa_csv.ConvertOptions(column_types={
            "__v": pa.int64(), "__d": pa.string(), "__demo": pa.int8()}))
    for name in META:
        answers = answers.append_column(name, meta[name])
    return answers


def raw_chunks(engine, selection: Selection, rows: int) -> Iterator[tuple[bytes, bytes, int]]:
    """(answer documents, meta lines, count) per chunk, all read in one transaction."""
    with engine.connect() as connection:
        if not _is_sqlite(connection):
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            sqlite = _is_sqlite(connection)
            query = text((_SQLITE_CHUNK if sqlite else _POSTGRES_CHUNK).format(
                filter=_SQLITE_FILTER if sqlite else _POSTGRES_FILTER))
            params = {**selection.parameters(), "after": -1, "limit": rows}  # ids: 0 and up
            while True:
                documents, meta, count, newest = connection.execute(query, params).one()
                if not count:
                    return
                yield bytes(documents), bytes(meta), count
                params["after"] = newest


def parsed_chunks(engine, selection: Selection, schema: pa.Schema,
                  rows: int) -> Iterator[pa.Table]:
    """The selected responses in parsed chunks (`parse_chunk`): while the caller works on
    one, the next is parsed and the one after it read, each in a thread of its own."""
    raw = read_ahead(raw_chunks(engine, selection, rows), name="export-reader")
    parsed = read_ahead((parse_chunk(documents, meta, schema) for documents, meta, _n in raw),
                        name="export-parser")
    try:
        yield from parsed
    finally:
        parsed.close()  # first the parsing thread, which reads from `raw`
        raw.close()

