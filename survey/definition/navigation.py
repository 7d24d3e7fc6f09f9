"""Moving through a survey's pages: pure functions of the definition, a page and answers.

A respondent answers one page at a time and then goes on, goes back, saves for later or,
on the last page, submits. Which of these happens, with which answers and to which page,
depends on nothing but the definition, the page, the answers kept so far and the page's
checked answers; the views only read the request and store what these functions decide.
"""

from dataclasses import dataclass
from typing import Any, Literal

from survey.definition.answers import CheckedAnswers, prune_hidden, visible_pages
from survey.definition.model import Page, SurveyDefinition

ACTIONS = ("next", "back", "save")


@dataclass(frozen=True)
class PageTurn:
    """What answering a page leads to.

    `outcome`: "refused" (show the page again with its errors), "saved" (keep the answers,
    stay on the page), "moved" (keep the answers, go to `page_id`) or "submit" (the last page
    was answered: store the response). `answers` are all answers so far, those of now
    hidden questions dropped.
    """

    outcome: Literal["refused", "saved", "moved", "submit"]
    answers: dict[str, Any]
    page_id: str


def question_of(answer_key: str) -> str:
    """The question an answer key belongs to ("q" for "q" and for "q.other")."""
    return answer_key.split(".")[0]


def answers_before(definition: SurveyDefinition, page: Page,
                   answers: dict[str, Any]) -> dict[str, Any]:
    """The answers given on pages before `page`: they decide what `page` shows."""
    earlier = {q.id for p in definition.pages[:definition.pages.index(page)]
               for q in p.questions}
    return {k: v for k, v in answers.items() if question_of(k) in earlier}


def turn_page(definition: SurveyDefinition, page: Page, answers: dict[str, Any],
              checked: CheckedAnswers, action: str) -> PageTurn:
    """Where `action` ("next", "back" or "save") on `page` leads, given the answers kept so
    far and the page's checked answers. Only "next" needs valid answers; going back or
    saving keeps whatever of the page was valid."""
    on_page = {q.id for q in page.questions}
    kept = {k: v for k, v in answers.items() if question_of(k) not in on_page}
    merged = prune_hidden(definition, {**kept, **checked.answers})
    if action not in ACTIONS or (action == "next" and not checked.ok):
        return PageTurn("refused", merged, page.id)
    if action == "save":
        return PageTurn("saved", merged, page.id)
    # The page stays visible: what shows it depends only on earlier pages' answers.
    pages = visible_pages(definition, merged)
    index = pages.index(page)
    if action == "back":
        return PageTurn("moved", merged, pages[max(index - 1, 0)].id)
    if index + 1 < len(pages):
        return PageTurn("moved", merged, pages[index + 1].id)
    return PageTurn("submit", merged, page.id)
