"""LimeSurvey (.lss, .lsa) → a definition: groups become pages, question types are mapped
as the table in the README says, relevance equations and legacy conditions become
conditions where they have the simple forms a condition can say."""

import re
from datetime import UTC, datetime

from survey.importing.building import DraftPage, DraftQuestion, Layout, Target
from survey.importing.expressions import (
    And,
    Cmp,
    Lit,
    Or,
    Unreadable,
    Unsupported,
    Var,
    parse_or_unreadable,
)
from survey.importing.languages import word
from survey.importing.limesurvey_types import MAPPERS, texts_by_language
from survey.importing.lss import Export, Item, lss_bytes, read_export
from survey.importing.report import ImportReport
from survey.importing.safety import Upload
from survey.importing.text import i18n, plain_text, question_ids, slugify

LEFT_OUT = {
    "D": "date and time fields are not supported",
    "|": "media and file fields are not supported",
    "*": "equations are computed, not asked",
    "I": "a language switch, not a question",
}
TYPE_NAMES = {
    "L": "list", "!": "dropdown", "O": "list with comment", "M": "multiple choice",
    "P": "multiple choice with comments", "F": "array", "A": "array 5 point",
    "B": "array 10 point", "E": "array increase/same/decrease", "C": "array yes/uncertain/no",
    "H": "array by column", ":": "array numbers", ";": "array texts", "1": "dual scale array",
    "N": "numeric", "K": "multiple numeric", "S": "short text", "T": "long text",
    "U": "huge text", "Q": "multiple short text", "R": "ranking", "Y": "yes/no",
    "G": "gender", "5": "5 point choice", "X": "text display", "D": "date",
    "|": "file upload", "*": "equation", "I": "language switch",
}
SGQA = re.compile(r"^(\d+)X(\d+)X(\d+)(\w*)$")


class _Survey:
    def __init__(self, export: Export, report: ImportReport):
        self.export = export
        self.report = report
        self.languages = export.languages
        self.ids = question_ids()
        self.by_code: dict[str, tuple[Target, str | None]] = {}
        self.code_of_qid: dict[str, str] = {}

    def text(self, texts: dict[str, str], fallback: str | None = None):
        return i18n({code: plain_text(t) for code, t in texts.items()}, self.languages) \
            or fallback

    def words(self, key: str):
        return i18n(word(key, self.languages), self.languages)

    def resolve(self, variable: Var):
        if variable.attribute not in ("", "NAOK", "code"):
            raise Unsupported(f"the attribute .{variable.attribute} has no counterpart")
        name = variable.name
        match = SGQA.match(name)
        if match:
            name = self._sgqa_code(match)
        if name not in self.by_code:
            raise Unsupported(f"{variable.name!r} is not a question that was imported")
        return self.by_code[name]

    def _sgqa_code(self, match) -> str:
        qid, rest = match[3], match[4]
        # The subquestion code follows the question id without a separator.
        for cut in range(len(qid), 0, -1):
            if qid[:cut] in self.code_of_qid:
                code = self.code_of_qid[qid[:cut]]
                suffix = qid[cut:] + rest
                return f"{code}_{suffix}" if suffix else code
        return match[0]


def import_limesurvey(upload: Upload) -> tuple[dict, ImportReport]:
    """The definition document of a LimeSurvey export and its import report."""
    report = ImportReport("LimeSurvey")
    export = read_export(lss_bytes(upload, report), report)
    survey = _Survey(export, report)
    pages = [_page(survey, group) for group in export.groups]
    layout = Layout(report, survey.languages)
    for page in pages:
        layout.add_page(page, survey.resolve)
    title = survey.text(export.titles) or f"LimeSurvey {export.sid}"
    document = {"slug": slugify(plain_text(next(iter(export.titles.values()), "")),
                                fallback=f"limesurvey-{export.sid}"),
                "languages": survey.languages, "title": title, "pages": layout.finish()}
    if description := survey.text(export.descriptions):
        document["description"] = description
    _dates(export, document, report)
    if "quota" in export.tables:
        report.notes.append("quotas were left out")
    return document, report


def _dates(export: Export, document: dict, report: ImportReport) -> None:
    for source, key in (("startdate", "opens_at"), ("expires", "closes_at")):
        value = export.settings.get(source, "").strip()
        if not value:
            continue
        try:
            moment = datetime.fromisoformat(value).replace(tzinfo=UTC)
        except ValueError:
            report.notes.append(f"the survey's {source} {value!r} could not be read")
            continue
        document[key] = moment.isoformat()
        report.notes.append(f"{source} {value} became {key}, read as UTC")
    if "opens_at" in document and "closes_at" in document \
            and document["opens_at"] >= document["closes_at"]:
        del document["opens_at"]


