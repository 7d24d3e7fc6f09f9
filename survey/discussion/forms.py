"""Forms of the discussion and of moderation."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from survey.discussion.comments import MAX_LENGTH
from survey.discussion.models import FlagReason

FLAG_REASONS = {
    FlagReason.SPAM: _l("Spam or advertising"),
    FlagReason.ABUSE: _l("Abusive or hateful"),
    FlagReason.OFF_TOPIC: _l("Off topic"),
    FlagReason.IDENTIFIES_PERSON: _l("Singles out or identifies a person"),
    FlagReason.OTHER: _l("Something else"),
}
TOO_LONG = _l("Please keep it to %(max)d characters.", max=MAX_LENGTH)


class CommentForm(FlaskForm):
    body = TextAreaField(
        _l("Your comment"),
        validators=[DataRequired(_l("Please write something.")), Length(max=MAX_LENGTH,
                                                                          message=TOO_LONG)],
        description=_l("You can use Markdown: *emphasis*, **bold**, lists, > quotes, `code`, "
                       "[links](https://example.org). No images."),
        render_kw={"maxlength": MAX_LENGTH, "rows": 5})
    parent_id = HiddenField()
    release = HiddenField()


class EditForm(FlaskForm):
    body = TextAreaField(
        _l("Your comment"),
        validators=[DataRequired(_l("Please write something.")), Length(max=MAX_LENGTH,
                                                                          message=TOO_LONG)],
        render_kw={"maxlength": MAX_LENGTH, "rows": 6})


class FlagForm(FlaskForm):
    reason = RadioField(_l("Why should moderators look at this comment?"),
                        choices=[SelectChoice(r.value, label) for r, label in FLAG_REASONS.items()],
                        validators=[DataRequired(_l("Please choose a reason."))])
    note = TextAreaField(_l("Anything moderators should know (optional)"),
                         validators=[Optional(), Length(max=500)], render_kw={"rows": 3})


# Reasons a moderator can pick to hide a comment or ban its author; stored by key, shown in
# the reader's language (survey.discussion.web.reason_text).
HIDE_REASONS = {reason.value: FLAG_REASONS[reason] for reason in (
    FlagReason.SPAM, FlagReason.ABUSE, FlagReason.OFF_TOPIC, FlagReason.IDENTIFIES_PERSON)}


class ModerationForm(FlaskForm):
    """A moderator's decision: one click for approve, restore or dismissing flags; hiding and
    banning take a reason, picked from the presets or written."""

    preset = SelectField(_l("Reason"), choices=[SelectChoice("", _l("Choose a reason"))] + [
        SelectChoice(key, label) for key, label in HIDE_REASONS.items()],
        validators=[Optional()])
    reason = StringField(_l("or in your own words"), validators=[Optional(), Length(max=500)],
                         render_kw={"maxlength": 500})

    def chosen_reason(self) -> str | None:
        """The written words if there are any, else the preset picked, else None."""
        return (self.reason.data or "").strip() or self.preset.data or None
