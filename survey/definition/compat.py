"""Whether a new version of a definition can keep its question ids.

A question keeps its id across versions only while answers given to the old
version still mean the same under the new one: same type, no option taken
away, the same likert scale and ranking items.
"""

from collections.abc import Iterator

from survey.definition.model import SurveyDefinition


def incompatibilities(old: SurveyDefinition, new: SurveyDefinition) -> list[str]:
    """One message per question whose change would alter what earlier answers mean."""
    messages = []
    for before in old.questions():
        after = new.question(before.id)
        if after is None:
            continue  # a dropped question leaves earlier answers intact
        for reason in _reasons(before, after):
            messages.append(f"question {before.id!r}: {reason}; earlier answers would change "
                            "meaning, so give the changed question a new id")
    return messages


def _ids(options) -> list[str]:
    return [o.id for o in options or []]


def _removed(before, after) -> list[str]:
    return [i for i in _ids(before) if i not in _ids(after)]


def _reasons(before, after) -> Iterator[str]:
    if before.type != after.type:
        yield f"its type changed from {before.type} to {after.type}"
        return
    kind = before.type
    if kind in ("single_choice", "multi_choice"):
        if removed := _removed(before.options, after.options):
            yield f"option(s) {', '.join(removed)} were removed"
        if before.other and not after.other:
            yield '"other" was removed'
    elif kind == "likert":
        if _ids(before.scale) != _ids(after.scale):
            yield "its scale changed"
        if before.dont_know and not after.dont_know:
            yield '"don\'t know" was removed'
    elif kind == "matrix":
        if removed := _removed(before.columns, after.columns):
            yield f"column(s) {', '.join(removed)} were removed"
        if before.rows_from != after.rows_from or _removed(before.rows, after.rows):
            yield "its rows changed"
    elif kind == "ranking":
        if sorted(_ids(before.items)) != sorted(_ids(after.items)):
            yield "its items changed"
    elif kind == "number":
        if after.integer and not before.integer:
            yield "it now takes whole numbers only"
