"""The columns of a survey's tidy frame: one row per response, one column per answer part.

| question type            | columns                      | values                              |
|--------------------------|------------------------------|-------------------------------------|
| single_choice, likert    | `<qid>`                      | option id (string), NA if not given |
| multi_choice             | `<qid>__<option>` per option | bool (chosen or not), NA if not given |
| matrix                   | `<qid>__<row>` per row       | column id (string), NA if not given |
| ranking                  | `<qid>__<item>` per item     | place (1 = best, Int), NA if not given |
| number                   | `<qid>`                      | float, NaN if not given             |
| text, consent            | none: free text is never published; consent is always true |

Besides: `response_id` (int), `version` (the survey version number), `submitted_on`
(date) and `is_demo` (bool). Rows of matrices taken from an earlier answer
(`rows_from`) are that question's options plus "other".
"""

from dataclasses import dataclass

from survey.definition.model import OTHER, SurveyDefinition

SEPARATOR = "__"
META_COLUMNS = ("response_id", "version", "submitted_on", "is_demo")


def part_column(question_id: str, part_id: str) -> str:
    """The column of one option, row or item of a question."""
    return f"{question_id}{SEPARATOR}{part_id}"


def matrix_row_ids(definition: SurveyDefinition, question) -> list[str]:
    """Every row a matrix can have, whatever the respondent chose."""
    if question.rows is not None:
        return [row.id for row in question.rows]
    source = definition.question(question.rows_from)
    return [o.id for o in source.options] + ([OTHER] if source.other else [])


@dataclass(frozen=True)
class QuestionColumns:
    """Where one question's answers live in the frame."""

    question_id: str
    kind: str  # "choice", "multi", "matrix", "ranking", "number"
    columns: tuple[str, ...]
    parts: tuple[str, ...]  # option, row or item ids, in column order (empty for one column)


def question_columns(definition: SurveyDefinition, question) -> QuestionColumns | None:
    """The frame columns of one question, or None where it has none (text, consent)."""
    qid = question.id
    if question.type in ("single_choice", "likert"):
        return QuestionColumns(qid, "choice", (qid,), ())
    if question.type == "number":
        return QuestionColumns(qid, "number", (qid,), ())
    if question.type == "multi_choice":
        parts = tuple(question.choice_ids())
        kind = "multi"
    elif question.type == "matrix":
        parts = tuple(matrix_row_ids(definition, question))
        kind = "matrix"
    elif question.type == "ranking":
        parts = tuple(question.choice_ids())
        kind = "ranking"
    else:
        return None
    return QuestionColumns(qid, kind, tuple(part_column(qid, p) for p in parts), parts)


def frame_columns(definition: SurveyDefinition) -> list[QuestionColumns]:
    """The columns of every question that has some, in question order."""
    found = (question_columns(definition, q) for q in definition.questions())
    return [c for c in found if c is not None]


def finding_columns(definition: SurveyDefinition) -> list[str]:
    """The answer columns the definition's findings read (their questions and breakdowns),
    in frame order."""
    read = {question_id for finding in definition.findings
            for question_id in (finding.question, finding.by) if question_id is not None}
    return [column for spec in frame_columns(definition) if spec.question_id in read
            for column in spec.columns]
