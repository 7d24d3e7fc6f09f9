"""The mail that answers a registration: welcome, or "you have an account already"."""

from flask_babel import gettext as _

from survey.mail import send_mail, site_url
from survey.users import Registration, RegistrationOutcome


def send_registration_mail(registration: Registration, language: str) -> None:
    """Tell the address what registering did; the page said the same in both cases. An
    existing account is written to in its own language, a new one in `language`."""
    user = registration.user
    if registration.outcome == RegistrationOutcome.CREATED:
        send_mail(user.email, language, "welcome", subject=lambda: _("Welcome to Resonanz"),
                  link=site_url("accounts.login"))
    else:
        send_mail(user.email, user.language or language, "already_registered",
                  subject=lambda: _("You already have a Resonanz account"),
                  login_link=site_url("accounts.login"),
                  forgot_link=site_url("accounts.forgot_password"))