def _page(survey: _Survey, group: Item) -> DraftPage:
    page = DraftPage(f"group_{group.id}", survey.text(group.texts, f"Group {group.id}"))
    if intro := survey.text(group.helps):
        page.intro.append(texts_by_language(intro, survey.languages))
    relevance = group.fields.get("grelevance", "").strip()
    group_condition = None
    if relevance not in ("", "1"):
        group_condition = (parse_or_unreadable(relevance.strip("{}")), relevance)
    for question in survey.export.questions.get(group.id, []):
        _question(survey, page, question, group_condition)
    return page


def _question(survey: _Survey, page: DraftPage, item: Item, group_condition) -> None:
    kind = item.fields.get("type", "")
    code = item.fields.get("title", item.id)
    type_name = TYPE_NAMES.get(kind, f"type {kind}")
    report = survey.report
    survey.code_of_qid[item.id] = code
    if kind == "X":
        if intro := survey.text(item.texts):
            page.intro.append(texts_by_language(intro, survey.languages))
            outcome = "approximated" if page.questions else "mapped"
            report.question(code, type_name, outcome, "intro text of the page"
                            + (", shown above its questions" if page.questions else ""))
        else:
            report.question(code, type_name, "left_out", "a text display without text")
        return
    mapper = MAPPERS.get(kind)
    if mapper is None:
        report.question(code, type_name, "left_out",
                        LEFT_OUT.get(kind, f"the LimeSurvey question type {kind!r} is not "
                                     "supported"))
        return
    attributes = survey.export.attributes.get(item.id, {})
    notes: list[str] = []
    base = {"text": survey.text(item.texts, code)}
    if help_text := survey.text(item.helps):
        base["help"] = help_text
    mandatory = item.fields.get("mandatory", "N")
    if mandatory == "Y":
        base["required"] = True
    elif mandatory == "S":
        notes.append("soft mandatory became optional")
    if attributes.get("time_limit", "").strip() not in ("", "0"):
        notes.append("its timer was left out")
    try:
        documents = mapper(survey, item, code, base, attributes, notes)
    except Unsupported as unsupported:
        report.question(code, type_name, "left_out", str(unsupported))
        return
    condition, expression = _condition(survey, item, group_condition)
    _report_subquestion_conditions(survey, item, code)
    kinds = sorted({d["type"] for d in documents})
    detail = (f"{len(documents)} × " if len(documents) > 1 else "") + ", ".join(kinds)
    detail += f"; {'; '.join(notes)}" if notes else ""
    report.question(code, type_name, "approximated" if notes else "mapped", detail,
                    [d["id"] for d in documents])
    for document in documents:
        page.questions.append(DraftQuestion(document, code, condition, expression))


def _condition(survey: _Survey, item: Item, group_condition):
    parts, expressions = [], []
    if group_condition is not None:
        parts.append(group_condition[0])
        expressions.append(f"group: {group_condition[1]}")
    legacy = survey.export.conditions.get(item.id)
    relevance = item.fields.get("relevance", "").strip()
    if legacy:  # the relevance of a question with legacy conditions is derived from them
        parts.append(_legacy(survey, legacy))
        expressions.append("conditions: " + "; ".join(
            f"{row.get('cfieldname')} {row.get('method')} {row.get('value')!r}"
            for row in legacy))
    elif relevance not in ("", "1"):
        parts.append(parse_or_unreadable(relevance.strip().strip("{}")))
        expressions.append(relevance)
    if not parts:
        return None, ""
    return (parts[0] if len(parts) == 1 else And(tuple(parts))), " and ".join(expressions)


def _legacy(survey: _Survey, rows: list[dict[str, str]]):
    """Legacy conditions: OR between scenarios, AND between questions, OR within one."""
    scenarios: dict[str, dict[str, list]] = {}
    for row in rows:
        value = row.get("value", "")
        method = row.get("method", "==").strip() or "=="
        if value.startswith("@") or method not in ("==", "!=", "<", "<=", ">", ">="):
            node = Unreadable(f"the legacy condition {method} {value!r} has no counterpart")
        else:
            field = row.get("cfieldname", "")
            match = SGQA.match(field)
            name = survey._sgqa_code(match) if match else field
            node = Cmp(method, Var(name.removeprefix("+")), Lit(value))
        scenario = scenarios.setdefault(row.get("scenario", "1"), {})
        scenario.setdefault(row.get("cfieldname", ""), []).append(node)
    alternatives = []
    for fields in scenarios.values():
        clauses = [nodes[0] if len(nodes) == 1 else Or(tuple(nodes)) for nodes in fields.values()]
        alternatives.append(clauses[0] if len(clauses) == 1 else And(tuple(clauses)))
    return alternatives[0] if len(alternatives) == 1 else Or(tuple(alternatives))


def _report_subquestion_conditions(survey: _Survey, item: Item, code: str) -> None:
    for sub in survey.export.subquestions.get(item.id, []):
        relevance = sub.fields.get("relevance", "").strip()
        if relevance not in ("", "1"):
            survey.report.condition(f"{code}_{sub.fields.get('title', '')}", relevance,
                                    "left_out", "conditions on single options or rows are "
                                    "not supported; the option is always offered")
