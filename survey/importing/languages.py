"""Language names and codes as other tools write them, made two-letter codes."""

import re

_NAMES = {
    "english": "en", "german": "de", "deutsch": "de", "french": "fr", "français": "fr",
    "francais": "fr", "spanish": "es", "español": "es", "espanol": "es", "italian": "it",
    "italiano": "it", "portuguese": "pt", "português": "pt", "dutch": "nl",
    "nederlands": "nl", "polish": "pl", "swedish": "sv", "danish": "da", "norwegian": "no",
    "finnish": "fi", "russian": "ru", "turkish": "tr", "arabic": "ar", "chinese": "zh",
    "japanese": "ja", "hindi": "hi", "swahili": "sw", "czech": "cs", "greek": "el",
    "hungarian": "hu", "romanian": "ro", "ukrainian": "uk", "korean": "ko", "hebrew": "he",
}
_CODE_IN_NAME = re.compile(r"\(\s*([A-Za-z]{2})(?:[-_][A-Za-z0-9]+)?\s*\)")
_CODE = re.compile(r"^([A-Za-z]{2})(?:[-_][A-Za-z0-9]+)*$")

# Words the importers add themselves (LimeSurvey's yes/no and gender questions).
WORDS = {
    "yes": {"en": "Yes", "de": "Ja", "fr": "Oui", "es": "Sí", "it": "Sì", "nl": "Ja",
            "pt": "Sim", "pl": "Tak"},
    "no": {"en": "No", "de": "Nein", "fr": "Non", "es": "No", "it": "No", "nl": "Nee",
           "pt": "Não", "pl": "Nie"},
    "increase": {"en": "Increase", "de": "Mehr", "fr": "Augmenter", "es": "Aumentar",
                 "it": "Aumentare", "nl": "Toename", "pt": "Aumentar", "pl": "Więcej"},
    "same": {"en": "Same", "de": "Gleich", "fr": "Sans changement", "es": "Igual",
             "it": "Uguale", "nl": "Gelijk", "pt": "Igual", "pl": "Bez zmian"},
    "decrease": {"en": "Decrease", "de": "Weniger", "fr": "Diminuer", "es": "Disminuir",
                 "it": "Diminuire", "nl": "Afname", "pt": "Diminuir", "pl": "Mniej"},
    "uncertain": {"en": "Uncertain", "de": "Unsicher", "fr": "Incertain", "es": "Incierto",
                  "it": "Incerto", "nl": "Onzeker", "pt": "Incerto", "pl": "Nie wiem"},
    "female": {"en": "Female", "de": "Weiblich", "fr": "Féminin", "es": "Femenino",
               "it": "Femmina", "nl": "Vrouw", "pt": "Feminino", "pl": "Kobieta"},
    "male": {"en": "Male", "de": "Männlich", "fr": "Masculin", "es": "Masculino",
             "it": "Maschio", "nl": "Man", "pt": "Masculino", "pl": "Mężczyzna"},
}


def language_code(name: str) -> str | None:
    """"English (en)", "english", "de-informal", "pt-BR" → a two-letter code, else None."""
    name = name.strip()
    match = _CODE_IN_NAME.search(name)
    if match:
        return match[1].lower()
    if name.lower() in _NAMES:
        return _NAMES[name.lower()]
    match = _CODE.match(name)
    return match[1].lower() if match else None


def word(key: str, languages: list[str]) -> dict[str, str]:
    """One of the importers' own words in each language (English where unknown)."""
    return {language: WORDS[key].get(language, WORDS[key]["en"]) for language in languages}
