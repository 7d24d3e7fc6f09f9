# ruff: noqa: E501 - the XLSForm below is a Markdown table, one row a line
"""Small XLSForm and LimeSurvey sources written for these tests, and valid answers to any
definition (to prove an imported survey takes a response)."""

import random

from survey.definition.answers import is_shown, matrix_rows, other_key
from survey.definition.model import OTHER

XLSFORM_MD = """\
| survey |
| | type | name | label::English (en) | label::Deutsch (de) | hint::English (en) | hint::Deutsch (de) | required | relevant | appearance | parameters | constraint | calculation |
| | note | welcome | <p>Welcome <b>all</b><script>alert(1)</script></p> | Willkommen | | | | | | | |
| | select_one yn | likes | Do you like it? | Mögen Sie es? | Be honest | Ehrlich | yes | | | | |
| | select_multiple fruit or_other | fruits | Which fruits? | Welches Obst? | | | | ${likes} = 'yes' | | randomize=true | |
| | integer | apples | How many apples? | Wie viele Äpfel? | | | | selected(${fruits}, 'apple') and not(${likes} != 'yes') | | | . >= 0 and . <= 20 |
| | select_one agree | taste | Tasty? | Lecker? | | | | | likert | | |
| | begin group | more | More | Mehr | | | | | | | |
| | begin group | inner | Inner | Innen | | | | | | | |
| | text | why | Why? | Warum? | | | | ${likes} = 'no' or ${likes} = 'yes' | multiline | | |
| | end group | | | | | | | | | | |
| | acknowledge | ok | I agree | Ich stimme zu | | | yes | | | | |
| | rank letters | order | Order them | Ordnen | | | | | | | |
| | decimal | weight | Weight | Gewicht | | | | ${apples} > 3 | | | . > 0.5 |
| | geopoint | where | Where? | Wo? | | | | | | | |
| | calculate | total | | | | | | | | | | ${apples} * 2 |
| | end group | | | | | | | | | | |
| | begin repeat | kids | Kids | Kinder | | | | | | | |
| | text | kid | Name | Name | | | | | | | |
| | end repeat | | | | | | | | | | |
| choices |
| | list_name | name | label::English (en) | label::Deutsch (de) |
| | yn | yes | Yes | Ja |
| | yn | no | No | Nein |
| | fruit | apple | Apple | Apfel |
| | fruit | pear | Pear | Birne |
| | agree | 1 | Disagree | Nein |
| | agree | 2 | Neutral | Teils |
| | agree | 3 | Agree | Ja |
| | letters | a | A | A |
| | letters | b | B | B |
| | letters | c | C | C |
| settings |
| | form_title | form_id | default_language |
| | Fruit survey | fruit-survey | English (en) |
"""


def _rows(table: str, fields: list[str], rows: list[dict]) -> str:
    names = "".join(f"<fieldname>{name}</fieldname>" for name in fields)
    body = "".join("<row>" + "".join(f"<{k}><![CDATA[{v}]]></{k}>" for k, v in row.items())
                   + "</row>" for row in rows)
    return f"<{table}><fields>{names}</fields><rows>{body}</rows></{table}>"


