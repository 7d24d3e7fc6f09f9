"""Export rows, made in two steps around the k-anonymity decision.

`prepare` turns a parsed chunk (`reports.export.reading`) into compact columns: choices as
codes into the codebook's values, quasi-identifiers as option codes, multi-choice options
as 0/1, free text scrubbed. These are kept in a temporary file until every quasi-identifier
value has been seen and the generalization chosen. `finish` then generalizes the
quasi-identifiers, drops the suppressed records, shuffles the rows and gives each a random
`respondent_id`.
"""

import os
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from reports.export.anonymity import Plan, QuasiIdentifier
from reports.export.layout import ExportColumn, Layout
from reports.export.scrubbing import Scrubber

CODE = pa.int16()
FINAL_TYPES = {"string": pa.string(), "integer": pa.int64(), "number": pa.float64(),
               "binary": pa.int8()}
_HEX = np.array([f"{i:02x}" for i in range(256)], dtype="S2")


def random_ids(count: int) -> pa.Array:
    """`count` random version-4 UUIDs (from the operating system's CSPRNG) as strings."""
    raw = np.frombuffer(os.urandom(16 * count), dtype=np.uint8).reshape(count, 16).copy()
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80
    hexed = _HEX[raw].view(np.uint8).reshape(count, 32)
    dash = np.full((count, 1), ord("-"), dtype=np.uint8)
    text = np.hstack([hexed[:, :8], dash, hexed[:, 8:12], dash, hexed[:, 12:16], dash,
                      hexed[:, 16:20], dash, hexed[:, 20:]])
    offsets = np.arange(0, 36 * count + 1, 36, dtype=np.int32)
    return pa.StringArray.from_buffers(count, pa.py_buffer(offsets),
                                       pa.py_buffer(text.tobytes()))


def _is_coded(column: ExportColumn) -> bool:
    return column.kind in ("choice", "matrix")


def _prepared_type(column: ExportColumn) -> pa.DataType:
    if _is_coded(column):
        return CODE
    if column.data_type == "binary":
        return pa.int8()
    if column.kind == "ranking":
        return pa.int8()
    return FINAL_TYPES[column.data_type]


def export_schema(layout: Layout) -> pa.Schema:
    """The Arrow schema of the export's rows: choices dictionary-encoded over their values."""
    return pa.schema([(c.name, pa.dictionary(CODE, pa.string()) if _is_coded(c)
                       else FINAL_TYPES[c.data_type]) for c in layout.columns])


@dataclass
class RowPreparer:
    """Parsed chunks → compact columns, before the k-anonymity decision."""

    layout: Layout
    quasi: list[QuasiIdentifier]
    version_numbers: dict[int, int]  # version id → number
    scrubber: Scrubber
    schema: pa.Schema = field(init=False)

    def __post_init__(self):
        columns = [c for c in self.layout.columns if c.name != "respondent_id"]
        self.columns = columns
        self.schema = pa.schema([(c.name, _prepared_type(c)) for c in columns])
        self.value_sets = {c.name: pa.array([v.code for v in c.values], pa.string())
                           for c in columns if _is_coded(c)}
        for qi in self.quasi:  # option codes; "not answered" and unknown → the last code
            self.value_sets[qi.question_id] = pa.array(list(qi.options), pa.string())
        self.quasi_ids = {qi.question_id for qi in self.quasi}
        known = sorted(self.version_numbers)
        self.version_ids = np.array(known, dtype=np.int64)
        self.numbers = np.array([self.version_numbers[i] for i in known], dtype=np.int64)

    def prepare(self, chunk: pa.Table) -> pa.RecordBatch:
        """The compact columns of one chunk (quasi-identifiers as option codes)."""
        positions = {}
        arrays = []
        for column in self.columns:
            arrays.append(self._column(column, chunk, positions))
        return pa.RecordBatch.from_arrays(arrays, schema=self.schema)

    def _column(self, column: ExportColumn, chunk: pa.Table, positions: dict) -> pa.Array:
        name, kind = column.name, column.kind
        if name == "version":
            ids = chunk["__v"].to_numpy()
            return pa.array(self.numbers[np.searchsorted(self.version_ids, ids)], pa.int64())
        if name == "submitted_month":
            return pc.utf8_slice_codeunits(chunk["__d"], 0, 7).combine_chunks()
        if name == "is_demo":
            return chunk["__demo"].combine_chunks()
        values = chunk[name if kind == "other_text" else column.question_id]
        if name in self.quasi_ids:
            codes = pc.index_in(values, value_set=self.value_sets[name])
            return pc.cast(codes.fill_null(len(self.value_sets[name])), CODE).combine_chunks()
        if kind == "choice":
            return pc.cast(pc.index_in(values, value_set=self.value_sets[name]),
                           CODE).combine_chunks()
        if kind == "matrix":
            cells = pc.struct_field(values, column.part)
            return pc.cast(pc.index_in(cells, value_set=self.value_sets[name]),
                           CODE).combine_chunks()
        if kind in ("multi", "ranking"):
            if column.question_id not in positions:
                parts = [c.part for c in self.columns
                         if c.question_id == column.question_id and c.kind == kind]
                positions[column.question_id] = _list_table(values, parts, kind)
            places, parts, unanswered = positions[column.question_id]
            part = places[:, parts.index(column.part)]
            return pa.array(part, pa.int8(),
                            mask=unanswered | (part == 0) if kind == "ranking" else unanswered)
        if kind == "number":
            if column.data_type == "integer":
                values = pc.round(values)
            return pc.cast(values, FINAL_TYPES[column.data_type]).combine_chunks()
        if kind == "consent":
            return pc.cast(values, pa.int8()).combine_chunks()
        if kind in ("text", "other_text"):
            return self.scrubber.scrub(values).combine_chunks()
        raise ValueError(f"no export for column kind {kind!r}")


