"""Fixtures of the discussion tests: accounts hash cheaply (the people are in tests/conftest.py)."""

import pytest


@pytest.fixture(autouse=True)
def _cheap_passwords(cheap_hashing):
    """Passwords are not what these tests are about."""
