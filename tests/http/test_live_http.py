"""Real HTTP against a running server: no test client, no mocks."""

from __future__ import annotations

import re

import httpx
from pytest_django.live_server_helper import LiveServer

from leadflow.crm.services.playbook import seed_defaults
from tests.http.pages import PASSWORD, make_user


def test_healthz_and_logging_in_through_the_real_login_form(
    live_server: LiveServer, transactional_db: None
) -> None:
    seed_defaults()
    make_user("setter", "Sue", "Setter")
    with httpx.Client(base_url=live_server.url, timeout=10) as http:
        health = http.get("/healthz")
        assert (health.status_code, health.text) == (200, "ok")

        # An anonymous visitor is sent to the login form.
        form = http.get("/", follow_redirects=True)
        assert form.url.path == "/login/"
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
        assert token is not None
        assert "csrftoken" in http.cookies

        dashboard = http.post(
            "/login/",
            data={
                "csrfmiddlewaretoken": token[1],
                "username": "setter",
                "password": PASSWORD,
                "next": "/",
            },
            follow_redirects=True,
        )
        assert dashboard.status_code == 200
        assert dashboard.url.path == "/"
        assert "<h1>Dashboard" in dashboard.text
        assert "Sue Setter" in dashboard.text

        # The stylesheet is served by the app itself: nothing is fetched from elsewhere.
        stylesheets = re.findall(r'<link rel="stylesheet" href="([^"]+)"', dashboard.text)
        assert stylesheets
        assert all(href.startswith("/static/") for href in stylesheets)
        css = http.get(stylesheets[0])
        assert css.status_code == 200
        assert css.headers["content-type"].startswith("text/css")
        assert "https://" not in dashboard.text
        assert "http://" not in dashboard.text
