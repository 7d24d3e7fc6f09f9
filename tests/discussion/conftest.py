"""Fixtures of the discussion tests: a published finding to talk about, and its people."""

import pytest

from survey.models import Role
from tests.helpers.discussion import cheap_passwords, make_member, publish_demo_release


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch):
    cheap_passwords(monkeypatch)


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
