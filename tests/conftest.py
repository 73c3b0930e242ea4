from __future__ import annotations

from pathlib import Path

import pytest
from pytest_django.fixtures import Settings

# Fixtures that reach the suite's database: a test using one is not the same on every
# database, whatever its marker says.
DATABASE_FIXTURES = frozenset(
    {"db", "transactional_db", "django_db_setup", "live_server", "client", "admin_client"}
)


# The pure domain core: no Django, no database (test_domain_is_pure proves it).
DOMAIN_TESTS = Path(__file__).parent / "domain"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every domain test is `same_on_every_database`. Refuse that mark on a test that
    uses the suite's database: CI's PostgreSQL pass would leave out a test it needs."""
    for item in items:
        if item.path.is_relative_to(DOMAIN_TESTS):
            item.add_marker(pytest.mark.same_on_every_database)
        if not item.get_closest_marker("same_on_every_database"):
            continue
        uses = DATABASE_FIXTURES & set(getattr(item, "fixturenames", ()))
        if uses or item.get_closest_marker("django_db"):
            raise pytest.UsageError(
                f"{item.nodeid} is marked same_on_every_database but uses the database "
                f"({', '.join(sorted(uses)) or 'django_db'})"
            )


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
