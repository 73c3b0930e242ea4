"""Every page but login and /healthz needs a logged-in user; any logged-in user may read."""

from __future__ import annotations

import pytest
from django.test import Client

from leadflow.crm.services.people import create_person
from tests.http.pages import PASSWORD, Staff, World


@pytest.mark.parametrize("path", ["/", "/people/", "/people/1/", "/people/?q=rita"])
def test_pages_redirect_an_anonymous_visitor_to_the_login_page(
    client: Client, db: None, path: str
) -> None:
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=/")


def test_healthz_and_login_answer_without_a_login(client: Client, db: None) -> None:
    assert client.get("/healthz").content == b"ok"
    login = client.get("/login/")
    assert login.status_code == 200
    assert b'name="password"' in login.content


def test_a_plain_user_logs_in_and_reaches_the_dashboard(client: Client, staff: Staff) -> None:
    response = client.post("/login/", {"username": "viewer", "password": PASSWORD}, follow=True)
    assert response.redirect_chain == [("/", 302)]
    assert b"<h1>Dashboard" in response.content


def test_a_wrong_password_is_refused(client: Client, staff: Staff) -> None:
    response = client.post("/login/", {"username": "viewer", "password": "wrong"})
    assert response.status_code == 200
    assert client.get("/").status_code == 302


def test_logout_ends_the_session(signed_in: Client) -> None:
    assert signed_in.get("/").status_code == 200
    response = signed_in.post("/logout/")
    assert response.status_code == 302
    assert response["Location"] == "/login/"
    assert signed_in.get("/").status_code == 302


def test_admin_link_is_shown_to_staff_only(client: Client, staff: Staff) -> None:
    client.force_login(staff.viewer)
    assert b'href="/admin/"' not in client.get("/").content
    client.force_login(staff.boss)
    assert b'href="/admin/"' in client.get("/").content


def test_an_unknown_person_is_not_found(signed_in: Client) -> None:
    assert signed_in.get("/people/999999/").status_code == 404


def test_names_are_escaped_on_the_list_and_the_person_page(signed_in: Client, world: World) -> None:
    person = create_person(by=None, first_name="<b>Mallory</b>", last_name="<script>x</script>")
    # Search matches the start of a name (an index range), so the query starts as the name does.
    for path in ("/people/?q=%3Cb%3EMallory", f"/people/{person.pk}/"):
        page = signed_in.get(path).content.decode()
        assert "&lt;b&gt;Mallory&lt;/b&gt;" in page
        assert "<b>Mallory" not in page
        assert "<script>x" not in page
