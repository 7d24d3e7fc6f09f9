"""The survey definition format: the shipped survey, every question type, every condition
form, and a clear `file: path: message` line for every kind of malformed definition."""

from pathlib import Path

import pytest
import yaml

from survey.definition import DefinitionError, load_definition_file, parse_definition_text
from survey.definition.answers import condition_holds, visible_questions
from survey.definition.model import All, Any_, Contains, Equals, In
from tests.helpers.factories import question_in, survey_document

_q = question_in  # short, for the many one-line cases below

ROOT = Path(__file__).resolve().parent.parent
ARTICLE_SURVEY = ROOT / "survey" / "definitions" / "xing-linkedin.yaml"
QUESTION_TYPES = ("single_choice", "multi_choice", "likert", "matrix", "ranking", "number",
                  "text", "consent")
TEXT_KEYS = frozenset({"title", "description", "text", "help", "intro"})
SHARED_TEXT_KEYS = frozenset({"label", "unit"})  # brand names, numbers, "%": one text for all


# ------------------------------------------------------------------ helpers

def _as_yaml(document) -> str:
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False)


def _changed(change) -> str:
    """The factory survey as YAML text after `change(document)` altered it in place."""
    document = survey_document()
    change(document)
    return _as_yaml(document)


def _messages(text: str) -> list[str]:
    with pytest.raises(DefinitionError) as caught:
        parse_definition_text(text, "bad.yaml")
    return caught.value.messages


def _i18n_values(node, path=""):
    """(path, key, value) of every translatable text in a parsed YAML document."""
    if isinstance(node, list):
        for index, item in enumerate(node):
            yield from _i18n_values(item, f"{path}[{index}]")
    elif isinstance(node, dict):
        for key, value in node.items():
            child = f"{path}.{key}" if path else key
            if key in TEXT_KEYS | SHARED_TEXT_KEYS:
                yield child, key, value
            else:
                yield from _i18n_values(value, child)


# ------------------------------------------------------------------ the shipped survey

@pytest.fixture(scope="module")
def article():
    return load_definition_file(ARTICLE_SURVEY)


@pytest.fixture(scope="module")
def article_document():
    return yaml.safe_load(ARTICLE_SURVEY.read_text(encoding="utf-8"))


def test_article_survey_loads_without_problems(article):
    assert article.slug == "xing-linkedin"


def test_article_survey_has_at_least_25_questions(article):
    assert len(article.questions()) >= 25


def test_article_survey_has_at_least_5_pages(article):
    assert len(article.pages) >= 5


def test_article_survey_has_at_least_4_conditional_questions(article):
    assert sum(q.show_if is not None for q in article.questions()) >= 4


def test_article_survey_has_at_least_6_findings(article):
    assert len(article.findings) >= 6


@pytest.mark.parametrize("question_type", QUESTION_TYPES)
def test_article_survey_uses_every_question_type(article, question_type):
    assert question_type in {q.type for q in article.questions()}


def test_article_survey_names_country_age_band_and_industry_as_quasi_identifiers(article):
    assert article.quasi_identifiers == ["country", "age_band", "industry"]


def test_article_survey_quasi_identifiers_are_single_choice(article):
    assert [article.question(q).type for q in article.quasi_identifiers] == ["single_choice"] * 3


def test_article_survey_is_in_german_and_english(article):
    assert article.languages == ["de", "en"]


def test_article_survey_has_german_and_english_for_every_text(article_document):
    texts = list(_i18n_values(article_document))
    assert len(texts) > 100
    for path, key, value in texts:
        if isinstance(value, str):
            assert key in SHARED_TEXT_KEYS, f"{path} has one text for all languages"
            assert value.strip(), path
        else:
            assert sorted(value) == ["de", "en"], path
            assert all(v.strip() for v in value.values()), path


def test_article_survey_translates_each_text_rather_than_copying_it(article_document):
    copied = [path for path, key, value in _i18n_values(article_document)
              if key in TEXT_KEYS and isinstance(value, dict) and value["de"] == value["en"]]
    assert copied == []


def test_article_survey_findings_cover_every_finding_kind(article):
    assert {f.kind for f in article.findings} == {
        "distribution", "crosstab", "likert_summary", "numeric_summary", "ranking"}


# ------------------------------------------------------------------ question types

