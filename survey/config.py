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
    DRAFT_LIFETIME_DAYS = 30
    # The mix (survey.mixing) and the mixer that runs it in each serving process
    # (survey.mixer): a response stays pairable with its participation until the next mix,
    # which comes once PRIVACY_MIX_RESPONSES wait or the oldest has waited
    # PRIVACY_MIX_MINUTES (checked every PRIVACY_MIX_CHECK_SECONDS), at most once every
    # PRIVACY_MIX_PAUSE_SECONDS. A full mix once a day past PRIVACY_FULL_MIX_HOUR (UTC;
    # None: only `privacy mix --full`).
    PRIVACY_MIX_IN_BACKGROUND = True
    PRIVACY_MIX_RESPONSES = 20
    PRIVACY_MIX_MINUTES = 5
    PRIVACY_MIX_CHECK_SECONDS = 10
    PRIVACY_MIX_PAUSE_SECONDS = 1.0
    PRIVACY_FULL_MIX_HOUR = 3
    ACCESS_LOG = True  # one line a request: method, route, status, duration (survey.access_log)
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
