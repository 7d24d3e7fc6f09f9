"""Responses coded in the frame's columns: a fixed-width record of bytes each, made at submit.

Answers are kept as JSON documents, the record of what was answered. Parsing a million of
them was most of what building a frame from scratch cost, so each response also keeps a
record of bytes: a header (its version id, uint32; its day, int32 days since 1970; its demo
flag, one byte), then its answers in the frame's columns (`survey.definition.columns`), in order,
one or eight bytes a column:

| columns of        | bytes                                                             |
|-------------------|-------------------------------------------------------------------|
| a choice question | 1: index of the option in `choice_ids()`                          |
| a matrix row      | 1: index of the column chosen in that row                         |
| a multi choice    | 1 per option: 1 chosen, 0 not chosen                              |
| a ranking         | 1 per item: its place (1 = first), 0 not placed                   |
| a number question | 8: the number as a little-endian double, NaN if not given         |

MISSING (255) is a missing answer: a question not answered leaves all its bytes MISSING,
an option not in the definition, too. The record is padded to a multiple of three bytes
and stored as base64, so that records of one layout joined end to end are the base64 of
all of them: the database concatenates a chunk, and numpy reads every column from it
without parsing anything. Only the response's id comes from elsewhere (it is not known
before the insert).

A record is only read for a frame whose `layout_digest` equals that of the version it
was coded with: the same columns with the same options in the same order. Responses of
other versions, and any stored without a record, are parsed from their JSON documents,
which give the same frame (`tests/reports/test_coding.py`).
"""

import base64
import hashlib
import json
import math
import struct
from dataclasses import dataclass
from datetime import date
from typing import Any

from survey.caches import bounded_cache
from survey.definition.columns import QuestionColumns, frame_columns
from survey.definition.model import SurveyDefinition

MISSING = 255
MAX_CODE = 254  # a question with more options or items than this is not coded
DOUBLE = struct.Struct("<d")
HEADER = struct.Struct("<IiB")  # version id, day (days since 1970-01-01), demo flag
_EPOCH = date(1970, 1, 1)


@dataclass(frozen=True)
class Field:
    """Where one frame column lives in a record."""

    column: str
    kind: str  # as QuestionColumns.kind
    offset: int
    choices: tuple[str, ...]  # the options a choice or matrix code indexes


@dataclass(frozen=True)
class Coded:
    """How one question's answers are coded: its columns, the options its codes index, and
    both as look-ups (option → code, part → its column's position)."""

    spec: QuestionColumns
    choices: tuple[str, ...]
    codes: dict[str, int]
    positions: dict[str, int]


@dataclass(frozen=True)
class Layout:
    """The record of one definition: its questions, fields and width, and whether answers
    can be coded in it at all (some columns, few enough options and items)."""

    questions: tuple[Coded, ...]
    fields: tuple[Field, ...]
    width: int  # bytes, a multiple of three
    codable: bool

    def digest(self) -> str:
        described = [[q.spec.question_id, q.spec.kind, list(q.spec.parts), list(q.choices)]
                     for q in self.questions]
        return hashlib.sha256(json.dumps(described).encode()).hexdigest()


def layout(definition: SurveyDefinition) -> Layout:
    """The record layout of a definition (kept per definition object: parsed definitions
    are immutable and cached for the life of the process)."""
    kept = _layouts.get(id(definition))
    if kept is None or kept[0] is not definition:
        kept = _layouts.put(id(definition), (definition, _layout(definition)))
    return kept[1]


_layouts = bounded_cache("record layouts", 64)


def _layout(definition: SurveyDefinition) -> Layout:
    questions, fields, offset = [], [], HEADER.size
    for spec in frame_columns(definition):
        choices = tuple(definition.question(spec.question_id).choice_ids() or ()
                        if spec.kind in ("choice", "matrix") else ())
        questions.append(Coded(spec, choices, {c: n for n, c in enumerate(choices)},
                               {p: n for n, p in enumerate(spec.parts)}))
        for column in spec.columns:
            fields.append(Field(column, spec.kind, offset, choices))
            offset += DOUBLE.size if spec.kind == "number" else 1
    codable = bool(fields) and all(len(q.choices) <= MAX_CODE and len(q.spec.parts) <= MAX_CODE
                                   for q in questions)
    return Layout(tuple(questions), tuple(fields), -(-offset // 3) * 3, codable)


def layout_digest(definition: SurveyDefinition) -> str | None:
    """Equal digests: a record coded for one definition means the same for the other.
    None where answers to the definition are not coded."""
    found = layout(definition)
    return found.digest() if found.codable else None


def coded_response(definition: SurveyDefinition, answers: dict[str, Any], *,
                   version_id: int, day: date, is_demo: bool) -> str | None:
    """A response as a base64 record (see the module's documentation); None where the
    definition's answers are not coded."""
    found = layout(definition)
    if not found.codable:
        return None
    record = bytearray(found.width)
    HEADER.pack_into(record, 0, version_id, (day - _EPOCH).days, int(is_demo))
    offset = HEADER.size
    for question in found.questions:
        offset = _code(record, offset, question, answers.get(question.spec.question_id))
    return base64.b64encode(record).decode("ascii")


def _code(record: bytearray, offset: int, question: Coded, value) -> int:
    """Write one question's bytes at `offset`; returns the offset after them."""
    spec, codes = question.spec, question.codes
    width = len(spec.columns)
    if spec.kind == "number":
        number = value if isinstance(value, int | float) and not isinstance(value, bool) \
            else math.nan
        DOUBLE.pack_into(record, offset, float(number))
        return offset + DOUBLE.size
    if spec.kind == "choice":
        record[offset] = _lookup(codes, value)
        return offset + 1
    if spec.kind == "matrix":
        rows = value if isinstance(value, dict) else {}
        for index, row in enumerate(spec.parts):
            record[offset + index] = _lookup(codes, rows.get(row))
        return offset + width
    if not isinstance(value, list):
        record[offset:offset + width] = bytes([MISSING]) * width
        return offset + width
    positions = question.positions
    for place, item in enumerate(value, start=1):  # a later place wins, as in the JSON path
        position = positions.get(item) if isinstance(item, str) else None
        if position is not None:
            record[offset + position] = 1 if spec.kind == "multi" else min(place, MAX_CODE)
    return offset + width


def _lookup(codes: dict[str, int], value) -> int:
    return codes.get(value, MISSING) if isinstance(value, str) else MISSING
