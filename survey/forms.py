"""Forms: survey pages built from the definition, and account forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from survey.definition.answers import OTHER_TEXT_MAX, matrix_rows, other_key, parse_number_input
from survey.definition.model import DONT_KNOW, OTHER, localize
from survey.fieldnames import other_field, rank_field, rank_fields, row_field, row_fields
from survey.i18n import LANGUAGE_NAMES
from survey.ordering import arrange

INCOMPLETE_RANKING = "?"


class MultiCheckboxField(SelectMultipleField):
    """A group of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _choices(question, language, order=None):
    options = getattr(question, "options", None) or getattr(question, "scale", None)
    choices = [SelectChoice(o.id, localize(o.label, language)) for o in options]
    if getattr(question, "other", False):
        choices.append(SelectChoice(OTHER, _l("Other")))
    if getattr(question, "dont_know", False):
        choices.append(SelectChoice(DONT_KNOW, _l("Don't know")))
    return arrange(choices, order)


def _fields_for(definition, question, answers, language, order=None):
    """(name, field) pairs that ask one question."""
    kind = question.type
    if kind in ("single_choice", "likert"):
        yield question.id, RadioField(choices=_choices(question, language, order),
                                      validate_choice=False)
    elif kind == "multi_choice":
        yield question.id, MultiCheckboxField(choices=_choices(question, language, order),
                                              validate_choice=False)
    elif kind == "matrix":
        columns = [SelectChoice(c.id, localize(c.label, language)) for c in question.columns]
        for row_id, _label in matrix_rows(definition, question, answers, language):
            yield row_field(question.id, row_id), RadioField(choices=columns,
                                                             validate_choice=False)
    elif kind == "ranking":
        places = [SelectChoice("", "–")] + [SelectChoice(str(n))
                                            for n in range(1, len(question.items) + 1)]
        for item in question.items:
            yield rank_field(question.id, item.id), SelectField(choices=places,
                                                               validate_choice=False)
    elif kind == "number":
        yield question.id, StringField(render_kw={"inputmode": "decimal"})
    elif kind == "text":
        field = TextAreaField if question.multiline else StringField
        yield question.id, field(render_kw={"maxlength": question.max_length})
    elif kind == "consent":
        yield question.id, BooleanField()
    if getattr(question, "other", False):
        yield other_field(question.id), StringField(render_kw={"maxlength": OTHER_TEXT_MAX})


class PageForm(FlaskForm):
    """Base of every survey page form: which page it posts and the submission id."""

    page = HiddenField()
    submission_id = HiddenField()


def build_page_form(definition, questions, answers, language, formdata=None, orders=None):
    """A form asking these questions, filled from `answers` unless `formdata` is posted;
    `orders` gives the respondent's order of shuffled options (survey.ordering)."""
    attributes = {}
    for question in questions:
        attributes.update(_fields_for(definition, question, answers, language,
                                      (orders or {}).get(question.id)))
    form_class = type("SurveyPageForm", (PageForm,), attributes)
    if formdata is not None:
        return form_class(formdata=formdata)
    form = form_class(formdata=None, data=_field_data(questions, answers))
    return form


def _field_data(questions, answers):
    """Field values that show the stored answers."""
    data = {}
    for question in questions:
        value = answers.get(question.id)
        if value is None:
            continue
        if question.type == "matrix":
            data.update({row_field(question.id, row): col for row, col in value.items()})
        elif question.type == "ranking":
            data.update({rank_field(question.id, item): str(place)
                         for place, item in enumerate(value, start=1)})
        elif question.type == "number":
            data[question.id] = str(value)
        else:
            data[question.id] = value
        if other_key(question.id) in answers:
            data[other_field(question.id)] = answers[other_key(question.id)]
    return data


def answers_from_form(form, questions) -> dict:
    """The posted answers in the API's shape, ready for `check_answers`.

    Text typed beside "Other" counts as choosing "Other", as in other survey tools: in a
    multiple choice it is added; in a single choice it is the answer unless another option
    was chosen too (then `check_answers` asks to keep one of them)."""
    answers = {}
    for question in questions:
        value = _value(form, question)
        other = form._fields.get(other_field(question.id))
        if other is not None and other.data and other.data.strip():
            answers[other_key(question.id)] = other.data
            if question.type == "multi_choice" and OTHER not in (value or []):
                value = [*(value or []), OTHER]
            elif value is None:
                value = OTHER
        answers[question.id] = value
    return answers


def _value(form, question):
    kind = question.type
    if kind == "matrix":
        rows = row_fields(question.id, form._fields)
        return {row: form[name].data for row, name in rows.items() if form[name].data}
    if kind == "ranking":
        return _ranking(form, question)
    data = form[question.id].data
    if kind == "number" and data:
        return parse_number_input(data)
    if kind == "consent":
        return True if data else None
    return data or None


