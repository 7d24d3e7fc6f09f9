"""A member's own account page: name, language and reply mails, password, their comments
(hidden ones with the reason), and deleting the account."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from survey.deletion import delete_account
from survey.discussion.comments import hiding_actions, member_activity
from survey.forms import (
    DeleteAccountForm,
    NameForm,
    PasswordChangeForm,
    PreferencesForm,
    show_account_error,
)
from survey.mail import default_language
from survey.passwords import change_own_password
from survey.sessions import end_session, start_session
from survey.users import AccountError, rename, set_preferences

bp = Blueprint("account", __name__, url_prefix="/account")


def _forms(**posted) -> dict:
    """The page's forms, filled with the account's values; `posted` ones as sent."""
    user = current_user
    forms = {
        "name_form": NameForm(formdata=None, data={"display_name": user.display_name or ""}),
        "preferences_form": PreferencesForm(formdata=None, data={
            "language": user.language or default_language(),
            "notify_replies": user.notify_replies}),
        "password_form": PasswordChangeForm(formdata=None),
    }
    forms.update(posted)
    return forms


def _page(status: int = 200, **posted):
    own, replies = member_activity(current_user)
    return render_template("account/index.html", own=own, replies=replies,
                           reasons=hiding_actions(own), **_forms(**posted)), status


@bp.get("")
@login_required
def index():
    """The account page."""
    return _page()


@bp.post("/name")
@login_required
def change_name():
    """Change the name shown with one's comments."""
    form = NameForm()
    if form.validate_on_submit():
        try:
            rename(current_user, form.display_name.data)
        except AccountError as error:
            show_account_error(form, error)
        else:
            flash(_("Your name is changed."), "success")
            return redirect(url_for("account.index"))
    return _page(422, name_form=form)


@bp.post("/preferences")
@login_required
def preferences():
    """The language of one's mails, and whether replies send one."""
    form = PreferencesForm()
    if form.validate_on_submit():
        set_preferences(current_user, form.language.data, form.notify_replies.data)
        flash(_("Your settings are saved."), "success")
        return redirect(url_for("account.index"))
    return _page(422, preferences_form=form)


@bp.post("/password")
@login_required
def change_password():
    """Change one's password (the current one is asked); every other session ends."""
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            change_own_password(current_user, form.current_password.data, form.password.data)
        except AccountError as error:
            show_account_error(form, error)
        else:
            # This browser stays logged in under the new password; all others are logged out.
            start_session(current_user._get_current_object())
            flash(_("Your password is changed. Other browsers and devices are logged out."),
                  "success")
            return redirect(url_for("account.index"))
    return _page(422, password_form=form)


@bp.route("/delete", methods=["GET", "POST"])
@login_required
def delete():
    """Delete one's account, choosing what becomes of one's comments."""
    form = DeleteAccountForm()
    if form.validate_on_submit():
        try:
            delete_account(current_user._get_current_object(), form.current_password.data,
                           remove_comments=form.comments.data == "remove")
        except AccountError as error:
            show_account_error(form, error)
        else:
            end_session()
            flash(_("Your account is deleted. Thank you for taking part."), "success")
            return redirect(url_for("main.index"))
    return render_template("account/delete.html", form=form), 422 if form.errors else 200
