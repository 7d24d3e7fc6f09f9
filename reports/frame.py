"""Responses to a tidy columnar frame, kept on disk and updated incrementally.

Each response keeps its answers twice: as a JSON document (the record of what was
answered) and as a frame record, a fixed-width record of bytes in the frame's columns with
its version, day and demo flag (`survey.definition.records`). The database concatenates a chunk of
responses in one round trip: the frame records of responses coded for the frame's layout
end to end, which numpy reads without parsing, with their ids; and the documents of the
others (an older version with other columns, or stored before records were kept) as
newline-delimited JSON, which Arrow's JSON reader parses against a schema made from the
definition, with their id, version, day and demo flag as CSV lines in the same order (on
PostgreSQL, merged into each document). `survey.definition.columns` describes the result.

On disk, `instance/frames/<slug>/` holds one part per build step, an Arrow IPC
(Feather v2) file, and `state.json` (the last response id read and the definition
hash the columns were made for). A build reads only responses newer than the
last id; a new survey version (new columns) starts afresh. Parts are Arrow files
rather than Parquet because every publish reads the whole frame back: memory-mapped
Arrow costs next to nothing to read or write, while Parquet's encoding and decoding
took seconds per million rows. Parts of older stores written as Parquet
(`*.parquet`) are still read.

Speed (a million responses): the next chunk is fetched from the database in a
helper thread while Arrow parses the current one (the database driver and Arrow
release the GIL), and a store keeps the chunks it has just built in memory, so
that loading right after building every part (a first build, a new version)
reads nothing back (`bench/findings.py` measures it).
"""

import fcntl
import io
import json
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.feather as feather
import pyarrow.json as pa_json
from sqlalchemy import Date, bindparam, text

from reports.coding import decode
from reports.frame_days import (
    NO_DAY,
    changed_days,
    day_number,
    day_numbers,
    frame_days,
    part_of,
    parts_of_rows,
    plan_parts,
    stored_days,
)
from reports.prefetch import read_ahead
from survey.definition import SurveyDefinition
from survey.definition.columns import META_COLUMNS, QuestionColumns, frame_columns

CHUNK_ROWS = 200_000  # responses read from the database in one round trip
PART_ROWS = 50_000  # responses of a part on disk, about (parts hold whole days)
REREAD_SHARE = 0.5  # when more of the responses changed, all are read again in id order
STATE_FORMAT = 2  # parts of whole days; 1 held parts in the order responses came
_META = {"__id": pa.int64(), "__v": pa.int64(), "__d": pa.string(), "__demo": pa.int64()}
_META_CSV = {"__id": pa.int64(), "__v": pa.int64(), "__d": pa.date32(), "__demo": pa.int64()}
PART_SUFFIX = ".arrow"

