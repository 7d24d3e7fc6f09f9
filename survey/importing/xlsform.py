"""XLSForm (.xlsx, .xls, .xlsm, .csv, .md) → a definition, read with pyxform's parser."""

import io
import warnings

from pyxform.errors import PyXFormError
from pyxform.xls2json import workbook_to_json
from pyxform.xls2json_backends import get_xlsform

from survey.importing.building import (
    DraftPage,
    DraftQuestion,
    Layout,
    Target,
    finish_definition,
)
from survey.importing.expressions import (
    And,
    Cmp,
    Lit,
    Unsupported,
    Var,
    parse_expression,
    parse_or_unreadable,
)
from survey.importing.languages import language_code
from survey.importing.report import ImportRefused, ImportReport
from survey.importing.safety import Upload, open_zip
from survey.importing.text import i18n, option_ids, plain_text, question_ids, slugify

DEFAULT_LANGUAGE = "en"
NUMBER_LIMIT = 1_000_000_000
GROUPS = ("group",)
REPEATS = ("repeat", "loop")
LEFT_OUT = {
    "calculate": "a calculation, not a question",
    "hidden": "a hidden field, not a question",
    "date": "date and time fields are not supported",
    "time": "date and time fields are not supported",
    "datetime": "date and time fields are not supported",
    "geopoint": "geo fields are not supported",
    "geotrace": "geo fields are not supported",
    "geoshape": "geo fields are not supported",
    "start-geopoint": "geo fields are not supported",
    "image": "media and file fields are not supported",
    "photo": "media and file fields are not supported",
    "audio": "media and file fields are not supported",
    "background-audio": "media and file fields are not supported",
    "video": "media and file fields are not supported",
    "file": "media and file fields are not supported",
    "barcode": "media and file fields are not supported",
    "deviceid": "device and metadata fields are not collected",
    "start": "device and metadata fields are not collected",
    "end": "device and metadata fields are not collected",
    "today": "device and metadata fields are not collected",
    "phonenumber": "device and metadata fields are not collected",
    "simserial": "device and metadata fields are not collected",
    "subscriberid": "device and metadata fields are not collected",
    "username": "device and metadata fields are not collected",
    "email": "device and metadata fields are not collected",
    "audit": "device and metadata fields are not collected",
}
ALIASES = {"select one": "select_one", "select all that apply": "select_multiple",
           "select multiple": "select_multiple", "int": "integer", "string": "text",
           "trigger": "acknowledge", "odk:rank": "rank", "datetime": "datetime"}


def _parsed(upload: Upload) -> dict:
    if upload.suffix in (".xlsx", ".xlsm"):
        open_zip(upload.data)  # refuses ZIP bombs before openpyxl unpacks anything
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl's notes on unknown extensions
            workbook = get_xlsform(xlsform=io.BytesIO(upload.data), file_type=upload.suffix)
            return workbook_to_json(workbook_dict=workbook, form_name=None,
                                    fallback_form_name=upload.name.rsplit(".", 1)[0],
                                    default_language="default", warnings=[])
    except PyXFormError as error:
        message = str(error).strip().splitlines()[0] if str(error).strip() else "unknown error"
        if "not recognized as a supported type" in message:
            raise ImportRefused(f"cannot read the file as XLSForm: it is no {upload.suffix} "
                                "that pyxform can read") from None
        raise ImportRefused(f"not a valid XLSForm: {message}") from None
    except Exception as error:  # noqa: BLE001 - any failure of a parser on a foreign file
        raise ImportRefused(f"cannot read the file as XLSForm "
                            f"({type(error).__name__}: {str(error)[:120]})") from None


class _Form:
    """One XLSForm being mapped: its languages, the questions made so far, the report."""

    def __init__(self, form: dict, report: ImportReport):
        self.form = form
        self.report = report
        self.language_names = self._language_names()
        default = language_code(str(form.get("default_language", ""))) or DEFAULT_LANGUAGE
        codes = sorted(set(self.language_names.values()), key=lambda code: (code != default,
                                                                            code))
        self.languages = codes or [default]
        self.ids = question_ids()
        self.targets: dict[str, Target] = {}

    def _language_names(self) -> dict[str, str]:
        names: set[str] = set()

        def collect(node):
            for key in ("label", "hint"):
                if isinstance(node.get(key), dict):
                    names.update(node[key])
            for choice in node.get("choices") or [] if node is not self.form else []:
                if isinstance(choice.get("label"), dict):
                    names.update(choice["label"])
            for child in node.get("children") or []:
                collect(child)
        collect(self.form)
        codes = {}
        for name in sorted(names - {"default"}):
            code = language_code(name)
            if code is None:
                self.report.notes.append(f"language {name!r} has no recognizable code; its "
                                         "texts were left out")
            elif code not in codes.values():
                codes[name] = code
        if not codes:
            default = language_code(str(self.form.get("default_language", "")))
            self.report.notes.append("the form names no language; its texts are taken as "
                                     f"{default or DEFAULT_LANGUAGE!r}")
        return codes

    def texts(self, value) -> dict[str, str]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            return {language: plain_text(str(value)) for language in self.languages}
        texts = {code: plain_text(str(value[name]))
                 for name, code in self.language_names.items() if name in value}
        if "default" in value:
            for language in self.languages:
                texts.setdefault(language, plain_text(str(value["default"])))
        return texts

    def text(self, value, fallback: str | None = None):
        return i18n(self.texts(value), self.languages) or fallback

    def resolve(self, variable: Var):
        target = self.targets.get(variable.name)
        if target is None:
            raise Unsupported(f"{variable.name!r} is not a question that was imported")
        return target, None


