"""What the importers share: conditions translated from expressions, questions laid out on
pages so that every condition looks at an earlier page, and the definition checked."""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from survey.definition import DefinitionError, SurveyDefinition, parse_definition
from survey.importing.expressions import (
    And,
    Call,
    Cmp,
    Lit,
    Not,
    Or,
    Unreadable,
    Unsupported,
    Var,
)
from survey.importing.report import ImportRefused, ImportReport
from survey.importing.text import TEXT_MAX, i18n, question_ids

MAX_PAGES = 50
MAX_QUESTIONS_PER_PAGE = 100
CHOICE_TYPES = ("single_choice", "likert")


@dataclass(frozen=True)
class Target:
    """A question a condition can look at: its id, type and options by source code."""

    id: str
    type: str
    options: dict[str, str] = field(default_factory=dict)


# A resolver turns a variable of the source into the question it names, and, for a
# LimeSurvey multiple-choice subquestion such as Q1_SQ001, the option it stands for.
Resolver = Callable[[Var], tuple[Target, str | None]]


@dataclass
class DraftQuestion:
    """A question of the definition still without its condition, and where it came from."""

    document: dict
    source: str
    condition: Any = None
    expression: str = ""


@dataclass
class DraftPage:
    """A page of the source: its title, introduction texts and questions."""

    name: str
    title: Any
    intro: list[dict[str, str]] = field(default_factory=list)
    questions: list[DraftQuestion] = field(default_factory=list)


def _code(value: str | float) -> str:
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(value)
    return value


def _operands(node: Cmp) -> tuple[Var, Lit]:
    if isinstance(node.left, Var) and isinstance(node.right, Lit):
        return node.left, node.right
    if isinstance(node.right, Var) and isinstance(node.left, Lit):
        return node.right, node.left
    raise Unsupported("only a question compared with a value can be translated")


def _option(target: Target, value) -> str:
    code = _code(value)
    if code not in target.options:
        raise Unsupported(f"{code!r} is not an option of {target.id!r}")
    return target.options[code]


def _equals(target: Target, value) -> dict:
    if target.type in CHOICE_TYPES:
        return {"question": target.id, "equals": _option(target, value)}
    if target.type == "multi_choice":
        raise Unsupported(f"{target.id!r} takes several answers; use selected() to test one")
    if target.type == "number" and isinstance(value, float):
        return {"question": target.id, "equals": int(value) if value.is_integer() else value}
    raise Unsupported(f"a {target.type} question cannot be compared with a value")


def _comparison(node: Cmp, resolve: Resolver, refs: set[str]) -> dict:
    variable, literal = _operands(node)
    target, implied = resolve(variable)
    refs.add(target.id)
    if node.op not in ("==", "!="):
        raise Unsupported(f"the comparison {node.op!r} has no counterpart; only = and != do")
    if implied is not None:  # a checkbox of a multiple-choice question: "Y" when ticked
        ticked = _code(literal.value) == "Y"
        if not ticked and _code(literal.value) != "":
            raise Unsupported("a multiple-choice option is only ever 'Y' or empty")
        condition = {"question": target.id, "contains": implied}
        return condition if ticked == (node.op == "==") else {"not": condition}
    if literal.value == "":
        return {"question": target.id, "answered": node.op == "!="}
    condition = _equals(target, literal.value)
    return condition if node.op == "==" else {"not": condition}


def _call(node: Call, resolve: Resolver, refs: set[str]) -> dict:
    if node.name == "selected" and len(node.args) == 2 and isinstance(node.args[0], Var) \
            and isinstance(node.args[1], Lit):
        target, _implied = resolve(node.args[0])
        refs.add(target.id)
        option = _option(target, node.args[1].value)
        if target.type == "multi_choice":
            return {"question": target.id, "contains": option}
        if target.type in CHOICE_TYPES:
            return {"question": target.id, "equals": option}
        raise Unsupported(f"selected() on a {target.type} question")
    if node.name == "is_empty" and len(node.args) == 1 and isinstance(node.args[0], Var):
        target, implied = resolve(node.args[0])
        refs.add(target.id)
        if implied is not None:
            return {"not": {"question": target.id, "contains": implied}}
        return {"question": target.id, "answered": False}
    raise Unsupported(f"the function {node.name}() has no counterpart")


def translate_condition(node, resolve: Resolver) -> tuple[dict | None, set[str]]:
    """A show_if condition (None: always shown) and the ids it looks at, or Unsupported."""
    refs: set[str] = set()
    return _translate(node, resolve, refs), refs


def _translate(node, resolve: Resolver, refs: set[str]) -> dict | None:
    if isinstance(node, Unreadable):
        raise Unsupported(node.reason)
    if isinstance(node, Lit):
        if _code(node.value) in ("1", "true"):
            return None
        raise Unsupported("a condition that never holds")
    if isinstance(node, And | Or):
        parts = [_translate(part, resolve, refs) for part in node.parts]
        if isinstance(node, Or) and None in parts:
            return None
        parts = [part for part in parts if part is not None]
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else {("all" if isinstance(node, And) else "any"): parts}
    if isinstance(node, Not):
        inner = _translate(node.part, resolve, refs)
        if inner is None:
            raise Unsupported("a condition that never holds")
        if "answered" in inner:
            return {**inner, "answered": not inner["answered"]}
        return inner["not"] if set(inner) == {"not"} else {"not": inner}
    if isinstance(node, Cmp):
        return _comparison(node, resolve, refs)
    if isinstance(node, Call):
        return _call(node, resolve, refs)
    raise Unsupported("a question on its own is not a condition")


