"""The columns of an export: one row per response, one column per answer or answer part.

| question type         | columns                      | values                                   |
|-----------------------|------------------------------|------------------------------------------|
| single_choice, likert | `<qid>`                      | option id (quasi-identifiers generalized) |
| multi_choice          | `<qid>__<option>` per option | 1 chosen, 0 not chosen                   |
| matrix                | `<qid>__<row>` per row       | column id                                |
| ranking               | `<qid>__<item>` per item     | place, 1 = best                          |
| number                | `<qid>`                      | integer or decimal, as the question asks |
| consent               | `<qid>`                      | 1                                        |
| text                  | `<qid>`                      | scrubbed free text (`--text scrub` only) |
| "other" free text     | `<qid>.other`                | as text; a quasi-identifier's never      |

An empty value means not answered. Before them: `respondent_id` (random for each
export), `version` (the survey version answered), `submitted_month` (YYYY-MM) and, only
when demo responses are included, `is_demo` (1 or 0).

Columns come from the newest definition, followed by questions that only earlier
versions asked (a dropped question's answers stay exportable).
"""

from dataclasses import dataclass, field, replace

from survey.definition.answers import other_key
from survey.definition.columns import matrix_row_ids, part_column
from survey.definition.model import DONT_KNOW, OTHER, SurveyDefinition, localize

Text = dict[str, str]  # language → text

DEFAULT_PSEUDO_LABELS = {OTHER: "Other", DONT_KNOW: "Don't know"}
META_DESCRIPTIONS = {
    "respondent_id": "Random identifier of the response, new in every export (it links "
                     "nothing across exports)",
    "version": "Version of the survey definition the respondent answered",
    "submitted_month": "Month of submission (YYYY-MM)",
    "is_demo": "1 for a synthetic demo response, 0 for a real one",
}


@dataclass(frozen=True)
class Value:
    """One value a column may hold: its code in the data and its label per language."""

    code: str
    label: Text
    members: tuple[str, ...] = ()  # the original option ids of a generalized value


@dataclass(frozen=True)
class ExportColumn:
    """One column of the export and what the codebook says about it."""

    name: str
    kind: str  # meta, choice, multi, matrix, ranking, number, consent, text, other_text
    data_type: str  # string, integer, number, binary
    question_id: str | None = None
    question_type: str | None = None
    part: str | None = None
    question: Text = field(default_factory=dict)
    part_label: Text = field(default_factory=dict)
    description: str = ""
    values: tuple[Value, ...] = ()
    versions: tuple[int, ...] = ()
    quasi_identifier: bool = False
    generalization: str = ""  # how a quasi-identifier was generalized, if it was
    unit: Text = field(default_factory=dict)
    minimum: float | None = None
    maximum: float | None = None


@dataclass(frozen=True)
class SourceQuestion:
    """A question of the export and the newest definition that asks it."""

    question: object
    definition: SurveyDefinition


@dataclass(frozen=True)
class Layout:
    """Every column of an export, and the free text it leaves out."""

    languages: tuple[str, ...]
    questions: tuple[SourceQuestion, ...]
    columns: tuple[ExportColumn, ...]
    quasi_identifiers: tuple[str, ...]
    dropped_text: tuple[str, ...]  # answer keys of free text left out
    scrubbed_text: tuple[str, ...]  # columns of scrubbed free text

    def column(self, name: str) -> ExportColumn:
        return next(c for c in self.columns if c.name == name)

    def with_column(self, column: ExportColumn) -> "Layout":
        """The layout with the column of the same name replaced."""
        columns = tuple(column if c.name == column.name else c for c in self.columns)
        return replace(self, columns=columns)


def _texts(text, languages) -> Text:
    return {language: localize(text, language) for language in languages} if text else {}


def _same_everywhere(label: str, languages) -> Text:
    return dict.fromkeys(languages, label)


def export_questions(definitions: dict[int, SurveyDefinition]) -> list[SourceQuestion]:
    """Every question of any version: the newest version's first, then dropped ones."""
    seen, result = set(), []
    for number in sorted(definitions, reverse=True):
        for question in definitions[number].questions():
            if question.id not in seen:
                seen.add(question.id)
                result.append(SourceQuestion(question, definitions[number]))
    return result


def _parts_by_version(definitions) -> dict[tuple[str, str | None], list[int]]:
    """(question id, part or None) → the versions that asked it."""
    asked: dict[tuple[str, str | None], list[int]] = {}
    for number in sorted(definitions):
        definition = definitions[number]
        for question in definition.questions():
            asked.setdefault((question.id, None), []).append(number)
            for part in _parts(definition, question):
                asked.setdefault((question.id, part), []).append(number)
    return asked


