"""Answers coded for the frame: one CSV line of small numbers per response, made at submit.

Answers are kept as JSON documents, the record. Parsing a million of them is most of what
building a frame from scratch costs, so each response also keeps its answers coded in the
frame's columns (`reports.columns`), in order, as a CSV line that Arrow's CSV reader takes
at memory speed:

| columns of        | field                                                            |
|-------------------|------------------------------------------------------------------|
| a choice question | index of the option in `choice_ids()`                            |
| a number question | the number                                                       |
| a matrix row      | index of the column chosen in that row                           |
| a multi choice    | per option: 1 chosen, 0 not chosen                               |
| a ranking         | per item: its place, 1 = first                                   |

An empty field is a missing answer (a question not answered leaves all its fields empty;
an unknown option, too). A line is only read for a frame whose `layout_digest` equals that
of the version it was coded with: the same columns with the same options in the same
order. Responses of other versions, and any stored without a coded line, are parsed from
their JSON documents, which give the same frame (`tests/reports/test_coding.py`).
"""

import hashlib
import json
from collections.abc import Callable
from typing import Any

import pyarrow as pa

from reports.columns import QuestionColumns, frame_columns
from survey.definition import SurveyDefinition

Layout = tuple[tuple[QuestionColumns, tuple[str, ...]], ...]  # (columns, choices) per question
Encoder = Callable[[Any], list[str]]


def layout(definition: SurveyDefinition) -> Layout:
    """The frame columns of a definition with the options their codes index."""
    return tuple((spec, tuple(definition.question(spec.question_id).choice_ids() or ())
                  if spec.kind in ("choice", "matrix") else ())
                 for spec in frame_columns(definition))


def layout_digest(definition: SurveyDefinition) -> str:
    """Equal digests: a line coded for one definition means the same for the other."""
    described = [[spec.question_id, spec.kind, list(spec.parts), list(choices)]
                 for spec, choices in layout(definition)]
    return hashlib.sha256(json.dumps(described).encode()).hexdigest()


def arrow_types(definition: SurveyDefinition) -> list[pa.DataType]:
    """The Arrow type of each field of a coded line, in order."""
    types = {"choice": pa.int16(), "matrix": pa.int16(), "number": pa.float64(),
             "multi": pa.bool_(), "ranking": pa.int16()}
    return [types[spec.kind] for spec, _choices in layout(definition)
            for _column in spec.columns]


def coded_answers(definition: SurveyDefinition, answers: dict[str, Any]) -> str:
    """The answers as one coded CSV line (see the module's documentation)."""
    fields: list[str] = []
    for question_id, encode in _encoders(definition):
        fields += encode(answers.get(question_id))
    return ",".join(fields)


def _encoders(definition: SurveyDefinition) -> tuple[tuple[str, Encoder], ...]:
    """(question id, encoder) per question with columns; kept per definition object
    (parsed definitions are immutable and cached for the life of the process)."""
    kept = _kept.get(id(definition))
    if kept is None or kept[0] is not definition:
        kept = (definition, tuple((spec.question_id, _encoder(spec, choices))
                                  for spec, choices in layout(definition)))
        _kept[id(definition)] = kept
        while len(_kept) > ENCODERS_KEPT:
            _kept.pop(next(iter(_kept)))
    return kept[1]


ENCODERS_KEPT = 64
_kept: dict[int, tuple[SurveyDefinition, tuple]] = {}


def _encoder(spec: QuestionColumns, choices: tuple[str, ...]) -> Encoder:
    codes = {choice: str(index) for index, choice in enumerate(choices)}
    width = len(spec.columns)
    if spec.kind == "choice":
        return lambda value: [_code(codes, value)]
    if spec.kind == "number":
        return lambda value: [_number(value)]
    if spec.kind == "matrix":
        def matrix(value):
            if not isinstance(value, dict):
                return [""] * width
            return [_code(codes, value.get(row)) for row in spec.parts]
        return matrix
    positions = {part: index for index, part in enumerate(spec.parts)}
    if spec.kind == "multi":
        def multi(value):
            if not isinstance(value, list):
                return [""] * width
            chosen = ["0"] * width
            for item in value:
                if isinstance(item, str) and item in positions:
                    chosen[positions[item]] = "1"
            return chosen
        return multi

    def ranking(value):  # a part listed twice keeps its later place, as the JSON path does
        if not isinstance(value, list):
            return [""] * width
        places = [""] * width
        for place, item in enumerate(value, start=1):
            if isinstance(item, str) and item in positions:
                places[positions[item]] = str(place)
        return places
    return ranking


def _code(codes: dict[str, str], value) -> str:
    return codes.get(value, "") if isinstance(value, str) else ""


def _number(value) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return ""
    return repr(float(value))