MULTI_SOURCE = {"id": "networks", "type": "multi_choice", "text": "Networks?",
                "options": [{"id": "xing", "label": "XING"},
                            {"id": "linkedin", "label": "LinkedIn"}]}


def _one_question_survey(question: dict) -> str:
    """A survey whose second page holds just `question` (its first page a multi_choice)."""
    return _as_yaml({
        "slug": "types", "languages": ["de", "en"], "title": "Types",
        "pages": [{"id": "one", "title": "One", "questions": [MULTI_SOURCE]},
                  {"id": "two", "title": "Two", "questions": [question]}],
    })


TWO = [{"id": "a", "label": "A"}, {"id": "b", "label": "B"}]
TYPE_EXAMPLES = {
    "single_choice": (
        {"id": "q", "type": "single_choice", "text": "Which?", "options": TWO},
        lambda q: q.choice_ids() == ["a", "b"] and not q.other),
    "multi_choice_other_exclusive": (
        {"id": "q", "type": "multi_choice", "text": "Which?", "other": True, "max_choices": 2,
         "options": [*TWO, {"id": "none", "label": "None", "exclusive": True}]},
        lambda q: (q.choice_ids() == ["a", "b", "none", "other"] and q.options[2].exclusive
                   and not q.options[0].exclusive and q.max_choices == 2)),
    "likert_dont_know": (
        {"id": "q", "type": "likert", "text": "Agree?", "dont_know": True,
         "scale": [{"id": "no", "label": {"de": "nein", "en": "no"}},
                   {"id": "yes", "label": {"de": "ja", "en": "yes"}}]},
        lambda q: q.choice_ids() == ["no", "yes", "dont_know"] and q.scale[1].label["de"] == "ja"),
    "matrix_rows": (
        {"id": "q", "type": "matrix", "text": "How?", "rows": TWO,
         "columns": [{"id": "often", "label": "often"}, {"id": "rarely", "label": "rarely"}]},
        lambda q: [r.id for r in q.rows] == ["a", "b"] and q.rows_from is None
        and q.choice_ids() == ["often", "rarely"]),
    "matrix_rows_from": (
        {"id": "q", "type": "matrix", "text": "How?", "rows_from": "networks",
         "columns": [{"id": "often", "label": "often"}, {"id": "rarely", "label": "rarely"}]},
        lambda q: q.rows_from == "networks" and q.rows is None),
    "ranking": (
        {"id": "q", "type": "ranking", "text": "Order?",
         "items": [*TWO, {"id": "c", "label": "C"}]},
        lambda q: q.choice_ids() == ["a", "b", "c"]),
    "number": (
        {"id": "q", "type": "number", "text": "How many?", "min": 0, "max": 99.5,
         "integer": False, "unit": {"de": "Stück", "en": "pieces"}},
        lambda q: (q.min, q.max, q.integer, q.unit["en"]) == (0, 99.5, False, "pieces")),
    "text": (
        {"id": "q", "type": "text", "text": "Anything else?", "max_length": 300, "multiline": True},
        lambda q: (q.max_length, q.multiline) == (300, True)),
    "consent": (
        {"id": "q", "type": "consent", "text": "I agree.", "required": True},
        lambda q: q.required and q.choice_ids() is None),
}


@pytest.mark.parametrize("question, check", TYPE_EXAMPLES.values(), ids=TYPE_EXAMPLES.keys())
def test_question_type_parses(question, check):
    survey = parse_definition_text(_one_question_survey(question), "types.yaml")
    parsed = survey.question("q")
    assert parsed.type == question["type"]
    assert check(parsed)


def test_text_given_as_one_string_serves_every_language():
    survey = parse_definition_text(_one_question_survey(TYPE_EXAMPLES["single_choice"][0]))
    assert survey.question("q").text == {"*": "Which?"}


# ------------------------------------------------------------------ conditions

def _survey_with_comment_condition(condition: dict):
    """The factory survey with `condition` as the show_if of `comment` (on the last page)."""
    return parse_definition_text(_changed(_show_if("comment", condition)))