def _node_choices(form: "_Form", node: dict) -> list[dict]:
    """A select's choices: inline, or (randomized selects, some versions) in the form's lists."""
    if node.get("choices"):
        return node["choices"]
    lists = form.form.get("choices") or {}
    return lists.get(node.get("itemset") or node.get("list_name") or "", [])


def _type(node: dict) -> str:
    kind = str(node.get("type", "")).strip().lower()
    return ALIASES.get(kind, kind)


def _flag(value) -> bool:
    return str(value).strip().lower() in ("yes", "true", "true()", "1")


def _condition(node: dict, inherited):
    relevant = str((node.get("bind") or {}).get("relevant", "")).strip()
    parts, expressions = list(inherited[0]), list(inherited[1])
    if relevant:
        parts.append(parse_or_unreadable(relevant))
        expressions.append(relevant)
    return tuple(parts), tuple(expressions)


def _bounds(constraint: str, integer: bool) -> tuple[float | None, float | None, bool]:
    """min, max and whether they were kept exactly, from a constraint like `. >= 0 and . < 10`."""
    node = parse_expression(constraint)
    parts = node.parts if isinstance(node, And) else (node,)
    low = high = None
    exact = True
    for part in parts:
        if not (isinstance(part, Cmp) and part.left == Var(".") and isinstance(part.right, Lit)
                and isinstance(part.right.value, float)):
            raise Unsupported("not a simple bound")
        value = part.right.value
        if part.op in (">", "<") and not (integer and value.is_integer()):
            exact = False  # a strict bound on decimals becomes an inclusive one
        if part.op in (">", ">="):
            low = value + 1 if part.op == ">" and integer and value.is_integer() else value
        elif part.op in ("<", "<="):
            high = value - 1 if part.op == "<" and integer and value.is_integer() else value
        else:
            raise Unsupported("not a simple bound")
    return low, high, exact


def import_xlsform(upload: Upload) -> tuple[dict, ImportReport]:
    """The definition document of an XLSForm and its import report, or ImportRefused."""
    parsed = _parsed(upload)
    report = ImportReport("XLSForm")
    form = _Form(parsed, report)
    pages: list[DraftPage] = []
    loose: list[dict] = []
    title = form.text(parsed.get("title")) or upload.name

    def flush_loose():
        if loose:
            page = DraftPage("page", title)
            _add_children(form, page, list(loose), ((), ()))
            pages.append(page)
            loose.clear()
    for node in parsed.get("children") or []:
        kind = _type(node)
        if kind in GROUPS and (node.get("control") or {}).get("bodyless"):
            continue  # pyxform's own "meta" group (instanceID)
        if kind not in GROUPS:
            loose.append(node)
            continue
        flush_loose()
        page = DraftPage(str(node.get("name") or "page"), form.text(node.get("label"), title))
        _add_children(form, page, node.get("children") or [], _condition(node, ((), ())))
        pages.append(page)
    flush_loose()
    layout = Layout(report, form.languages)
    for page in pages:
        layout.add_page(page, form.resolve)
    document = {"slug": slugify(str(parsed.get("id_string") or upload.name)),
                "languages": form.languages, "title": title, "pages": layout.finish()}
    finish_definition(document, upload.name)
    return document, report


def _add_children(form: _Form, page: DraftPage, children: list, inherited) -> None:
    index = 0
    while index < len(children):
        node = children[index]
        following = children[index + 1] if index + 1 < len(children) else None
        kind = _type(node)
        name = str(node.get("name") or "")
        index += 1
        if kind in GROUPS:  # nested groups are flattened into the page
            _add_children(form, page, node.get("children") or [], _condition(node, inherited))
            continue
        if kind in REPEATS:
            form.report.question(name, kind, "left_out", "repeats are not supported")
            for child in _descendants(node):
                form.report.question(str(child.get("name")), _type(child), "left_out",
                                     f"inside the repeat {name!r}")
            continue
        other = _or_other_text(form, node, following)
        if other:
            index += 1  # pyxform's "specify other" text: becomes the question's own "other"
        _add_question(form, page, node, kind, name, inherited, other=other)


def _descendants(node):
    for child in node.get("children") or []:
        yield child
        yield from _descendants(child)


def _or_other_text(form, node: dict, following: dict | None) -> bool:
    choices = _node_choices(form, node)
    return (following is not None and _type(node) in ("select_one", "select_multiple")
            and any(c.get("name") == "other" for c in choices)
            and following.get("name") == f"{node.get('name')}_other"
            and "'other'" in str((following.get("bind") or {}).get("relevant", "")))


