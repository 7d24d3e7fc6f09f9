"""Where a problem of a YAML definition is: its path in the document and its line."""

import re
from dataclasses import dataclass

import yaml

from survey.definition.loading import DefinitionError, parse_definition_text

_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")
_YAML_PLACE = re.compile(r"^line (\d+), column \d+$")
_UNKNOWN_TAG = re.compile(r"^'.*' is not a known (\w+);")


@dataclass(frozen=True)
class PlacedProblem:
    """One problem of a definition text: the path, the line (1-based, None if unknown), what."""

    path: str
    line: int | None
    message: str


def _path_parts(path: str) -> list[str | int]:
    return [int(index) if index else name for name, index in _PART.findall(path)]


def line_of(text: str, path: str) -> int | None:
    """The line of the YAML text where `path` (e.g. `pages[0].questions[2].id`) is, or of
    the nearest enclosing node that exists."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None
    line = node.start_mark.line + 1 if node is not None else None
    for part in _path_parts(path):
        if isinstance(node, yaml.MappingNode) and isinstance(part, str):
            found = next(((k, v) for k, v in node.value if getattr(k, "value", None) == part),
                         None)
            if found is None:
                break
            line, node = found[0].start_mark.line + 1, found[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) \
                and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line


def placed_problems(text: str, source: str = "<definition>") -> list[PlacedProblem]:
    """Every problem of a YAML definition text with its path and line; [] when it is valid."""
    try:
        parse_definition_text(text, source)
    except DefinitionError as error:
        return [_placed(text, message.removeprefix(f"{source}: ")) for message in error.messages]
    return []


def _placed(text: str, message: str) -> PlacedProblem:
    path, _sep, what = message.partition(": ")
    place = _YAML_PLACE.match(path)
    if place:
        return PlacedProblem("", int(place[1]), what)
    if path == "(top level)":
        return PlacedProblem(path, 1, what)
    unknown = _UNKNOWN_TAG.match(what)
    if unknown:  # e.g. an unknown question type: point at the `type` line itself
        path = f"{path}.{unknown[1]}"
    return PlacedProblem(path, line_of(text, path), what)
