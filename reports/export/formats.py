"""Export file formats. CSV, JSON Lines, Parquet and XLSX are written chunk by chunk;
SPSS (.sav) is written at once by pyreadstat from one DataFrame, so it is limited to
`SAV_MAX_CELLS` values (rows × columns; at the limit the export peaks below 1 GiB); XLSX to
the 1,048,575 data rows a sheet holds, and openpyxl writes only some 250,000 cells a second.

In CSV, JSON Lines, Parquet and XLSX a choice is its option id (the codebook gives the
labels); in SPSS it is a number with value labels (1 = the first option of the codebook's
list), and every variable carries its question text as the variable label.
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from reports.export.layout import ExportColumn, Layout

FORMATS = ("csv", "jsonl", "parquet", "xlsx", "sav")
XLSX_MAX_ROWS = 1_048_575  # a sheet's 1,048,576 rows less the header
SAV_MAX_CELLS = 20_000_000  # about 190,000 rows of the article survey, < 1 GiB
SAV_NAME_BYTES = 64
SAV_LABEL_BYTES = 255
SAV_VALUE_LABEL_BYTES = 120
_SPSS_RESERVED = {"ALL", "AND", "BY", "EQ", "GE", "GT", "LE", "LT", "NE", "NOT", "OR", "TO",
                  "WITH"}
_PANDAS_TYPES = {pa.int8(): pd.Int8Dtype(), pa.int64(): pd.Int64Dtype()}
BINARY_LABELS = {0: "no", 1: "yes"}


class FormatLimitError(ValueError):
    """The export is too large for the chosen format."""


def check_size(fmt: str, rows: int, columns: int) -> None:
    """Refuse an export the format cannot hold, before anything is written."""
    if fmt == "xlsx" and rows > XLSX_MAX_ROWS:
        raise FormatLimitError(f"{rows:,} rows do not fit in an XLSX sheet (at most "
                               f"{XLSX_MAX_ROWS:,}); choose csv, jsonl or parquet")
    if fmt == "sav" and rows * columns > SAV_MAX_CELLS:
        raise FormatLimitError(f"{rows:,} rows × {columns} columns are more than the "
                               f"{SAV_MAX_CELLS:,} values an SPSS export holds; choose csv, "
                               "jsonl or parquet")


def _text(text: dict[str, str], language: str) -> str:
    return text.get(language) or next(iter(text.values()), "")


def variable_label(column: ExportColumn, language: str) -> str:
    """The question (and the option, row or item) of a column in one language."""
    if column.kind == "meta":
        return column.description
    label = _text(column.question, language)
    if column.part_label:
        label = f"{label} – {_text(column.part_label, language)}"
    return label


class CsvWriter:
    def __init__(self, path: Path, schema: pa.Schema, layout: Layout, codebook: dict):
        self.writer = pa_csv.CSVWriter(str(path), schema)

    def write(self, table: pa.Table) -> None:
        self.writer.write_table(table)

    def close(self) -> None:
        self.writer.close()


class JsonLinesWriter:
    def __init__(self, path: Path, schema: pa.Schema, layout: Layout, codebook: dict):
        self.file = open(path, "w", encoding="utf-8", newline="\n")

    def write(self, table: pa.Table) -> None:
        if table.num_rows:
            frame = table.to_pandas(types_mapper=_PANDAS_TYPES.get)
            self.file.write(frame.to_json(orient="records", lines=True, force_ascii=False))

    def close(self) -> None:
        self.file.close()


class ParquetWriter:
    def __init__(self, path: Path, schema: pa.Schema, layout: Layout, codebook: dict):
        self.writer = pq.ParquetWriter(str(path), schema, compression="zstd")

    def write(self, table: pa.Table) -> None:
        self.writer.write_table(table)

    def close(self) -> None:
        self.writer.close()


class XlsxWriter:
    """A write-only workbook: the data sheet streamed, then the codebook sheet."""

    def __init__(self, path: Path, schema: pa.Schema, layout: Layout, codebook: dict):
        from openpyxl import Workbook

        self.path, self.codebook = path, codebook
        self.workbook = Workbook(write_only=True)
        self.sheet = self.workbook.create_sheet("data")
        self.sheet.append(schema.names)
        self.free_text = [c.kind in ("text", "other_text") for c in layout.columns]

    def write(self, table: pa.Table) -> None:
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        columns = []
        for values, free in zip(table.columns, self.free_text, strict=True):
            values = values.to_pylist()
            if free:
                values = [v if v is None else ILLEGAL_CHARACTERS_RE.sub("", v) for v in values]
            columns.append(values)
        for row in zip(*columns, strict=True):
            self.sheet.append(row)

    def close(self) -> None:
        from reports.export.codebook import codebook_table

        sheet = self.workbook.create_sheet("codebook")
        for row in codebook_table(self.codebook):
            sheet.append(row)
        self.workbook.save(self.path)


def sav_names(layout: Layout) -> dict[str, str]:
    """Column → SPSS variable name (at most 64 bytes, no keyword, unique ignoring case)."""
    names, taken = {}, set()
    for column in layout.columns:
        name = column.name
        if name.upper() in _SPSS_RESERVED:
            name += "_"
        if len(name.encode()) > SAV_NAME_BYTES:
            name = name[:SAV_NAME_BYTES - 10].rstrip(".") + "_"
        base, number = name, 1
        while name.upper() in taken:
            number += 1
            name = f"{base[:SAV_NAME_BYTES - 6]}_{number}"
        taken.add(name.upper())
        names[column.name] = name
    return names


def _cut(text: str, limit: int) -> str:
    encoded = text.encode()
    return text if len(encoded) <= limit else encoded[:limit].decode(errors="ignore")


class SavWriter:
    """Collects the rows, then writes them with variable and value labels."""

    def __init__(self, path: Path, schema: pa.Schema, layout: Layout, codebook: dict):
        self.path, self.layout = path, layout
        self.tables: list[pa.Table] = []
        self.schema = schema
        self.language = layout.languages[0]
        self.names = sav_names(layout)
        self.values = {c["name"]: c.get("values", []) for c in codebook["columns"]}

    def write(self, table: pa.Table) -> None:
        self.tables.append(table)

    def close(self) -> None:
        import pyreadstat

        table = pa.concat_tables(self.tables) if self.tables else self.schema.empty_table()
        self.tables = []
        data, labels, value_labels, measures = {}, {}, {}, {}
        for column in self.layout.columns:
            name = self.names[column.name]
            values = table[column.name]
            codes = self.values.get(column.name) or []
            if codes:  # a choice: its number in the codebook's list, labelled
                index = pa.array([v["code"] for v in codes], pa.string())
                positions = pc.index_in(values, value_set=index)
                data[name] = pc.add(positions, 1).to_numpy(zero_copy_only=False).astype(float)
                value_labels[name] = {i + 1: _cut(_text(v["label"], self.language),
                                                  SAV_VALUE_LABEL_BYTES)
                                      for i, v in enumerate(codes)}
                measures[name] = "nominal"
            elif column.data_type == "string":
                data[name] = np.asarray(values.fill_null("").to_numpy(zero_copy_only=False),
                                        dtype=object)
                measures[name] = "nominal"
            else:
                data[name] = values.to_numpy(zero_copy_only=False).astype(float)
                measures[name] = "scale" if column.data_type != "binary" else "nominal"
                if column.data_type == "binary":
                    value_labels[name] = dict(BINARY_LABELS)
            labels[name] = _cut(variable_label(column, self.language), SAV_LABEL_BYTES)
        frame = pd.DataFrame(data)
        del table, data
        pyreadstat.write_sav(frame, str(self.path), column_labels=labels,
                             variable_value_labels=value_labels, variable_measure=measures,
                             compress=False)


WRITERS = {"csv": CsvWriter, "jsonl": JsonLinesWriter, "parquet": ParquetWriter,
           "xlsx": XlsxWriter, "sav": SavWriter}


def open_writer(fmt: str, path: Path, schema: pa.Schema, layout: Layout, codebook: dict):
    """The writer of a format, writing to `path`."""
    return WRITERS[fmt](path, schema, layout, codebook)
