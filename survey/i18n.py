"""Language choice: ?lang=, then the session, then Accept-Language."""

from urllib.parse import urlencode

from flask import current_app, g, has_request_context, request, session
from flask_babel import get_locale, refresh

from survey.definition import localize

LANGUAGE_NAMES = {"de": "Deutsch", "en": "English"}  # each in its own language


def select_locale() -> str:
    """The language of this request, one of LANGUAGES."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if g.get("switched_language") in languages:  # chosen on this request's page
        return g.switched_language
    chosen = request.args.get("lang")
    if chosen in languages:
        session["lang"] = chosen
        return chosen
    if session.get("lang") in languages:
        return session["lang"]
    return request.accept_languages.best_match(languages) or current_app.config[
        "BABEL_DEFAULT_LOCALE"]


def current_language() -> str:
    """The language code of the current request, e.g. "de"."""
    return str(get_locale())


def survey_language(definition) -> str:
    """The language to show a survey in: the page's language if the survey has it."""
    language = current_language()
    return language if language in definition.languages else definition.languages[0]


def language_links() -> list[tuple[str, str, bool, str]]:
    """(address, name, is_current, code) for the language switch, linking the current page."""
    current = current_language()
    links = []
    for code in current_app.config["LANGUAGES"]:
        args = {**request.args.to_dict(), "lang": code}
        links.append((f"{request.path}?{urlencode(args)}", LANGUAGE_NAMES.get(code, code),
                      code == current, code))
    return links


def switch_language(code: str) -> bool:
    """Make `code` this session's language from now on (this request included); False if
    it is not one of LANGUAGES."""
    if code not in current_app.config["LANGUAGES"]:
        return False
    session["lang"] = code
    g.switched_language = code
    refresh()
    return True


def _remember_chosen_language() -> None:
    """?lang= is kept for the session even when the page answers with a redirect (a resume
    link, for one), where no template ever asks for the language."""
    chosen = request.args.get("lang")
    if chosen in current_app.config["LANGUAGES"]:
        session["lang"] = chosen


def init_app(app):
    """Choose the language afresh for every request, and give templates the helpers."""
    # Flask-Babel caches the locale in `g`, which outlives a request where an app context
    # is reused (tests, CLI); each request must pick its own language.
    app.before_request(refresh)
    app.before_request(_remember_chosen_language)
    app.jinja_env.globals.update(language_links=language_links, current_language=current_language,
                                 survey_language=survey_language, localize=localize)