def _list_table(values: pa.ChunkedArray, parts: list[str], kind: str):
    """(rows × parts table, parts, unanswered) of a list answer: for a multi_choice 1 where
    the option was chosen, for a ranking the place (1 = best) of each item, 0 where absent."""
    answered = values.is_valid().to_numpy(zero_copy_only=False)
    table = np.zeros((len(answered), len(parts)), dtype=np.int8, order="F")
    if len(answered):
        values = values.combine_chunks()
        flat = pc.list_flatten(values)
        codes = pc.index_in(flat, value_set=pa.array(parts, pa.string()))
        codes = codes.fill_null(-1).to_numpy(zero_copy_only=False)
        parents = pc.list_parent_indices(values).to_numpy()
        known = codes >= 0
        if kind == "multi":
            table[parents[known], codes[known]] = 1
        else:
            offsets = values.offsets.to_numpy()
            places = np.arange(len(codes)) - (offsets[parents] - offsets[0]) + 1
            table[parents[known], codes[known]] = places[known]
    return table, parts, ~answered


@dataclass
class RowFinisher:
    """Compact columns → released export rows, after the k-anonymity decision."""

    layout: Layout
    plan: Plan
    rng: np.random.Generator

    def __post_init__(self):
        self.schema = export_schema(self.layout)
        self.quasi = [h.question_id for h in self.plan.hierarchies]
        self.dictionaries = {c.name: pa.array([v.code for v in c.values], pa.string())
                             for c in self.layout.columns if _is_coded(c)}

    def finish(self, batch: pa.RecordBatch) -> pa.Table:
        """The released rows of one batch, in random order, each with a new random id."""
        codes = [batch.column(qid).to_numpy().astype(np.int64) for qid in self.quasi]
        if self.quasi:
            kept = np.flatnonzero(self.plan.keep(codes))
        else:  # one class of every record: released whole or not at all
            kept = np.arange(batch.num_rows if not self.plan.suppressed else 0)
        order = self.rng.permutation(kept)
        rows = batch.take(pa.array(order, pa.int64()))
        arrays = []
        for column in self.layout.columns:
            if column.name == "respondent_id":
                arrays.append(random_ids(len(order)))
            elif column.name in self.quasi:
                index = self.quasi.index(column.name)
                groups = self.plan.generalize(index, codes[index][order])
                arrays.append(self._released(index, groups))
            elif _is_coded(column):
                arrays.append(pa.DictionaryArray.from_arrays(rows.column(column.name),
                                                             self.dictionaries[column.name]))
            else:
                arrays.append(pc.cast(rows.column(column.name),
                                      FINAL_TYPES[column.data_type]))
        return pa.Table.from_arrays(arrays, schema=self.schema)

    def _released(self, index: int, groups: np.ndarray) -> pa.Array:
        hierarchy, level = self.plan.hierarchies[index], self.plan.levels[index]
        released = hierarchy.group_codes(level)  # the last is None (not answered) below the top
        missing = np.array([code is None for code in released])[groups]
        indices = pa.array(np.where(missing, 0, groups).astype(np.int16), CODE, mask=missing)
        dictionary = pa.array([c for c in released if c is not None], pa.string())
        return pa.DictionaryArray.from_arrays(indices, dictionary)
