"""The people list: search by name, email, phone or company; filter; paginate."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from leadflow.crm.services.people import create_person
from leadflow.web.views import PEOPLE_PER_PAGE
from tests.http.pages import Staff, World, text_of


def names_found(client: Client, query: str) -> list[str]:
    page = client.get("/people/", {"q": query}).content.decode()
    return [text_of(a) for a in re.findall(r'<a href="/people/\d+/">(.*?)</a>', page)]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("rita@oldraw.example", ["Rita Raw"]),
        ("OLDRAW", ["Rita Raw"]),
        ("(512) 555-0142", ["Rita Raw"]),
        ("+1 512 555 0142", ["Rita Raw"]),
        ("5125550142", ["Rita Raw"]),
        ("Old Raw Holdings", ["Rita Raw"]),
        ("rita raw", ["Rita Raw"]),
        ("Sweeter Accounting", ["Sue Sweeter"]),
    ],
)
def test_search_finds_a_person_by_email_phone_company_or_name(
    signed_in: Client, world: World, query: str, expected: list[str]
) -> None:
    assert names_found(signed_in, query) == expected


def test_search_that_matches_nobody_says_so(signed_in: Client, world: World) -> None:
    page = signed_in.get("/people/", {"q": "no-such-person@nowhere.example"}).content.decode()
    assert "Nobody matches." in page


def test_filters_by_type_status_and_temperature_combine(signed_in: Client, world: World) -> None:
    response = signed_in.get("/people/", {"type": "lead", "status": "raw", "temperature": "3"})
    assert [str(p) for p in response.context["page"]] == ["Rita Raw"]


def test_an_unknown_filter_value_is_reported_and_ignored(signed_in: Client, world: World) -> None:
    response = signed_in.get("/people/", {"temperature": "9", "type": "lead"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert response.context["page"].paginator.count == 6


def test_the_list_is_paginated_and_keeps_its_filters(signed_in: Client, staff: Staff) -> None:
    for n in range(PEOPLE_PER_PAGE + 3):
        create_person(by=None, first_name="Farm", last_name=f"Name{n:03d}")
    first = signed_in.get("/people/", {"type": "prospect"})
    assert len(first.context["page"]) == PEOPLE_PER_PAGE
    assert 'href="?type=prospect&amp;page=2"' in first.content.decode()
    second = signed_in.get("/people/", {"type": "prospect", "page": "2"})
    assert len(second.context["page"]) == 3
