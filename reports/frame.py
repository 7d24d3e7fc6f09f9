"""Responses to a tidy columnar frame, kept on disk as Parquet and updated incrementally.

Answers are stored as one JSON document per response. Parsing a million of them
in Python is slow, so the database concatenates them into newline-delimited JSON
(one round trip per chunk, with the response's id, version, day and demo flag
merged into each document) and Arrow's JSON reader parses that in C++ against
a schema made from the definition. `reports.columns` describes the result.

On disk, `instance/frames/<slug>/` holds one Parquet part per build step and
`state.json` (the last response id read and the definition hash the columns
were made for). A build reads only responses newer than the last id; a new
survey version (new columns) starts afresh.
"""

import io
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pa_json
import pyarrow.parquet as pq
from sqlalchemy import text

from reports.columns import QuestionColumns, frame_columns
from survey.definition import SurveyDefinition

CHUNK_ROWS = 200_000
MAX_PARTS = 16
_META = {"__id": pa.int64(), "__v": pa.int64(), "__d": pa.string(), "__demo": pa.int64()}

_SQLITE_CHUNK = text("""
    SELECT group_concat(doc, char(10)), count(*), max(id) FROM (
        SELECT id, json_set(answers, '$.__id', id, '$.__v', survey_version_id,
                            '$.__d', submitted_on, '$.__demo', is_demo) AS doc
        FROM response
        WHERE survey_version_id IN (SELECT id FROM survey_version WHERE survey_id = :survey)
          AND id > :after
        ORDER BY id LIMIT :limit)
""")
_POSTGRES_CHUNK = text("""
    SELECT string_agg(doc, E'\\n' ORDER BY id), count(*), max(id) FROM (
        SELECT id, (answers::jsonb || jsonb_build_object(
                    '__id', id, '__v', survey_version_id,
                    '__d', submitted_on::text, '__demo', is_demo::int))::text AS doc
        FROM response
        WHERE survey_version_id IN (SELECT id FROM survey_version WHERE survey_id = :survey)
          AND id > :after
        ORDER BY id LIMIT :limit) AS chunk
""")


@dataclass(frozen=True)
class FrameSource:
    """What a frame is built from: a survey's id, its versions, and its newest definition."""

    survey_id: int
    version_numbers: dict[int, int]  # version id → version number
    definition: SurveyDefinition
    definition_hash: str


def _arrow_type(spec: QuestionColumns) -> pa.DataType:
    if spec.kind == "choice":
        return pa.string()
    if spec.kind == "number":
        return pa.float64()
    if spec.kind == "matrix":
        return pa.struct([(row, pa.string()) for row in spec.parts])
    return pa.list_(pa.string())  # multi and ranking


def arrow_schema(specs: list[QuestionColumns]) -> pa.Schema:
    """The schema the JSON reader parses answer documents with."""
    fields = list(_META.items())
    fields += [(spec.question_id, _arrow_type(spec)) for spec in specs]
    return pa.schema(fields)


def _categorical(values: pa.Array, categories: tuple[str, ...] | list[str]) -> pd.Categorical:
    codes = pc.index_in(values, value_set=pa.array(list(categories), pa.string()))
    codes = codes.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int16)
    return pd.Categorical.from_codes(codes, categories=list(categories))


def _list_positions(values: pa.ChunkedArray | pa.Array):
    """(row index, position in its list, value) of every element of a list column."""
    values = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    flat = pc.list_flatten(values).to_numpy(zero_copy_only=False)
    parents = pc.list_parent_indices(values).to_numpy()
    offsets = values.offsets.to_numpy()
    positions = np.arange(len(flat)) - (offsets[parents] - offsets[0])
    return parents, positions, flat


def _question_frame(spec: QuestionColumns, column: pa.ChunkedArray, choices) -> dict:
    rows = len(column)
    answered = column.is_valid().to_numpy(zero_copy_only=False)
    if spec.kind == "number":
        return {spec.question_id: column.to_numpy(zero_copy_only=False).astype(float)}
    if spec.kind == "choice":
        return {spec.question_id: _categorical(column.combine_chunks(), choices)}
    if spec.kind == "matrix":
        combined = column.combine_chunks()
        return {name: _categorical(combined.field(row), choices)
                for name, row in zip(spec.columns, spec.parts, strict=True)}
    parents, positions, flat = _list_positions(column)
    result = {}
    for name, part in zip(spec.columns, spec.parts, strict=True):
        hit = flat == part
        if spec.kind == "multi":
            chosen = np.zeros(rows, dtype=bool)
            chosen[parents[hit]] = True
            result[name] = pd.arrays.BooleanArray(chosen, ~answered)
        else:  # ranking: the place, 1 = best
            place = np.zeros(rows, dtype=np.int8)
            place[parents[hit]] = positions[hit] + 1
            result[name] = pd.arrays.IntegerArray(place, ~answered | (place == 0))
    return result


