"""What we know about a lead: titles read as authority, traits read as values."""

from __future__ import annotations

from collections.abc import Callable
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from leadflow.domain.profile import Authority, LeadProfile, Trait, authority_from_title


@pytest.mark.parametrize(
    ("title", "authority"),
    [
        ("CEO", Authority.EXECUTIVE),
        ("C.E.O.", Authority.EXECUTIVE),
        ("Owner", Authority.EXECUTIVE),
        ("Co-Owner", Authority.EXECUTIVE),
        ("President & CEO", Authority.EXECUTIVE),
        ("Managing Partner", Authority.EXECUTIVE),
        ("Managing Director", Authority.EXECUTIVE),
        ("Executive Director", Authority.EXECUTIVE),
        ("CFO", Authority.EXECUTIVE),
        ("VP Operations", Authority.DIRECTOR),
        ("Director of IT", Authority.DIRECTOR),
        ("Head of Technology", Authority.DIRECTOR),
        ("IT Manager", Authority.MANAGER),
        ("Marketing Manager", Authority.MANAGER),
        ("Office Manager", Authority.MANAGER),
        ("Sr. Mgr., IT", Authority.MANAGER),
        ("Practice Administrator", Authority.MANAGER),
        ("Controller", Authority.MANAGER),
        ("Team Lead", Authority.MANAGER),
        ("Assistant Manager", Authority.MANAGER),
        ("Executive Assistant to the CEO", Authority.STAFF),
        ("Office Administrator", Authority.STAFF),
        ("Network Administrator", Authority.STAFF),
        ("Receptionist", Authority.STAFF),
        ("Systems Engineer", Authority.STAFF),
        ("Account Executive", Authority.STAFF),
        ("Bookkeeper", Authority.STAFF),
    ],
)
def test_title_maps_to_authority(title: str, authority: Authority) -> None:
    assert authority_from_title(title) is authority


@pytest.mark.parametrize(
    ("title", "authority"),
    [
        ("Vice President of Operations", Authority.DIRECTOR),  # not a president
        ("Senior Vice President, Sales", Authority.DIRECTOR),
        ("Principal Engineer", Authority.STAFF),  # not a firm's principal
        ("Channel Partner Manager", Authority.MANAGER),  # not a partner
        ("Product Owner", Authority.STAFF),  # not the business owner
        ("Lead Generation Specialist", Authority.STAFF),  # not a team lead
    ],
)
def test_rank_word_inside_another_title_is_not_that_rank(title: str, authority: Authority) -> None:
    assert authority_from_title(title) is authority


def test_vice_president_spelled_out_reads_like_vp() -> None:
    assert authority_from_title("Vice President Operations") is authority_from_title(
        "VP Operations"
    )


def test_assistant_to_an_executive_is_not_the_executive() -> None:
    assert authority_from_title("Assistant to the President") is Authority.STAFF
    assert authority_from_title("Personal Assistant to the Owner") is Authority.STAFF


@pytest.mark.parametrize("title", [None, "", "   "])
def test_no_title_means_authority_unknown(title: str | None) -> None:
    assert authority_from_title(title) is None


@given(st.text(min_size=1).filter(lambda t: t.strip()))
def test_any_title_reads_as_some_authority(title: str) -> None:
    assert isinstance(authority_from_title(title), Authority)


@given(
    st.sampled_from(["ceo", "it manager", "vp sales", "vice president", "office administrator"]),
    st.sampled_from([str.upper, str.title, str.lower]),
    st.sampled_from(["", "  ", "\t"]),
)
def test_title_reading_ignores_case_and_spacing(
    title: str, case: Callable[[str], str], pad: str
) -> None:
    spaced = pad + title.replace(" ", "  ") + pad

    assert authority_from_title(case(spaced)) is authority_from_title(title)


def test_authority_is_ordered_so_criteria_can_say_at_least() -> None:
    ladder = [
        Authority.NONE,
        Authority.STAFF,
        Authority.MANAGER,
        Authority.DIRECTOR,
        Authority.EXECUTIVE,
    ]

    assert all(lower < higher for lower, higher in pairwise(ladder))


def test_every_trait_is_a_fact_on_the_profile() -> None:
    empty = LeadProfile()

    for trait in Trait:
        assert empty.value_of(trait) is None, trait


def test_no_services_wanted_is_unknown_not_nothing() -> None:
    assert LeadProfile(services_wanted=frozenset()).value_of(Trait.SERVICES_WANTED) is None
    assert LeadProfile(services_wanted=frozenset({"backup"})).value_of(
        Trait.SERVICES_WANTED
    ) == frozenset({"backup"})