# One pass over a chunk of responses gives the frame records (`survey.definition.records`) of the
# responses coded for the frame's layout, joined end to end, and their ids, one a line;
# the JSON documents of the others and, on SQLite, their metadata as CSV lines `id,version
# id,day,demo flag` in the same order (merging it into each document with json_set
# re-serialised every document, which cost about as much as Arrow's parse).
# `+survey_version_id` keeps the planner off the version index: with it, every chunk
# sorted all remaining responses (a temporary B-tree) instead of walking the rowid from
# :after in order. Reading only some days (`_ON_DAYS`), the index on (version, day) is
# what finds them.
_SQLITE_CHUNK = """
    SELECT CAST(group_concat(CASE WHEN coded THEN frame_record END, '') AS BLOB),
           CAST(group_concat(CASE WHEN coded THEN id END, char(10)) AS BLOB),
           CAST(group_concat(CASE WHEN NOT coded THEN coalesce(answers, '{{}}') END,
                             char(10)) AS BLOB),
           CAST(group_concat(CASE WHEN NOT coded THEN id || ',' || survey_version_id || ','
                                  || coalesce(submitted_on, '') || ',' || coalesce(is_demo, '')
                             END, char(10)) AS BLOB),
           count(*), max(id)
    FROM (
        SELECT id, survey_version_id, submitted_on, is_demo, answers, frame_record,
               frame_record IS NOT NULL AND survey_version_id IN :coded AS coded
        FROM response
        WHERE {survey_version_id} IN (SELECT id FROM survey_version WHERE survey_id = :survey)
          AND id > :after {on_days}
        ORDER BY id LIMIT :limit)
"""
_POSTGRES_CHUNK = """
    SELECT string_agg(record, '' ORDER BY id), string_agg(record_id, E'\\n' ORDER BY id),
           string_agg(doc, E'\\n' ORDER BY id), NULL, count(*), max(id)
    FROM (
        SELECT id,
               CASE WHEN coded THEN frame_record END AS record,
               CASE WHEN coded THEN id::text END AS record_id,
               CASE WHEN NOT coded THEN (coalesce(answers::jsonb, '{{}}'::jsonb)
                    || jsonb_build_object('__id', id, '__v', survey_version_id,
                                          '__d', submitted_on::text, '__demo', is_demo::int)
                    )::text END AS doc
        FROM (
            SELECT id, survey_version_id, submitted_on, is_demo, answers, frame_record,
                   frame_record IS NOT NULL AND survey_version_id IN :coded AS coded
            FROM response
            WHERE survey_version_id IN (SELECT id FROM survey_version WHERE survey_id = :survey)
              AND id > :after {on_days}
            ORDER BY id LIMIT :limit) AS picked) AS chunk
"""

_ON_DAYS = "AND submitted_on IN :days"


def _chunk_query(template: str, *, days: bool, sqlite: bool):
    query = template.format(survey_version_id="survey_version_id" if days or not sqlite
                            else "+survey_version_id", on_days=_ON_DAYS if days else "")
    parameters = [bindparam("coded", expanding=True)]
    if days:
        parameters.append(bindparam("days", expanding=True, type_=Date))
    return text(query).bindparams(*parameters)


_CHUNK_QUERIES = {(sqlite, days): _chunk_query(_SQLITE_CHUNK if sqlite else _POSTGRES_CHUNK,
                                               days=days, sqlite=sqlite)
                  for sqlite in (True, False) for days in (True, False)}

@dataclass(frozen=True)
class FrameSource:
    """What a frame is built from: a survey's id, its versions, and its newest definition."""

    survey_id: int
    version_numbers: dict[int, int]  # version id → version number
    definition: SurveyDefinition
    definition_hash: str
    coded_versions: tuple[int, ...] = ()  # versions whose frame records fit its layout


@dataclass(frozen=True)
class Chunk:
    """Responses read in one round trip: frame records with their responses' ids, and
    documents with their metadata (None where documents carry theirs, as on PostgreSQL)."""

    records: bytes | None
    record_ids: bytes | None
    documents: bytes
    documents_meta: bytes | None
    newest: int  # the highest response id in the chunk


def arrow_type(spec: QuestionColumns) -> pa.DataType:
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
    fields += [(spec.question_id, arrow_type(spec)) for spec in specs]
    return pa.schema(fields)


def _categorical(values: pa.Array, categories: tuple[str, ...] | list[str]) -> pd.Categorical:
    codes = pc.index_in(values, value_set=pa.array(list(categories), pa.string()))
    codes = codes.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int16)
    return pd.Categorical.from_codes(codes, categories=list(categories))


