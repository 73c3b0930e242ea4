"""The people list: search by name, email, phone or company; filter; paginate."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from pytest_django import DjangoAssertNumQueries

from leadflow.crm.models import Campaign, Source
from leadflow.crm.selectors import search
from leadflow.crm.selectors.search import prefix_bounds
from leadflow.crm.services.people import create_person, record_interest_activity
from leadflow.domain.temperature import ActivityKind, FollowUpWish
from leadflow.web.views import PEOPLE_PER_PAGE
from tests.http.pages import Staff, World, row_by_id, text_of


def names_found(client: Client, query: str) -> list[str]:
    page = client.get("/people/", {"q": query}).content.decode()
    return [text_of(a) for a in re.findall(r'<a href="/people/\d+/">(.*?)</a>', page)]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("rita@oldraw.example", ["Rita Raw"]),
        ("OLDRAW", ["Rita Raw"]),  # the start of the company's domain
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


@pytest.mark.parametrize(
    "query",
    [
        "(512) 555-0142",
        "512.555.0142",
        "+1 (512) 555 0142",
        "1-512-555-0142",
        "512 555",
        "+1512555014",
    ],
)
def test_search_finds_a_person_by_phone_in_any_format(
    signed_in: Client, world: World, query: str
) -> None:
    assert "Rita Raw" in names_found(signed_in, query)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("RITA@OLDRAW.EXAMPLE", ["Rita Raw"]),
        ("rita@", ["Rita Raw"]),
        ("rita@old", ["Rita Raw"]),
        ("@oldraw.example", ["Rita Raw"]),
        ("oldraw.example", ["Rita Raw"]),
        ("ri", ["Rita Raw"]),
        ("raw", ["Rita Raw"]),
        ("raw, rita", ["Rita Raw"]),
        ("RAW RITA", ["Rita Raw"]),
        ("r raw", ["Rita Raw"]),
        ("old raw", ["Rita Raw"]),
        ("ita", []),  # names match from their start, never from the middle
        ("0142", []),  # nor phones from their end: a suffix would scan every person
    ],
)
def test_search_matches_the_start_of_a_name_email_domain_or_company(
    signed_in: Client, world: World, query: str, expected: list[str]
) -> None:
    assert names_found(signed_in, query) == expected


def test_last_name_matches_come_before_first_name_matches(signed_in: Client, staff: Staff) -> None:
    create_person(by=None, first_name="Zed", last_name="Parker")
    create_person(by=None, first_name="Parker", last_name="Adams")
    create_person(by=None, first_name="Amy", last_name="parkes")
    assert names_found(signed_in, "park") == ["Zed Parker", "Amy parkes", "Parker Adams"]


def test_search_lists_matching_companies_with_their_people_count(
    signed_in: Client, world: World
) -> None:
    create_person(by=None, first_name="Otto", last_name="Other", company_name="Old Raw Holdings")
    page = signed_in.get("/people/", {"q": "old raw"}).content.decode()
    company = world.raw_old.company
    assert company is not None
    row = row_by_id(page, f"company-{company.pk}")
    assert row == "Old Raw Holdings oldraw.example 2"
    listed = signed_in.get("/people/", {"company": company.pk})
    assert sorted(str(p) for p in listed.context["page"]) == ["Otto Other", "Rita Raw"]
    assert "Company: Old Raw Holdings" in text_of(listed.content.decode())


def test_filters_by_campaign_and_source(signed_in: Client, world: World) -> None:
    webinar = Source.objects.create(name="webinar")
    campaign = Campaign.objects.create(name="Ransomware webinar", source=webinar)
    listed = create_person(by=None, first_name="Lisa", last_name="Listed", campaign=campaign)
    record_interest_activity(
        person=world.raw_new, kind=ActivityKind.EVENT_ATTENDED, wish=FollowUpWish.ASKED,
        by=None, campaign=campaign,
    )  # fmt: skip
    sourced = create_person(by=None, first_name="Sam", last_name="Sourced", source=webinar)
    by_campaign = signed_in.get("/people/", {"campaign": campaign.pk}).context["page"]
    assert sorted(str(p) for p in by_campaign) == [str(listed), "Ray Fresh"]
    by_source = signed_in.get("/people/", {"source": webinar.pk}).context["page"]
    assert [str(p) for p in by_source] == [str(sourced)]
    bad = signed_in.get("/people/", {"campaign": "999999", "source": "x", "company": "-4"})
    assert bad.status_code == 200
    assert "Select a valid choice" in bad.content.decode()


def test_a_search_matching_very_many_people_is_capped_not_counted(
    signed_in: Client, staff: Staff, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search, "SEARCH_CAP", 60)
    for n in range(70):
        create_person(by=None, first_name=f"Kim{n:02d}", last_name="Smith")
    response = signed_in.get("/people/", {"q": "smith", "page": "2"})
    assert response.context["page"].paginator.count == 60
    assert len(response.context["page"]) == 10
    assert "More than 60 people match" in response.content.decode()


def test_the_people_list_reads_a_page_in_a_fixed_number_of_queries(
    signed_in: Client,
    world: World,
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    for n in range(40):
        create_person(
            by=None, first_name="Many", last_name=f"Raw{n:02d}", company_name=f"Raw Co {n}"
        )
    with django_assert_max_num_queries(16):
        searched = signed_in.get("/people/", {"q": "raw"})
    assert searched.context["page"].paginator.count == 41
    with django_assert_max_num_queries(12):
        filtered = signed_in.get("/people/", {"type": "prospect"})
    assert filtered.context["page"].paginator.count == 41


@pytest.mark.parametrize(
    ("start", "binary", "bounds"),
    [
        ("raw", False, ("raw", "rax")),
        ("raz", False, ("raz", "rb")),
        ("o'", False, ("o", "p")),
        ("zz", False, None),
        ("zz", True, ("zz", "z{")),
        ("é", True, ("é", "ê")),
        ("+1512", True, ("+1512", "+1513")),
        # The last code point cannot be stepped, the one before it can; stepping past
        # U+D7FF skips the surrogates, which SQLite cannot store.
        ("a\U0010ffff", True, ("a\U0010ffff", "b")),
        ("\U0010ffff", True, None),
        ("a\ud7ff", True, ("a\ud7ff", "a\ue000")),
    ],
)
def test_a_prefix_is_a_range_that_holds_every_match(
    start: str, binary: bool, bounds: tuple[str, str] | None
) -> None:
    assert prefix_bounds(start, binary=binary) == bounds
    if bounds is not None:
        low, high = bounds
        for word in (start, start + "a", start + "zzz", start + "~", start + "\U0010ffff"):
            assert low <= word < high


@pytest.mark.parametrize(
    "query", ["@", "+", "%", "_", "'", "é", "zz", "x" * 200, "a b c d e f g", "Ω@", "++1", "@@"]
)
def test_odd_searches_answer_instead_of_failing(
    signed_in: Client, world: World, query: str
) -> None:
    assert signed_in.get("/people/", {"q": query}).status_code == 200