CONDITIONS = {
    "equals-choice": ({"question": "primary", "equals": "linkedin"}, Equals),
    "equals-consent": ({"question": "consent", "equals": True}, Equals),
    "equals-number": ({"question": "weekly", "equals": 7}, Equals),
    "in-likert": ({"question": "agree", "in": ["yes", "partly"]}, In),
    "in-numbers": ({"question": "weekly", "in": [5, 7]}, In),
    "contains": ({"question": "networks", "contains": "xing"}, Contains),
    "all": ({"all": [{"question": "primary", "equals": "linkedin"},
                     {"question": "networks", "contains": "xing"}]}, All),
    "any": ({"any": [{"question": "primary", "equals": "linkedin"},
                     {"question": "country", "in": ["at"]}]}, Any_),
    "any-of-all": ({"any": [{"all": [{"question": "agree", "equals": "yes"},
                                     {"question": "weekly", "in": [7]}]},
                            {"question": "networks", "contains": "other"}]}, Any_),
}


@pytest.mark.parametrize("condition, form", CONDITIONS.values(), ids=CONDITIONS.keys())
def test_condition_form_parses(condition, form):
    survey = _survey_with_comment_condition(condition)
    assert isinstance(survey.question("comment").show_if, form)


EVALUATIONS = [
    ("equals-choice", {"primary": "linkedin"}, True),
    ("equals-choice", {"primary": "xing"}, False),
    ("equals-choice", {}, False),
    ("equals-consent", {"consent": True}, True),
    ("equals-consent", {"consent": 1}, False),
    ("equals-consent", {}, False),
    ("equals-number", {"weekly": 7}, True),
    ("equals-number", {"weekly": 7.0}, True),
    ("equals-number", {"weekly": 8}, False),
    ("equals-number", {"weekly": True}, False),
    ("in-likert", {"agree": "partly"}, True),
    ("in-likert", {"agree": "yes"}, True),
    ("in-likert", {"agree": "no"}, False),
    ("in-likert", {"agree": "dont_know"}, False),
    ("in-numbers", {"weekly": 5}, True),
    ("in-numbers", {"weekly": 6}, False),
    ("contains", {"networks": ["linkedin", "xing"]}, True),
    ("contains", {"networks": ["linkedin"]}, False),
    ("contains", {"networks": "xing"}, False),
    ("contains", {}, False),
    ("all", {"primary": "linkedin", "networks": ["xing"]}, True),
    ("all", {"primary": "linkedin", "networks": ["linkedin"]}, False),
    ("all", {"primary": "xing", "networks": ["xing"]}, False),
    ("any", {"primary": "linkedin", "country": "de"}, True),
    ("any", {"primary": "xing", "country": "at"}, True),
    ("any", {"primary": "xing", "country": "de"}, False),
    ("any", {}, False),
    ("any-of-all", {"agree": "yes", "weekly": 7}, True),
    ("any-of-all", {"agree": "yes", "weekly": 8}, False),
    ("any-of-all", {"agree": "no", "networks": ["other"]}, True),
]


@pytest.mark.parametrize("form, answers, holds", EVALUATIONS,
                         ids=[f"{f}-{i}" for i, (f, _a, _h) in enumerate(EVALUATIONS)])
def test_condition_evaluates(form, answers, holds):
    survey = _survey_with_comment_condition(CONDITIONS[form][0])
    assert condition_holds(survey.question("comment").show_if, answers) is holds


@pytest.mark.parametrize("form, answers, holds", EVALUATIONS,
                         ids=[f"{f}-{i}" for i, (f, _a, _h) in enumerate(EVALUATIONS)])
def test_condition_decides_visibility(form, answers, holds):
    survey = _survey_with_comment_condition(CONDITIONS[form][0])
    shown = [q.id for q in visible_questions(survey, {"networks": ["linkedin"], **answers})]
    assert ("comment" in shown) is holds


def test_consent_condition_written_with_in_holds_for_consent():
    survey = _survey_with_comment_condition({"question": "consent", "in": [True]})
    assert condition_holds(survey.question("comment").show_if, {"consent": True})


# ------------------------------------------------------------------ malformed definitions

def _later_multi_choice(document):
    document["pages"][1]["questions"].append(
        {"id": "later", "type": "multi_choice", "text": "Later?", "options": TWO})
    question_in(document, "activity")["rows_from"] = "later"


def _show_if(question_id, condition):
    return lambda d: _q(d, question_id).update(show_if=condition)


def _finding(**finding):
    return lambda d: d["findings"].append({"id": "extra", **finding})


