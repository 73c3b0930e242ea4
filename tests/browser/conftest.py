"""Browser tests: Debian's Chromium, driven by Playwright, against a live server.

The server is pytest-django's ``live_server`` (Django's threaded WSGI server in this
process) over ``transactional_db``, not a ``leadflow serve`` subprocess: each test builds
its small world through the real services in the same test database the pages read, on
SQLite and on PostgreSQL alike (CI runs the suite on both), and a flush between tests
costs milliseconds where a fresh data dir would cost a migration. ``leadflow serve``
itself is exercised by tests/e2e and by bench/pages_bench.py.

Chromium is never downloaded (no ``playwright install``): the executable is
``$LEADFLOW_CHROMIUM`` or ``/usr/bin/chromium``; without it the tests skip and say how to
install it.
"""

from __future__ import annotations

import os
from collections.abc import Generator, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright
from pytest_django.live_server_helper import LiveServer

from leadflow.crm.roles import ensure_role_groups
from leadflow.crm.services.playbook import seed_defaults
from leadflow.domain.people import Role
from tests.browser.worlds import Team, make_member

CHROMIUM = "/usr/bin/chromium"
INSTALL_HINT = (
    "install Debian's Chromium with `apt-get update && apt-get install -y chromium` "
    "(or set LEADFLOW_CHROMIUM to a Chromium binary); never `playwright install`"
)
# Generous for a loaded 2-core CI machine; a page that is merely slow still passes,
# a selector that never matches fails within this.
TIMEOUT_MS = 10_000

_PAGE = pytest.StashKey[Page]()
_SHOT_DIR = pytest.StashKey[Path]()


def chromium_executable() -> str:
    return os.environ.get("LEADFLOW_CHROMIUM") or CHROMIUM


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the whole browser suite.

    Package-scoped rather than session-scoped on purpose: while Playwright's sync API is
    started it keeps an asyncio loop running on this thread, and Django then refuses ORM
    calls from it (SynchronousOnlyOperation). The tests are synchronous and the loop is
    Playwright's, so that guard is lifted for exactly as long as the browser lives, and
    neither the loop nor the lifted guard outlives the last browser test.
    """
    executable = chromium_executable()
    if not os.access(executable, os.X_OK):
        # CI installs Chromium and sets this, so there a missing browser fails the run.
        if os.environ.get("LEADFLOW_REQUIRE_BROWSER"):
            pytest.fail(f"no Chromium at {executable}: {INSTALL_HINT}")
        pytest.skip(f"no Chromium at {executable}: {INSTALL_HINT}")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=executable, args=["--no-sandbox"], headless=True
            )
            yield chromium
            chromium.close()


@pytest.fixture
def team(transactional_db: None) -> Team:
    """One login per role (username = role), with the default playbook.

    A flush between transactional tests also empties what migrations stored (the role
    groups, the playbook), so both are put back here."""
    ensure_role_groups()
    seed_defaults()
    return Team(
        owner=make_member("owner", Role.OWNER, "Olive", "Owner"),
        marketing=make_member("marketing", Role.MARKETING, "Mia", "Marketing"),
        setter=make_member("setter", Role.SETTER, "Sam", "Setter"),
        rep=make_member("rep", Role.REP, "Ray", "Rep"),
        admin=make_member("admin", Role.ADMIN, "Ada", "Admin"),
    )


@pytest.fixture
def page(
    browser: Browser, live_server: LiveServer, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Page]:
    """A fresh browser context per test (its own cookies), pointed at the live server."""
    context: BrowserContext = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(TIMEOUT_MS)
    expect.set_options(timeout=TIMEOUT_MS)
    tab = context.new_page()
    request.node.stash[_PAGE] = tab
    request.node.stash[_SHOT_DIR] = tmp_path
    yield tab
    context.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """On a failed test, a full-page screenshot of where the browser was, saved in the
    test's tmp dir (under pytest's basetemp) and named in the failure report."""
    report: pytest.TestReport = yield
    tab = item.stash.get(_PAGE, None)
    if report.when == "call" and report.failed and tab is not None and not tab.is_closed():
        path = item.stash[_SHOT_DIR] / "failure.png"
        try:
            tab.screenshot(path=path, full_page=True)
            report.sections.append(("browser", f"screenshot at {tab.url}: {path}"))
        except Exception as error:  # a crashed page must not hide the test's own failure
            report.sections.append(("browser", f"no screenshot: {error}"))
    return report
