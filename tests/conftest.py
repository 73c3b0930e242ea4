from __future__ import annotations

import pytest
from pytest_django.fixtures import Settings


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Settings) -> None:
    # PBKDF2's deliberate slowness protects real passwords; tests only need them to match.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    # The dashboard and the form's rate limit live in the process's cache: no test may
    # see another's.
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _role_groups(request: pytest.FixtureRequest) -> None:
    """The role groups exist in every test that touches the database. A migration makes
    them, but a transactional test (the browser's live server) ends by emptying every
    table: without this, a test after it in the same worker would find no groups."""
    names = set(request.fixturenames)
    marker = request.node.get_closest_marker("django_db")
    if names & {"transactional_db", "live_server"} or (marker and marker.kwargs.get("transaction")):
        request.getfixturevalue("transactional_db")
    elif "db" in names or marker:
        request.getfixturevalue("db")
    else:
        return
    from leadflow.crm.roles import ensure_role_groups

    ensure_role_groups()
