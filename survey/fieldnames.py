"""The names of a survey page's form fields, shared by the form factory and the templates.

A question is one field named by its id, except for the parts of a matrix (one field a
row), a ranking (one field an item) and the free text given with "other".
"""

from survey.definition.answers import OTHER_SUFFIX

_OTHER = "__other"
_ROW = "__row__"
_RANK = "__rank__"


def other_field(question_id: str) -> str:
    """The field of the free text given with an "other" choice."""
    return question_id + _OTHER


def row_field(question_id: str, row_id: str) -> str:
    """The field of one row of a matrix."""
    return question_id + _ROW + row_id


def rank_field(question_id: str, item_id: str) -> str:
    """The field of one item of a ranking: its place."""
    return question_id + _RANK + item_id


def row_fields(question_id: str, names) -> dict[str, str]:
    """{row id: field name} of the matrix rows among these field names."""
    return _parts(question_id + _ROW, names)


def rank_fields(question_id: str, names) -> dict[str, str]:
    """{item id: field name} of the ranking items among these field names."""
    return _parts(question_id + _RANK, names)


def _parts(prefix: str, names) -> dict[str, str]:
    return {name.removeprefix(prefix): name for name in names if name.startswith(prefix)}


def field_of_answer(answer_key: str) -> str:
    """The field that gives an answer key: "q" for q, the other field for "q.other"."""
    if answer_key.endswith(OTHER_SUFFIX):
        return other_field(answer_key.removesuffix(OTHER_SUFFIX))
    return answer_key


TEMPLATE_HELPERS = {"other_field": other_field, "row_field": row_field,
                    "rank_field": rank_field}