def _list_codes(values: pa.ChunkedArray | pa.Array, parts: tuple[str, ...]):
    """(row index, position in its list, index in `parts` or -1) of every list element."""
    values = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    flat = pc.list_flatten(values)
    codes = pc.index_in(flat, value_set=pa.array(list(parts), pa.string()))
    codes = codes.fill_null(-1).to_numpy(zero_copy_only=False)
    parents = pc.list_parent_indices(values).to_numpy()
    offsets = values.offsets.to_numpy()
    positions = np.arange(len(flat)) - (offsets[parents] - offsets[0])
    return parents, positions, codes


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
    # Every element matched against the parts once (as codes, no Python strings); one
    # column of a Fortran-ordered array per part. Where a list holds a part twice, the
    # later element wins, as an assignment in list order does.
    parents, positions, codes = _list_codes(column, spec.parts)
    hit = codes >= 0
    parents, positions, codes = parents[hit], positions[hit], codes[hit]
    unanswered = ~answered
    if spec.kind == "multi":
        chosen = np.zeros((rows, len(spec.parts)), dtype=bool, order="F")
        chosen[parents, codes] = True
        return {name: pd.arrays.BooleanArray(chosen[:, index], unanswered.copy())
                for index, name in enumerate(spec.columns)}
    places = np.zeros((rows, len(spec.parts)), dtype=np.int8, order="F")  # ranking: 1 = best
    places[parents, codes] = positions + 1
    return {name: pd.arrays.IntegerArray(places[:, index], unanswered | (places[:, index] == 0))
            for index, name in enumerate(spec.columns)}


def _choices(definition: SurveyDefinition, spec: QuestionColumns) -> list[str]:
    question = definition.question(spec.question_id)
    return question.choice_ids() if spec.kind in ("choice", "matrix") else []


def _read_json(ndjson: bytes, schema: pa.Schema) -> pa.Table:
    if not ndjson.strip():  # Arrow refuses an empty input
        return schema.empty_table()
    return pa_json.read_json(
        io.BytesIO(ndjson),
        read_options=pa_json.ReadOptions(block_size=16 << 20),
        parse_options=pa_json.ParseOptions(explicit_schema=schema,
                                           unexpected_field_behavior="ignore"),
    )


def _read_meta(meta: bytes) -> pa.Table:
    """CSV lines `id,version id,day,demo flag` as a table with the columns of `_META`."""
    if not meta.strip():
        return pa.schema(list(_META_CSV.items())).empty_table()
    return pa_csv.read_csv(
        io.BytesIO(meta),
        read_options=pa_csv.ReadOptions(column_names=list(_META_CSV)),
        convert_options=pa_csv.ConvertOptions(column_types=_META_CSV),
    )


def parse_documents(ndjson: bytes, source: FrameSource, meta: bytes | None = None,
                    ) -> pd.DataFrame:
    """Newline-delimited answer documents to the tidy frame of `survey.definition.columns`.

    Each document carries its response's id, version id, day and demo flag as `__id`,
    `__v`, `__d` and `__demo`, unless `meta` gives them: one CSV line `id,version id,
    day,demo flag` per document, in the same order.
    """
    specs = frame_columns(source.definition)
    schema = arrow_schema(specs)
    if meta is None:
        table = _read_json(ndjson, schema)
        info = table
    else:
        table = _read_json(ndjson, pa.schema([f for f in schema if f.name not in _META]))
        info = _read_meta(meta)
        if info.num_rows != table.num_rows:
            raise ValueError(f"{table.num_rows} answer documents but {info.num_rows} "
                             "lines of metadata")
    data = _meta_data(info, source)
    for spec in specs:
        data.update(_question_frame(spec, table[spec.question_id],
                                    _choices(source.definition, spec)))
    return pd.DataFrame(data)


def parse_records(records: bytes, ids: bytes, source: FrameSource) -> pd.DataFrame:
    """Frame records joined end to end (`survey.definition.records`) and their responses' ids, one a
    line, to the tidy frame of `survey.definition.columns`: what `parse_documents` makes of the same
    responses' documents."""
    decoded = decode(records, source.definition)
    response_ids = pa_csv.read_csv(
        io.BytesIO(ids), read_options=pa_csv.ReadOptions(column_names=["id"]),
        convert_options=pa_csv.ConvertOptions(column_types={"id": pa.int64()}))["id"]
    if len(response_ids) != len(decoded.version_ids):
        raise ValueError(f"{len(decoded.version_ids)} frame records but "
                         f"{len(response_ids)} response ids")
    return pd.DataFrame({
        "response_id": response_ids.to_numpy(),
        "version": _version_numbers(decoded.version_ids, source),
        "submitted_on": decoded.days,
        "is_demo": decoded.is_demo,
        **decoded.columns,
    })


