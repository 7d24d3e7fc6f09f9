"""The survey definition format as typed, immutable objects.

Structure is checked by pydantic; cross references (conditions, rows_from,
findings, quasi-identifiers) by `survey.definition.semantics`.
"""

from datetime import datetime
from functools import cached_property
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    StringConstraints,
    Tag,
    field_validator,
    model_validator,
)

ALL_LANGUAGES = "*"
OTHER = "other"
DONT_KNOW = "dont_know"
RESERVED_OPTION_IDS = frozenset({OTHER, DONT_KNOW})

QuestionId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,62}$")]
OptionId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_]{0,62}$")]
FindingId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{0,62}$")]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{1,62}$")]
LanguageCode = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}$")]
NonEmptyText = Annotated[str, StringConstraints(min_length=1, max_length=5000)]


def _text_for_all_languages(value: Any) -> Any:
    return {ALL_LANGUAGES: value} if isinstance(value, str) else value


I18n = Annotated[dict[LanguageCode | Literal["*"], NonEmptyText],
                 BeforeValidator(_text_for_all_languages)]


def localize(text: dict[str, str] | None, language: str) -> str:
    """The text in `language`, else the text for all languages, else the first one."""
    if not text:
        return ""
    return text.get(language) or text.get(ALL_LANGUAGES) or next(iter(text.values()))


