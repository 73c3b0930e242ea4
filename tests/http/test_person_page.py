"""The person page shows every decision with its reason: who, when, why."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from django.test import Client
from django.utils.html import escape

from leadflow.crm.services.avoid import add_to_avoid
from leadflow.crm.services.people import create_person, record_interest_activity
from leadflow.domain.channels import Channel
from leadflow.domain.profile import Need
from leadflow.domain.temperature import ActivityKind, FollowUpWish
from tests.http.pages import Staff, World, text_of


def channel_rows(page: str) -> dict[str, str]:
    rows = re.findall(r'data-channel="([^"]+)">(.*?)</tr>', page, re.DOTALL)
    return {channel: text_of(cells) for channel, cells in rows}


def section(page: str, section_id: str) -> str:
    found = re.search(rf'<section class="card" id="{section_id}">(.*?)</section>', page, re.S)
    assert found is not None, section_id
    return found[1]


def test_person_page_shows_the_classification_and_its_explanation(
    signed_in: Client, world: World
) -> None:
    person = world.sweet_at_set
    page = signed_in.get(f"/people/{person.pk}/").content.decode()
    qualification = section(page, "qualification")
    assert "sweet spot" in person.qualification_explanation
    assert escape(person.qualification_explanation) in qualification
    assert "sweet spot: Growing professional firm" in text_of(qualification)
    # Each rule and each avatar criterion, with whether it passed.
    assert "geography one of US-LA, US-OK, US-TX passed is US-TX" in text_of(qualification)
    assert "Growing professional firm — fits" in text_of(qualification)
    assert "Multi-site manufacturer — does not fit" in text_of(qualification)
    assert "niche one of distribution, manufacturing failed is legal" in text_of(qualification)


def test_person_page_lists_an_open_proposed_disqualification(
    signed_in: Client, staff: Staff
) -> None:
    curious = create_person(
        by=None,
        first_name="Cu",
        last_name="Rious",
        title="CEO",
        company_name="Curious Law",
        niche="legal",
        employee_count=20,
        geography="US-TX",
        need=Need.CURIOUS,
        services_wanted=["backup"],
    )
    record_interest_activity(
        person=curious, kind=ActivityKind.DOWNLOAD, wish=FollowUpWish.ASKED, by=staff.viewer
    )
    page = signed_in.get(f"/people/{curious.pk}/").content.decode()
    proposals = re.search(r'<ul id="proposals">(.*?)</ul>', page, re.S)
    assert proposals is not None
    assert "No need now: need one of need_now: failed (is curious)" in text_of(proposals[1])
    assert "Raw" in text_of(section(page, "qualification"))


def test_an_avoid_persons_channels_all_say_on_the_avoid_list_since_date_and_reason(
    signed_in: Client, staff: Staff
) -> None:
    person = create_person(
        by=None, first_name="Ava", last_name="Void", email="ava@void.example", phone="5125550199"
    )
    record_interest_activity(
        person=person, kind=ActivityKind.INBOUND_CALL, wish=FollowUpWish.ASKED, by=None
    )
    add_to_avoid(
        person=person,
        by=staff.boss,
        reason="told us to stop",
        at=datetime(2025, 3, 14, 15, 30, tzinfo=UTC),
    )
    page = signed_in.get(f"/people/{person.pk}/").content.decode()
    rows = channel_rows(page)
    assert set(rows) == {c.value for c in Channel}
    for channel, text in rows.items():
        assert text.endswith("no: on the Avoid list since 2025-03-14 (told us to stop)"), channel
    assert "On the Avoid list since 2025-03-14, put there by Bea Boss" in text_of(page)


def test_channels_of_a_booked_sweet_spot_lead_say_why_not_per_channel(
    signed_in: Client, world: World
) -> None:
    rows = channel_rows(signed_in.get(f"/people/{world.sweet_at_set.pk}/").content.decode())
    assert rows["email-drip"] == "Email drip allowed"
    assert rows["shock-and-awe"] == "Shock and awe allowed"
    assert rows["telemarketing"] == (
        "Telemarketing no: in an open opportunity: the sales rep runs it"
    )
    assert rows["client-upsell"] == "Client upsell no: client campaigns are for clients only"


def test_opportunity_history_shows_each_stage_change_with_who_and_why(
    signed_in: Client, world: World
) -> None:
    page = signed_in.get(f"/people/{world.sweet_proposing.pk}/").content.decode()
    history = text_of(section(page, "opportunities"))
    assert "Appointment sat → Proposing / negotiating Rex Rep fit" in history
    assert "Appointment set → Appointment sat Rex Rep" in history
    assert "Appointment set Ann Setter first-time appointment booked" in history
    # Newest first.
    assert history.index("Proposing / negotiating Rex Rep") < history.index("first-time")


def test_timeline_lists_activity_type_change_judgment_and_avoid_entry_newest_first(
    signed_in: Client, world: World
) -> None:
    page = signed_in.get(f"/people/{world.avoided.pk}/").content.decode()
    rows = [
        text_of(row)
        for row in re.findall(
            r'<tr class="timeline-\w+">(.*?)</tr>', section(page, "timeline"), re.S
        )
    ]
    kinds = re.findall(r'<tr class="timeline-(\w+)">', page)
    assert kinds == ["avoid", "type", "qualification", "type", "activity"]
    assert "Put on the Avoid list Bea Boss asked us to stop calling" in rows[0]
    assert "Type lead → avoid Bea Boss asked us to stop calling" in rows[1]
    assert "Type prospect → lead system first interest activity" in rows[3]
    assert "Web form" in rows[4]


def test_person_page_shows_contact_company_temperature_and_tasks(
    signed_in: Client, world: World
) -> None:
    page = signed_in.get(f"/people/{world.raw_old.pk}/").content.decode()
    assert "rita@oldraw.example" in text_of(section(page, "contact"))
    assert "Old Raw Holdings" in text_of(section(page, "company"))
    temperature = text_of(section(page, "temperature"))
    assert temperature.startswith("Temperature Warm")
    assert world.raw_old.temperature_explanation in temperature
    tasks = text_of(section(page, "tasks"))
    assert "Personal follow-up" in tasks
    assert "Gather missing information" in tasks
