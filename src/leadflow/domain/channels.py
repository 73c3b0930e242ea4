"""Who may get what (PRODUCT.md §5): the one eligibility function every path calls.

`eligibility(subject, channel)` answers allowed-or-not with *every* reason a person is
left out, so an export can say why. The type table comes first, then the overrides
(email opt-out, do-not-call, missing address, client refunded or paying late, an open
opportunity). An Avoid person is never eligible for anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from leadflow.domain.people import PersonType
from leadflow.domain.qualification import QualificationStatus


class Channel(StrEnum):
    EMAIL_DRIP = "email-drip"
    GENERAL_EMAIL = "general-email"
    DIRECT_MAIL = "direct-mail"
    TELEMARKETING = "telemarketing"
    SHOCK_AND_AWE = "shock-and-awe"
    CLIENT_UPSELL = "client-upsell"
    CLIENT_REFERRAL = "client-referral"
    PROSPECTING = "prospecting"  # farm-list campaigns meant to create interest


class Medium(StrEnum):
    EMAIL = "email"
    MAIL = "mail"
    PHONE = "phone"


MEDIUM: dict[Channel, Medium] = {
    Channel.EMAIL_DRIP: Medium.EMAIL,
    Channel.GENERAL_EMAIL: Medium.EMAIL,
    Channel.DIRECT_MAIL: Medium.MAIL,
    Channel.TELEMARKETING: Medium.PHONE,
    Channel.SHOCK_AND_AWE: Medium.MAIL,
    Channel.CLIENT_UPSELL: Medium.EMAIL,
    Channel.CLIENT_REFERRAL: Medium.EMAIL,
    Channel.PROSPECTING: Medium.MAIL,
}

PROSPECTING_CHANNELS = frozenset(
    {
        Channel.EMAIL_DRIP,
        Channel.GENERAL_EMAIL,
        Channel.DIRECT_MAIL,
        Channel.TELEMARKETING,
        Channel.PROSPECTING,
    }
)
# Money is spent to get an appointment: only sweet-spot leads and farm-list prospects.
PAID_PROSPECTING_CHANNELS = frozenset(
    {Channel.DIRECT_MAIL, Channel.TELEMARKETING, Channel.PROSPECTING}
)
CLIENT_CHANNELS = frozenset({Channel.CLIENT_UPSELL, Channel.CLIENT_REFERRAL})
EMAIL_ONLY_CHANNELS = frozenset({Channel.EMAIL_DRIP, Channel.GENERAL_EMAIL})


class Exclusion(StrEnum):
    AVOID = "avoid"
    NOT_A_CLIENT = "not_a_client"
    CLIENT_ONLY_CLIENT_CAMPAIGNS = "client_only_client_campaigns"
    CLIENT_REFUNDED = "client_refunded"
    CLIENT_LATE_PAY = "client_late_pay"
    PROSPECT_NOT_A_LEAD = "prospect_not_a_lead"
    NOT_SWEET_SPOT = "not_sweet_spot"
    OPEN_OPPORTUNITY = "open_opportunity"
    NO_OPEN_OPPORTUNITY = "no_open_opportunity"
    EMAIL_OPT_OUT = "email_opt_out"
    DO_NOT_CALL = "do_not_call"
    NO_EMAIL = "no_email"
    NO_PHONE = "no_phone"
    NO_POSTAL_ADDRESS = "no_postal_address"


@dataclass(frozen=True)
class ChannelSubject:
    """What eligibility needs to know about one person; nothing else."""

    person_type: PersonType
    qualification: QualificationStatus | None = None
    sweet_spot: bool = False
    has_open_opportunity: bool = False
    email_opt_out: bool = False
    do_not_call: bool = False
    has_email: bool = True
    has_phone: bool = True
    has_postal_address: bool = True
    client_refunded: bool = False
    client_late_pay: bool = False
    avoid_since: date | None = None
    avoid_reason: str = ""


@dataclass(frozen=True)
class Reason:
    code: Exclusion
    text: str


@dataclass(frozen=True)
class Eligibility:
    channel: Channel
    reasons: tuple[Reason, ...]

    @property
    def allowed(self) -> bool:
        return not self.reasons

    def explain(self) -> str:
        return "allowed" if self.allowed else "; ".join(r.text for r in self.reasons)


def eligibility(subject: ChannelSubject, channel: Channel) -> Eligibility:
    """Allowed, or every reason why not. An Avoid person gets nothing, ever."""
    if subject.person_type is PersonType.AVOID:
        since = f" since {subject.avoid_since.isoformat()}" if subject.avoid_since else ""
        why = f" ({subject.avoid_reason})" if subject.avoid_reason else ""
        return Eligibility(channel, (Reason(Exclusion.AVOID, f"on the Avoid list{since}{why}"),))
    reasons = [*_by_type(subject, channel), *_overrides(subject, channel)]
    return Eligibility(channel, tuple(reasons))


def _by_type(s: ChannelSubject, channel: Channel) -> list[Reason]:
    found: list[Reason] = []
    if s.person_type is PersonType.CLIENT:
        # Refunds and late pay are listed even off client campaigns: every reason counts.
        if channel not in CLIENT_CHANNELS:
            found.append(
                Reason(
                    Exclusion.CLIENT_ONLY_CLIENT_CAMPAIGNS, "a client gets client campaigns only"
                )
            )
        if s.client_refunded:
            found.append(Reason(Exclusion.CLIENT_REFUNDED, "client was refunded"))
        if s.client_late_pay:
            found.append(Reason(Exclusion.CLIENT_LATE_PAY, "client pays late"))
        return found
    if channel in CLIENT_CHANNELS:
        return [Reason(Exclusion.NOT_A_CLIENT, "client campaigns are for clients only")]
    if s.person_type is PersonType.PROSPECT:
        if channel in (Channel.EMAIL_DRIP, Channel.SHOCK_AND_AWE):
            return [
                Reason(
                    Exclusion.PROSPECT_NOT_A_LEAD,
                    "a prospect has taken no action: prospecting campaigns only",
                )
            ]
        return []
    # A lead.
    if channel is Channel.SHOCK_AND_AWE:
        if not s.has_open_opportunity:
            found.append(
                Reason(
                    Exclusion.NO_OPEN_OPPORTUNITY, "shock-and-awe goes to booked appointments only"
                )
            )
        return found
    if channel in PAID_PROSPECTING_CHANNELS:
        # Every reason, not only the first: an export must show that a non-sweet-spot
        # lead stays out of paid channels after its opportunity closes.
        if s.has_open_opportunity:
            found.append(
                Reason(Exclusion.OPEN_OPPORTUNITY, "in an open opportunity: the sales rep runs it")
            )
        if not (s.sweet_spot and s.qualification is QualificationStatus.QUALIFIED):
            found.append(
                Reason(
                    Exclusion.NOT_SWEET_SPOT,
                    "not a sweet-spot lead: email drip and general email only",
                )
            )
    return found


def _overrides(s: ChannelSubject, channel: Channel) -> list[Reason]:
    found: list[Reason] = []
    medium = MEDIUM[channel]
    if medium is Medium.EMAIL:
        if s.email_opt_out:
            found.append(Reason(Exclusion.EMAIL_OPT_OUT, "opted out of email"))
        elif not s.has_email:
            found.append(Reason(Exclusion.NO_EMAIL, "no email address"))
    if medium is Medium.PHONE:
        if s.do_not_call:
            found.append(Reason(Exclusion.DO_NOT_CALL, "on do-not-call"))
        elif not s.has_phone:
            found.append(Reason(Exclusion.NO_PHONE, "no phone number"))
    if medium is Medium.MAIL and not s.has_postal_address:
        found.append(Reason(Exclusion.NO_POSTAL_ADDRESS, "no postal address"))
    return found


def eligible_channels(subject: ChannelSubject) -> dict[Channel, Eligibility]:
    return {channel: eligibility(subject, channel) for channel in Channel}
