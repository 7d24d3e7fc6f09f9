"""Default configuration; instance/config.py and RESONANZ_* variables override it."""

DEFAULT_SECRET_KEY = "dev-only-change-me"  # noqa: S105 - refused outside debug/testing


class Defaults:
    """Settings every deployment starts from."""

    SECRET_KEY = DEFAULT_SECRET_KEY
    SQLALCHEMY_DATABASE_URI = None  # filled in by the factory: SQLite in instance/
    SQLITE_BUSY_TIMEOUT_MS = 30_000
    MAX_CONTENT_LENGTH = 1024 * 1024
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    LANGUAGES = ("de", "en")
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_TRANSLATION_DIRECTORIES = "survey/translations"
    WTF_CSRF_TIME_LIMIT = None  # a survey can take longer than an hour
    RATELIMIT_ENABLED = True
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_LOGIN = "10 per minute"
    RATELIMIT_REGISTER = "5 per hour"
    RATELIMIT_SUBMIT = "60 per minute"
    RATELIMIT_COMMENT = "5 per minute; 50 per day"  # per member
    RATELIMIT_FLAG = "10 per minute; 100 per day"  # per member
    RATELIMIT_RESET = "5 per hour"  # password reset mails asked for, per address
    RATELIMIT_RESET_ACCOUNT = "3 per hour"  # ... per account (the address typed in the form)
    DRAFT_LIFETIME_DAYS = 30
    # Mail (Flask-Mailman): SMTP when MAIL_SERVER is set, else mails go to instance/mail.log.
    MAIL_SERVER = None
    MAIL_PORT = 25
    MAIL_USE_TLS = False  # STARTTLS; MAIL_USE_SSL = True for TLS from the start (port 465)
    MAIL_USE_SSL = False
    MAIL_USERNAME = None
    MAIL_PASSWORD = None
    MAIL_DEFAULT_SENDER = "Resonanz <noreply@localhost>"
    MAIL_TIMEOUT = 10  # seconds the SMTP server may take to answer
    MAIL_LOG_PATH = None  # where mails go without a server; None: instance/mail.log
    MAIL_IN_BACKGROUND = True  # send after the answer, so its timing tells nothing
    PUBLIC_URL = None  # e.g. "https://resonanz.example": links in mails; None: the request's
    RESET_LINK_HOURS = 1  # a password reset link expires after this
    INVITATION_LINK_DAYS = 7  # the link of an admin's invitation expires after this
    SURVEY_CACHE_SECONDS = 2.0  # how long the API may answer from a survey lookup it made
    RESPONDENT_COOKIE = "resonanz_respondent"
    SURVEY_DEFINITIONS_DIR = "survey/definitions"
    DISCLOSURE_K = 5  # cells counting fewer respondents are not shown
    MIN_PUBLISH_N = 30  # findings with fewer respondents are not published


class ConfigurationError(RuntimeError):
    """The configuration is unsafe or incomplete."""


def check_production_config(app):
    """Refuse to run a production app with the shipped development secret."""
    if app.debug or app.testing:
        return
    if app.config["SECRET_KEY"] in (None, "", DEFAULT_SECRET_KEY):
        raise ConfigurationError(
            "Set RESONANZ_SECRET_KEY (or SECRET_KEY in instance/config.py): "
            "the default secret key is for development only."
        )