def lss_document(new_layout: bool) -> bytes:
    """A two-language LimeSurvey export in the old (texts in rows) or new (l10ns) layout."""
    languages = ["de", "en"]
    questions = [  # qid, parent, gid, type, title, other, mandatory, order, relevance
        ("1", "0", "10", "L", "Q1", "Y", "Y", "1", "1"),
        ("2", "0", "10", "M", "Q2", "N", "N", "2", "1"),
        ("3", "0", "20", "N", "Q3", "N", "N", "1", 'Q1.NAOK == "A1" and !is_empty(Q2)'),
        ("4", "0", "20", "F", "Q4", "N", "S", "2", "Q2_SQ001 == \"Y\" || Q1 == \"A2\""),
        ("5", "0", "20", "*", "Q5", "N", "N", "3", "1"),
        ("6", "0", "20", "Y", "Q6", "N", "N", "4", "Q3 > 4"),
        ("21", "2", "10", "T", "SQ001", "N", "N", "1", "1"),
        ("22", "2", "10", "T", "SQ002", "N", "N", "2", "1"),
        ("41", "4", "20", "T", "R1", "N", "N", "1", "1"),
        ("42", "4", "20", "T", "R2", "N", "N", "2", "1"),
    ]
    answers = [("1", "A1", "1"), ("1", "A2", "2"), ("4", "C1", "1"), ("4", "C2", "2")]
    text = {"de": "Frage {}", "en": "Question {}"}
    fields = ["qid", "parent_qid", "sid", "gid", "type", "title", "other", "mandatory",
              "question_order", "scale_id", "relevance"]
    question_rows, l10n_rows, group_rows, group_l10ns, answer_rows, answer_l10ns = \
        [], [], [], [], [], []
    for qid, parent, gid, kind, title, other, mandatory, order, relevance in questions:
        base = {"qid": qid, "parent_qid": parent, "sid": "99", "gid": gid, "type": kind,
                "title": title, "other": other, "mandatory": mandatory,
                "question_order": order, "scale_id": "0", "relevance": relevance}
        for language in languages:
            label = text[language].format(title)
            if new_layout:
                l10n_rows.append({"id": f"{qid}{language}", "qid": qid, "question": label,
                                  "help": "", "language": language})
            else:
                question_rows.append({**base, "question": f"<p>{label}</p>", "help": "",
                                      "language": language})
        if new_layout:
            question_rows.append(base)
    for gid, order in (("10", "1"), ("20", "2")):
        for language in languages:
            name = {"de": "Gruppe", "en": "Group"}[language] + f" {gid}"
            if new_layout:
                group_l10ns.append({"id": gid + language, "gid": gid, "group_name": name,
                                    "description": "", "language": language})
            else:
                group_rows.append({"gid": gid, "sid": "99", "group_name": name,
                                   "group_order": order, "description": "",
                                   "language": language, "grelevance": "1"})
        if new_layout:
            group_rows.append({"gid": gid, "sid": "99", "group_order": order,
                               "grelevance": "1"})
    for number, (qid, code, order) in enumerate(answers):
        for language in languages:
            label = {"de": "Antwort", "en": "Answer"}[language] + f" {code}"
            if new_layout:
                answer_l10ns.append({"id": f"{number}{language}", "aid": str(number),
                                     "answer": label, "language": language})
            else:
                answer_rows.append({"qid": qid, "code": code, "answer": label,
                                    "sortorder": order, "language": language,
                                    "scale_id": "0"})
        if new_layout:
            answer_rows.append({"aid": str(number), "qid": qid, "code": code,
                                "sortorder": order, "scale_id": "0"})
    parts = [
        _rows("answers", ["qid"], answer_rows),
        _rows("groups", ["gid"], group_rows),
        _rows("questions", fields, [r for r in question_rows if r["parent_qid"] == "0"]),
        _rows("subquestions", fields, [r for r in question_rows if r["parent_qid"] != "0"]),
        _rows("question_attributes", ["qid", "attribute", "value"],
              [{"qid": "2", "attribute": "random_order", "value": "1"}]),
        _rows("surveys", ["sid"], [{"sid": "99", "language": "de",
                                    "additional_languages": "en", "expires": ""}]),
        _rows("surveys_languagesettings", ["surveyls_language"], [
            {"surveyls_survey_id": "99", "surveyls_language": language,
             "surveyls_title": {"de": "Obstumfrage", "en": "Fruit survey"}[language],
             "surveyls_description": ""} for language in languages]),
    ]
    if new_layout:
        parts += [_rows("answer_l10ns", ["aid"], answer_l10ns),
                  _rows("group_l10ns", ["gid"], group_l10ns),
                  _rows("question_l10ns", ["qid"], l10n_rows)]
    return ('<?xml version="1.0" encoding="UTF-8"?><document>'
            "<LimeSurveyDocType>Survey</LimeSurveyDocType><DBVersion>400</DBVersion>"
            + "".join(parts) + "</document>").encode()


def valid_answers(definition, seed: int = 0) -> dict:
    """Answers to every question shown for them, each valid, as the API takes them."""
    rng = random.Random(seed)
    answers: dict = {}
    for question in definition.questions():
        if not is_shown(question, answers):
            continue
        kind = question.type
        if kind in ("single_choice", "likert"):
            value = rng.choice(question.choice_ids())
        elif kind == "multi_choice":
            plain = [o.id for o in question.options if not o.exclusive] or \
                [question.options[0].id]
            value = rng.sample(plain, min(len(plain), question.max_choices or 2, 2))
        elif kind == "matrix":
            rows = matrix_rows(definition, question, answers, definition.languages[0])
            value = {row: rng.choice(question.choice_ids()) for row, _label in rows}
        elif kind == "ranking":
            value = rng.sample(question.choice_ids(), len(question.choice_ids()))
        elif kind == "number":
            value = question.min if question.integer else (question.min + question.max) / 2
            value = int(value) if question.integer else value
        elif kind == "text":
            value = "x" * min(5, question.max_length)
        else:
            value = True
        answers[question.id] = value
        if value == OTHER:
            answers[other_key(question.id)] = "something"
    return answers
