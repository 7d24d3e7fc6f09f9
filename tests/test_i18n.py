"""Every user-facing string is translated into German, and the catalogs compile."""

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "survey" / "translations" / "de" / "LC_MESSAGES" / "messages.po"


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """The messages the source code and templates use now, freshly extracted."""
    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    pybabel = Path(sys.executable).with_name("pybabel")
    subprocess.run(  # noqa: S603 - our own venv's pybabel with fixed arguments
        [str(pybabel), "-q", "extract", "-F", "survey/translations/babel.cfg", "-k", "_l",
         "-o", str(pot), "app.py", "survey", "reports", "templates"],
        cwd=ROOT, check=True)
    with pot.open("rb") as handle:
        return read_po(handle)


def test_every_extracted_message_has_a_german_translation(extracted):
    with CATALOG.open("rb") as handle:
        german = read_po(handle)
    missing = []
    for message in extracted:
        if not message.id:
            continue
        translated = german.get(message.id)
        strings = translated.string if translated else None
        if not strings or (isinstance(strings, tuple) and not all(strings)):
            missing.append(message.id)
    assert missing == [], "run `make extract-messages` and translate these"


def test_german_catalog_has_no_placeholder_errors():
    with CATALOG.open("rb") as handle:
        german = read_po(handle)
    problems = [(message.id, errors) for message, errors in german.check()]
    assert problems == []