def parse_chunk(chunk: Chunk, source: FrameSource) -> pd.DataFrame:
    """A chunk's coded records and documents as one frame, in response id order."""
    if not chunk.records:
        return parse_documents(chunk.documents, source, chunk.documents_meta)
    frame = parse_records(chunk.records, chunk.record_ids, source)
    if chunk.documents:
        documents = parse_documents(chunk.documents, source, chunk.documents_meta)
        frame = pd.concat([frame, documents], ignore_index=True)
        frame = frame.sort_values("response_id", ignore_index=True, kind="stable")
    return frame


def _version_numbers(version_ids: np.ndarray, source: FrameSource) -> np.ndarray:
    """Each response's version number, from its version id."""
    return pd.Series(source.version_numbers).reindex(version_ids).to_numpy(dtype=np.int32)


def _meta_data(info: pa.Table, source: FrameSource) -> dict:
    """The metadata columns from a table with the columns of `_META`."""
    return {
        "response_id": info["__id"].to_numpy(),
        "version": _version_numbers(info["__v"].to_numpy(), source),
        "submitted_on": _days(info["__d"]),
        "is_demo": info["__demo"].to_numpy(zero_copy_only=False).astype(bool),
    }


def _days(values: pa.ChunkedArray) -> np.ndarray:
    """Days (ISO strings "YYYY-MM-DD" or date32) as datetime64[us], NaT where missing."""
    try:  # parsed by Arrow; Python strings only if a value is not a plain date
        days = values.cast(pa.date32()).cast(pa.timestamp("us"))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return pd.to_datetime(values.to_numpy(zero_copy_only=False)).to_numpy()
    return days.to_numpy().astype("datetime64[us]")


def _fetch_chunks(connection, source: FrameSource, days: list[str] | None = None,
                  ) -> Iterator[Chunk]:
    """Each chunk of the survey's responses (of those submitted on `days`, if given), in id
    order, as `parse_chunk` takes them."""
    query = _CHUNK_QUERIES[(connection.dialect.name == "sqlite", days is not None)]
    parameters = {"survey": source.survey_id, "limit": CHUNK_ROWS,
                  "coded": list(source.coded_versions)}
    if days is not None:
        parameters["days"] = [date.fromisoformat(day) for day in days]
    after = -1  # ids are 0 and up
    while True:
        *texts, count, newest = connection.execute(query, {**parameters, "after": after}).one()
        if not count:
            return
        records, record_ids, documents, documents_meta = map(_bytes, texts)
        yield Chunk(records, record_ids, documents or b"", documents_meta, newest)
        after = newest


def _bytes(text_or_bytes: str | bytes | None) -> bytes | None:
    return text_or_bytes.encode() if isinstance(text_or_bytes, str) else text_or_bytes


def read_chunks(connection, source: FrameSource, days: list[str] | None = None):
    """The frame of each chunk of the survey's responses (those submitted on `days`, if
    given), in id order.

    The database reads the next chunk (in a helper thread, on `connection`) while this
    one is parsed; the caller must not use `connection` until the iteration ends.
    """
    for chunk in read_ahead(_fetch_chunks(connection, source, days), name="frame-read-ahead"):
        yield parse_chunk(chunk, source)


def empty_frame(source: FrameSource) -> pd.DataFrame:
    """A frame with every column and no rows."""
    return parse_documents(b"", source)


