"""The plan of the demo world, from a seed: campaigns, people and everything they did.

Pure Python (no database): the same seed, size, "now" and configuration always give the
same world. Each person is a small story told through the domain core; see leads.py for
interest and qualification and deals.py for the pipeline.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta

from leadflow.demo import catalog
from leadflow.demo.deals import DealDesk
from leadflow.demo.flags import maybe_avoid, set_consents
from leadflow.demo.identity import Directory
from leadflow.demo.leads import (
    add_activity,
    put_on_avoid,
    qualify_lead,
    read_temperature_into,
    schedule_next_steps,
    settle_tasks,
)
from leadflow.demo.plan import (
    Config,
    PlannedActivity,
    PlannedCampaign,
    PlannedPerson,
    Staff,
    World,
)
from leadflow.demo.profiles import Aim, Facts, draw_lead, random_facts
from leadflow.demo.timeline import Clock
from leadflow.domain.people import PersonType
from leadflow.domain.pipeline import Stage
from leadflow.domain.profile import Trait
from leadflow.domain.qualification import Operator
from leadflow.domain.temperature import ActivityKind, FollowUpWish, Temperature

_AIMS = (
    Aim.SWEET_SPOT,
    Aim.QUALIFIED,
    Aim.QUALIFIED_VAGUE,
    Aim.HARD_FAIL,
    Aim.SOFT_FAIL,
    Aim.INCOMPLETE,
)
_AIM_WEIGHTS = (32, 16, 6, 14, 20, 12)
_ORIGINS = (
    catalog.RENTED_LIST,
    catalog.WEBINAR,
    catalog.TRADE_SHOW,
    catalog.WEBSITE,
    catalog.REFERRAL,
)
_ORIGIN_WEIGHTS = (12, 22, 14, 40, 12)
_WISHES = tuple(FollowUpWish)
# Business days between booking and now that let a pinned opportunity reach its stage.
_PIN_AGE = {
    Stage.APPOINTMENT_SET: (1, 2),
    Stage.APPOINTMENT_SAT: (11, 14),
    Stage.NO_SHOW: (11, 14),
    Stage.CANCELLED: (11, 14),
    Stage.PROPOSING: (16, 20),
    Stage.CONTRACT_SENT: (42, 48),
}


def plan_world(
    *,
    seed: int,
    people: int,
    now: datetime,
    config: Config,
    staff: Staff,
    tick: Callable[[], None] | None = None,
) -> World:
    rng = random.Random(seed)
    builder = _Builder(rng, Clock(now=now, calendar=config.calendar, rng=rng), config, staff)
    for _ in range(people):
        if rng.random() < 0.3:
            builder.prospect()
        else:
            builder.lead()
        if tick is not None:
            tick()
    return World(
        now=now,
        campaigns=builder.campaigns,
        companies=builder.directory.companies,
        people=builder.people,
    )


class _Builder:
    def __init__(self, rng: random.Random, clock: Clock, config: Config, staff: Staff) -> None:
        self.rng, self.clock, self.config, self.staff = rng, clock, config, staff
        self.directory = Directory(rng)
        self.people: list[PlannedPerson] = []
        self.specs = {c.name: c for c in catalog.CAMPAIGNS}
        self.campaigns = [self._campaign(c) for c in catalog.CAMPAIGNS]
        self.started = {c.name: clock.at(c.started_on, hour=15) for c in self.campaigns}
        self.desk = DealDesk(clock=clock, staff=staff, offered=_offered(config))
        self.goals = list(_PIN_AGE) * 2
        self.list_companies: dict[str, list[int]] = {}

    def _campaign(self, spec: catalog.CampaignSpec) -> PlannedCampaign:
        day = self.clock.business_day_on_or_after(
            (self.clock.now - timedelta(days=round(spec.months_ago * 30.44))).date()
        )
        # Bogus responses come through forms and badge scans, not rented lists or referrals.
        spam = {catalog.WEBSITE: (5, 60), catalog.WEBINAR: (0, 6), catalog.TRADE_SHOW: (0, 4)}
        low, high = spam.get(spec.source, (0, 0))
        return PlannedCampaign(spec.name, spec.source, day, self.rng.randint(low, high))

    def _of(self, source: str) -> list[PlannedCampaign]:
        return [c for c in self.campaigns if c.source == source]

    def _new_person(
        self, facts: Facts, company: int | None = None, **fields: object
    ) -> PlannedPerson:
        rng = self.rng
        person = self.directory.person(
            facts,
            self.directory.company(facts) if company is None else company,
            has_email=rng.random() > 0.03,
            has_phone=rng.random() > 0.06,
            has_address=rng.random() > 0.12,
            **fields,
        )
        self.people.append(person)
        return person

    def prospect(self) -> None:
        """A name on a rented list (or a social connection): no interest shown, no status."""
        rng, clock = self.rng, self.clock
        if rng.random() < 0.85:
            campaign = rng.choice(self._of(catalog.RENTED_LIST))
            spec = self.specs[campaign.name]
            colleagues = self.list_companies.setdefault(campaign.name, [])
            company = rng.choice(colleagues) if colleagues and rng.random() < 0.25 else None
            facts = self._list_facts(spec, company)
            person = self._new_person(
                facts,
                company,
                created_at=self.started[campaign.name],
                created_by=self.staff.marketing,
                lead_source=campaign.source,
                first_campaign=campaign.name,
            )
            if company is None and person.company is not None:
                colleagues.append(person.company)
        else:
            at = clock.between(clock.start, clock.now)
            person = self._new_person(
                random_facts(rng), created_at=at, created_by=self.staff.setters[0]
            )
        if rng.random() < 0.05:
            at = clock.days_after(person.created_at, 10, 300)
            if clock.past(at):
                by = rng.choice((self.staff.marketing, *self.staff.setters))
                put_on_avoid(person, by=by, reason=rng.choice(catalog.AVOID_PROSPECT), at=at)
        set_consents(person, clock, self.staff)

    def _list_facts(self, spec: catalog.CampaignSpec, company: int | None) -> Facts:
        rng = self.rng
        facts = random_facts(rng)
        if company is not None:
            c = self.directory.companies[company]
            return Facts(
                niche=c.niche or None,
                geography=c.geography or None,
                company_type=c.company_type or None,
                employees=c.employee_count,
                title=facts.title,
            )
        niche = rng.choice(spec.niches) if spec.niches else facts.niche
        return Facts(
            niche=niche,
            geography=spec.region or facts.geography,
            company_type=facts.company_type,
            employees=facts.employees,
            title=facts.title,
        )

    def lead(self) -> None:
        """Someone who showed interest: promoted, qualified, followed up, maybe sold."""
        rng, clock, config = self.rng, self.clock, self.config
        aim = rng.choices(_AIMS, weights=_AIM_WEIGHTS)[0]
        goal = self.goals[0] if aim is Aim.SWEET_SPOT and self.goals else None
        origin = rng.choices(_ORIGINS, weights=_ORIGIN_WEIGHTS)[0]
        pin_at = None
        if goal is not None:
            pin_at = clock.business_days_ago(rng.randint(*_PIN_AGE[goal]))
            origin = catalog.WEBSITE
        campaign = rng.choice(self._of(origin))
        spec = self.specs[campaign.name]
        first = self._first_activity(campaign, spec, before=pin_at)
        avatars = len(config.playbook.avatars)
        facts, result = draw_lead(
            rng,
            aim,
            config.playbook,
            avatar=rng.randrange(max(1, avatars)),
            lead_source=campaign.source,
        )
        listed = origin == catalog.RENTED_LIST  # a prospect from the list who responded
        person = self._new_person(
            facts,
            created_at=self.started[campaign.name] if listed else first.at,
            created_by=self.staff.marketing if first.by == self.staff.marketing or listed else None,
            lead_source=campaign.source if listed else None,
            first_campaign=campaign.name if listed else None,
        )
        add_activity(person, config, first)
        profile = facts.profile(person.lead_source)
        qualify_lead(person, profile, result, config=config, clock=clock, staff=self.staff)
        booking = self._booking(person, pin_at)
        self._more_activities(person, booking)
        schedule_next_steps(person, config=config, clock=clock)
        read_temperature_into(person, config)
        if booking is not None:
            if pin_at is not None and booking == pin_at and goal is not None:
                self.goals.pop(0)
            else:
                goal = None
            self._sell(person, booking, facts, goal)
        maybe_avoid(person, clock, self.staff)
        set_consents(person, clock, self.staff)
        settle_tasks(person, clock.now)

    def _first_activity(
        self, campaign: PlannedCampaign, spec: catalog.CampaignSpec, before: datetime | None
    ) -> PlannedActivity:
        rng, clock = self.rng, self.clock
        started = self.started[campaign.name]
        kind = spec.kind or rng.choice((ActivityKind.WEB_FORM, ActivityKind.INBOUND_CALL))
        wish = rng.choices(_WISHES, weights=(3, 4, 3))[0]
        by: str | None = None
        if before is not None:
            at = clock.days_after(before, -15, -3)
        elif spec.source in (catalog.WEBINAR, catalog.TRADE_SHOW):
            at = started + timedelta(
                days=rng.choice((0, 0, 1)) if spec.kind is ActivityKind.TRADE_SHOW else 0
            )
            by = self.staff.marketing  # the attendee list was imported
        elif spec.source == catalog.RENTED_LIST:
            at = clock.days_after(started, 14, 240)
            wish = FollowUpWish.ASKED
        else:
            at = clock.between(started, clock.now)
            if spec.source == catalog.REFERRAL:
                by = rng.choice(self.staff.setters)  # they called; a setter logged it
            elif rng.random() < 0.15:
                kind, wish = ActivityKind.WEB_FORM, FollowUpWish.ASKED
        if not clock.past(at):
            at = clock.now - timedelta(hours=rng.randint(1, 72))
        return PlannedActivity(
            kind,
            wish,
            at,
            campaign.name,
            campaign.source,
            Temperature.COLD,
            self._problems(),
            catalog.activity_note(kind, campaign.name),
            by,
        )

    def _problems(self) -> tuple[str, ...]:
        if self.rng.random() < 0.3:
            return (self.rng.choice(catalog.PROBLEM_INDICATORS),)
        return ()

    def _booking(self, person: PlannedPerson, pin_at: datetime | None) -> datetime | None:
        """When a setter books this lead's first appointment, if they do by now."""
        rng, clock = self.rng, self.clock
        if person.qualification_status != "qualified":
            return None
        ready = person.qualifications[-1].at
        if pin_at is not None and pin_at > ready:
            return pin_at
        sweet = person.sweet_spot is not None
        hot = person.activities[0].temperature >= Temperature.WARM
        if rng.random() > (0.72 if sweet else 0.3 if hot else 0.06):
            return None
        if sweet and rng.random() < 0.3:
            booking = clock.days_after(ready, 150, 330)  # a long nurture cycle
        else:
            booking = clock.after(ready, 1, 15)
        return booking if clock.past(booking) else None

    def _more_activities(self, person: PlannedPerson, booking: datetime | None) -> None:
        """Later interest, on later days; a long nurture cycle ends with a call to us."""
        rng, clock = self.rng, self.clock
        first = person.activities[0].at
        end = booking - timedelta(days=2) if booking is not None else clock.now
        count = rng.choice((0, 0, 1, 1, 2, 3)) if booking is None else rng.choice((0, 1))
        long_cycle = booking is not None and (booking - first).days > 120
        if long_cycle:
            count = rng.randint(1, 3)
        moments = [(clock.between(first + timedelta(days=2), end), False) for _ in range(count)]
        if long_cycle and booking is not None:
            moments.append((booking - timedelta(days=rng.randint(2, 9), hours=1), True))
        downloads = self._of(catalog.WEBSITE)
        last_day = first.date()
        for at, call in sorted(moments):
            if (
                at.date() <= last_day
                or not clock.past(at)
                or (booking is not None and at >= booking)
            ):
                continue
            campaign: str | None = None
            source = person.lead_source
            if call:
                kind, wish = ActivityKind.INBOUND_CALL, FollowUpWish.ASKED
            else:
                pick = rng.choice(downloads)
                if pick.started_on > at.date():
                    continue
                kind = self.specs[pick.name].kind or ActivityKind.DOWNLOAD
                wish, campaign, source = rng.choice(_WISHES), pick.name, pick.source
            last_day = at.date()
            activity = PlannedActivity(
                kind,
                wish,
                at,
                campaign,
                source,
                Temperature.COLD,
                self._problems(),
                catalog.activity_note(kind, campaign),
            )
            add_activity(person, self.config, activity)

    def _sell(
        self, person: PlannedPerson, booking: datetime, facts: Facts, goal: Stage | None
    ) -> None:
        rng, clock = self.rng, self.clock
        seats = facts.employees or 15
        opp = self.desk.book(person, booking, seats=seats, goal=goal)
        nurtured = opp.disposition == "nurture" and person.person_type == PersonType.LEAD
        if nurtured and opp.closed_at is not None and rng.random() < 0.3:
            again = clock.days_after(opp.closed_at, 100, 240)
            if clock.past(again):
                self.desk.book(person, again, seats=seats)
        if (
            person.person_type == PersonType.CLIENT
            and person.became_client_at
            and rng.random() < 0.12
        ):
            upsell = clock.days_after(person.became_client_at, 60, 200)
            if clock.past(upsell):
                self.desk.book(person, upsell, seats=seats)


def _offered(config: Config) -> tuple[str, ...]:
    for c in config.playbook.rules:
        one_of = c.trait is Trait.SERVICES_WANTED and c.operator is Operator.ONE_OF
        if one_of and isinstance(c.value, frozenset):
            return tuple(sorted(c.value))
    return catalog.SERVICES_WE_SELL