class Layout:
    """Questions placed on pages in source order; a page is split where a condition looks at
    a question on the same page, since conditions can only look at earlier pages."""

    def __init__(self, report: ImportReport, languages: list[str]):
        self.report = report
        self.languages = languages
        self.pages: list[dict] = []
        self.placed: dict[str, int] = {}
        self.page_ids = question_ids()
        self.pending_intro: list[dict[str, str]] = []
        self.splits = 0

    def _new_page(self, page: DraftPage, intro: list[dict[str, str]]) -> dict:
        intro = self.pending_intro + intro
        self.pending_intro = []
        document = {"id": self.page_ids.make(page.name), "title": page.title, "questions": []}
        if intro:
            document["intro"] = self._joined(intro)
        self.pages.append(document)
        return document

    def _joined(self, texts: list[dict[str, str]]) -> Any:
        joined = {language: "\n\n".join(t[language] for t in texts if t.get(language))
                  for language in self.languages}
        joined = {language: text[:TEXT_MAX] for language, text in joined.items() if text}
        return i18n(joined, self.languages)

    def add_page(self, page: DraftPage, resolve: Resolver) -> None:
        """Place one source page's questions, on as many pages as their conditions need."""
        if not page.questions:
            self.pending_intro += page.intro
            return
        current = None
        intro = page.intro
        for draft in page.questions:
            condition = self._condition(draft, resolve, current)
            needs_split = current is not None and (
                len(current["questions"]) >= MAX_QUESTIONS_PER_PAGE
                or (condition is not None and any(self.placed.get(ref) == len(self.pages) - 1
                                                  for ref in condition[1])))
            if current is None or needs_split:
                if current is not None:
                    self.splits += 1
                current = self._new_page(page, intro)
                intro = []
            if condition is not None:
                draft.document["show_if"] = condition[0]
            current["questions"].append(draft.document)
            self.placed[draft.document["id"]] = len(self.pages) - 1

    def _condition(self, draft: DraftQuestion, resolve, current) -> tuple[dict, set] | None:
        if draft.condition is None:
            return None
        source = draft.source
        try:
            condition, refs = translate_condition(draft.condition, resolve)
            later = [ref for ref in refs if ref not in self.placed]
            if later:
                raise Unsupported(f"it looks at {later[0]!r}, which comes later")
        except Unsupported as unsupported:
            detail = str(unsupported)
            if draft.document.get("required"):
                draft.document["required"] = False
                detail += "; the question is shown to everyone and no longer required"
            else:
                detail += "; the question is shown to everyone"
            self.report.condition(source, draft.expression, "left_out", detail)
            return None
        if condition is None:
            return None
        self.report.condition(source, draft.expression, "translated", _describe(condition))
        return condition, refs

    def finish(self) -> list[dict]:
        """The pages, checked against the format's limits."""
        if self.pending_intro and self.pages:
            last = self.pages[-1]
            texts = ([_as_texts(last["intro"], self.languages)] if "intro" in last else [])
            last["intro"] = self._joined(texts + self.pending_intro)
        if not self.report.questions:
            raise ImportRefused("the file holds no questions")
        if not self.pages:
            reasons = Counter(entry.detail for entry in self.report.questions
                              if entry.outcome == "left_out")
            why = f": {reasons.most_common(1)[0][0]}" if reasons else ""
            raise ImportRefused(f"no question of the file can be imported "
                                f"({len(self.report.questions)} left out{why})")
        if len(self.pages) > MAX_PAGES:
            raise ImportRefused(f"the survey needs {len(self.pages)} pages, more than the "
                                f"{MAX_PAGES} a survey may have")
        if self.splits:
            self.report.notes.append(
                f"{self.splits} page(s) were split so that each condition looks at an earlier "
                "page")
        return self.pages


def _as_texts(value, languages) -> dict[str, str]:
    if isinstance(value, str):
        return dict.fromkeys(languages, value)
    return dict(value)


def _describe(condition: dict) -> str:
    if "all" in condition or "any" in condition:
        key = "all" if "all" in condition else "any"
        joiner = " and " if key == "all" else " or "
        return "(" + joiner.join(_describe(part) for part in condition[key]) + ")"
    if "not" in condition:
        return f"not {_describe(condition['not'])}"
    for key in ("equals", "contains", "answered"):
        if key in condition:
            return f"{condition['question']} {key} {condition[key]!r}"
    return str(condition)


def finish_definition(document: dict, source: str) -> SurveyDefinition:
    """The imported document as a checked definition, or ImportRefused."""
    try:
        return parse_definition(document, source)
    except DefinitionError as error:
        raise ImportRefused(f"the imported survey is not valid: {error.messages[0]}") from None
