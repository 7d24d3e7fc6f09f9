"""LimeSurvey question types → definition questions: one function per type, as the
mapping table in the README says."""

from survey.importing.building import Target
from survey.importing.expressions import Unsupported
from survey.importing.lss import Item
from survey.importing.text import i18n, option_ids

NUMBER_LIMIT = 1_000_000_000
ARRAY_COLUMNS = {
    "A": [(str(n), str(n)) for n in range(1, 6)],
    "B": [(str(n), str(n)) for n in range(1, 11)],
    "E": [("I", "increase"), ("S", "same"), ("D", "decrease")],
    "C": [("Y", "yes"), ("U", "uncertain"), ("N", "no")],
}


def texts_by_language(value, languages) -> dict[str, str]:
    """Text in the definition's form as one text per language."""
    return dict.fromkeys(languages, value) if isinstance(value, str) else dict(value)


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
    text, label = texts_by_language(text, languages), texts_by_language(label, languages)
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


MAPPERS = {
    "L": _single, "!": _single, "O": _single, "M": _multi, "P": _multi,
    "F": _matrix, "A": _matrix, "B": _matrix, "E": _matrix, "C": _matrix, "H": _matrix,
    ":": _matrix, ";": _texts_per_row, "1": _dual, "N": _number, "K": _numbers,
    "S": _text, "T": _text, "U": _text, "Q": _short_texts, "R": _ranking, "Y": _yes_no,
    "G": _gender, "5": _five,
}
