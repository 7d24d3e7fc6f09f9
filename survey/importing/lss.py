"""Reading a LimeSurvey export (.lss, or the .lss inside an .lsa) into plain structures.

Both table layouts are read: texts in the rows themselves, one row per language (before
LimeSurvey 4), or in separate `*_l10ns` tables. The layout is told by the tables present,
not by DBVersion, which does not follow it reliably."""

import re
from collections import defaultdict
from dataclasses import dataclass, field

from survey.importing.languages import language_code
from survey.importing.report import ImportRefused, ImportReport
from survey.importing.safety import Upload, open_zip, parse_xml, read_member

LSS_IN_ARCHIVE = re.compile(r"^survey_\d+\.lss$")


@dataclass
class Item:
    """A group, question, subquestion or answer option, with its texts by language code."""

    id: str
    order: int
    fields: dict[str, str]
    texts: dict[str, str] = field(default_factory=dict)
    helps: dict[str, str] = field(default_factory=dict)


@dataclass
class Export:
    """What an import needs of a LimeSurvey export."""

    sid: str
    languages: list[str]
    settings: dict[str, str]
    titles: dict[str, str]
    descriptions: dict[str, str]
    groups: list[Item]
    questions: dict[str, list[Item]]          # by gid, in order
    subquestions: dict[str, list[Item]]       # by parent qid, in order
    answers: dict[str, list[Item]]            # by qid, in order
    attributes: dict[str, dict[str, str]]     # by qid
    conditions: dict[str, list[dict[str, str]]]  # by qid
    tables: set[str]


def _rows(root, table: str) -> list[dict[str, str]]:
    element = root.find(table)
    if element is None or element.find("rows") is None:
        return []
    return [{child.tag: (child.text or "") for child in row}
            for row in element.find("rows").findall("row")]


