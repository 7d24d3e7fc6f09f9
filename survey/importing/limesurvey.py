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
from survey.importing.lss import Export, Item, lss_bytes, read_export
from survey.importing.report import ImportReport
from survey.importing.safety import Upload
from survey.importing.text import i18n, option_ids, plain_text, question_ids, slugify

NUMBER_LIMIT = 1_000_000_000
ARRAY_COLUMNS = {
    "A": [(str(n), str(n)) for n in range(1, 6)],
    "B": [(str(n), str(n)) for n in range(1, 11)],
    "E": [("I", "increase"), ("S", "same"), ("D", "decrease")],
    "C": [("Y", "yes"), ("U", "uncertain"), ("N", "no")],
}
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
        page.intro.append(_texts(intro, survey.languages))
    relevance = group.fields.get("grelevance", "").strip()
    group_condition = None
    if relevance not in ("", "1"):
        group_condition = (parse_or_unreadable(relevance.strip("{}")), relevance)
    for question in survey.export.questions.get(group.id, []):
        _question(survey, page, question, group_condition)
    return page


def _texts(value, languages) -> dict[str, str]:
    return dict.fromkeys(languages, value) if isinstance(value, str) else dict(value)


def _question(survey: _Survey, page: DraftPage, item: Item, group_condition) -> None:
    kind = item.fields.get("type", "")
    code = item.fields.get("title", item.id)
    type_name = TYPE_NAMES.get(kind, f"type {kind}")
    report = survey.report
    survey.code_of_qid[item.id] = code
    if kind == "X":
        if intro := survey.text(item.texts):
            page.intro.append(_texts(intro, survey.languages))
            outcome = "approximated" if page.questions else "mapped"
            report.question(code, type_name, outcome, "intro text of the page"
                            + (", shown above its questions" if page.questions else ""))
        else:
            report.question(code, type_name, "left_out", "a text display without text")
        return
    mapper = _MAPPERS.get(kind)
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


def _subquestions(survey, item, scale="0") -> list[Item]:
    return [sub for sub in survey.export.subquestions.get(item.id, [])
            if sub.fields.get("scale_id", "0") in (scale, "")]


def _answers(survey, item, scale="0") -> list[Item]:
    return [a for a in survey.export.answers.get(item.id, [])
            if a.fields.get("scale_id", "0") in (scale, "")]


def _options(survey, items: list[Item], code_key: str) -> tuple[list[dict], dict[str, str]]:
    ids = option_ids()
    options, codes = [], {}
    for item in items:
        code = item.fields.get(code_key, item.id)
        option_id = ids.make(code)
        codes[code] = option_id
        options.append({"id": option_id, "label": survey.text(item.texts, code)})
    return options, codes


def _shuffled(document, attributes) -> dict:
    if attributes.get("random_order", "0").strip() == "1":
        document["shuffle"] = True
    return document


def _new(survey, code, base, **keys) -> dict:
    return {"id": survey.ids.make(code), **base, **keys}


def _single(survey, item, code, base, attributes, notes):
    options, codes = _options(survey, _answers(survey, item), "code")
    if len(options) < 2:
        raise Unsupported("fewer than two answer options")
    document = _new(survey, code, base, type="single_choice", options=options[:200])
    if item.fields.get("other") == "Y":
        document["other"] = True
        codes["-oth-"] = "other"
    if item.fields.get("type") == "O":
        notes.append("its comment box was left out")
    survey.by_code[code] = (Target(document["id"], "single_choice", codes), None)
    return [_shuffled(document, attributes)]


def _multi(survey, item, code, base, attributes, notes):
    subs = _subquestions(survey, item)
    options, codes = _options(survey, subs, "title")
    if len(options) + (item.fields.get("other") == "Y") < 2:
        raise Unsupported("fewer than two options")
    document = _new(survey, code, base, type="multi_choice", options=options[:200])
    if item.fields.get("other") == "Y":
        document["other"] = True
    if item.fields.get("type") == "P":
        notes.append("the comment boxes of its options were left out")
    target = Target(document["id"], "multi_choice", codes)
    survey.by_code[code] = (target, None)
    for sub_code, option_id in codes.items():
        survey.by_code[f"{code}_{sub_code}"] = (target, option_id)
    survey.by_code[f"{code}_other"] = (target, "other")
    return [_shuffled(document, attributes)]


def _columns(survey, item, scale="0"):
    kind = item.fields.get("type")
    if kind in ARRAY_COLUMNS:
        return [{"id": column_id.lower(), "label": label if label.isdigit()
                 else survey.words(label)} for column_id, label in ARRAY_COLUMNS[kind]]
    if kind == ":":
        options, _codes = _options(survey, _subquestions(survey, item, "1"), "title")
        return options
    options, _codes = _options(survey, _answers(survey, item, scale), "code")
    return options