def _add_question(form, page, node, kind, name, inherited, other) -> None:
    report = form.report
    if kind == "note":
        texts = form.texts(node.get("label"))
        if texts:
            page.intro.append(texts)
            outcome = "approximated" if page.questions else "mapped"
            detail = ("intro text, shown above the page's questions" if page.questions
                      else "intro text of the page")
            report.question(name, kind, outcome, detail)
        else:
            report.question(name, kind, "left_out", "a note without text")
        return
    if kind in LEFT_OUT or kind not in _MAPPERS:
        report.question(name, kind, "left_out",
                        LEFT_OUT.get(kind, f"the question type {kind!r} is not supported"))
        return
    text = form.text(node.get("label"))
    if text is None:
        report.question(name, kind, "left_out", "a question without a label (e.g. a table's "
                        "header row)")
        return
    document = {"id": form.ids.make(name), "type": "", "text": text}
    if help_text := form.text(node.get("hint")):
        document["help"] = help_text
    if _flag((node.get("bind") or {}).get("required", "")):
        document["required"] = True
    notes: list[str] = []
    try:
        _MAPPERS[kind](form, node, document, notes, other)
    except Unsupported as unsupported:
        form.ids.used.discard(document["id"])
        report.question(name, kind, "left_out", str(unsupported))
        return
    if node.get("choice_filter"):
        notes.append("its choice_filter was left out: every choice is offered")
    constraint = (node.get("bind") or {}).get("constraint")
    if constraint and document["type"] != "number":
        notes.append(f"its constraint {constraint!r} was left out")
    parts, expressions = _condition(node, inherited)
    condition = None
    if parts:
        condition = parts[0] if len(parts) == 1 else And(parts)
    detail = document["type"] + (f"; {'; '.join(notes)}" if notes else "")
    report.question(name, kind, "approximated" if notes else "mapped", detail, [document["id"]])
    page.questions.append(DraftQuestion(document, name, condition, " and ".join(expressions)))


def _choices(form, node, document, other):
    choices = [c for c in _node_choices(form, node)
               if not (other and c.get("name") == "other")]
    if len(choices) < 2:
        raise Unsupported("fewer than two choices (or choices from a file)")
    if len(choices) > 200:
        raise Unsupported("more than 200 choices")
    ids = option_ids()
    options, codes, media = [], {}, False
    for choice in choices:
        code = str(choice.get("name"))
        option_id = ids.make(code)
        codes[code] = option_id
        media = media or bool(choice.get("media"))
        options.append({"id": option_id, "label": form.text(choice.get("label"), code)})
    if other:
        codes["other"] = "other"
    return options, codes, media


def _select(form, node, document, notes, other, multiple=False):
    options, codes, media = _choices(form, node, document, other)
    appearance = str((node.get("control") or {}).get("appearance", ""))
    if not multiple and "likert" in appearance and len(options) <= 11:
        document.update(type="likert", scale=options)
    else:
        document.update(type="multi_choice" if multiple else "single_choice", options=options)
        if other:
            document["other"] = True
        if _flag((node.get("parameters") or {}).get("randomize", "")):
            document["shuffle"] = True
    if media:
        notes.append("the choices' images or sounds were left out")
    form.targets[node["name"]] = Target(document["id"], document["type"], codes)


def _select_multiple(form, node, document, notes, other):
    _select(form, node, document, notes, other, multiple=True)


def _number(form, node, document, notes, other):
    integer = _type(node) == "integer"
    low = high = None
    constraint = (node.get("bind") or {}).get("constraint")
    if constraint:
        try:
            low, high, exact = _bounds(str(constraint), integer)
            if not exact:
                notes.append(f"the strict bounds of {constraint!r} became inclusive")
        except Unsupported:
            notes.append(f"its constraint {constraint!r} was left out")
    document.update(type="number", integer=integer,
                    min=-NUMBER_LIMIT if low is None else low,
                    max=NUMBER_LIMIT if high is None else high)
    if document["min"] > document["max"]:
        raise Unsupported(f"its constraint {constraint!r} allows no number")
    form.targets[node["name"]] = Target(document["id"], "number")


def _text(form, node, document, notes, other):
    document["type"] = "text"
    if "multiline" in str((node.get("control") or {}).get("appearance", "")):
        document["multiline"] = True
    if _flag((node.get("bind") or {}).get("readonly", "")):
        raise Unsupported("a read-only field, never answered")
    form.targets[node["name"]] = Target(document["id"], "text")


def _acknowledge(form, node, document, notes, other):
    document["type"] = "consent"
    form.targets[node["name"]] = Target(document["id"], "consent")


def _rank(form, node, document, notes, other):
    items, codes, _media = _choices(form, node, document, other=False)
    if len(items) > 10:
        raise Unsupported("a ranking of more than 10 items")
    document.update(type="ranking", items=items)
    if _flag((node.get("parameters") or {}).get("randomize", "")):
        document["shuffle"] = True
    form.targets[node["name"]] = Target(document["id"], "ranking", codes)


_MAPPERS = {"select_one": _select, "select_multiple": _select_multiple, "integer": _number,
            "decimal": _number, "text": _text, "acknowledge": _acknowledge, "rank": _rank}
