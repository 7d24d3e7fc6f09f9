"""Text and names from other tools made fit for a definition: plain text, ids, slugs."""

import html
import re
import unicodedata

import nh3

from survey.definition.model import RESERVED_OPTION_IDS

TEXT_MAX = 5000
_BREAKS = re.compile(r"<\s*(br|/p|/div|/li|/h[1-6]|/tr)\b[^>]*>", re.IGNORECASE)
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
_NOT_ID = re.compile(r"[^a-z0-9_]+")


def plain_text(value: str | None) -> str:
    """HTML reduced to plain text: tags dropped (scripts and styles with their content),
    entities decoded, whitespace tidied. The result is never rendered as HTML."""
    if not value:
        return ""
    text = _BREAKS.sub("\n", value)
    text = html.unescape(nh3.clean(text, tags=set()))
    lines = [_SPACES.sub(" ", line).strip() for line in text.replace("\x00", "").splitlines()]
    text = "\n".join(line for line in lines if line)
    if len(text) > TEXT_MAX:
        text = text[:TEXT_MAX - 1] + "…"
    return text


def _ascii(value: str) -> str:
    return unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode().lower()


def slugify(value: str, fallback: str = "imported-survey") -> str:
    """A survey slug made of a title or file name."""
    slug = re.sub(r"[^a-z0-9]+", "-", _ascii(value)).strip("-")[:60].strip("-")
    if not slug or not slug[0].isalpha():
        slug = f"s-{slug}" if slug else fallback
    return slug if len(slug) >= 2 else fallback


class IdMaker:
    """Unique ids in the definition's pattern, made of the source's names."""

    def __init__(self, prefix: str, first_char: str = "[a-z]", reserved=frozenset()):
        self.prefix = prefix
        self.first = re.compile(first_char)
        self.used: set[str] = set(reserved)

    def make(self, name: str) -> str:
        """A new id like `name`, unique among the ids made so far."""
        base = _NOT_ID.sub("_", _ascii(str(name))).strip("_")[:50] or self.prefix
        if not self.first.match(base):
            base = f"{self.prefix}_{base}"
        candidate, number = base, 2
        while candidate in self.used:
            candidate, number = f"{base}_{number}", number + 1
        self.used.add(candidate)
        return candidate


def question_ids() -> IdMaker:
    """Ids for questions and pages (`^[a-z][a-z0-9_]*$`)."""
    return IdMaker("q")


def option_ids() -> IdMaker:
    """Ids for the options of one list (`^[a-z0-9][a-z0-9_]*$`; "other" and "dont_know" are
    the format's own)."""
    return IdMaker("o", first_char="[a-z0-9]", reserved=RESERVED_OPTION_IDS)


def i18n(texts: dict[str, str], languages: list[str]) -> str | dict[str, str] | None:
    """Text in the definition's form: one text for all languages where they agree (or only
    one is given), else one per language, a missing language taking the first one given."""
    given = {language: text for language, text in texts.items() if text}
    if not given:
        return None
    first = next((given[language] for language in languages if language in given),
                 next(iter(given.values())))
    values = {language: given.get(language, first) for language in languages}
    distinct = set(values.values())
    return distinct.pop() if len(distinct) == 1 else values
