"""Reading a survey definition from YAML, with one clear message per problem."""

import hashlib
import json
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from survey.definition.model import ALL_LANGUAGES, SurveyDefinition
from survey.definition.semantics import I18N_KEYS, Problem, find_problems


class DefinitionError(ValueError):
    """A definition that cannot be used; `messages` holds one line per problem."""

    def __init__(self, messages: list[str]):
        super().__init__("\n".join(messages))
        self.messages = messages


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key given twice in one mapping (PyYAML keeps the last)."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _value in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key {key!r} is given twice", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _document_location(location: tuple) -> list:
    """The loc of a pydantic error without the names pydantic adds that the document lacks."""
    kept: list = []
    previous: object = None
    for item in location:
        # A union member's tag stands right where a question or condition stands: after a
        # list index or `show_if` (a field with the same name, such as `text`, comes later).
        member = item in _UNION_TAGS and (isinstance(previous, int) or previous == "show_if")
        scalar = item in _SCALAR_TAGS and previous == "equals"
        if not (member or scalar or item == ALL_LANGUAGES or str(item).startswith("function-")):
            kept.append(item)
        previous = item
    return kept


def _path(location: tuple) -> str:
    parts: list[str] = []
    for item in _document_location(location):
        if isinstance(item, int):
            parts.append(f"[{item}]")
        else:
            parts.append(f".{item}" if parts else str(item))
    return "".join(parts) or "(top level)"


_UNION_TAGS = frozenset({
    "single_choice", "multi_choice", "likert", "matrix", "ranking", "number", "text",
    "consent", "equals", "in", "contains", "answered", "not", "all", "any",
})
_SCALAR_TAGS = frozenset({"str", "int", "float", "bool"})


def _message(error: dict) -> str:
    message = error["msg"].removeprefix("Value error, ")
    location = _document_location(error["loc"])
    last = location[-1] if location else None
    if error["loc"][-1:] and error["loc"][-1] in _SCALAR_TAGS and last == "equals":
        return "compare with one value: an option id, a number, or true"
    if error["type"] == "dict_type" and last in I18N_KEYS:
        return "give one text for all languages, or a mapping of language code to text"
    if error["type"] == "model_attributes_type":
        return "must be a mapping of keys to values"
    if error["type"] == "greater_than_equal":
        return f"must be at least {error['ctx']['ge']}"
    if error["type"] == "missing":
        return "required key is missing"
    if error["type"] == "extra_forbidden":
        return "unknown key"
    if error["type"] == "union_tag_invalid":
        ctx = error["ctx"]
        return (f"{ctx['tag']!r} is not a known {ctx['discriminator'].strip(chr(39))}; "
                f"allowed: {ctx['expected_tags']}")
    if error["type"] == "union_tag_not_found":
        return f"required key {error['ctx']['discriminator']} is missing"
    if error["type"] == "too_short":
        return f"needs at least {error['ctx']['min_length']} item(s)"
    if error["type"] == "too_long":
        return f"takes at most {error['ctx']['max_length']} item(s)"
    if error["type"] == "string_pattern_mismatch":
        pattern = error["ctx"]["pattern"]
        return f"{error['input']!r} is not allowed here; it must match {pattern}"
    return message


def parse_definition(document: Any, source: str = "<definition>") -> SurveyDefinition:
    """Validate a parsed YAML/JSON document into a definition, or raise DefinitionError."""
    if not isinstance(document, dict):
        raise DefinitionError([f"{source}: (top level): a survey definition must be a mapping"])
    try:
        definition = SurveyDefinition.model_validate(document)
    except ValidationError as error:
        raise DefinitionError(list(dict.fromkeys(  # one line per problem, in order
            f"{source}: {_path(e['loc'])}: {_message(e)}"
            for e in error.errors(include_url=False)
        ))) from None
    problems: list[Problem] = find_problems(definition)
    if problems:
        raise DefinitionError([f"{source}: {p.path}: {p.message}" for p in problems])
    return definition


def parse_definition_text(text: str, source: str = "<definition>") -> SurveyDefinition:
    """Parse YAML text into a definition, or raise DefinitionError."""
    try:
        document = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(top level)"
        problem = getattr(error, "problem", None) or str(error)
        raise DefinitionError([f"{source}: {where}: not valid YAML: {problem}"]) from None
    return parse_definition(document, source)


def load_definition_file(path: str | Path) -> SurveyDefinition:
    """Read and validate one definition file, or raise DefinitionError."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise DefinitionError([f"{path}: cannot read the file: {error}"]) from None
    return parse_definition_text(text, str(path))


def canonical_json(definition: SurveyDefinition) -> str:
    """The definition as canonical JSON: equal definitions give equal text."""
    return json.dumps(definition.model_dump(mode="json", by_alias=True), sort_keys=True,
                      ensure_ascii=False, separators=(",", ":"))


def content_hash(definition: SurveyDefinition) -> str:
    """SHA-256 of the canonical JSON: the identity of a version's content."""
    return hashlib.sha256(canonical_json(definition).encode()).hexdigest()
