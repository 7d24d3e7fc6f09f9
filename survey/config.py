"""Default configuration; instance/config.py and RESONANZ_* variables override it."""

import math
from collections import Counter

MIN_SECRET_KEY_BYTES = 32
MIN_SECRET_KEY_BITS = 130  # estimated (see below): refuses "x" * 40 and short repeated patterns


class Defaults:
    """Settings every deployment starts from."""

    SECRET_KEY = None  # required: `make run` writes a random one to instance/config.py
    SQLALCHEMY_DATABASE_URI = None  # filled in by the factory: SQLite in instance/
    SQLITE_BUSY_TIMEOUT_MS = 30_000
    MAX_CONTENT_LENGTH = 1024 * 1024
    # An admin's survey upload: the importers' 10 MB file limit plus room for the form.
    MAX_UPLOAD_LENGTH = 11 * 1024 * 1024
    # FULL: acknowledged commits survive power loss (the app syncs the WAL after each write
    # transaction, outside the lock: survey.database); EXTRA is SQLite's; NORMAL: bench only.
    SQLITE_SYNCHRONOUS = "FULL"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False  # True forces it; it is Secure anyway on HTTPS requests
    REMEMBER_COOKIE_DAYS = 30  # a remember cookie older than this is refused by the server
    PROXY_FIX_HOPS = 0  # trusted reverse proxies in front (X-Forwarded-For/-Proto/-Host)
    HSTS_SECONDS = 365 * 24 * 3600  # Strict-Transport-Security on HTTPS responses; 0: none
    OUTAGE_RETRY_AFTER_SECONDS = 10  # Retry-After of a 503 while the database or storage is out
    LANGUAGES = ("de", "en")
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_TRANSLATION_DIRECTORIES = "survey/translations"
    WTF_CSRF_TIME_LIMIT = None  # a survey can take longer than an hour
    RATELIMIT_ENABLED = True
    # None: shared by every process of the site, in the database's server on PostgreSQL, in
    # instance/ratelimits.sqlite3 beside an SQLite database; or redis://host:6379, memory://.
    RATELIMIT_STORAGE_URI = None
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_LOGIN = "10 per minute"  # per address
    RATELIMIT_LOGIN_ACCOUNT = "10 per 15 minutes"  # failed logins per account, any address
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


def _estimated_bits(key: bytes) -> float:
    """Shannon entropy of the key's bytes times its length: a ceiling, not a proof."""
    counts = Counter(key)
    return -sum(n * math.log2(n / len(key)) for n in counts.values())


def check_production_config(app):
    """Refuse to run without a secret key of at least 32 random bytes; nothing turns this off."""
    key = app.config.get("SECRET_KEY")
    raw = key.encode() if isinstance(key, str) else bytes(key or b"")
    if len(raw) < MIN_SECRET_KEY_BYTES or _estimated_bits(raw) < MIN_SECRET_KEY_BITS:
        raise ConfigurationError(
            f"Set RESONANZ_SECRET_KEY (or SECRET_KEY in instance/config.py) to at least "
            f"{MIN_SECRET_KEY_BYTES} random bytes, e.g. the output of "
            "python3 -c 'import secrets; print(secrets.token_hex(32))'."
        )
    if str(app.config["SQLITE_SYNCHRONOUS"]).upper() not in ("FULL", "EXTRA", "NORMAL"):
        raise ConfigurationError("SQLITE_SYNCHRONOUS must be FULL, EXTRA or NORMAL")