def _choices(definition: SurveyDefinition, spec: QuestionColumns) -> list[str]:
    question = definition.question(spec.question_id)
    return question.choice_ids() if spec.kind in ("choice", "matrix") else []


def parse_documents(ndjson: bytes, source: FrameSource) -> pd.DataFrame:
    """Newline-delimited answer documents to the tidy frame of `reports.columns`."""
    specs = frame_columns(source.definition)
    table = pa_json.read_json(
        io.BytesIO(ndjson),
        read_options=pa_json.ReadOptions(block_size=16 << 20),
        parse_options=pa_json.ParseOptions(explicit_schema=arrow_schema(specs),
                                           unexpected_field_behavior="ignore"),
    )
    versions = pd.Series(source.version_numbers)
    data = {
        "response_id": table["__id"].to_numpy(),
        "version": versions.reindex(table["__v"].to_numpy()).to_numpy(dtype=np.int32),
        "submitted_on": pd.to_datetime(table["__d"].to_numpy(zero_copy_only=False)),
        "is_demo": table["__demo"].to_numpy(zero_copy_only=False).astype(bool),
    }
    for spec in specs:
        data.update(_question_frame(spec, table[spec.question_id],
                                    _choices(source.definition, spec)))
    return pd.DataFrame(data)


def read_chunks(connection, source: FrameSource, after: int):
    """(newest id, frame) for each chunk of responses with an id above `after`."""
    query = _SQLITE_CHUNK if connection.dialect.name == "sqlite" else _POSTGRES_CHUNK
    while True:
        documents, count, newest = connection.execute(
            query, {"survey": source.survey_id, "after": after, "limit": CHUNK_ROWS}).one()
        if not count:
            return
        yield newest, parse_documents(documents.encode(), source)
        after = newest


def empty_frame(source: FrameSource) -> pd.DataFrame:
    """A frame with every column and no rows."""
    return parse_documents(b"", source)


class FrameStore:
    """The on-disk frame of one survey: Parquet parts and the state they were built to."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.state_file = self.folder / "state.json"

    def state(self) -> dict:
        if not self.state_file.exists():
            return {}
        return json.loads(self.state_file.read_text())

    def update(self, connection, source: FrameSource) -> int:
        """Read the responses added since the last build; returns how many were read."""
        state = self.state()
        if state.get("definition_hash") != source.definition_hash:
            shutil.rmtree(self.folder, ignore_errors=True)
            state = {"definition_hash": source.definition_hash, "last_id": 0, "parts": []}
        self.folder.mkdir(parents=True, exist_ok=True)
        added = 0
        for newest, chunk in read_chunks(connection, source, state["last_id"]):
            name = f"part-{state['last_id'] + 1:012d}-{newest:012d}.parquet"
            chunk.to_parquet(self.folder / name, index=False)
            state["parts"].append(name)
            state["last_id"] = newest
            added += len(chunk)
        if len(state["parts"]) > MAX_PARTS:
            state["parts"] = self._compact(state["parts"])
        self._save(state)
        return added

    def load(self, source: FrameSource, up_to_id: int | None = None) -> pd.DataFrame:
        """The whole frame (optionally only responses up to an id)."""
        parts = [self.folder / name for name in self.state().get("parts", [])]
        if not parts:
            return empty_frame(source)
        frame = pd.concat([pd.read_parquet(p) for p in parts], ignore_index=True)
        if up_to_id is not None:
            frame = frame[frame["response_id"] <= up_to_id]
        return frame

    def _compact(self, parts: list[str]) -> list[str]:
        tables = [pq.read_table(self.folder / name) for name in parts]
        first, last = parts[0].split("-")[1], parts[-1].split("-")[2]
        name = f"part-{first}-{last}"
        pq.write_table(pa.concat_tables(tables), self.folder / f"{name}.tmp")
        (self.folder / f"{name}.tmp").rename(self.folder / name)
        for old in parts:
            if old != name:
                (self.folder / old).unlink(missing_ok=True)
        return [name]

    def _save(self, state: dict) -> None:
        temporary = self.state_file.with_suffix(".tmp")
        temporary.write_text(json.dumps(state))
        temporary.replace(self.state_file)
