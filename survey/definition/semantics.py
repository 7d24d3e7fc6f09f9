"""Cross-reference checks that a structurally valid definition must also pass."""

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from survey.definition.model import (
    ALL_LANGUAGES,
    CHOICE_TYPES,
    RESERVED_OPTION_IDS,
    All,
    Answered,
    Any_,
    Contains,
    Equals,
    Matrix,
    MultiChoice,
    Not,
    SurveyDefinition,
)

I18N_KEYS = frozenset({"title", "description", "text", "help", "label", "intro", "unit",
                       "closing_message"})
FINDING_QUESTION_TYPES = {
    "distribution": CHOICE_TYPES,
    "crosstab": CHOICE_TYPES,
    "likert_summary": ("likert",),
    "numeric_summary": ("number",),
    "ranking": ("ranking",),
}


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a definition: where (a path inside the document) and what."""

    path: str
    message: str


def find_problems(definition: SurveyDefinition) -> list[Problem]:
    """Every cross-reference problem of a definition, in document order."""
    document = definition.model_dump(mode="json", by_alias=True, exclude_none=True)
    problems = list(_language_problems(definition.languages, document, ""))
    problems += _duplicate_ids(definition)
    for p, page in enumerate(definition.pages):
        for q, question in enumerate(page.questions):
            path = f"pages[{p}].questions[{q}]"
            problems += _question_problems(definition, p, question, path)
    problems += _quasi_identifier_problems(definition)
    problems += _finding_problems(definition)
    if definition.opens_at and definition.closes_at and \
            definition.opens_at >= definition.closes_at:
        problems.append(Problem("closes_at", "the survey must close after it opens (opens_at)"))
    return problems


def _language_problems(languages: list[str], node: Any, path: str) -> Iterator[Problem]:
    if isinstance(node, list):
        for index, item in enumerate(node):
            yield from _language_problems(languages, item, f"{path}[{index}]")
        return
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        child = f"{path}.{key}" if path else key
        if key in I18N_KEYS and isinstance(value, dict):
            if ALL_LANGUAGES in value:
                if len(value) > 1:
                    yield Problem(child, "give either one text for all languages or one per "
                                  "language, not both")
                continue
            missing = [lang for lang in languages if lang not in value]
            extra = [lang for lang in value if lang not in languages]
            if missing:
                yield Problem(child, f"missing text for {', '.join(missing)}; the survey's "
                              f"languages are {', '.join(languages)}")
            if extra:
                yield Problem(child, f"text for {', '.join(extra)}, which is not one of the "
                              f"survey's languages ({', '.join(languages)})")
        else:
            yield from _language_problems(languages, value, child)


def _duplicates(values: list[str]) -> list[str]:
    return [value for value, count in Counter(values).items() if count > 1]


def _repeated(entries: list[tuple[str, str]]) -> Iterator[tuple[str, str, str]]:
    """(value, path, path of its first use) for every repeated use of a value, in order."""
    first: dict[str, str] = {}
    for value, path in entries:
        if value in first:
            yield value, path, first[value]
        else:
            first[value] = path


def _duplicate_ids(definition: SurveyDefinition) -> Iterator[Problem]:
    pages = [(page.id, f"pages[{p}].id") for p, page in enumerate(definition.pages)]
    for page_id, path, first in _repeated(pages):
        yield Problem(path, f"page id {page_id!r} is already used at {first}")
    questions = [(question.id, f"pages[{p}].questions[{q}].id")
                 for p, page in enumerate(definition.pages)
                 for q, question in enumerate(page.questions)]
    for question_id, path, first in _repeated(questions):
        yield Problem(path, f"question id {question_id!r} is already used at {first}; "
                      "question ids must be unique in the whole survey")
    findings = [(finding.id, f"findings[{i}].id") for i, finding in enumerate(definition.findings)]
    for finding_id, path, first in _repeated(findings):
        yield Problem(path, f"finding id {finding_id!r} is already used at {first}")
    languages = [(language, f"languages[{i}]") for i, language in enumerate(definition.languages)]
    for language, path, first in _repeated(languages):
        yield Problem(path, f"language {language!r} is already listed at {first}")


def _option_lists(question) -> Iterator[tuple[str, list]]:
    for key in ("options", "scale", "columns", "rows", "items"):
        options = getattr(question, key, None)
        if options is not None:
            yield key, options


def _question_problems(definition, page_index, question, path) -> Iterator[Problem]:
    for key, options in _option_lists(question):
        entries = [(o.id, f"{path}.{key}[{i}].id") for i, o in enumerate(options)]
        for option_id, where, first in _repeated(entries):
            yield Problem(where, f"option id {option_id!r} is already used at {first}")
        for index, option in enumerate(options):
            if option.id in RESERVED_OPTION_IDS:
                yield Problem(f"{path}.{key}[{index}].id",
                              f"{option.id!r} is reserved; use `other: true` or "
                              "`dont_know: true` instead")
            if option.exclusive and not isinstance(question, MultiChoice):
                yield Problem(f"{path}.{key}[{index}].exclusive",
                              "only options of a multi_choice question can be exclusive")
    if question.type == "number":
        if question.min > question.max:
            yield Problem(path, f"min ({question.min:g}) is greater than max ({question.max:g})")
        if question.integer and not (question.min.is_integer() and question.max.is_integer()):
            yield Problem(path, "an integer question needs whole-number min and max")
    if isinstance(question, MultiChoice) and question.max_choices is not None:
        if question.max_choices > len(question.choice_ids()):
            yield Problem(f"{path}.max_choices", "max_choices is more than there are options")
    if isinstance(question, Matrix):
        yield from _matrix_problems(definition, page_index, question, path)
    if question.show_if is not None:
        yield from _condition_problems(definition, page_index, question.show_if, f"{path}.show_if")


def _matrix_problems(definition, page_index, question, path) -> Iterator[Problem]:
    if (question.rows is None) == (question.rows_from is None):
        yield Problem(path, "a matrix needs exactly one of `rows` (a list of options) "
                      "or `rows_from` (an earlier multi_choice question)")
        return
    if question.rows_from is None:
        return
    source = definition.question(question.rows_from)
    where = f"{path}.rows_from"
    if source is None:
        yield Problem(where, f"unknown question {question.rows_from!r}")
    elif source.type != "multi_choice":
        yield Problem(where, f"{question.rows_from!r} is a {source.type} question; "
                      "rows can only come from a multi_choice question")
    elif definition.page_of(source.id) >= page_index:
        yield Problem(where, f"{question.rows_from!r} must be on an earlier page")


def _condition_problems(definition, page_index, condition, path) -> Iterator[Problem]:
    if isinstance(condition, Not):
        yield from _condition_problems(definition, page_index, condition.not_, f"{path}.not")
        return
    if isinstance(condition, All | Any_):
        parts = condition.all if isinstance(condition, All) else condition.any
        key = "all" if isinstance(condition, All) else "any"
        for index, part in enumerate(parts):
            yield from _condition_problems(definition, page_index, part, f"{path}.{key}[{index}]")
        return
    target = definition.question(condition.question)
    if target is None:
        yield Problem(f"{path}.question", f"unknown question {condition.question!r}")
        return
    if definition.page_of(target.id) >= page_index:
        yield Problem(f"{path}.question",
                      f"{target.id!r} is not on an earlier page; a condition can only look "
                      "at answers given on earlier pages")
        return
    if isinstance(condition, Answered):
        return
    if isinstance(condition, Contains):
        if target.type != "multi_choice":
            yield Problem(path, f"`contains` needs a multi_choice question; {target.id!r} "
                          f"is {target.type}")
        elif condition.contains not in target.choice_ids():
            yield Problem(f"{path}.contains", _not_an_option(condition.contains, target))
        return
    values = [condition.equals] if isinstance(condition, Equals) else condition.in_
    key = "equals" if isinstance(condition, Equals) else "in"
    yield from _comparison_problems(target, values, f"{path}.{key}")


def _comparison_problems(target, values, path) -> Iterator[Problem]:
    if target.type in ("single_choice", "likert"):
        for value in values:
            if value not in target.choice_ids():
                yield Problem(path, _not_an_option(value, target))
    elif target.type == "number":
        if any(isinstance(v, bool) or not isinstance(v, int | float) for v in values):
            yield Problem(path, f"{target.id!r} is a number question; compare it with numbers")
    elif target.type == "consent":
        if len(values) != 1 or values[0] is not True:
            yield Problem(path, "a consent question can only be compared with `equals: true`")
    else:
        yield Problem(path, f"conditions cannot compare a {target.type} question; use "
                      "single_choice, likert, number, consent, or `contains` for multi_choice")


def _not_an_option(value, target) -> str:
    return (f"{value!r} is not an option of {target.id!r}; "
            f"allowed: {', '.join(target.choice_ids())}")


def _quasi_identifier_problems(definition) -> Iterator[Problem]:
    for index, question_id in enumerate(definition.quasi_identifiers):
        question = definition.question(question_id)
        if question is None:
            yield Problem(f"quasi_identifiers[{index}]", f"unknown question {question_id!r}")
        elif question.type != "single_choice":
            yield Problem(f"quasi_identifiers[{index}]",
                          f"{question_id!r} is {question.type}; a quasi-identifier must be a "
                          "single_choice question so that it can be generalized")
    for question_id in _duplicates(list(definition.quasi_identifiers)):
        yield Problem("quasi_identifiers", f"{question_id!r} is listed more than once")


def _finding_problems(definition) -> Iterator[Problem]:
    for index, finding in enumerate(definition.findings):
        path = f"findings[{index}]"
        question = definition.question(finding.question)
        allowed = FINDING_QUESTION_TYPES[finding.kind]
        if question is None:
            yield Problem(f"{path}.question", f"unknown question {finding.question!r}")
        elif question.type not in allowed:
            yield Problem(f"{path}.question",
                          f"a {finding.kind} finding needs a {' or '.join(allowed)} question; "
                          f"{question.id!r} is {question.type}")
        if finding.kind == "crosstab" and finding.by is None:
            yield Problem(path, "a crosstab finding needs `by` (the question to break down by)")
        if finding.by is not None:
            by = definition.question(finding.by)
            if finding.kind not in ("crosstab", "distribution"):
                yield Problem(f"{path}.by", f"a {finding.kind} finding takes no `by`")
            elif by is None:
                yield Problem(f"{path}.by", f"unknown question {finding.by!r}")
            elif by.type not in CHOICE_TYPES:
                yield Problem(f"{path}.by", f"{by.id!r} is {by.type}; break down by a "
                              f"{', '.join(CHOICE_TYPES)} question")
            elif by.id == finding.question:
                yield Problem(f"{path}.by", "a question cannot be broken down by itself")
        if finding.agree is not None:
            if finding.kind != "likert_summary":
                yield Problem(f"{path}.agree", "only a likert_summary finding takes `agree`")
            elif question is not None and question.type == "likert":
                for option_id in finding.agree:
                    if option_id not in question.choice_ids():
                        yield Problem(f"{path}.agree", _not_an_option(option_id, question))