def _matrix(survey, item, code, base, attributes, notes, scale="0", suffix=""):
    rows, _codes = _options(survey, _subquestions(survey, item), "title")
    columns = _columns(survey, item, scale)
    if not rows:
        raise Unsupported("an array without rows")
    if not 2 <= len(columns) <= 20:
        raise Unsupported(f"an array with {len(columns)} column(s) (a matrix takes 2 to 20)")
    if len(rows) > 50:
        raise Unsupported(f"an array with {len(rows)} rows (a matrix takes at most 50)")
    if item.fields.get("type") == ":":
        notes.append("a number in every cell became one column chosen per row")
    document = _new(survey, code + suffix, base, type="matrix", rows=rows, columns=columns)
    target = (Target(document["id"], "matrix"), None)
    survey.by_code[code] = target
    survey.by_code.update((f"{code}_{row}", target) for row in _codes)
    return [_shuffled(document, attributes)]


def _dual(survey, item, code, base, attributes, notes):
    return (_matrix(survey, item, code, base, attributes, notes, "0", "_1")
            + _matrix(survey, item, code, base, attributes, notes, "1", "_2"))


def _texts_per_row(survey, item, code, base, attributes, notes):
    notes.append("one text per row instead of one per cell")
    return _per_subquestion(survey, item, code, base, {"type": "text"})


def _per_subquestion(survey, item, code, base, keys):
    documents = []
    for sub in _subquestions(survey, item):
        sub_code = f"{code}_{sub.fields.get('title', sub.id)}"
        text = survey.text(item.texts, code)
        label = survey.text(sub.texts, sub.fields.get("title", sub.id))
        document = _new(survey, sub_code, base, text=_joined(text, label, survey.languages),
                        **keys)
        survey.by_code[sub_code] = (Target(document["id"], keys["type"]), None)
        documents.append(document)
    if not documents:
        raise Unsupported("no subquestions")
    return documents


def _joined(text, label, languages):
    text, label = _texts(text, languages), _texts(label, languages)
    return i18n({lang: f"{text[lang]}: {label[lang]}"[:5000] for lang in languages}, languages)


def _number_keys(attributes) -> dict:
    def bound(name, default):
        try:
            return float(attributes.get(name, "").strip())
        except ValueError:
            return default
    integer = attributes.get("num_value_int_only", "0").strip() == "1"
    low, high = bound("min_num_value_n", -NUMBER_LIMIT), bound("max_num_value_n", NUMBER_LIMIT)
    if integer:
        low, high = float(int(low)), float(int(high))
    if low > high:
        low, high = -NUMBER_LIMIT, NUMBER_LIMIT
    return {"type": "number", "integer": integer, "min": low, "max": high}


def _number(survey, item, code, base, attributes, notes):
    document = _new(survey, code, base, **_number_keys(attributes))
    survey.by_code[code] = (Target(document["id"], "number"), None)
    return [document]


def _numbers(survey, item, code, base, attributes, notes):
    return _per_subquestion(survey, item, code, base, _number_keys(attributes))


def _text_keys(item, attributes) -> dict:
    keys = {"type": "text"}
    try:
        keys["max_length"] = max(1, min(int(attributes.get("maximum_chars", "")), 10_000))
    except ValueError:
        pass
    if item.fields.get("type") in ("T", "U"):
        keys["multiline"] = True
    return keys


def _text(survey, item, code, base, attributes, notes):
    document = _new(survey, code, base, **_text_keys(item, attributes))
    survey.by_code[code] = (Target(document["id"], "text"), None)
    return [document]


def _short_texts(survey, item, code, base, attributes, notes):
    return _per_subquestion(survey, item, code, base, _text_keys(item, attributes))


def _ranking(survey, item, code, base, attributes, notes):
    items, codes = _options(survey, _answers(survey, item), "code")
    if not 2 <= len(items) <= 10:
        raise Unsupported(f"a ranking of {len(items)} items (a ranking takes 2 to 10)")
    document = _new(survey, code, base, type="ranking", items=items)
    survey.by_code[code] = (Target(document["id"], "ranking", codes), None)
    return [_shuffled(document, attributes)]


def _fixed_choice(survey, code, base, choices) -> list[dict]:
    options = [{"id": option_id, "label": survey.words(key)} for _c, option_id, key in choices]
    document = _new(survey, code, base, type="single_choice", options=options)
    codes = {source: option_id for source, option_id, _key in choices}
    survey.by_code[code] = (Target(document["id"], "single_choice", codes), None)
    return [document]


def _yes_no(survey, item, code, base, attributes, notes):
    return _fixed_choice(survey, code, base, [("Y", "yes", "yes"), ("N", "no", "no")])


def _gender(survey, item, code, base, attributes, notes):
    return _fixed_choice(survey, code, base, [("F", "female", "female"),
                                              ("M", "male", "male")])


def _five(survey, item, code, base, attributes, notes):
    scale = [{"id": str(n), "label": str(n)} for n in range(1, 6)]
    document = _new(survey, code, base, type="likert", scale=scale)
    survey.by_code[code] = (Target(document["id"], "likert", {str(n): str(n)
                                                               for n in range(1, 6)}), None)
    return [document]


_MAPPERS = {
    "L": _single, "!": _single, "O": _single, "M": _multi, "P": _multi,
    "F": _matrix, "A": _matrix, "B": _matrix, "E": _matrix, "C": _matrix, "H": _matrix,
    ":": _matrix, ";": _texts_per_row, "1": _dual, "N": _number, "K": _numbers,
    "S": _text, "T": _text, "U": _text, "Q": _short_texts, "R": _ranking, "Y": _yes_no,
    "G": _gender, "5": _five,
}