def _order(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        return 0


def lss_bytes(upload: Upload, report: ImportReport) -> bytes:
    """The .lss document of an upload (taken out of an .lsa archive if need be)."""
    if upload.suffix != ".lsa":
        return upload.data
    archive = open_zip(upload.data)
    names = [name for name in archive.namelist() if LSS_IN_ARCHIVE.match(name)]
    if not names:
        raise ImportRefused("the .lsa archive holds no survey_<id>.lss")
    if any(name.endswith(".lsr") for name in archive.namelist()):
        report.notes.append("the archive's responses (.lsr) were not imported: only the "
                            "survey's structure is")
    return read_member(archive, names[0])


def read_export(data: bytes, report: ImportReport) -> Export:
    """The structures of a LimeSurvey survey export, or ImportRefused."""
    root = parse_xml(data)
    doc_type = (root.findtext("LimeSurveyDocType") or "").strip()
    if root.tag != "document" or not doc_type:
        raise ImportRefused("not a LimeSurvey export (no LimeSurveyDocType)")
    if doc_type != "Survey":
        raise ImportRefused(f"a LimeSurvey {doc_type.lower()} file, not a survey")
    tables = {child.tag for child in root}
    surveys = _rows(root, "surveys")
    if not surveys:
        raise ImportRefused("the LimeSurvey export holds no survey")
    settings = surveys[0]
    names = [settings.get("language", "")] + settings.get("additional_languages", "").split()
    codes: dict[str, str] = {}
    for name in filter(None, names):
        code = language_code(name)
        if code is None or code in codes.values():
            report.notes.append(f"language {name!r} was left out (no two-letter code of its "
                                "own)")
        else:
            codes[name] = code
    if not codes:
        raise ImportRefused("the survey names no language that can be imported")
    new_layout = "question_l10ns" in tables or "group_l10ns" in tables
    reader = _Reader(root, codes, new_layout)
    titles, descriptions = {}, {}
    for row in _rows(root, "surveys_languagesettings"):
        code = codes.get(row.get("surveyls_language", ""))
        if code:
            titles[code] = row.get("surveyls_title", "")
            descriptions[code] = row.get("surveyls_description", "")
    return Export(
        sid=settings.get("sid", ""), languages=list(dict.fromkeys(codes.values())),
        settings=settings, titles=titles, descriptions=descriptions,
        groups=reader.groups(), questions=reader.questions(), subquestions=reader.subquestions(),
        answers=reader.answers(), attributes=reader.attributes(),
        conditions=_by(_rows(root, "conditions"), "qid"), tables=tables)


def _by(rows: list[dict[str, str]], key: str) -> dict[str, list[dict[str, str]]]:
    grouped: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        grouped[row.get(key, "")].append(row)
    return dict(grouped)


class _Reader:
    def __init__(self, root, codes: dict[str, str], new_layout: bool):
        self.root = root
        self.codes = codes
        self.new_layout = new_layout

    def _items(self, rows, key, order_key, text_key, help_key, l10ns=None, l10n_key=None):
        """Items by id, merging one row per language (old layout) or taking texts from the
        l10ns table (new layout)."""
        items: dict[str, Item] = {}
        for row in rows:
            item = items.setdefault(row[key], Item(row[key], _order(row.get(order_key, "")),
                                                   row))
            code = self.codes.get(row.get("language", ""))
            if code and not self.new_layout:
                item.texts.setdefault(code, row.get(text_key, ""))
                item.helps.setdefault(code, row.get(help_key, ""))
        if self.new_layout and l10ns:
            for row in _rows(self.root, l10ns):
                item = items.get(row.get(l10n_key or key, ""))
                code = self.codes.get(row.get("language", ""))
                if item is not None and code:
                    item.texts.setdefault(code, row.get(text_key, ""))
                    item.helps.setdefault(code, row.get(help_key, ""))
        return items

    def groups(self) -> list[Item]:
        items = self._items(_rows(self.root, "groups"), "gid", "group_order", "group_name",
                            "description", "group_l10ns")
        return sorted(items.values(), key=lambda item: (item.order, _order(item.id)))

    def _all_questions(self) -> dict[str, Item]:
        rows = _rows(self.root, "questions") + _rows(self.root, "subquestions")
        return self._items(rows, "qid", "question_order", "question", "help", "question_l10ns")

    def questions(self) -> dict[str, list[Item]]:
        by_group: dict[str, list[Item]] = defaultdict(list)
        for item in self._all_questions().values():
            if item.fields.get("parent_qid", "0") in ("0", ""):
                by_group[item.fields.get("gid", "")].append(item)
        return {gid: sorted(items, key=lambda item: (item.order, _order(item.id)))
                for gid, items in by_group.items()}

    def subquestions(self) -> dict[str, list[Item]]:
        by_parent: dict[str, list[Item]] = defaultdict(list)
        for item in self._all_questions().values():
            if item.fields.get("parent_qid", "0") not in ("0", ""):
                by_parent[item.fields["parent_qid"]].append(item)
        return {qid: sorted(items, key=lambda item: (item.order, _order(item.id)))
                for qid, items in by_parent.items()}

    def answers(self) -> dict[str, list[Item]]:
        rows = _rows(self.root, "answers")
        for row in rows:  # the old layout has no answer id: question, scale and code make one
            row.setdefault("aid", f"{row.get('qid')}:{row.get('scale_id')}:{row.get('code')}")
        items = self._items(rows, "aid", "sortorder", "answer", "answer", "answer_l10ns")
        by_question: dict[str, list[Item]] = defaultdict(list)
        for item in items.values():
            by_question[item.fields.get("qid", "")].append(item)
        return {qid: sorted(items, key=lambda item: item.order)
                for qid, items in by_question.items()}

    def attributes(self) -> dict[str, dict[str, str]]:
        attributes: dict[str, dict[str, str]] = defaultdict(dict)
        for row in _rows(self.root, "question_attributes"):
            attributes[row.get("qid", "")].setdefault(row.get("attribute", ""),
                                                      row.get("value", ""))
        return dict(attributes)