# id: (YAML text, path inside the document, fragments of the explanation)
MALFORMED = {
    "not-a-mapping": ("- slug\n- pages\n", "(top level)", ["must be a mapping"]),
    "invalid-yaml": ("slug: test\npages: [a\n", "line 3, column 1", ["not valid YAML"]),
    "duplicate-yaml-key": ("slug: a\nlanguages: [de]\nslug: b\n", "line 3, column 1",
                           ["not valid YAML", "key 'slug' is given twice"]),
    "empty-document": ("", "(top level)", ["must be a mapping"]),
    "missing-slug": (_changed(lambda d: d.pop("slug")), "slug", ["required key is missing"]),
    "bad-slug-pattern": (_changed(lambda d: d.update(slug="Test Survey")), "slug",
                         ["'Test Survey' is not allowed here", "must match"]),
    "unknown-top-level-key": (
        _changed(lambda d: d.update(colour="red")), "(top level)",
        ["unknown key 'colour'", "allowed: slug, languages, title, description, "
         "quasi_identifiers, pages, findings"]),
    "unknown-question-key": (
        _changed(lambda d: _q(d, "primary").update(colour="red")), "pages[0].questions[2]",
        ["unknown key 'colour'", "allowed: id, text, help, required, show_if, type, options"]),
    "unknown-page-key": (
        _changed(lambda d: d["pages"][0].update(questionz=[])), "pages[0]",
        ["unknown key 'questionz'", "allowed: id, title, intro, questions"]),
    "unknown-question-type": (
        _changed(lambda d: _q(d, "primary").update(type="dropdown")),
        "pages[0].questions[2]",
        ["'dropdown' is not a known type", *[repr(t) for t in QUESTION_TYPES]]),
    "missing-question-type": (
        _changed(lambda d: _q(d, "primary").pop("type")), "pages[0].questions[2]",
        ["required key 'type' is missing"]),
    "question-not-a-mapping": (
        _changed(lambda d: d["pages"][0]["questions"].append("primary")), "pages[0].questions[4]",
        ["must be a mapping"]),
    "missing-text-in-one-language": (
        _changed(lambda d: _q(d, "primary")["text"].pop("en")), "pages[0].questions[2].text",
        ["missing text for en", "the survey's languages are de, en"]),
    "missing-label-in-one-language": (
        _changed(lambda d: _q(d, "country")["options"][1]["label"].pop("de")),
        "pages[0].questions[3].options[1].label", ["missing text for de"]),
    "text-in-unlisted-language": (
        _changed(lambda d: _q(d, "agree")["text"].update(fr="LinkedIn est coupable.")),
        "pages[1].questions[1].text",
        ["text for fr", "not one of the survey's languages (de, en)"]),
    "text-for-all-and-one-language": (
        _changed(lambda d: _q(d, "primary").update(text={"*": "Main?", "de": "Haupt?"})),
        "pages[0].questions[2].text", ["either one text for all languages or one per language"]),
    "text-not-a-string": (
        _changed(lambda d: _q(d, "primary").update(text=5)), "pages[0].questions[2].text",
        ["one text for all languages, or a mapping of language code to text"]),
    "text-empty": (
        _changed(lambda d: _q(d, "primary").update(text="")), "pages[0].questions[2].text",
        ["at least 1 character"]),
    "missing-question-text": (
        _changed(lambda d: _q(d, "primary").pop("text")), "pages[0].questions[2].text",
        ["required key is missing"]),
    "language-listed-twice": (
        _changed(lambda d: d.update(languages=["de", "en", "de"])), "languages[2]",
        ["language 'de' is already listed at languages[0]"]),
    "duplicate-question-id-across-pages": (
        _changed(lambda d: _q(d, "future").update(id="primary")),
        "pages[2].questions[0].id",
        ["question id 'primary' is already used at pages[0].questions[2].id",
         "unique in the whole survey"]),
    "duplicate-page-id": (
        _changed(lambda d: d["pages"][1].update(id="first")), "pages[1].id",
        ["page id 'first' is already used at pages[0].id"]),
    "duplicate-option-id": (
        _changed(lambda d: _q(d, "primary")["options"].append({"id": "xing", "label": "X"})),
        "pages[0].questions[2].options[2].id",
        ["option id 'xing' is already used at pages[0].questions[2].options[0].id"]),
    "duplicate-finding-id": (
        _changed(lambda d: d["findings"].append({"id": "blame", "kind": "distribution",
                                                 "question": "country"})),
        "findings[2].id", ["finding id 'blame' is already used at findings[0].id"]),
    "reserved-option-id-other": (
        _changed(lambda d: _q(d, "primary")["options"].append(
            {"id": "other", "label": "?"})),
        "pages[0].questions[2].options[2].id", ["'other' is reserved", "use `other: true`"]),
    "reserved-option-id-dont-know": (
        _changed(lambda d: _q(d, "agree")["scale"].append(
            {"id": "dont_know", "label": "?"})),
        "pages[1].questions[1].scale[3].id", ["'dont_know' is reserved", "`dont_know: true`"]),
    "option-id-pattern": (
        _changed(lambda d: _q(d, "primary")["options"][0].update(id="Xing")),
        "pages[0].questions[2].options[0].id", ["'Xing' is not allowed here", "must match"]),
    "single-option-only": (
        _changed(lambda d: _q(d, "primary").update(options=TWO[:1])),
        "pages[0].questions[2].options", ["needs at least 2 item(s)"]),
    "number-min-greater-than-max": (
        _changed(lambda d: _q(d, "weekly").update(min=10, max=5)), "pages[1].questions[2]",
        ["min (10) is greater than max (5)"]),
    "integer-question-decimal-bounds": (
        _changed(lambda d: _q(d, "weekly").update(max=99.5)), "pages[1].questions[2]",
        ["an integer question needs whole-number min and max"]),
    "number-min-not-a-number": (
        _changed(lambda d: _q(d, "weekly").update(min="none")), "pages[1].questions[2].min",
        ["valid number"]),
    "matrix-rows-and-rows-from": (
        _changed(lambda d: _q(d, "activity").update(rows=TWO)), "pages[1].questions[0]",
        ["exactly one of `rows`", "`rows_from`"]),
    "matrix-neither-rows-nor-rows-from": (
        _changed(lambda d: _q(d, "activity").pop("rows_from")), "pages[1].questions[0]",
        ["exactly one of `rows`", "`rows_from`"]),
    "rows-from-not-multi-choice": (
        _changed(lambda d: _q(d, "activity").update(rows_from="primary")),
        "pages[1].questions[0].rows_from",
        ["'primary' is a single_choice question", "only come from a multi_choice question"]),
    "rows-from-later-page": (
        _changed(_later_multi_choice), "pages[1].questions[0].rows_from",
        ["'later' must be on an earlier page"]),
    "rows-from-unknown-question": (
        _changed(lambda d: _q(d, "activity").update(rows_from="nowhere")),
        "pages[1].questions[0].rows_from", ["unknown question 'nowhere'"]),
    "show-if-unknown-question": (
        _changed(_show_if("weekly", {"question": "nowhere", "equals": "x"})),
        "pages[1].questions[2].show_if.question", ["unknown question 'nowhere'"]),
    "show-if-same-page": (
        _changed(_show_if("weekly", {"question": "agree", "equals": "yes"})),
        "pages[1].questions[2].show_if.question",
        ["'agree' is not on an earlier page", "only look at answers given on earlier pages"]),
    "show-if-later-page": (
        _changed(_show_if("weekly", {"question": "comment", "equals": "x"})),
        "pages[1].questions[2].show_if.question", ["'comment' is not on an earlier page"]),
    "show-if-on-itself": (
        _changed(_show_if("weekly", {"question": "weekly", "equals": 1})),
        "pages[1].questions[2].show_if.question", ["'weekly' is not on an earlier page"]),
    "show-if-equals-not-an-option": (
        _changed(_show_if("weekly", {"question": "primary", "equals": "myspace"})),
        "pages[1].questions[2].show_if.equals",
        ["'myspace' is not an option of 'primary'", "allowed: xing, linkedin"]),
    "show-if-in-not-an-option": (
        _changed(_show_if("comment", {"question": "agree", "in": ["yes", "maybe"]})),
        "pages[2].questions[1].show_if.in",
        ["'maybe' is not an option of 'agree'", "allowed: no, partly, yes, dont_know"]),
    "show-if-in-empty": (
        _changed(_show_if("weekly", {"question": "primary", "in": []})),
        "pages[1].questions[2].show_if.in", ["needs at least 1 item(s)"]),
    "show-if-contains-not-an-option": (
        _changed(_show_if("weekly", {"question": "networks", "contains": "myspace"})),
        "pages[1].questions[2].show_if.contains", ["'myspace' is not an option of 'networks'"]),
    "contains-on-single-choice": (
        _changed(_show_if("weekly", {"question": "primary", "contains": "xing"})),
        "pages[1].questions[2].show_if",
        ["`contains` needs a multi_choice question", "'primary' is single_choice"]),
    "equals-on-multi-choice": (
        _changed(_show_if("weekly", {"question": "networks", "equals": "xing"})),
        "pages[1].questions[2].show_if.equals",
        ["cannot compare a multi_choice question", "`contains` for multi_choice"]),
    "number-compared-with-text": (
        _changed(_show_if("comment", {"question": "weekly", "equals": "seven"})),
        "pages[2].questions[1].show_if.equals", ["'weekly' is a number question",
                                                 "compare it with numbers"]),
    "consent-compared-with-one": (
        _changed(_show_if("weekly", {"question": "consent", "equals": 1})),
        "pages[1].questions[2].show_if.equals", ["only be compared with `equals: true`"]),
    "equals-a-list": (
        _changed(_show_if("weekly", {"question": "primary", "equals": ["xing"]})),
        "pages[1].questions[2].show_if.equals",
        ["compare with one value: an option id, a number, or true"]),
    "malformed-condition-shape": (
        _changed(_show_if("weekly", {"foo": 1})), "pages[1].questions[2].show_if",
        ["not a condition", "{question, equals}", "{all: [...]}"]),
    "condition-as-code": (
        _changed(_show_if("weekly", "primary == 'xing'")), "pages[1].questions[2].show_if",
        ["not a condition"]),
    "malformed-condition-inside-any": (
        _changed(_show_if("share", {"any": [{"question": "primary", "equals": "xing"},
                                            {"foo": 1}]})),
        "pages[1].questions[3].show_if.any[1]", ["not a condition"]),
    "bad-option-inside-all": (
        _changed(_show_if("comment", {"all": [{"question": "consent", "equals": True},
                                              {"question": "agree", "equals": "maybe"}]})),
        "pages[2].questions[1].show_if.all[1].equals", ["'maybe' is not an option of 'agree'"]),
    "two-comparisons-in-one-condition": (
        _changed(_show_if("weekly", {"question": "primary", "equals": "xing", "in": ["xing"]})),
        "pages[1].questions[2].show_if", ["unknown key 'in'", "allowed: question, equals"]),
    "quasi-identifier-not-single-choice": (
        _changed(lambda d: d.update(quasi_identifiers=["country", "networks"])),
        "quasi_identifiers[1]",
        ["'networks' is multi_choice", "a quasi-identifier must be a single_choice question"]),
    "quasi-identifier-unknown": (
        _changed(lambda d: d.update(quasi_identifiers=["age"])), "quasi_identifiers[0]",
        ["unknown question 'age'"]),
    "finding-kind-type-mismatch": (
        _changed(_finding(kind="numeric_summary", question="primary")), "findings[2].question",
        ["a numeric_summary finding needs a number question", "'primary' is single_choice"]),
    "finding-unknown-kind": (
        _changed(_finding(kind="pie", question="primary")), "findings[2].kind",
        ["'distribution'", "'ranking'"]),
    "crosstab-without-by": (
        _changed(_finding(kind="crosstab", question="primary")), "findings[2]",
        ["a crosstab finding needs `by`"]),
    "crosstab-by-itself": (
        _changed(_finding(kind="crosstab", question="primary", by="primary")), "findings[2].by",
        ["cannot be broken down by itself"]),
    "by-on-numeric-summary": (
        _changed(_finding(kind="numeric_summary", question="weekly", by="country")),
        "findings[2].by", ["a numeric_summary finding takes no `by`"]),
    "finding-on-unknown-question": (
        _changed(_finding(kind="distribution", question="nowhere")), "findings[2].question",
        ["unknown question 'nowhere'"]),
    "agree-on-non-likert-finding": (
        _changed(_finding(kind="distribution", question="agree", agree=["yes"])),
        "findings[2].agree", ["only a likert_summary finding takes `agree`"]),
    "agree-not-on-the-scale": (
        _changed(lambda d: d["findings"][0].update(agree=["yes", "maybe"])), "findings[0].agree",
        ["'maybe' is not an option of 'agree'"]),
    "exclusive-option-outside-multi-choice": (
        _changed(lambda d: _q(d, "primary")["options"][1].update(exclusive=True)),
        "pages[0].questions[2].options[1].exclusive",
        ["only options of a multi_choice question can be exclusive"]),
    "max-choices-more-than-options": (
        _changed(lambda d: _q(d, "networks").update(max_choices=5)),
        "pages[0].questions[1].max_choices", ["max_choices is more than there are options"]),
    "text-max-length-zero": (
        _changed(lambda d: _q(d, "comment").update(max_length=0)),
        "pages[2].questions[1].max_length", ["must be at least 1"]),
    "empty-pages-list": (_changed(lambda d: d.update(pages=[])), "pages",
                         ["needs at least 1 item(s)"]),
    "page-without-questions": (
        _changed(lambda d: d["pages"][2].update(questions=[])), "pages[2].questions",
        ["needs at least 1 item(s)"]),
    "likert-with-12-points": (
        _changed(lambda d: _q(d, "agree").update(
            scale=[{"id": f"p{i}", "label": str(i)} for i in range(12)])),
        "pages[1].questions[1].scale", ["takes at most 11 item(s)"]),
}


