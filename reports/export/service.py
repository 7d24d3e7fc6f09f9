"""Anonymized export of a survey's responses: `run_export`, behind the CLI and the admin page.

1. Every selected response is read once, in chunks and in one read transaction
   (`reports.export.reading`), turned into compact columns (`reports.export.rows`) and
   kept in a temporary Arrow file beside the target; its quasi-identifier values are
   collected on the way.
2. With every quasi-identifier value known, the generalization is chosen and with it the
   classes whose records are suppressed (`reports.export.anonymity`).
3. The temporary file is read back batch by batch, generalized, filtered, shuffled, given
   random ids and written (`reports.export.formats`); then the codebook and the disclosure
   report (`reports.export.codebook`).

Every file is written under a temporary name in the target directory and renamed only when
all of them are complete, so a failed export leaves nothing behind.
"""

import json
import os
import secrets
from collections.abc import Callable
from contextlib import closing, suppress
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
from sqlalchemy import select

from reports.export.anonymity import (
    QuasiIdentifier,
    build_hierarchies,
    cells_from_codes,
    plan_generalization,
)
from reports.export.codebook import (
    apply_plan,
    codebook_document,
    codebook_markdown,
    disclosure_document,
    disclosure_markdown,
)
from reports.export.formats import FORMATS, FormatLimitError, check_size, open_writer
from reports.export.layout import Layout, export_layout
from reports.export.reading import (
    CHUNK_ROWS,
    Selection,
    count_selected,
    parsed_chunks,
    reading_schema,
)
from reports.export.rows import RowFinisher, RowPreparer
from reports.export.scrubbing import Scrubber
from reports.prefetch import read_ahead
from survey.definition.model import DONT_KNOW, OTHER, localize
from survey.extensions import db
from survey.models import Survey, User
from survey.surveys import definition_of

TEXT_POLICIES = ("drop", "scrub")
Progress = Callable[[int, int], None]


class ExportError(Exception):
    """An export that cannot be made; the message is one line for the user."""


@dataclass(frozen=True)
class ExportResult:
    """The files an export wrote and its disclosure report."""

    data_path: Path
    codebook_paths: tuple[Path, Path]  # JSON, Markdown
    disclosure_paths: tuple[Path, Path]  # JSON, Markdown
    rows: int
    disclosure: dict

    @property
    def paths(self) -> list[Path]:
        return [self.data_path, *self.codebook_paths, *self.disclosure_paths]


def output_paths(out_path: str | Path) -> dict[str, Path]:
    """The data file and, beside it, `<out>.codebook.json|md` and `<out>.disclosure.json|md`."""
    out = Path(out_path)
    return {"data": out,
            **{f"{what}.{ext}": out.with_name(f"{out.name}.{what}.{ext}")
               for what in ("codebook", "disclosure") for ext in ("json", "md")}}


class _Files:
    """Temporary files beside their targets, renamed all at once or removed."""

    def __init__(self, targets: dict[str, Path], spill: bool = False):
        self.targets = targets
        token = secrets.token_hex(6)
        self.temporary = {key: path.with_name(f".{path.name}.{token}.part")
                          for key, path in targets.items()}
        data = targets["data"]
        self.spill = data.with_name(f".{data.name}.{token}.spill")
        for path in [*self.temporary.values(), *([self.spill] if spill else [])]:
            path.open("xb").close()  # fails now, before any work, if it cannot be written

    def commit(self) -> None:
        for key in sorted(self.targets, key=lambda k: k == "data"):  # the data file last
            os.replace(self.temporary[key], self.targets[key])
        self.spill.unlink(missing_ok=True)

    def discard(self) -> None:
        for path in [*self.temporary.values(), self.spill]:
            with suppress(OSError):
                path.unlink()