class FrameStore:
    """The on-disk frame of one survey: its parts, each holding whole days of responses, and
    the state they were built to (`reports.frame_days`)."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.state_file = self.folder / "state.json"
        self.lock_file = self.folder.parent / f"{self.folder.name}.lock"
        self._built: dict[tuple[str, str], pd.DataFrame] = {}  # (hash, part) -> frame

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the store for this process alone: two publishes at once (the button and the
        command line) would write and read one another's parts. An advisory lock on a file
        beside the folder (the folder itself is removed when the frame is reset)."""
        self.lock_file.parent.mkdir(parents=True, exist_ok=True)
        with open(self.lock_file, "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def state(self) -> dict:
        if not self.state_file.exists():
            return {}
        return json.loads(self.state_file.read_text())

    def update(self, connection, source: FrameSource) -> int:
        """Read again the days whose responses changed since the last build (all of them for
        a new definition); returns how many responses were read."""
        state = self.state()
        stored = stored_days(connection, source.survey_id)
        if (state.get("format") != STATE_FORMAT
                or state.get("definition_hash") != source.definition_hash):
            return self._rebuild(connection, source, stored)
        held = {day: tuple(pair) for day, pair in state["days"].items()}
        changed = changed_days(held, stored)
        if not changed:
            return 0
        rereading = sum(stored.get(day, (0, 0))[0] for day in changed)
        if NO_DAY in changed or rereading > REREAD_SHARE * sum(c for c, _ in stored.values()):
            return self._rebuild(connection, source, stored)
        fresh = _joined(read_chunks(connection, source,
                                    [day for day in changed if day in stored]), source)
        self._replace_days(state, changed, fresh, source)
        return len(fresh)

    def _rebuild(self, connection, source: FrameSource, stored) -> int:
        """Every response read again, into parts of whole days planned from `stored`."""
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True)
        firsts = plan_parts(stored, PART_ROWS)
        pieces: list[list[pd.DataFrame]] = [[] for _ in firsts]
        for chunk in read_chunks(connection, source):
            owners = parts_of_rows(firsts, day_numbers(chunk))
            for index in np.unique(owners):
                pieces[index].append(chunk.take(np.flatnonzero(owners == index)))
        state = {"format": STATE_FORMAT, "definition_hash": source.definition_hash,
                 "parts": [], "days": {}}
        built = {}
        for index, first in enumerate(firsts):
            if not pieces[index] and index:
                continue  # no rows: its days are the previous part's (the first one stays)
            frame = _joined(pieces[index], source)
            built[self._write(state, first, frame)] = frame
        self._save(state)
        self._built = {(source.definition_hash, name): frame for name, frame in built.items()}
        return sum(len(frame) for frame in built.values())

    def _replace_days(self, state: dict, changed: list[str], fresh: pd.DataFrame,
                      source: FrameSource) -> None:
        """Rewrite the parts holding the `changed` days with `fresh`, those days' responses
        read again (and split a part grown too large at its days)."""
        firsts = [part["first"] for part in state["parts"]]
        changed_numbers = np.array(sorted({day_number(day) for day in changed}), dtype=np.int64)
        owners = parts_of_rows(firsts, day_numbers(fresh))
        touched = sorted({part_of(firsts, day) for day in changed})
        old_parts = [state["parts"][index] for index in touched]
        kept_parts = [part for index, part in enumerate(state["parts"]) if index not in touched]
        state["parts"] = kept_parts
        built = {}
        for index, part in zip(touched, old_parts, strict=True):
            before = self._part(part["name"], source)
            keep = before.take(np.flatnonzero(~np.isin(day_numbers(before), changed_numbers)))
            frame = _joined([keep, fresh.take(np.flatnonzero(owners == index))], source)
            frame = frame.sort_values("response_id", ignore_index=True, kind="stable")
            for first, piece in _split(frame, part["first"]):
                if len(piece) or not (kept_parts or built):
                    built[self._write(state, first, piece)] = piece
        state["parts"].sort(key=lambda part: part["first"])
        for day in changed:
            state["days"].pop(day, None)
        state["days"].update({day: list(pair) for day, pair in frame_days(fresh).items()})
        self._save(state)
        for part in old_parts:
            (self.folder / part["name"]).unlink(missing_ok=True)
        names = {part["name"] for part in state["parts"]}
        self._built = {key: frame for key, frame in self._built.items() if key[1] in names}
        self._built.update({(source.definition_hash, name): frame
                            for name, frame in built.items()})

    def _write(self, state: dict, first: str, frame: pd.DataFrame) -> str:
        """Write one part (under a new name: the state says which parts count) and add it
        and its days to `state`; returns its name."""
        name = f"part-{first or 'undated'}-{secrets.token_hex(4)}{PART_SUFFIX}"
        _write_part(frame, self.folder / name)
        state["parts"].append({"name": name, "first": first})
        state["days"].update({day: list(pair) for day, pair in frame_days(frame).items()})
        return name

    def _part(self, name: str, source: FrameSource) -> pd.DataFrame:
        built = self._built.get((source.definition_hash, name))
        return built if built is not None else _read_parts([self.folder / name])

    def load(self, source: FrameSource, columns: list[str] | None = None) -> pd.DataFrame:
        """The whole frame (optionally only the metadata and the given answer columns:
        reading fewer is proportionally cheaper)."""
        state = self.state()
        names = [part["name"] for part in state.get("parts", [])]
        wanted = None if columns is None else [*META_COLUMNS, *columns]
        if not names:
            frame = empty_frame(source)
            return frame if wanted is None else frame[wanted]
        built = [self._built.get((state["definition_hash"], name)) for name in names]
        if all(frame is not None for frame in built):  # all just built: nothing to read
            return pd.concat(built if wanted is None else [part[wanted] for part in built],
                             ignore_index=True)
        # Read as one Arrow table, converted once (cheaper than joining frames).
        return _read_parts([self.folder / name for name in names], wanted)

    def _save(self, state: dict) -> None:
        temporary = self.state_file.with_suffix(".tmp")
        temporary.write_text(json.dumps(state))
        temporary.replace(self.state_file)


