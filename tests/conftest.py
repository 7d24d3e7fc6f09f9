"""Fixtures: an app on a fresh, migrated database (SQLite by default, PostgreSQL in CI)."""

import shutil
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from app import create_app
from survey.caches import clear_all
from survey.extensions import db
from survey.models import Role
from survey.surveys import load_survey_file, store_definition
from survey.users import create_user
from tests.helpers.accounts import PASSWORD, log_in
from tests.helpers.clients import IsolatedClient
from tests.helpers.database import DATABASE_URI, ON_POSTGRES, SECRET_KEY, new_postgres_database
from tests.helpers.discussion import cheap_passwords, make_member, publish_demo_release
from tests.helpers.factories import ARTICLE_SURVEY, survey_document
from tests.helpers.mail import SmtpServer


def _config(uri: str, **extra) -> dict:
    return {"TESTING": True, "SECRET_KEY": SECRET_KEY, "SQLALCHEMY_DATABASE_URI": uri,
            "RATELIMIT_ENABLED": False, "RATELIMIT_STORAGE_URI": "memory://",
            "WTF_CSRF_ENABLED": False,
            "SURVEY_CACHE_SECONDS": 0, "PRIVACY_MIX_IN_BACKGROUND": False, **extra}


def _migrate(uri: str) -> None:
    app = create_app(_config(uri))
    with app.app_context():
        upgrade()
        db.engine.dispose()


def _worker_database(worker: str) -> str:
    """A PostgreSQL database of this xdist worker's own, emptied and migrated."""
    uri = new_postgres_database(f"{sa.make_url(DATABASE_URI).database}_{worker}")
    _migrate(uri)
    return uri


@pytest.fixture(scope="session")
def database_template(tmp_path_factory, worker_id):
    """A migrated database: a file to copy on SQLite, a worker's database on PostgreSQL."""
    if ON_POSTGRES:
        return _worker_database(worker_id)
    path = tmp_path_factory.mktemp("template") / "resonanz.sqlite3"
    _migrate(f"sqlite:///{path}")
    return path


def _empty_postgres(uri: str) -> None:
    engine = sa.create_engine(uri)
    with engine.begin() as connection:
        tables = [t.name for t in db.metadata.sorted_tables]
        names = ", ".join(f'"{t}"' for t in tables)
        connection.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


def _fresh_database(template, folder) -> str:
    """The URI of an empty, migrated database made from `template`."""
    if ON_POSTGRES:
        _empty_postgres(template)
        return template
    path = folder / "resonanz.sqlite3"
    shutil.copy(template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def database_uri(database_template, tmp_path):
    """The URI of an empty, migrated database for one test."""
    return _fresh_database(database_template, tmp_path)


@pytest.fixture
def app_config():
    """Extra configuration for the `app` fixture; override in a module to change it."""
    return {}


@contextmanager
def _app_on(database_uri, config, instance_path):
    clear_all()
    application = create_app(_config(database_uri, **config))
    application.instance_path = str(instance_path)
    # Each request in a context of its own, as in production: nothing carries over
    # through `g` (Flask-Login's user, Flask-WTF's token) between requests or clients.
    application.test_client_class = IsolatedClient
    with application.app_context():
        yield application
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def app(database_uri, app_config, tmp_path):
    """The app on its own fresh database, with nothing kept from an earlier test."""
    with _app_on(database_uri, app_config, tmp_path) as application:
        yield application


@pytest.fixture(scope="module")
def module_app(database_template, tmp_path_factory):
    """An app on a fresh database shared by the tests of one module (which only read it),
    for what is costly to build once per test; CSRF protection on, as in production."""
    folder = tmp_path_factory.mktemp("module-app")
    uri = _fresh_database(database_template, folder)
    with _app_on(uri, {"WTF_CSRF_ENABLED": True}, folder) as application:
        yield application


@pytest.fixture
def article_survey(app):
    """The article's survey, loaded."""
    load_survey_file(ARTICLE_SURVEY)
    return "xing-linkedin"


@pytest.fixture
def make_survey(app):
    """Store a small survey built from keyword overrides of `tests.factories.survey_document`."""
    from survey.definition import parse_definition

    def make(**overrides):
        definition = parse_definition(survey_document(**overrides))
        store_definition(definition, source_name="test.yaml")
        return definition

    return make


@pytest.fixture
def make_user(app):
    """Create an account: make_user("a@example.org", Role.ADMIN)."""

    def make(email="member@example.org", role=Role.MEMBER, password=PASSWORD):
        return create_user(email, password, role)

    return make


@pytest.fixture
def login_as(client):
    """Log a user in through the login form."""
    return lambda user, password=PASSWORD: log_in(client, user, password)


@pytest.fixture
def smtp_server():
    """A real SMTP server on loopback for this test; give the app `smtp_server.config()`."""
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def cheap_hashing(monkeypatch):
    """Hash this test's passwords with the cheapest argon2 parameters (see
    tests.helpers.discussion.cheap_passwords)."""
    cheap_passwords(monkeypatch)


# The people of a discussion: a published finding to talk about, staff and two members.

@pytest.fixture
def release(app):
    """Release 1 of the article's survey, with the finding everyone comments on."""
    return publish_demo_release()


@pytest.fixture
def moderator(release):
    return make_member("mod@example.org", Role.MODERATOR, "Moderatorin")


@pytest.fixture
def admin(release):
    return make_member("admin@example.org", Role.ADMIN, "Adminin")


@pytest.fixture
def alice(release):
    return make_member("alice@example.org", name="Alice")


@pytest.fixture
def bob(release):
    return make_member("bob@example.org", name="Bob")
