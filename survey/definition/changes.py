"""What a new version changes against the current one, in words an admin reads."""

from dataclasses import dataclass
from typing import Literal

from survey.definition.compat import incompatibilities
from survey.definition.model import SurveyDefinition

ChangeKind = Literal["added", "removed", "changed", "refused"]
_OPTION_LISTS = ("options", "scale", "columns", "rows", "items")
_SETTINGS = ("title", "description", "languages", "opens_at", "closes_at", "closing_message",
             "quasi_identifiers")


@dataclass(frozen=True)
class Change:
    """One difference: added, removed, changed, or refused (with the reason)."""

    kind: ChangeKind
    where: str
    what: str


def _ids(options) -> list[str]:
    return [o.id for o in options or []]


def _question_changes(before, after) -> list[str]:
    what = []
    if before.type != after.type:
        return [f"type {before.type} → {after.type}"]
    document_before = before.model_dump(mode="json", by_alias=True)
    document_after = after.model_dump(mode="json", by_alias=True)
    for key in _OPTION_LISTS:
        old, new = _ids(getattr(before, key, None)), _ids(getattr(after, key, None))
        if added := [i for i in new if i not in old]:
            what.append(f"{key} added: {', '.join(added)}")
        if removed := [i for i in old if i not in new]:
            what.append(f"{key} removed: {', '.join(removed)}")
        if not added and not removed and old != new:
            what.append(f"{key} reordered")
        if document_before.get(key) != document_after.get(key) and not added and not removed \
                and old == new:
            what.append(f"{key}: labels changed")
    for key in sorted(set(document_before) | set(document_after)):
        if key in _OPTION_LISTS or key in ("id", "type"):
            continue
        old, new = document_before.get(key), document_after.get(key)
        if old != new:
            plain = (str, int, float, bool, type(None))
            what.append(f"{key}: {old!r} → {new!r}" if isinstance(old, plain)
                        and isinstance(new, plain) else f"{key} changed")
    return what


def describe_changes(old: SurveyDefinition, new: SurveyDefinition) -> list[Change]:
    """The differences from `old` to `new`: pages and questions added, removed or changed,
    survey settings changed, and what the version check refuses (and why)."""
    changes = []
    for key in _SETTINGS:
        if getattr(old, key) != getattr(new, key):
            changes.append(Change("changed", "survey", f"{key} changed"))
    old_pages, new_pages = [p.id for p in old.pages], [p.id for p in new.pages]
    changes += [Change("added", f"page {p}", "new page") for p in new_pages if p not in old_pages]
    changes += [Change("removed", f"page {p}", "page removed") for p in old_pages
                if p not in new_pages]
    for question in new.questions():
        before = old.question(question.id)
        if before is None:
            changes.append(Change("added", f"question {question.id}",
                                  f"new {question.type} question"))
            continue
        for what in _question_changes(before, question):
            changes.append(Change("changed", f"question {question.id}", what))
        if old.page_of(question.id) != new.page_of(question.id):
            changes.append(Change("changed", f"question {question.id}",
                                  f"moved to page {new.pages[new.page_of(question.id)].id}"))
    for question in old.questions():
        if new.question(question.id) is None:
            changes.append(Change("removed", f"question {question.id}",
                                  "removed; earlier answers to it are kept"))
    for message in incompatibilities(old, new):
        question_id = message.split("'")[1] if "'" in message else ""
        changes.append(Change("refused", f"question {question_id}", message))
    return changes