@pytest.mark.parametrize("text, path, fragments", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_definition_names_file_path_and_problem(text, path, fragments):
    messages = _messages(text)
    matching = [m for m in messages if m.startswith(f"bad.yaml: {path}: ")]
    assert matching, messages
    assert any(all(f in m for f in fragments) for m in matching), messages


@pytest.mark.parametrize("text", [t for t, _p, _f in MALFORMED.values()], ids=MALFORMED.keys())
def test_malformed_definition_messages_read_clearly(text):
    messages = _messages(text)
    for message in messages:
        assert message.startswith("bad.yaml: ")
        assert "\n" not in message
        for internal in ("Value error", "<class", "function-", "Input tag", "pydantic",
                         "model_", "Any_", "_text_for_all", "[type=", "errors.pydantic.dev"):
            assert internal not in message, message


@pytest.mark.parametrize("text", [t for t, _p, _f in MALFORMED.values()], ids=MALFORMED.keys())
def test_definition_error_text_is_its_messages(text):
    with pytest.raises(DefinitionError) as caught:
        parse_definition_text(text, "bad.yaml")
    assert str(caught.value) == "\n".join(caught.value.messages)


def test_malformed_cases_number_at_least_25():
    assert len(MALFORMED) >= 25


def test_structural_problems_are_reported_one_line_each():
    def two_problems(document):
        document["slug"] = "Bad Slug"
        question_in(document, "primary")["type"] = "dropdown"

    messages = _messages(_changed(two_problems))
    assert len(messages) == 2
    assert messages[0].startswith("bad.yaml: slug: ")
    assert messages[1].startswith("bad.yaml: pages[0].questions[2]: 'dropdown'")


def test_cross_reference_problems_are_reported_one_line_each():
    def three_problems(document):
        question_in(document, "weekly").update(min=10, max=5)
        question_in(document, "activity")["rows_from"] = "primary"
        document["quasi_identifiers"] = ["age"]

    messages = _messages(_changed(three_problems))
    assert messages == [
        "bad.yaml: pages[1].questions[0].rows_from: 'primary' is a single_choice question; "
        "rows can only come from a multi_choice question",
        "bad.yaml: pages[1].questions[2]: min (10) is greater than max (5)",
        "bad.yaml: quasi_identifiers[0]: unknown question 'age'",
    ]


def test_one_problem_gives_one_line():
    messages = _messages(_changed(_show_if("weekly", {"question": "primary", "equals": ["x"]})))
    assert len(messages) == 1


def test_the_factory_survey_itself_is_valid():
    survey = parse_definition_text(_as_yaml(survey_document()), "good.yaml")
    assert [p.id for p in survey.pages] == ["first", "second", "third"]


def test_unreadable_file_is_reported_with_its_name(tmp_path):
    missing = tmp_path / "missing.yaml"
    with pytest.raises(DefinitionError) as caught:
        load_definition_file(missing)
    assert len(caught.value.messages) == 1
    assert caught.value.messages[0].startswith(f"{missing}: cannot read the file: ")
