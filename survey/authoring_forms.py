"""Forms of the admin's survey authoring pages."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateTimeLocalField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp

SLUG_RULE = Regexp(r"^[a-z][a-z0-9-]{1,62}$",
                   message=_l("Use 2 to 63 lowercase letters, digits and hyphens, starting "
                              "with a letter."))
STARTER = """\
slug: my-survey
languages: [de, en]
title: {de: "Meine Umfrage", en: "My survey"}
pages:
  - id: first
    title: {de: "Erste Seite", en: "First page"}
    questions:
      - id: opinion
        type: single_choice
        text: {de: "Wie finden Sie das?", en: "What do you think of it?"}
        options:
          - {id: good, label: {de: "Gut", en: "Good"}}
          - {id: bad, label: {de: "Schlecht", en: "Bad"}}
"""


class EditorForm(FlaskForm):
    """A definition to check, preview or save: uploaded, or written in the text box."""

    file = FileField(_l("Upload a file"), description=_l(
        "A definition (.yaml), an XLSForm (.xlsx, .xls, .xlsm, .csv, .md) or a LimeSurvey "
        "export (.lss, .lsa), at most 1 MB. It replaces the text below."))
    slug = StringField(_l("Slug for an imported survey (optional)"),
                       validators=[Optional(), SLUG_RULE])
    definition = TextAreaField(_l("Definition (YAML)"),
                               validators=[Length(max=1_000_000)],
                               render_kw={"rows": 24, "spellcheck": "false", "wrap": "off"})


class DuplicateForm(FlaskForm):
    """The slug of a copy."""

    new_slug = StringField(_l("Slug of the copy"), validators=[
        DataRequired(_l("Please fill in this field.")), SLUG_RULE])


class ScheduleForm(FlaskForm):
    """Opening and closing times (UTC) and the closing message."""

    opens_at = DateTimeLocalField(_l("Opens at (UTC)"), validators=[Optional()],
                                  format="%Y-%m-%dT%H:%M")
    closes_at = DateTimeLocalField(_l("Closes at (UTC)"), validators=[Optional()],
                                   format="%Y-%m-%dT%H:%M")


def closing_message_field(language: str) -> str:
    """The form field name of the closing message in one language."""
    return f"closing_message_{language}"