def _ranking(form, question):
    places = {item: form[name].data
              for item, name in rank_fields(question.id, form._fields).items()}
    if not any(places.values()):
        return None
    chosen = list(places.values())
    if not all(p.isdigit() for p in chosen) or len(set(chosen)) != len(chosen):
        return [INCOMPLETE_RANKING]  # not a permutation: check_answers says what is wrong
    return [item for item, _place in sorted(places.items(), key=lambda kv: int(kv[1]))]


REQUIRED = _l("Please fill in this field.")


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(REQUIRED), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(REQUIRED), Length(max=200)])
    remember = BooleanField(_l("Keep me logged in"))


PASSWORD_RULE = _l("Use 10 to 200 characters.")
# What an account form says beside the field a refused change names (AccountError.field).
ACCOUNT_ERRORS = {
    "email": _l("An account with this email exists already."),
    "display_name": _l("This name is taken; please choose another."),
    "password": _l("This password is too common or too short: use at least 10 characters that "
                   "are not a well-known password."),
    "current_password": _l("This is not your current password."),
}


def show_account_error(form, error) -> None:
    """Put a refused account change's message beside the field it concerns (the email
    field, if the form has no field of that name)."""
    field = form._fields.get(error.field) or form._fields["email"]
    field.errors = [*field.errors, str(ACCOUNT_ERRORS.get(error.field, ACCOUNT_ERRORS["email"]))]


DISPLAY_NAME_VALIDATORS = [
    Optional(), Length(min=2, max=40, message=_l("Use 2 to 40 characters.")),
    Regexp(r"^[\w .'-]+$", message=_l("Use letters, digits, spaces, dots, hyphens or "
                                      "apostrophes."))]
DISPLAY_NAME_HINT = _l("Never your email. Leave it empty to appear as “Member” and a number.")


def email_field() -> EmailField:
    """An email address field, checked for its form."""
    return EmailField(_l("Email"), filters=[_stripped], validators=[
        DataRequired(REQUIRED), Email(_l("Please enter a valid email address.")),
        Length(max=254)])


def _stripped(value):
    return value.strip() if isinstance(value, str) else value


def new_password_field(label) -> PasswordField:
    """A field for a password to be set, 10 to 200 characters."""
    return PasswordField(
        label, validators=[DataRequired(REQUIRED), Length(min=10, max=200, message=PASSWORD_RULE)],
        description=_l("At least 10 characters."))


class NewPasswordForm(FlaskForm):
    """A new password, typed twice: resetting one, or choosing the first after an invitation."""

    password = new_password_field(_l("Password"))
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(REQUIRED),
                    EqualTo("password", message=_l("The passwords differ."))])


class RegistrationForm(NewPasswordForm):
    email = email_field()
    display_name = StringField(_l("Name shown with your comments (optional)"),
                               validators=DISPLAY_NAME_VALIDATORS, description=DISPLAY_NAME_HINT)


class ForgotPasswordForm(FlaskForm):
    email = email_field()


class PasswordChangeForm(NewPasswordForm):
    current_password = PasswordField(_l("Your current password"),
                                     validators=[DataRequired(REQUIRED), Length(max=200)])
    password = new_password_field(_l("New password"))


class NameForm(FlaskForm):
    display_name = StringField(_l("Name shown with your comments"),
                               validators=DISPLAY_NAME_VALIDATORS, description=DISPLAY_NAME_HINT)


LANGUAGE_CHOICES = [SelectChoice(code, name) for code, name in LANGUAGE_NAMES.items()]


class PreferencesForm(FlaskForm):
    language = RadioField(_l("Language of the mails we send you"),
                          choices=LANGUAGE_CHOICES,
                          validators=[DataRequired(_l("Please choose a language."))])
    notify_replies = BooleanField(_l("Send me a mail when someone replies to my comment"))


class DeleteAccountForm(FlaskForm):
    comments = RadioField(
        _l("What should happen to your comments?"),
        choices=[SelectChoice("keep", _l("Keep them, signed “Former member”")),
                 SelectChoice("remove", _l("Remove their text from the discussion"))],
        validators=[DataRequired(_l("Please choose what happens to your comments."))])
    current_password = PasswordField(_l("Your password, to confirm"),
                                     validators=[DataRequired(REQUIRED), Length(max=200)])


class InvitationForm(FlaskForm):
    """An admin creates an account; its owner sets the password through the mailed link."""

    email = email_field()
    display_name = StringField(_l("Name shown with their comments (optional)"),
                               validators=DISPLAY_NAME_VALIDATORS)
    role = SelectField(_l("Role"), choices=[SelectChoice("member", _l("member")),
                                            SelectChoice("moderator", _l("moderator")),
                                            SelectChoice("admin", _l("admin"))],
                       default="member")
    language = SelectField(_l("Language of the invitation"), choices=LANGUAGE_CHOICES)
