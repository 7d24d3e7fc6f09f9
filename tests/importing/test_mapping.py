"""The mapping tables: XLSForm and LimeSurvey questions and conditions as the definition
says them, written as small sources here (the real files are in test_corpus.py)."""

import pytest

from survey.importing import ImportRefused, import_file
from tests.helpers.imports import XLSFORM_MD, lss_document


def _entry(report, source):
    return next(entry for entry in report.questions if entry.source == source)


def _condition(report, source):
    return next(entry for entry in report.conditions if entry.source == source)


@pytest.fixture(scope="module")
def xlsform():
    return import_file("fruit.md", XLSFORM_MD.encode())


def test_xlsform_types_map_as_the_table_says(xlsform):
    definition = xlsform.definition
    types = {q.id: q.type for q in definition.questions()}
    assert types == {"likes": "single_choice", "fruits": "multi_choice", "apples": "number",
                     "taste": "likert", "why": "text", "ok": "consent", "order": "ranking",
                     "weight": "number"}
    fruits = definition.question("fruits")
    assert fruits.other and fruits.shuffle, "or_other → other, randomize=true → shuffle"
    assert (definition.question("apples").min, definition.question("apples").max) == (0, 20)
    assert definition.question("likes").required and definition.question("ok").required
    assert definition.question("likes").help == {"en": "Be honest", "de": "Ehrlich"}
    assert definition.question("why").multiline


def test_xlsform_languages_come_from_the_label_columns_default_first(xlsform):
    assert xlsform.definition.languages == ["en", "de"]
    assert xlsform.definition.question("likes").text == {"en": "Do you like it?",
                                                         "de": "Mögen Sie es?"}


def test_xlsform_groups_become_pages_nested_groups_flattened_notes_intro(xlsform):
    pages = xlsform.definition.pages
    assert pages[0].intro == {"en": "Welcome all", "de": "Willkommen"}, "HTML reduced to text"
    more = [page for page in pages if page.title == {"en": "More", "de": "Mehr"}]
    assert [q.id for page in more for q in page.questions] == ["why", "ok", "order", "weight"]


def test_xlsform_left_out_questions_say_why(xlsform):
    report = xlsform.report
    assert _entry(report, "where").detail == "geo fields are not supported"
    assert _entry(report, "total").detail == "a calculation, not a question"
    assert _entry(report, "kids").detail == "repeats are not supported"
    assert _entry(report, "kid").outcome == "left_out"
    assert "became inclusive" in _entry(report, "weight").detail
    assert report.counts() == {"mapped": 8, "approximated": 1, "left_out": 4}


def test_xlsform_relevant_becomes_conditions_on_earlier_pages(xlsform):
    definition = xlsform.definition
    apples = definition.question("apples").show_if.model_dump(by_alias=True)
    assert apples == {"all": [{"question": "fruits", "contains": "apple"},
                              {"question": "likes", "equals": "yes"}]}
    assert definition.page_of("fruits") > definition.page_of("likes")
    assert definition.page_of("apples") > definition.page_of("fruits")
    left_out = _condition(xlsform.report, "weight")
    assert left_out.outcome == "left_out" and "'>' has no counterpart" in left_out.detail
    assert definition.question("weight").show_if is None


@pytest.mark.parametrize("new_layout", [False, True], ids=["rows", "l10ns"])
def test_limesurvey_both_layouts_give_the_same_definition(new_layout):
    result = import_file("fruit.lss", lss_document(new_layout))
    definition = result.definition
    assert definition.languages == ["de", "en"]
    assert definition.title == {"de": "Obstumfrage", "en": "Fruit survey"}
    assert {q.id: q.type for q in definition.questions()} == {
        "q1": "single_choice", "q2": "multi_choice", "q3": "number", "q4": "matrix",
        "q6": "single_choice"}
    assert definition.question("q1").text == {"de": "Frage Q1", "en": "Question Q1"}
    assert definition.question("q1").other and definition.question("q1").required
    assert definition.question("q2").shuffle, "random_order → shuffle"
    assert [p.title for p in definition.pages] == [{"de": "Gruppe 10", "en": "Group 10"},
                                                   {"de": "Gruppe 20", "en": "Group 20"}]
    assert definition.question("q3").show_if.model_dump(by_alias=True) == {
        "all": [{"question": "q1", "equals": "a1"}, {"question": "q2", "answered": True}]}
    assert definition.question("q4").show_if.model_dump(by_alias=True) == {
        "any": [{"question": "q2", "contains": "sq001"}, {"question": "q1", "equals": "a2"}]}
    report = result.report
    assert _entry(report, "Q5").detail == "equations are computed, not asked"
    assert "soft mandatory became optional" in _entry(report, "Q4").detail
    assert _condition(report, "Q6").outcome == "left_out"


def test_an_imported_definition_round_trips_through_its_yaml(xlsform):
    again = import_file("again.yaml", xlsform.yaml_text.encode())
    assert again.definition == xlsform.definition


def test_slug_can_be_chosen_and_must_be_a_slug():
    assert import_file("fruit.md", XLSFORM_MD.encode(), slug="obst").definition.slug == "obst"
    with pytest.raises(ImportRefused, match="is not a slug"):
        import_file("fruit.md", XLSFORM_MD.encode(), slug="Obst!")
