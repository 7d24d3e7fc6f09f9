"""The survey definition format: model, validation, conditions and answers."""

from survey.definition.loading import (
    DefinitionError,
    canonical_json,
    content_hash,
    load_definition_file,
    parse_definition,
    parse_definition_text,
)
from survey.definition.model import SurveyDefinition, localize

__all__ = [
    "DefinitionError",
    "SurveyDefinition",
    "canonical_json",
    "content_hash",
    "load_definition_file",
    "localize",
    "parse_definition",
    "parse_definition_text",
]