def _check_target(out: Path) -> None:
    folder = out.parent
    if not folder.is_dir():
        raise ExportError(f"cannot write {out}: the folder {folder} does not exist")
    if out.is_dir():
        raise ExportError(f"cannot write {out}: it is a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ExportError(f"cannot write {out}: the folder {folder} is not writable")


def pseudo_labels(languages) -> dict[str, dict[str, str]]:
    """The labels of the "other" and "don't know" choices in each language."""
    from flask_babel import force_locale, gettext

    labels: dict[str, dict[str, str]] = {OTHER: {}, DONT_KNOW: {}}
    for language in languages:
        with force_locale(language):
            labels[OTHER][language] = gettext("Other")
            labels[DONT_KNOW][language] = gettext("Don't know")
    return labels


def quasi_identifiers(layout: Layout) -> list[QuasiIdentifier]:
    """What the k-anonymity search needs of each quasi-identifier column."""
    result = []
    for question_id in layout.quasi_identifiers:
        source = next(s for s in layout.questions if s.question.id == question_id)
        question = source.question
        labelled = [o.label.values() for o in question.options]
        ordered = all(any(ch.isdigit() for ch in text) for texts in labelled for text in texts)
        result.append(QuasiIdentifier(question_id, tuple(question.choice_ids()), ordered,
                                      apart=(OTHER,) if question.other else ()))
    return result


def account_names() -> list[str]:
    """Display names and e-mail addresses of every account, to scrub from free text."""
    rows = db.session.execute(select(User.display_name, User.email)).all()
    return [value for row in rows for value in row if value]


def _validate(fmt, text, k, max_suppression) -> None:
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if text not in TEXT_POLICIES:
        raise ExportError(f"unknown text policy {text!r}; choose drop or scrub")
    if not isinstance(k, int) or k < 2:
        raise ExportError("k must be a whole number of at least 2")
    if not 0 <= max_suppression < 1:
        raise ExportError("max_suppression must be at least 0 and below 1")


def run_export(survey: Survey, fmt: str, out_path: str | Path, *, k: int = 5,
               text: str = "drop", since: date | None = None, include_demo: bool = False,
               max_suppression: float = 0.0, progress: Progress | None = None,
               chunk_rows: int = CHUNK_ROWS) -> ExportResult:
    """Write an anonymized export of `survey` to `out_path` in `fmt`, with its codebook and
    disclosure report beside it. `progress(done, total)` is called as the work goes on
    (reading every selected response, then writing the released ones: total is twice the
    responses selected). Raises ExportError, leaving no file behind, when it cannot be made."""
    _validate(fmt, text, k, max_suppression)
    out = Path(out_path)
    _check_target(out)
    versions = list(survey.versions)
    if not versions:
        raise ExportError(f"survey {survey.slug!r} has no definition")
    definitions = {v.number: definition_of(v) for v in versions}
    newest = definitions[max(definitions)]
    layout = export_layout(definitions, text=text, include_demo=include_demo,
                           pseudo_labels=pseudo_labels(newest.languages))
    quasi = quasi_identifiers(layout)
    selection = Selection(survey.id, since, include_demo)
    scrubber = Scrubber(account_names() if text == "scrub" else ())
    with db.engine.connect() as connection:
        expected = count_selected(connection, selection)
    try:  # refused now rather than after reading everything (and again below, exactly)
        check_size(fmt, expected, len(layout.columns))
    except FormatLimitError as error:
        raise ExportError(str(error)) from error
    report = progress or (lambda done, total: None)
    targets = output_paths(out)
    try:
        files = _Files(targets, spill=True)
    except OSError as error:
        raise ExportError(f"cannot write {out}: {error.strerror or error}") from error
    try:
        preparer = RowPreparer(layout, quasi, {v.id: v.number for v in versions}, scrubber)
        codes, read = _read_and_spill(preparer, selection, files.spill, chunk_rows,
                                      lambda n: report(min(n, expected), 2 * expected))
        cells = cells_from_codes(codes, quasi, read)
        del codes
        plan = plan_generalization(cells, build_hierarchies(quasi, cells), k, max_suppression)
        layout = apply_plan(layout, plan)
        check_size(fmt, plan.released, len(layout.columns))
        exported_at = datetime.now(UTC).isoformat(timespec="seconds")
        title = {lang: localize(newest.title, lang) for lang in layout.languages}
        codebook = codebook_document(layout, slug=survey.slug, title=title, fmt=fmt,
                                     data_file=out.name, rows=plan.released,
                                     exported_at=exported_at)
        finisher = RowFinisher(layout, plan, np.random.default_rng(secrets.randbits(128)))
        written = _write_released(finisher, files, fmt, layout, codebook,
                                  lambda n: report(read + n, 2 * read))
        if written != plan.released:
            raise ExportError("the released rows do not match the plan; nothing was written")
        disclosure = disclosure_document(
            layout, plan, slug=survey.slug, fmt=fmt, data_file=out.name,
            exported_at=exported_at, since=since, include_demo=include_demo, text=text,
            max_suppression=max_suppression, replaced=scrubber.replaced, chunk_rows=chunk_rows)
        _write_text(files.temporary["codebook.json"], _json(codebook))
        _write_text(files.temporary["codebook.md"], codebook_markdown(codebook))
        _write_text(files.temporary["disclosure.json"], _json(disclosure))
        _write_text(files.temporary["disclosure.md"], disclosure_markdown(disclosure))
        files.commit()
    except FormatLimitError as error:
        files.discard()
        raise ExportError(str(error)) from error
    except OSError as error:
        files.discard()
        raise ExportError(f"cannot write {out}: {error.strerror or error}") from error
    except BaseException:
        files.discard()
        raise
    return ExportResult(data_path=targets["data"],
                        codebook_paths=(targets["codebook.json"], targets["codebook.md"]),
                        disclosure_paths=(targets["disclosure.json"], targets["disclosure.md"]),
                        rows=plan.released, disclosure=disclosure)


def _read_and_spill(preparer: RowPreparer, selection: Selection, spill: Path, chunk_rows: int,
                    progress: Callable[[int], None]) -> tuple[list[np.ndarray], int]:
    """Read every selected response into the spill file; the quasi-identifier option codes
    of all of them, and how many were read."""
    schema = reading_schema(preparer.layout)
    codes: dict[str, list[np.ndarray]] = {qi.question_id: [] for qi in preparer.quasi}
    read = 0
    with pa.OSFile(str(spill), "wb") as sink, \
            pa.ipc.new_file(sink, preparer.schema) as spill_writer:
        # While this thread converts and spills a chunk, the next ones are parsed and read.
        with closing(parsed_chunks(db.engine, selection, schema, chunk_rows)) as chunks:
            for chunk in chunks:
                batch = preparer.prepare(chunk)
                del chunk
                spill_writer.write_batch(batch)
                for question_id, parts in codes.items():
                    parts.append(batch.column(question_id).to_numpy().astype(np.int16))
                read += batch.num_rows
                progress(read)
    return [np.concatenate(parts) if parts else np.zeros(0, np.int16)
            for parts in codes.values()], read


def _finished(reader, order, finisher: RowFinisher):
    """(records, released rows) of each spilled batch (made while the last is written)."""
    for index in order:
        batch = reader.get_batch(int(index))
        yield batch.num_rows, finisher.finish(batch)


def _write_released(finisher: RowFinisher, files: "_Files", fmt: str, layout: Layout,
                    codebook: dict, progress: Callable[[int], None]) -> int:
    """Write the released rows from the spill file, its batches in random order."""
    writer = open_writer(fmt, files.temporary["data"], finisher.schema, layout, codebook)
    written = done = 0
    try:
        with pa.OSFile(str(files.spill), "rb") as source:
            reader = pa.ipc.open_file(source)
            order = finisher.rng.permutation(reader.num_record_batches)
            with closing(read_ahead(_finished(reader, order, finisher))) as finished:
                for rows, table in finished:  # the next batch is finished while one is written
                    writer.write(table)
                    written += table.num_rows
                    done += rows
                    progress(done)
    except BaseException:
        _close_quietly(writer)
        raise
    writer.close()
    return written


def _close_quietly(writer) -> None:
    with suppress(Exception):
        writer.close()


def _json(document: dict) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _write_text(path: Path, content: str) -> None:
    path.write_text(content, encoding="utf-8")