class Strict(BaseModel):
    """A definition object: immutable, and unknown keys are named with the allowed ones."""

    model_config = ConfigDict(frozen=True, populate_by_name=True, extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _known_keys_only(cls, data: Any) -> Any:
        if isinstance(data, dict):
            allowed = [f.alias or name for name, f in cls.model_fields.items()]
            unknown = [str(key) for key in data if key not in allowed]
            if unknown:
                raise ValueError(
                    f"unknown key {', '.join(map(repr, unknown))}; allowed: {', '.join(allowed)}"
                )
        return data


class Option(Strict):
    id: OptionId
    label: I18n
    exclusive: bool = False


# Conditions are data, never code: a comparison or a combination of conditions.
class Equals(Strict):
    question: QuestionId
    equals: str | int | float | bool


class In(Strict):
    question: QuestionId
    in_: list[str | bool | int | float] = Field(alias="in", min_length=1)


class Contains(Strict):
    question: QuestionId
    contains: OptionId


class Answered(Strict):
    question: QuestionId
    answered: bool


class Not(Strict):
    not_: "Condition" = Field(alias="not")


class All(Strict):
    all: list["Condition"] = Field(min_length=1)


class Any_(Strict):
    any: list["Condition"] = Field(min_length=1)


def _condition_form(value: Any) -> str | None:
    if isinstance(value, Strict):  # serializing a parsed condition
        return _CONDITION_TAGS.get(type(value))
    if not isinstance(value, dict):
        return None
    for key in ("all", "any", "not", "equals", "in", "contains", "answered"):
        if key in value:
            return key
    return None


Condition = Annotated[
    Annotated[Equals, Tag("equals")]
    | Annotated[In, Tag("in")]
    | Annotated[Contains, Tag("contains")]
    | Annotated[Answered, Tag("answered")]
    | Annotated[Not, Tag("not")]
    | Annotated[All, Tag("all")]
    | Annotated[Any_, Tag("any")],
    Discriminator(
        _condition_form,
        custom_error_type="condition",
        custom_error_message=(
            "not a condition; use {question, equals}, {question, in}, "
            "{question, contains}, {question, answered}, {not: ...}, {all: [...]} or "
            "{any: [...]}"
        ),
    ),
]
Not.model_rebuild()
All.model_rebuild()
Any_.model_rebuild()
_CONDITION_TAGS = {Equals: "equals", In: "in", Contains: "contains", Answered: "answered",
                   Not: "not", All: "all", Any_: "any"}

# Keys added after surveys were first stored are left out of a definition's document while
# they keep their default, so that the content hash of an unchanged file stays the same.
Shuffle = Annotated[bool, Field(default=False, exclude_if=lambda value: value is False)]


def _unset() -> Any:
    return Field(default=None, exclude_if=lambda value: value is None)


class QuestionBase(Strict):
    id: QuestionId
    text: I18n
    help: I18n | None = None
    required: bool = False
    show_if: Condition | None = None

    def choice_ids(self) -> list[str] | None:
        """The option ids an answer may take, or None where answers are not choices."""
        return None

    # Methods, not getattr(question, name, default): a missing attribute of a pydantic
    # model costs an exception, on every question of every submission.
    def offers_other(self) -> bool:
        """Whether "Other" with a text of one's own may be chosen."""
        return False

    def row_source(self) -> str | None:
        """The earlier question whose answer gives this matrix its rows, if any."""
        return None

    def shuffles(self) -> bool:
        """Whether each respondent sees the options (rows, items) in an order of their own."""
        return False


class SingleChoice(QuestionBase):
    type: Literal["single_choice"]
    options: list[Option] = Field(min_length=2, max_length=200)
    other: bool = False
    shuffle: Shuffle

    def choice_ids(self) -> list[str]:
        return [o.id for o in self.options] + ([OTHER] if self.other else [])

    def offers_other(self) -> bool:
        return self.other

    def shuffles(self) -> bool:
        return self.shuffle


class MultiChoice(QuestionBase):
    type: Literal["multi_choice"]
    options: list[Option] = Field(min_length=2, max_length=200)
    other: bool = False
    max_choices: int | None = Field(default=None, ge=1)
    shuffle: Shuffle

    def choice_ids(self) -> list[str]:
        return [o.id for o in self.options] + ([OTHER] if self.other else [])

    def offers_other(self) -> bool:
        return self.other

    def shuffles(self) -> bool:
        return self.shuffle


class Likert(QuestionBase):
    type: Literal["likert"]
    scale: list[Option] = Field(min_length=2, max_length=11)
    dont_know: bool = False

    def choice_ids(self) -> list[str]:
        return [o.id for o in self.scale] + ([DONT_KNOW] if self.dont_know else [])


class Matrix(QuestionBase):
    type: Literal["matrix"]
    columns: list[Option] = Field(min_length=2, max_length=20)
    rows: list[Option] | None = Field(default=None, min_length=1, max_length=50)
    rows_from: QuestionId | None = None
    shuffle: Shuffle

    def choice_ids(self) -> list[str]:
        return [o.id for o in self.columns]

    def row_source(self) -> str | None:
        return self.rows_from

    def shuffles(self) -> bool:
        return self.shuffle


class Ranking(QuestionBase):
    type: Literal["ranking"]
    items: list[Option] = Field(min_length=2, max_length=10)
    shuffle: Shuffle

    def choice_ids(self) -> list[str]:
        return [o.id for o in self.items]

    def shuffles(self) -> bool:
        return self.shuffle


class Number(QuestionBase):
    type: Literal["number"]
    min: float
    max: float
    integer: bool = True
    unit: I18n | None = None


class Text(QuestionBase):
    type: Literal["text"]
    max_length: int = Field(default=2000, ge=1, le=10_000)
    multiline: bool = False


class Consent(QuestionBase):
    type: Literal["consent"]


Question = Annotated[
    SingleChoice | MultiChoice | Likert | Matrix | Ranking | Number | Text | Consent,
    Field(discriminator="type"),
]
CHOICE_TYPES = ("single_choice", "multi_choice", "likert")


class Page(Strict):
    id: QuestionId
    title: I18n
    intro: I18n | None = None
    questions: list[Question] = Field(min_length=1, max_length=100)


FindingKind = Literal["distribution", "crosstab", "likert_summary", "numeric_summary", "ranking"]


class Finding(Strict):
    id: FindingId
    kind: FindingKind
    question: QuestionId
    by: QuestionId | None = None
    title: I18n | None = None
    agree: list[OptionId] | None = Field(default=None, min_length=1)


class SurveyDefinition(Strict):
    slug: Slug
    languages: list[LanguageCode] = Field(min_length=1, max_length=10)
    title: I18n
    description: I18n | None = None
    quasi_identifiers: list[QuestionId] = []
    pages: list[Page] = Field(min_length=1, max_length=50)
    findings: list[Finding] = []
    opens_at: datetime | None = _unset()
    closes_at: datetime | None = _unset()
    closing_message: I18n | None = _unset()

    @field_validator("opens_at", "closes_at")
    @classmethod
    def _with_time_zone(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.utcoffset() is None:
            raise ValueError("give the time with its time zone, e.g. 2026-05-01T08:00:00+02:00 "
                             "or 2026-05-01T06:00:00Z")
        return value

    def is_within_dates(self, now: datetime) -> bool:
        """Whether `now` (timezone-aware) lies between opens_at and closes_at, where given."""
        if self.opens_at is not None and now < self.opens_at:
            return False
        return self.closes_at is None or now < self.closes_at

    def questions(self) -> list[QuestionBase]:
        """Every question in page order."""
        return [q for page in self.pages for q in page.questions]

    def question(self, question_id: str) -> QuestionBase | None:
        """The question with this id, or None."""
        return self._index.get(question_id)

    def page_of(self, question_id: str) -> int:
        """The index of the page holding this question."""
        for number, page in enumerate(self.pages):
            if any(q.id == question_id for q in page.questions):
                return number
        raise KeyError(question_id)

    def page(self, page_id: str) -> Page | None:
        """The page with this id, or None."""
        return next((p for p in self.pages if p.id == page_id), None)

    def finding_title(self, finding_id: str, language: str) -> str:
        """A finding's title, else its question's text; the id if there is no such finding."""
        finding = next((f for f in self.findings if f.id == finding_id), None)
        if finding is None:
            return finding_id
        if finding.title:
            return localize(finding.title, language)
        return localize(self.question(finding.question).text, language)

    @cached_property
    def _index(self) -> dict[str, QuestionBase]:
        return {q.id: q for q in self.questions()}
