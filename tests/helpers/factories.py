"""Small survey documents for tests: one of every question type, easy to vary; and the
article's survey as shipped."""

import copy
from pathlib import Path

ARTICLE_SURVEY = (Path(__file__).resolve().parents[2] / "survey" / "definitions"
                  / "xing-linkedin.yaml")

BASE = {
    "slug": "test-survey",
    "languages": ["de", "en"],
    "title": {"de": "Testumfrage", "en": "Test survey"},
    "quasi_identifiers": ["country"],
    "pages": [
        {"id": "first", "title": {"de": "Erste Seite", "en": "First page"}, "questions": [
            {"id": "consent", "type": "consent", "required": True,
             "text": {"de": "Ich stimme zu.", "en": "I agree."}},
            {"id": "networks", "type": "multi_choice", "required": True, "other": True,
             "text": {"de": "Welche Netzwerke?", "en": "Which networks?"},
             "options": [{"id": "xing", "label": "XING"}, {"id": "linkedin", "label": "LinkedIn"},
                         {"id": "none", "label": {"de": "Keines", "en": "None"},
                          "exclusive": True}]},
            {"id": "primary", "type": "single_choice",
             "text": {"de": "Hauptnetzwerk?", "en": "Main network?"},
             "options": [{"id": "xing", "label": "XING"}, {"id": "linkedin", "label": "LinkedIn"}]},
            {"id": "country", "type": "single_choice",
             "text": {"de": "Land", "en": "Country"},
             "options": [{"id": "de", "label": {"de": "Deutschland", "en": "Germany"}},
                         {"id": "at", "label": {"de": "Österreich", "en": "Austria"}}]},
        ]},
        {"id": "second", "title": {"de": "Zweite Seite", "en": "Second page"}, "questions": [
            {"id": "activity", "type": "matrix", "rows_from": "networks", "required": True,
             "text": {"de": "Wie aktiv?", "en": "How active?"},
             "columns": [{"id": "daily", "label": {"de": "täglich", "en": "daily"}},
                         {"id": "rarely", "label": {"de": "selten", "en": "rarely"}}]},
            {"id": "agree", "type": "likert", "dont_know": True, "required": True,
             "text": {"de": "LinkedIn ist schuld.", "en": "LinkedIn is to blame."},
             "scale": [{"id": "no", "label": {"de": "nein", "en": "no"}},
                       {"id": "partly", "label": {"de": "teils", "en": "partly"}},
                       {"id": "yes", "label": {"de": "ja", "en": "yes"}}]},
            {"id": "weekly", "type": "number", "min": 0, "max": 500,
             "text": {"de": "Kontakte pro Woche", "en": "Contacts per week"},
             "show_if": {"question": "networks", "contains": "xing"}},
            {"id": "share", "type": "number", "min": 0, "max": 100, "integer": False,
             "text": {"de": "Anteil", "en": "Share"},
             "show_if": {"any": [{"question": "primary", "equals": "linkedin"},
                                 {"question": "country", "in": ["at"]}]}},
        ]},
        {"id": "third", "title": {"de": "Dritte Seite", "en": "Third page"}, "questions": [
            {"id": "future", "type": "ranking",
             "text": {"de": "Zukunft", "en": "Future"},
             "items": [{"id": "xing", "label": "XING"}, {"id": "linkedin", "label": "LinkedIn"},
                       {"id": "facebook", "label": "Facebook"}]},
            {"id": "comment", "type": "text", "max_length": 50, "multiline": True,
             "text": {"de": "Kommentar", "en": "Comment"},
             "show_if": {"all": [{"question": "agree", "in": ["yes", "partly"]},
                                 {"question": "consent", "equals": True}]}},
        ]},
    ],
    "findings": [
        {"id": "blame", "kind": "likert_summary", "question": "agree"},
        {"id": "primary-by-country", "kind": "crosstab", "question": "primary", "by": "country"},
    ],
}


def survey_document(**overrides) -> dict:
    """A fresh copy of the test survey document with top-level keys replaced."""
    document = copy.deepcopy(BASE)
    document.update(copy.deepcopy(overrides))
    return document


def question_in(document: dict, question_id: str) -> dict:
    """The question `question_id` of a survey document, itself (to change it in place)."""
    for page in document["pages"]:
        for question in page["questions"]:
            if question["id"] == question_id:
                return question
    raise KeyError(question_id)


def question_document(question_id: str) -> dict:
    """A copy of one question of the test survey."""
    for page in BASE["pages"]:
        for question in page["questions"]:
            if question["id"] == question_id:
                return copy.deepcopy(question)
    raise KeyError(question_id)


COMPLETE_ANSWERS = {
    "consent": True,
    "networks": ["xing", "linkedin", "other"],
    "networks.other": "Mastodon",
    "primary": "linkedin",
    "country": "de",
    "activity": {"xing": "daily", "linkedin": "rarely", "other": "daily"},
    "agree": "yes",
    "weekly": 7,
    "share": 12.5,
    "future": ["linkedin", "xing", "facebook"],
    "comment": "Interesting.",
}


# A complete, valid response to the article's survey that walks through most branches.
ARTICLE_ANSWERS = {
    "consent": True,
    "networks_used": ["xing", "linkedin", "twitter", "other"],
    "networks_used.other": "Mastodon",
    "primary_business_network": "linkedin",
    "contacts_per_network": {"xing": "c150_499", "linkedin": "c500_999", "twitter": "c0_49",
                             "other": "unknown"},
    "activity_per_network": {"xing": "monthly", "linkedin": "daily", "twitter": "weekly",
                             "other": "rarely"},
    "sphere_per_network": {"xing": "business", "linkedin": "business", "twitter": "interests",
                           "other": "private"},
    "posts_updates": "weekly",
    "international_share": "share_25_49",
    "automation_share": 90,
    "automation_tools": ["twitter_link", "other"],
    "automation_tools.other": "A script of my own",
    "conversation_frequency": "rarely",
    "automated_updates_value": "slightly",
    "sphere_networks": {"private": "facebook", "business": "linkedin", "interests": "twitter"},
    "one_per_sphere": "rather",
    "sphere_mixing": "somewhat",
    "cost_benefit": "balanced",
    "contact_separation": ["by_network", "by_language"],
    "reduce_networks": "considering",
    "noticed_migration": "to_linkedin",
    "own_migration": "partly_linkedin",
    "linkedin_actions": ["sent_invitations", "suggestions"],
    "weekly_migrants": 7,
    "migration_since": "m6_12",
    "migration_reasons": ["contacts_there", "international"],
    "linkedin_responsible": "strongly",
    "migration_drivers": ["linkedin_prompts", "contacts_already_there", "international_reach",
                          "recruiting", "content", "costs"],
    "future_xing": "fall",
    "future_linkedin": "rise",
    "future_ranking": ["linkedin", "xing", "facebook", "twitter", "google_plus"],
    "future_single_network": "unlikely",
    "future_comments": "Business and private life will blend further.",
    "country": "de",
    "age_band": "a35_44",
    "industry": "it_telecom",
}