def _joined(frames, source: FrameSource) -> pd.DataFrame:
    """Frames of the same columns as one (an empty frame if there are none)."""
    frames = [frame for frame in frames if len(frame)]
    if not frames:
        return empty_frame(source)
    if len(frames) == 1:
        return frames[0].reset_index(drop=True)
    return pd.concat(frames, ignore_index=True)


def _split(frame: pd.DataFrame, first: str) -> list[tuple[str, pd.DataFrame]]:
    """A part's rows as one part, or, grown past twice PART_ROWS, as parts of whole days
    (the first keeping the part's first day, so that the days before stay covered)."""
    if len(frame) <= 2 * PART_ROWS:
        return [(first, frame)]
    firsts = plan_parts(frame_days(frame), PART_ROWS)
    firsts[0] = min(first, firsts[0])
    owners = parts_of_rows(firsts, day_numbers(frame))
    return [(day, frame.take(np.flatnonzero(owners == index)).reset_index(drop=True))
            for index, day in enumerate(firsts)]


def _write_part(chunk: pd.DataFrame, path: Path) -> None:
    """One part as an uncompressed Arrow IPC file, with the pandas column types."""
    feather.write_feather(chunk, path, compression="uncompressed")


def _read_parts(paths: list[Path], columns: list[str] | None = None) -> pd.DataFrame:
    """Parts in order as one frame (only `columns`, if given). Arrow files are
    memory-mapped and joined as Arrow tables (their categoricals share the definition's
    categories), then converted once."""
    if any(path.suffix == ".parquet" for path in paths):  # written before parts were Arrow
        return pd.concat([pd.read_parquet(path, columns=columns) if path.suffix == ".parquet"
                          else feather.read_table(path, columns=columns,
                                                  memory_map=True).to_pandas()
                          for path in paths], ignore_index=True)
    return pa.concat_tables([feather.read_table(path, columns=columns, memory_map=True)
                             for path in paths]).to_pandas()
