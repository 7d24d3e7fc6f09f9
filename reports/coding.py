"""Frame records read back: the decoding half of `survey.definition.records`.

Records of one layout joined end to end are one base64 text; numpy slices every column out
of it without parsing (see `survey.definition.records` for the layout).
"""

import base64
import binascii
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from survey.definition.model import SurveyDefinition
from survey.definition.records import DOUBLE, HEADER, MISSING, Field, layout


@dataclass(frozen=True)
class Decoded:
    """Records read back: each response's version id, day and demo flag, and the frame's
    answer columns, typed as `reports.frame` makes them from documents."""

    version_ids: np.ndarray
    days: np.ndarray  # datetime64[us]
    is_demo: np.ndarray
    columns: dict[str, Any]


def decode(records: bytes, definition: SurveyDefinition) -> Decoded:
    """Records joined end to end (base64), as coded for `definition`."""
    found = layout(definition)
    try:
        raw = base64.b64decode(records, validate=True)
    except binascii.Error as error:
        raise ValueError(f"coded responses are not base64: {error}") from None
    if len(raw) % found.width:
        raise ValueError(f"coded responses of {len(raw)} bytes are not records of "
                         f"{found.width} bytes")
    rows = np.frombuffer(raw, dtype=np.uint8).reshape(-1, found.width)
    header = np.ascontiguousarray(rows[:, :HEADER.size]).view(
        np.dtype([("version", "<u4"), ("day", "<i4"), ("demo", "u1")])).ravel()
    # Transposed once, so that each column's bytes lie together.
    table = rows.T.copy()
    return Decoded(
        version_ids=header["version"].astype(np.int64),
        days=header["day"].astype("datetime64[D]").astype("datetime64[us]"),
        is_demo=header["demo"].astype(bool),
        columns={field.column: _column(table, field) for field in found.fields})


def _column(table: np.ndarray, field: Field):
    if field.kind == "number":
        eight = np.ascontiguousarray(table[field.offset:field.offset + DOUBLE.size].T)
        return eight.view("<f8").ravel().astype(float)
    codes = table[field.offset]
    missing = codes == MISSING
    if field.kind in ("choice", "matrix"):
        indexes = codes.astype(np.int16)
        indexes[missing] = -1
        return pd.Categorical.from_codes(indexes, categories=list(field.choices))
    if field.kind == "multi":
        return pd.arrays.BooleanArray(codes == 1, missing)
    return pd.arrays.IntegerArray(codes.astype(np.int8), missing | (codes == 0))
