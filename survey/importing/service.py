"""One entry point for every file an admin brings: checked, mapped, validated, reported."""

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from survey.definition import DefinitionError, SurveyDefinition, parse_definition_text
from survey.importing.building import finish_definition
from survey.importing.limesurvey import import_limesurvey
from survey.importing.report import ImportRefused, ImportReport
from survey.importing.safety import Upload, check_size, kind_of
from survey.importing.xlsform import import_xlsform

SLUG = re.compile(r"^[a-z][a-z0-9-]{1,62}$")


@dataclass(frozen=True)
class ImportResult:
    """A checked definition made from a file, its YAML text and what the import did."""

    definition: SurveyDefinition
    yaml_text: str
    report: ImportReport


def definition_yaml(document: dict) -> str:
    """A definition document as YAML text, in the order a person would write it."""
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=100)


def import_file(name: str, data: bytes, slug: str | None = None) -> ImportResult:
    """Import one file (XLSForm, LimeSurvey or a YAML definition), or raise ImportRefused."""
    upload = Upload(Path(name).name, data)
    check_size(upload)
    if slug is not None and not SLUG.match(slug):
        raise ImportRefused(f"{slug!r} is not a slug: use lowercase letters, digits and "
                            "hyphens, starting with a letter")
    kind = kind_of(upload)
    if kind == "yaml":
        return _yaml_definition(upload, slug)
    importer = import_xlsform if kind == "xlsform" else import_limesurvey
    document, report = importer(upload)
    if slug is not None:
        document["slug"] = slug
    definition = finish_definition(document, upload.name)
    return ImportResult(definition, definition_yaml(document), report)


def _yaml_definition(upload: Upload, slug: str | None) -> ImportResult:
    try:
        text = upload.data.decode("utf-8")
    except UnicodeDecodeError:
        raise ImportRefused("the file is not UTF-8 text") from None
    try:
        definition = parse_definition_text(text, upload.name)
    except DefinitionError as error:
        raise ImportRefused(error.messages[0].removeprefix(f"{upload.name}: ")) from None
    report = ImportReport("Resonanz YAML")
    if slug is not None and slug != definition.slug:
        document = yaml.safe_load(text)
        document["slug"] = slug
        definition = finish_definition(document, upload.name)
        text = definition_yaml(document)
    report.notes.append("a Resonanz definition: nothing to map")
    return ImportResult(definition, text, report)


def upload_text(name: str, data: bytes, slug: str | None = None) -> tuple[str, ImportReport | None]:
    """The YAML text to edit for an uploaded file: a definition's own text, unchecked (the
    editor shows its problems line by line), or what an import made of a foreign file."""
    upload = Upload(Path(name).name, data)
    check_size(upload)
    if kind_of(upload) != "yaml":
        result = import_file(name, data, slug=slug)
        return result.yaml_text, result.report
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError:
        raise ImportRefused("the file is not UTF-8 text") from None
