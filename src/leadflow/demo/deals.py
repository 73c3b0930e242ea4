"""Opportunities in the demo world: a forward simulation checked move by move.

Every stage change goes through `pipeline.move`, so a sequence the transition table does
not allow cannot be planned. The simulation stops at "now": whatever would happen later
has not happened, and the opportunity is left open in the stage it reached.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from decimal import Decimal

from leadflow.demo import catalog
from leadflow.demo.leads import PROSPECTING_TASKS, close_tasks, put_on_avoid
from leadflow.demo.plan import (
    PlannedAppointment,
    PlannedOpportunity,
    PlannedPerson,
    PlannedQualification,
    PlannedStageChange,
    PlannedTask,
    PlannedTypeChange,
    Staff,
)
from leadflow.demo.timeline import Clock
from leadflow.domain import people, pipeline
from leadflow.domain.people import PersonEvent, PersonType, Role
from leadflow.domain.pipeline import (
    CLOSED_STAGES,
    OUTCOME_STAGE,
    AppointmentOutcome,
    LostDisposition,
    MoveDetails,
    SalesQualification,
    Stage,
)
from leadflow.domain.qualification import Qualification, QualificationStatus

_FORCED_OUTCOME = {
    Stage.APPOINTMENT_SAT: AppointmentOutcome.SAT,
    Stage.PROPOSING: AppointmentOutcome.SAT,
    Stage.CONTRACT_SENT: AppointmentOutcome.SAT,
    Stage.NO_SHOW: AppointmentOutcome.NO_SHOW,
    Stage.CANCELLED: AppointmentOutcome.CANCELLED,
}
# The first losses cover every disposition, so even a small world shows each one.
_DISPOSITION_ORDER = (LostDisposition.UNQUALIFIED, LostDisposition.AVOID, LostDisposition.NURTURE)


class DealDesk:
    """Books and runs opportunities; keeps each setter's show rate on its target."""

    def __init__(self, *, clock: Clock, staff: Staff, offered: tuple[str, ...]) -> None:
        self.clock = clock
        self.rng = clock.rng
        self.staff = staff
        self.offered = offered
        self.set_count: Counter[str] = Counter()
        self.sat_count: Counter[str] = Counter()
        self.losses = 0
        self.unqualified_losses = 0

    def book(
        self, person: PlannedPerson, at: datetime, *, seats: int, goal: Stage | None = None
    ) -> PlannedOpportunity:
        """A setter books a first-time appointment; the simulation takes it from there."""
        pipeline.check_can_book(
            person_type=PersonType(person.person_type),
            status=QualificationStatus(person.qualification_status)
            if person.qualification_status
            else None,
            has_open_opportunity=any(Stage(o.stage).is_open for o in person.opportunities),
            sql=SalesQualification(True, True, True),
        )
        rng, clock = self.rng, self.clock
        setter, rep = rng.choice(self.staff.setters), rng.choice(self.staff.reps)
        scheduled = clock.after(at, 2, 8)
        upsell = person.person_type == PersonType.CLIENT
        opp = PlannedOpportunity(setter, rep, created_at=at, stage=Stage.APPOINTMENT_SET.value)
        opp.stage_entered_at = at
        opp.changes.append(
            PlannedStageChange(
                "",
                Stage.APPOINTMENT_SET.value,
                at,
                setter,
                "upsell appointment booked" if upsell else "first-time appointment booked",
                {"appointment_at": scheduled.isoformat()},
            )
        )
        person.opportunities.append(opp)
        index = len(person.opportunities) - 1
        close_tasks(person, at, "closed: appointment booked", kinds=PROSPECTING_TASKS)
        due = min(clock.calendar.add_business_days(at.date(), 1), scheduled.date())
        person.tasks.append(
            PlannedTask(
                "shock_and_awe",
                Role.MARKETING.value,
                due,
                f"pre-sell before the appointment on {scheduled:%Y-%m-%d %H:%M}",
                at,
                done_at=max(clock.at(due), at + timedelta(minutes=30)),
                opportunity=index,
            )
        )
        sat_at = self._appointments(person, index, at, scheduled, goal)
        if sat_at is not None and goal is not Stage.APPOINTMENT_SAT:
            self._after_sat(person, index, sat_at, seats, goal)
        return opp

    def _move(
        self,
        opp: PlannedOpportunity,
        target: Stage,
        at: datetime,
        by: str,
        details: MoveDetails,
    ) -> None:
        change = pipeline.move(Stage(opp.stage), target, details)
        opp.changes.append(
            PlannedStageChange(
                change.before.value, change.after.value, at, by, details.reason, details.to_record()
            )
        )
        opp.stage, opp.stage_entered_at = target.value, at
        if target in CLOSED_STAGES:
            opp.closed_at = at

    def _outcome(self, setter: str, forced: AppointmentOutcome | None) -> AppointmentOutcome:
        """Random around the setter's show rate, nudged back whenever it drifts away."""
        rate = self.staff.show_rate(setter)
        drift = rate * self.set_count[setter] - self.sat_count[setter]
        outcome = forced
        if outcome is None:
            if self.rng.random() < min(1.0, max(0.0, rate + 0.2 * drift)):
                outcome = AppointmentOutcome.SAT
            elif self.rng.random() < 0.55:
                outcome = AppointmentOutcome.NO_SHOW
            else:
                outcome = AppointmentOutcome.CANCELLED
        self.set_count[setter] += 1
        self.sat_count[setter] += outcome is AppointmentOutcome.SAT
        return outcome

    def _appointments(
        self,
        person: PlannedPerson,
        index: int,
        booked: datetime,
        scheduled: datetime,
        goal: Stage | None,
    ) -> datetime | None:
        """Appointments until one is kept (its time), or the opportunity rests or is lost."""
        rng, clock = self.rng, self.clock
        opp = person.opportunities[index]
        while True:
            appointment = PlannedAppointment(opp.setter, opp.rep, booked, scheduled)
            opp.appointments.append(appointment)
            outcome_at = scheduled + timedelta(minutes=rng.randint(60, 180))
            if goal is Stage.APPOINTMENT_SET or not clock.past(outcome_at):
                return None
            outcome = self._outcome(opp.setter, _FORCED_OUTCOME.get(goal) if goal else None)
            appointment.outcome, appointment.outcome_at = outcome.value, outcome_at
            details = MoveDetails(reason="kept the appointment")
            by = opp.rep
            if outcome is AppointmentOutcome.NO_SHOW:
                details = MoveDetails(reason="did not show up; no answer on the phone")
            elif outcome is AppointmentOutcome.CANCELLED:
                callback = clock.calendar.add_business_days(outcome_at.date(), rng.randint(3, 10))
                appointment.callback_on = callback
                details = MoveDetails(reason="asked to reschedule", callback_on=callback)
                by = opp.setter
                person.tasks.append(
                    PlannedTask(
                        "callback",
                        Role.SETTER.value,
                        callback,
                        "cancelled: call back to rebook (asked to reschedule)",
                        outcome_at,
                        assignee=opp.setter,
                        opportunity=index,
                    )
                )
            self._move(opp, OUTCOME_STAGE[outcome], outcome_at, by, details)
            if outcome is AppointmentOutcome.SAT:
                return outcome_at
            if goal is not None:
                return None
            roll = rng.random()
            if len(opp.appointments) >= 3 or roll < 0.22:
                lost_at = clock.after(outcome_at, 5, 20)
                if clock.past(lost_at):
                    reason = "never rebooked; stopped answering"
                    self._lose(person, index, lost_at, LostDisposition.NURTURE, reason)
                return None
            if roll < 0.3:
                return None  # the setter is still chasing a new date
            if appointment.callback_on is not None:
                booked = clock.at(appointment.callback_on)
            else:
                booked = clock.after(outcome_at, 1, 5)
            if not clock.past(booked):
                return None
            scheduled = clock.after(booked, 2, 8)
            reason = "rebooked"
            self._move(
                opp,
                Stage.APPOINTMENT_SET,
                booked,
                opp.setter,
                MoveDetails(reason=reason, appointment_at=scheduled),
            )
            close_tasks(person, booked, "closed: rebooked", kinds=frozenset({"callback"}))

    def _after_sat(
        self, person: PlannedPerson, index: int, sat_at: datetime, seats: int, goal: Stage | None
    ) -> None:
        rng, clock = self.rng, self.clock
        opp = person.opportunities[index]
        if goal is None and rng.random() < 0.12:
            lost_at = clock.after(sat_at, 1, 5)
            if clock.past(lost_at):
                self._lose(person, index, lost_at, None, "")
            return
        at = clock.after(sat_at, 1, 6)
        if not clock.past(at):
            return
        reason = "opportunity confirmed at the first meeting; assessment under way"
        self._move(opp, Stage.PROPOSING, at, opp.rep, MoveDetails(reason=reason))
        for _ in range(3):
            if goal is Stage.PROPOSING:
                return
            sent_at = clock.after(at, 5, 25)
            if not clock.past(sent_at):
                return
            if goal is None and rng.random() < 0.22:
                self._lose(person, index, sent_at, None, "")
                return
            reason = "contract sent for signature"
            self._move(opp, Stage.CONTRACT_SENT, sent_at, opp.rep, MoveDetails(reason=reason))
            if goal is Stage.CONTRACT_SENT:
                return
            at = clock.after(sent_at, 2, 12)
            if not clock.past(at):
                return
            roll = rng.random()
            if roll < 0.9:
                self._win(person, index, at, seats)
                return
            if roll < 0.97:
                self._lose(person, index, at, LostDisposition.NURTURE, "chose a cheaper provider")
                return
            reason = "revising the contract terms"
            self._move(opp, Stage.PROPOSING, at, opp.rep, MoveDetails(reason=reason))
        self._win(person, index, at, seats)

    def _win(self, person: PlannedPerson, index: int, at: datetime, seats: int) -> None:
        opp = person.opportunities[index]
        monthly = Decimal(seats) * Decimal(self.rng.choice((110, 125, 140, 165, 190)))
        value = max(Decimal(6000), (monthly * 12).quantize(Decimal(100)))
        details = MoveDetails(reason="signed", contract_value=value)
        self._move(opp, Stage.WON, at, opp.rep, details)
        opp.contract_value = value
        wanted = [s for s in person.services_wanted if s in self.offered]
        opp.services_bought = sorted(wanted) if wanted else list(self.offered[:1])
        change = people.apply_event(PersonType(person.person_type), PersonEvent.DEAL_WON)
        if change.changed:
            person.person_type = change.after.value
            person.became_client_at = at
            person.type_changes.append(
                PlannedTypeChange(
                    change.before.value,
                    change.after.value,
                    change.event.value,
                    at,
                    change.reason,
                    opp.rep,
                )
            )
        close_tasks(person, at, "closed: deal won", kinds=PROSPECTING_TASKS)

    def _lose(
        self,
        person: PlannedPerson,
        index: int,
        at: datetime,
        disposition: LostDisposition | None,
        reason: str,
    ) -> None:
        """Lost; with no disposition given, one is chosen (the first losses cover all)."""
        rng = self.rng
        opp = person.opportunities[index]
        client = person.person_type == PersonType.CLIENT
        if disposition is None:
            if self.losses < len(_DISPOSITION_ORDER) and not client:
                disposition = _DISPOSITION_ORDER[self.losses]
            else:
                disposition = rng.choices(tuple(LostDisposition), weights=(55, 37, 8))[0]
            if client:
                disposition = LostDisposition.NURTURE
        self.losses += 1
        unqualified = None
        if disposition is LostDisposition.NURTURE:
            reason = reason or rng.choice(catalog.LOST_TO_NURTURE)
        elif disposition is LostDisposition.UNQUALIFIED:
            unqualified = catalog.LOST_AS_UNQUALIFIED[
                self.unqualified_losses % len(catalog.LOST_AS_UNQUALIFIED)
            ]
            self.unqualified_losses += 1
            reason = unqualified[1]
        else:
            reason = rng.choice(catalog.LOST_TO_AVOID)
        lost_reason = f"put on Avoid: {reason}" if disposition is LostDisposition.AVOID else reason
        details = MoveDetails(reason=lost_reason, lost_reason=lost_reason, disposition=disposition)
        self._move(opp, Stage.LOST, at, opp.rep, details)
        opp.lost_reason, opp.disposition = lost_reason, disposition.value
        close_tasks(person, at, "closed: opportunity lost", opportunity=index)
        if disposition is LostDisposition.AVOID:
            put_on_avoid(person, by=opp.rep, reason=reason, at=at)
        elif unqualified is not None and person.person_type == PersonType.LEAD:
            explanation = f"lost and judged not a fit: {reason}"
            verdict = Qualification(
                QualificationStatus.UNQUALIFIED, reason=unqualified[0], explanation=explanation
            )
            person.qualifications.append(
                PlannedQualification(at, "confirmed", verdict, by=opp.rep, opportunity=index)
            )
            person.qualification_status = QualificationStatus.UNQUALIFIED.value
            person.unqualified_reason = unqualified[0].value
            person.sweet_spot = None
            person.qualification_explanation = explanation
