"""Who may get what (PRODUCT.md §5): one test per row of the table and per override.

The channel groups below are written out from the rulebook on purpose, not taken from
channels.py, so that a wrong constant in the module fails a test instead of agreeing
with itself.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from leadflow.domain.channels import (
    MEDIUM,
    Channel,
    ChannelSubject,
    Exclusion,
    Medium,
    eligibility,
    eligible_channels,
)
from leadflow.domain.people import PersonType
from leadflow.domain.qualification import QualificationStatus

C = Channel
EMAIL_CHANNELS = frozenset({C.EMAIL_DRIP, C.GENERAL_EMAIL, C.CLIENT_UPSELL, C.CLIENT_REFERRAL})
MAIL_CHANNELS = frozenset({C.DIRECT_MAIL, C.PROSPECTING, C.SHOCK_AND_AWE})
PHONE_CHANNELS = frozenset({C.TELEMARKETING})
PROSPECTING_CHANNELS = frozenset(
    {C.EMAIL_DRIP, C.GENERAL_EMAIL, C.DIRECT_MAIL, C.TELEMARKETING, C.PROSPECTING}
)
CLIENT_CHANNELS = frozenset({C.CLIENT_UPSELL, C.CLIENT_REFERRAL})
DRIP_AND_GENERAL = frozenset({C.EMAIL_DRIP, C.GENERAL_EMAIL})

PROSPECT = ChannelSubject(PersonType.PROSPECT)
SWEET_SPOT_LEAD = ChannelSubject(
    PersonType.LEAD, qualification=QualificationStatus.QUALIFIED, sweet_spot=True
)
CLIENT = ChannelSubject(PersonType.CLIENT)


def allowed(subject: ChannelSubject) -> set[Channel]:
    return {c for c, e in eligible_channels(subject).items() if e.allowed}


def codes(subject: ChannelSubject, channel: Channel) -> list[Exclusion]:
    return [r.code for r in eligibility(subject, channel).reasons]


def test_each_channel_has_the_medium_its_overrides_depend_on() -> None:
    for channel in Channel:
        expected = (
            Medium.EMAIL
            if channel in EMAIL_CHANNELS
            else Medium.MAIL
            if channel in MAIL_CHANNELS
            else Medium.PHONE
        )
        assert channel in EMAIL_CHANNELS | MAIL_CHANNELS | PHONE_CHANNELS
        assert MEDIUM[channel] is expected, channel


# --- the table ------------------------------------------------------------------------


def test_avoid_gets_nothing_ever() -> None:
    subject = ChannelSubject(
        PersonType.AVOID,
        qualification=QualificationStatus.QUALIFIED,
        sweet_spot=True,
        avoid_since=date(2024, 6, 3),
        avoid_reason="asked us to stop",
    )
    assert allowed(subject) == set()
    for channel in Channel:
        result = eligibility(subject, channel)
        assert [r.code for r in result.reasons] == [Exclusion.AVOID]
        assert result.explain() == "on the Avoid list since 2024-06-03 (asked us to stop)"


def test_avoid_reason_reads_well_without_date_or_why() -> None:
    result = eligibility(ChannelSubject(PersonType.AVOID), Channel.GENERAL_EMAIL)
    assert result.explain() == "on the Avoid list"


def test_prospect_gets_prospecting_campaigns() -> None:
    # A farm list is mailed and called to create interest; nurture drips and the
    # shock-and-awe package are for people who took an action.
    assert allowed(PROSPECT) == {C.PROSPECTING, C.DIRECT_MAIL, C.TELEMARKETING, C.GENERAL_EMAIL}
    for channel in (C.EMAIL_DRIP, C.SHOCK_AND_AWE):
        assert codes(PROSPECT, channel) == [Exclusion.PROSPECT_NOT_A_LEAD]
        assert "prospecting campaigns only" in eligibility(PROSPECT, channel).explain()


@pytest.mark.parametrize(
    ("qualification", "sweet_spot"),
    [
        (None, False),
        (QualificationStatus.RAW, False),
        (QualificationStatus.UNQUALIFIED, False),
        (QualificationStatus.QUALIFIED, False),
        # The tag counts only on a qualified lead.
        (QualificationStatus.RAW, True),
        (QualificationStatus.UNQUALIFIED, True),
    ],
)
def test_raw_unqualified_and_not_sweet_spot_leads_get_email_drip_and_general_email_only(
    qualification: QualificationStatus | None, sweet_spot: bool
) -> None:
    lead = ChannelSubject(PersonType.LEAD, qualification=qualification, sweet_spot=sweet_spot)

    assert allowed(lead) == DRIP_AND_GENERAL
    for channel in (C.DIRECT_MAIL, C.TELEMARKETING, C.PROSPECTING):
        assert codes(lead, channel) == [Exclusion.NOT_SWEET_SPOT]
        assert "not a sweet-spot lead" in eligibility(lead, channel).explain()


def test_sweet_spot_lead_gets_every_prospecting_channel() -> None:
    assert allowed(SWEET_SPOT_LEAD) == PROSPECTING_CHANNELS


def test_lead_in_open_opportunity_gets_no_telemarketing_direct_mail_or_prospecting() -> None:
    in_deal = replace(SWEET_SPOT_LEAD, has_open_opportunity=True)

    for channel in (C.TELEMARKETING, C.DIRECT_MAIL, C.PROSPECTING):
        assert codes(in_deal, channel) == [Exclusion.OPEN_OPPORTUNITY]
        assert "sales rep" in eligibility(in_deal, channel).explain()
    assert allowed(in_deal) == {C.EMAIL_DRIP, C.GENERAL_EMAIL, C.SHOCK_AND_AWE}


def test_shock_and_awe_goes_only_to_a_lead_with_a_booked_appointment() -> None:
    assert codes(SWEET_SPOT_LEAD, C.SHOCK_AND_AWE) == [Exclusion.NO_OPEN_OPPORTUNITY]
    booked = replace(SWEET_SPOT_LEAD, has_open_opportunity=True)
    assert eligibility(booked, C.SHOCK_AND_AWE).allowed


def test_client_gets_client_campaigns_only() -> None:
    assert allowed(CLIENT) == CLIENT_CHANNELS
    for channel in set(Channel) - CLIENT_CHANNELS:
        assert codes(CLIENT, channel) == [Exclusion.CLIENT_ONLY_CLIENT_CAMPAIGNS]


@pytest.mark.parametrize("person_type", [PersonType.PROSPECT, PersonType.LEAD])
def test_client_campaigns_are_for_clients_only(person_type: PersonType) -> None:
    subject = ChannelSubject(
        person_type,
        qualification=QualificationStatus.QUALIFIED,
        sweet_spot=True,
        has_open_opportunity=True,
    )
    for channel in CLIENT_CHANNELS:
        assert codes(subject, channel) == [Exclusion.NOT_A_CLIENT]


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        ({"client_refunded": True}, [Exclusion.CLIENT_REFUNDED]),
        ({"client_late_pay": True}, [Exclusion.CLIENT_LATE_PAY]),
        (
            {"client_refunded": True, "client_late_pay": True},
            [Exclusion.CLIENT_REFUNDED, Exclusion.CLIENT_LATE_PAY],
        ),
    ],
)
def test_client_refunded_or_paying_late_is_suppressed(
    flags: dict[str, bool], expected: list[Exclusion]
) -> None:
    client = replace(CLIENT, **flags)

    assert allowed(client) == set()
    for channel in CLIENT_CHANNELS:
        assert codes(client, channel) == expected
    texts = eligibility(client, C.CLIENT_UPSELL).explain()
    assert ("refunded" in texts) is flags.get("client_refunded", False)
    assert ("late" in texts) is flags.get("client_late_pay", False)


# --- the overrides --------------------------------------------------------------------


@pytest.mark.parametrize(
    "subject", [SWEET_SPOT_LEAD, CLIENT, PROSPECT], ids=["sweet-spot-lead", "client", "prospect"]
)
def test_email_opt_out_blocks_all_email_channels(subject: ChannelSubject) -> None:
    opted_out = replace(subject, email_opt_out=True)

    assert allowed(opted_out) == allowed(subject) - EMAIL_CHANNELS
    for channel in allowed(subject) & EMAIL_CHANNELS:
        assert codes(opted_out, channel) == [Exclusion.EMAIL_OPT_OUT]
        assert eligibility(opted_out, channel).explain() == "opted out of email"


def test_a_missing_email_address_blocks_email_channels() -> None:
    for subject in (SWEET_SPOT_LEAD, CLIENT):
        no_email = replace(subject, has_email=False)
        assert allowed(no_email) == allowed(subject) - EMAIL_CHANNELS
        for channel in allowed(subject) & EMAIL_CHANNELS:
            assert codes(no_email, channel) == [Exclusion.NO_EMAIL]


@pytest.mark.parametrize(
    "subject", [SWEET_SPOT_LEAD, PROSPECT], ids=["sweet-spot-lead", "prospect"]
)
def test_do_not_call_blocks_telemarketing(subject: ChannelSubject) -> None:
    dnc = replace(subject, do_not_call=True)

    assert allowed(dnc) == allowed(subject) - {C.TELEMARKETING}
    assert codes(dnc, C.TELEMARKETING) == [Exclusion.DO_NOT_CALL]
    assert eligibility(dnc, C.TELEMARKETING).explain() == "on do-not-call"


def test_a_missing_phone_number_blocks_telemarketing() -> None:
    no_phone = replace(SWEET_SPOT_LEAD, has_phone=False)
    assert allowed(no_phone) == PROSPECTING_CHANNELS - {C.TELEMARKETING}
    assert codes(no_phone, C.TELEMARKETING) == [Exclusion.NO_PHONE]


@pytest.mark.parametrize(
    "subject",
    [SWEET_SPOT_LEAD, replace(SWEET_SPOT_LEAD, has_open_opportunity=True), PROSPECT],
    ids=["sweet-spot-lead", "booked-lead", "prospect"],
)
def test_missing_postal_address_blocks_direct_mail_prospecting_and_shock_and_awe(
    subject: ChannelSubject,
) -> None:
    no_address = replace(subject, has_postal_address=False)
    mailed = allowed(subject) & MAIL_CHANNELS
    assert mailed  # each subject here gets at least one mailed channel

    assert allowed(no_address) == allowed(subject) - MAIL_CHANNELS
    for channel in mailed:
        assert codes(no_address, channel) == [Exclusion.NO_POSTAL_ADDRESS]
        assert eligibility(no_address, channel).explain() == "no postal address"


def test_every_reason_is_given_not_only_the_first() -> None:
    lead = ChannelSubject(
        PersonType.LEAD,
        qualification=QualificationStatus.RAW,
        has_open_opportunity=True,
        do_not_call=True,
    )
    assert codes(lead, C.TELEMARKETING) == [
        Exclusion.OPEN_OPPORTUNITY,
        Exclusion.NOT_SWEET_SPOT,
        Exclusion.DO_NOT_CALL,
    ]
    prospect = replace(PROSPECT, email_opt_out=True)
    assert codes(prospect, C.EMAIL_DRIP) == [Exclusion.PROSPECT_NOT_A_LEAD, Exclusion.EMAIL_OPT_OUT]
    client = replace(CLIENT, client_refunded=True, has_postal_address=False)
    assert codes(client, C.DIRECT_MAIL) == [
        Exclusion.CLIENT_ONLY_CLIENT_CAMPAIGNS,
        Exclusion.CLIENT_REFUNDED,
        Exclusion.NO_POSTAL_ADDRESS,
    ]
    explained = eligibility(client, C.DIRECT_MAIL).explain()
    assert (
        explained == "a client gets client campaigns only; client was refunded; no postal address"
    )


def test_eligibility_answers_for_every_channel() -> None:
    answers = eligible_channels(SWEET_SPOT_LEAD)
    assert set(answers) == set(Channel)
    assert all(answer.channel is channel for channel, answer in answers.items())
    assert answers[C.GENERAL_EMAIL].explain() == "allowed"


# --- properties -----------------------------------------------------------------------


ANY_TYPE = st.sampled_from(PersonType)


def subjects(
    person_type: st.SearchStrategy[PersonType] = ANY_TYPE,
) -> st.SearchStrategy[ChannelSubject]:
    """Any subject at all: every flag random, however unlikely the combination."""
    return st.builds(
        ChannelSubject,
        person_type=person_type,
        qualification=st.none() | st.sampled_from(QualificationStatus),
        sweet_spot=st.booleans(),
        has_open_opportunity=st.booleans(),
        email_opt_out=st.booleans(),
        do_not_call=st.booleans(),
        has_email=st.booleans(),
        has_phone=st.booleans(),
        has_postal_address=st.booleans(),
        client_refunded=st.booleans(),
        client_late_pay=st.booleans(),
        avoid_since=st.none() | st.dates(),
        avoid_reason=st.text(max_size=30),
    )


channels = st.sampled_from(Channel)
NOT_AVOID = st.sampled_from([PersonType.PROSPECT, PersonType.LEAD, PersonType.CLIENT])


@given(subject=subjects(st.just(PersonType.AVOID)), channel=channels)
def test_an_avoid_person_is_never_eligible_on_any_channel(
    subject: ChannelSubject, channel: Channel
) -> None:
    result = eligibility(subject, channel)
    assert not result.allowed
    assert [r.code for r in result.reasons] == [Exclusion.AVOID]


@given(
    subject=subjects(st.just(PersonType.CLIENT)),
    channel=st.sampled_from(sorted(PROSPECTING_CHANNELS)),
)
def test_a_client_is_never_on_a_prospecting_channel(
    subject: ChannelSubject, channel: Channel
) -> None:
    assert Exclusion.CLIENT_ONLY_CLIENT_CAMPAIGNS in codes(subject, channel)


@given(subject=subjects(), channel=st.sampled_from(sorted(EMAIL_CHANNELS)))
def test_an_opted_out_email_is_never_on_an_email_channel(
    subject: ChannelSubject, channel: Channel
) -> None:
    opted_out = replace(subject, email_opt_out=True)
    assert not eligibility(opted_out, channel).allowed
    if opted_out.person_type is not PersonType.AVOID:
        assert Exclusion.EMAIL_OPT_OUT in codes(opted_out, channel)


@given(subject=subjects())
def test_do_not_call_is_never_on_telemarketing(subject: ChannelSubject) -> None:
    dnc = replace(subject, do_not_call=True)
    assert not eligibility(dnc, C.TELEMARKETING).allowed
    if dnc.person_type is not PersonType.AVOID:
        assert Exclusion.DO_NOT_CALL in codes(dnc, C.TELEMARKETING)


@given(subject=subjects(), channel=st.sampled_from(sorted(MAIL_CHANNELS)))
def test_no_postal_address_is_never_on_a_mail_channel(
    subject: ChannelSubject, channel: Channel
) -> None:
    no_address = replace(subject, has_postal_address=False)
    assert not eligibility(no_address, channel).allowed
    if no_address.person_type is not PersonType.AVOID:
        assert Exclusion.NO_POSTAL_ADDRESS in codes(no_address, channel)


@given(
    subject=subjects(st.just(PersonType.LEAD)),
    channel=st.sampled_from([C.DIRECT_MAIL, C.TELEMARKETING]),
)
def test_a_non_sweet_spot_lead_is_never_on_direct_mail_or_telemarketing(
    subject: ChannelSubject, channel: Channel
) -> None:
    sweet = subject.sweet_spot and subject.qualification is QualificationStatus.QUALIFIED
    if not sweet:
        assert Exclusion.NOT_SWEET_SPOT in codes(subject, channel)
    elif not subject.has_open_opportunity:
        # The other side of the rule: a sweet-spot lead is held back only by an override.
        assert set(codes(subject, channel)) <= {
            Exclusion.DO_NOT_CALL,
            Exclusion.NO_PHONE,
            Exclusion.NO_POSTAL_ADDRESS,
        }


@given(subject=subjects(st.just(PersonType.LEAD)))
def test_a_lead_in_an_open_opportunity_is_never_on_telemarketing(subject: ChannelSubject) -> None:
    in_deal = replace(subject, has_open_opportunity=True)
    assert Exclusion.OPEN_OPPORTUNITY in codes(in_deal, C.TELEMARKETING)


@given(subject=subjects(NOT_AVOID), channel=channels)
def test_overrides_only_ever_take_channels_away(subject: ChannelSubject, channel: Channel) -> None:
    clean = replace(
        subject,
        email_opt_out=False,
        do_not_call=False,
        has_email=True,
        has_phone=True,
        has_postal_address=True,
        client_refunded=False,
        client_late_pay=False,
    )
    if eligibility(subject, channel).allowed:
        assert eligibility(clean, channel).allowed