def _parts(definition, question) -> list[str]:
    if question.type == "matrix":
        return matrix_row_ids(definition, question)
    if question.type in ("multi_choice", "ranking"):
        return question.choice_ids()
    return []


def _option_values(question, languages, pseudo) -> tuple[Value, ...]:
    """The choices of a question (options, scale points, matrix columns or ranking items)."""
    listed = next((getattr(question, name) for name in ("options", "scale", "columns", "items")
                   if getattr(question, name, None)), [])
    options = {o.id: o for o in listed}
    return tuple(Value(code, _texts(options[code].label, languages) if code in options
                       else pseudo.get(code, _same_everywhere(code, languages)))
                 for code in question.choice_ids())


def _part_labels(definition, question, languages, pseudo) -> dict[str, Text]:
    if question.type == "matrix":
        if question.rows is not None:
            return {row.id: _texts(row.label, languages) for row in question.rows}
        source = definition.question(question.rows_from)
        return {v.code: v.label for v in _option_values(source, languages, pseudo)}
    return {v.code: v.label for v in _option_values(question, languages, pseudo)}


def meta_columns(include_demo: bool) -> list[ExportColumn]:
    """The columns before the answers."""
    columns = [ExportColumn("respondent_id", "meta", "string"),
               ExportColumn("version", "meta", "integer"),
               ExportColumn("submitted_month", "meta", "string")]
    if include_demo:
        columns.append(ExportColumn("is_demo", "meta", "binary"))
    return [replace(c, description=META_DESCRIPTIONS[c.name]) for c in columns]


def export_layout(definitions: dict[int, SurveyDefinition], *, text: str, include_demo: bool,
                  pseudo_labels: dict[str, Text] | None = None) -> Layout:
    """The columns of a survey's export; `text` is "drop" or "scrub"."""
    newest = definitions[max(definitions)]
    languages = tuple(newest.languages)
    pseudo = pseudo_labels or {code: _same_everywhere(label, languages)
                               for code, label in DEFAULT_PSEUDO_LABELS.items()}
    asked = _parts_by_version(definitions)
    quasi = tuple(dict.fromkeys(q for n in sorted(definitions, reverse=True)
                                for q in definitions[n].quasi_identifiers))
    questions = export_questions(definitions)
    columns = meta_columns(include_demo)
    dropped, scrubbed = [], []
    for source in questions:
        question, definition = source.question, source.definition
        common = {"question_id": question.id, "question_type": question.type,
                  "question": _texts(question.text, languages)}
        versions = tuple(asked[(question.id, None)])
        kind = question.type
        if kind in ("single_choice", "likert"):
            columns.append(ExportColumn(question.id, "choice", "string", **common,
                                        values=_option_values(question, languages, pseudo),
                                        versions=versions,
                                        quasi_identifier=question.id in quasi))
        elif kind in ("multi_choice", "matrix", "ranking"):
            labels = _part_labels(definition, question, languages, pseudo)
            values = _option_values(question, languages, pseudo) if kind == "matrix" else ()
            data_type = {"multi_choice": "binary", "matrix": "string", "ranking": "integer"}
            part_kind = {"multi_choice": "multi", "matrix": "matrix", "ranking": "ranking"}
            for part in _parts(definition, question):
                columns.append(ExportColumn(
                    part_column(question.id, part), part_kind[kind], data_type[kind],
                    **common, part=part, part_label=labels.get(part, {}), values=values,
                    versions=tuple(asked.get((question.id, part), versions))))
        elif kind == "number":
            columns.append(ExportColumn(
                question.id, "number", "integer" if question.integer else "number", **common,
                versions=versions, unit=_texts(question.unit, languages),
                minimum=question.min, maximum=question.max))
        elif kind == "consent":
            columns.append(ExportColumn(question.id, "consent", "binary", **common,
                                        versions=versions))
        elif kind == "text":
            if text == "scrub":
                columns.append(ExportColumn(question.id, "text", "string", **common,
                                            versions=versions))
                scrubbed.append(question.id)
            else:
                dropped.append(question.id)
        if getattr(question, "other", False):
            name = other_key(question.id)
            if text == "scrub" and question.id not in quasi:
                columns.append(ExportColumn(name, "other_text", "string", **common,
                                            part=OTHER, part_label=pseudo[OTHER],
                                            versions=versions))
                scrubbed.append(name)
            else:
                dropped.append(name)
    return Layout(languages=languages, questions=tuple(questions), columns=tuple(columns),
                  quasi_identifiers=quasi, dropped_text=tuple(dropped),
                  scrubbed_text=tuple(scrubbed))
