"""What every browser flow does: log in and out through the real forms, follow the nav."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.worlds import PASSWORD


def log_in(page: Page, username: str, password: str = PASSWORD) -> None:
    """Through the real login form, as a person would; lands on the dashboard."""
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/$"))


def log_out(page: Page) -> None:
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()


def nav(page: Page, name: str) -> None:
    """Follow a navigation link and wait for the page it opens to have loaded, so that an
    assertion that something is absent is made on that page, not the one before."""
    link = page.get_by_role("navigation").get_by_role("link", name=name, exact=True)
    href = link.get_attribute("href")
    link.click()
    page.wait_for_url(f"**{href}")
