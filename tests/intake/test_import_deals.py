"""Moving deals in from another CRM, on the real database (`leadflow import-deals`)."""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Group, User

from leadflow.crm.models import (
    AvoidEntry,
    Opportunity,
    Person,
    StageChange,
    Task,
    TypeChangeRecord,
)
from leadflow.crm.services.avoid import add_to_avoid
from leadflow.crm.services.pipeline import book_appointment
from leadflow.domain.people import PersonType, Role
from leadflow.domain.pipeline import LostDisposition, Stage
from leadflow.domain.qualification import QualificationStatus
from leadflow.intake.deals.options import DealOptions, DealOutcome
from leadflow.intake.deals.run import DealReport, run_deal_import
from leadflow.intake.options import Mode
from leadflow.intake.read import IntakeFileError, read_table

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
HEADER = ["Lead ID", "Stage", "Created", "Close Date", "Owner", "Closer", "Amount", "Lost Reason"]

MakePerson = Callable[..., Person]
Import = Callable[..., DealReport]


@pytest.fixture
def person() -> MakePerson:
    def make(
        external_id: str | None = None,
        *,
        email: str = "",
        person_type: PersonType = PersonType.LEAD,
    ) -> Person:
        lead = person_type is not PersonType.PROSPECT
        return Person.objects.create(
            external_id=external_id,
            email=email,
            email_normalized=email.lower() or None,
            person_type=person_type.value,
            qualification_status=QualificationStatus.QUALIFIED.value if lead else None,
            created_at=NOW - timedelta(days=900),
            became_lead_at=NOW - timedelta(days=900) if lead else None,
        )

    return make


@pytest.fixture
def import_deals(tmp_path: Path) -> Import:
    def run(rows: list[list[str]], header: list[str] = HEADER, **options: Any) -> DealReport:
        path = tmp_path / "oldcrm.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(rows)
        options.setdefault("moved_in_from", "OldCRM")
        return run_deal_import(read_table(path), DealOptions(**options), now=NOW)

    return run


def outcomes(report: DealReport) -> list[str]:
    return report.rows["outcome"].to_list()


def details(report: DealReport) -> list[str | None]:
    return report.rows["detail"].to_list()


def won(external_id: str, closed: str = "2018-02-26 19:58:54", value: str = "") -> list[str]:
    return [external_id, "Won", "2018-01-10", closed, "sdr-1", "sr-1", value, ""]


# --- the person ------------------------------------------------------------------------


def test_deal_never_lands_without_its_person(person: MakePerson, import_deals: Import) -> None:
    person("A-1")
    report = import_deals([won("A-1"), won("NOBODY")], mode=Mode.SKIP_BAD)
    assert outcomes(report) == ["created", "error"]
    assert details(report)[1] == "row 3: person: no person with external id NOBODY"
    assert Opportunity.objects.count() == 1


def test_all_or_nothing_writes_no_deal_when_one_person_is_missing(
    person: MakePerson, import_deals: Import
) -> None:
    person("A-1")
    report = import_deals([won("A-1"), won("NOBODY")])
    assert not report.written
    assert "nothing was written: 1 row(s) have errors" in report.reason
    assert Opportunity.objects.count() == 0
    assert User.objects.count() == 0
    assert Person.objects.get(external_id="A-1").person_type == PersonType.LEAD


def test_deal_finds_its_person_by_email(person: MakePerson, import_deals: Import) -> None:
    dana = person(email="dana@owensreyes.com")
    report = import_deals(
        [["Dana@OwensReyes.com", "lost", "2024-01-05", "2024-02-01", "", "", "", "no budget"]],
        header=["Email", *HEADER[1:]],
        default_disposition=LostDisposition.NURTURE,
    )
    assert outcomes(report) == ["created"]
    assert Opportunity.objects.get().person == dana


def test_file_without_a_person_column_is_refused(import_deals: Import) -> None:
    with pytest.raises(IntakeFileError, match="no person column"):
        import_deals([["Won", "2024-01-01"]], header=["Stage", "Close Date"])


def test_avoided_person_gets_no_deal(person: MakePerson, import_deals: Import) -> None:
    admin = User.objects.create_user("admin")
    avoided = person("A-1")
    add_to_avoid(person=avoided, by=admin, reason="asked us to stop", at=NOW)
    before = Person.objects.filter(pk=avoided.pk).values().get()
    report = import_deals([won("A-1"), ["A-1", "Bogus stage", "", "", "", "", "", ""]])
    assert outcomes(report) == ["blocked", "blocked"]
    assert details(report)[0] == f"blocked: person {avoided.pk} is on the Avoid list"
    assert report.written  # blocked rows are not errors: the rest of the file lands
    assert Opportunity.objects.count() == 0
    assert Person.objects.filter(pk=avoided.pk).values().get() == before
    assert AvoidEntry.objects.get().active


# --- stages ----------------------------------------------------------------------------


def test_unknown_stage_is_rejected_with_its_row_number(
    person: MakePerson, import_deals: Import
) -> None:
    person("A-1")
    person("A-2")
    report = import_deals(
        [won("A-1"), ["A-2", "Closed Won", "2024-01-01", "2024-02-01", "", "", "", ""]]
    )
    assert outcomes(report) == ["created", "error"]
    detail = details(report)[1]
    assert detail is not None
    assert detail.startswith('row 3: stage: unknown stage "Closed Won" (known: Appointment set,')
    assert "Won, Lost" in detail
    assert "--stage-map 'Closed Won=<stage>'" in detail


def test_stage_map_maps_other_crm_stage_names(person: MakePerson, import_deals: Import) -> None:
    person("A-1")
    person("A-2")
    report = import_deals(
        [
            ["A-1", "Closed Won", "2024-01-01", "2024-02-01", "", "", "1000", ""],
            ["A-2", "Demo Scheduled", "2024-03-01", "", "", "", "", ""],
        ],
        stage_map={"closed won": "won", "Demo Scheduled": "Appointment set"},
    )
    assert outcomes(report) == ["created", "created"]
    stages = dict(Opportunity.objects.values_list("person__external_id", "stage"))
    assert stages == {"A-1": Stage.WON, "A-2": Stage.APPOINTMENT_SET}


def test_stage_map_to_an_unknown_stage_is_refused_before_reading() -> None:
    with pytest.raises(ValueError, match="unknown stage 'wonn'"):
        DealOptions(moved_in_from="x", stage_map={"Closed Won": "wonn"})


def test_stage_names_are_our_values_and_labels_in_any_case(
    person: MakePerson, import_deals: Import
) -> None:
    for key in ("A-1", "A-2", "A-3"):
        person(key)
    report = import_deals(
        [
            ["A-1", "PROPOSING / NEGOTIATING", "2024-01-01", "", "", "", "", ""],
            ["A-2", "contract_sent", "2024-01-01", "", "", "", "", ""],
            ["A-3", "no-show", "2024-01-01", "", "", "", "", ""],
        ]
    )
    assert outcomes(report) == ["created"] * 3
    assert sorted(Opportunity.objects.values_list("stage", flat=True)) == sorted(
        [Stage.PROPOSING, Stage.CONTRACT_SENT, Stage.NO_SHOW]
    )


def test_stage_option_gives_every_row_one_stage(person: MakePerson, import_deals: Import) -> None:
    person("A-1")
    report = import_deals(
        [["A-1", "2018-02-26 19:58:54"]], header=["mql_id", "won_date"], stage=Stage.WON
    )
    assert outcomes(report) == ["created"]
    assert Opportunity.objects.get().stage == Stage.WON


def test_file_without_a_stage_needs_the_stage_option(import_deals: Import) -> None:
    with pytest.raises(IntakeFileError, match="--stage"):
        import_deals([["A-1", "2018-02-26"]], header=["mql_id", "won_date"])


def test_stage_entered_at_is_the_close_date_for_closed_deals_else_the_start(
    person: MakePerson, import_deals: Import
) -> None:
    person("A-1")
    person("A-2")
    import_deals(
        [
            won("A-1", closed="2018-02-26 19:58:54"),
            ["A-2", "Contract sent", "2018-03-01 09:00", "2018-06-30", "", "", "", ""],
        ]
    )
    closed = Opportunity.objects.get(person__external_id="A-1")
    assert closed.stage_entered_at == datetime(2018, 2, 26, 19, 58, 54, tzinfo=UTC)
    assert closed.closed_at == closed.stage_entered_at
    assert closed.created_at == datetime(2018, 1, 10, tzinfo=UTC)
    still_open = Opportunity.objects.get(person__external_id="A-2")
    # An open deal's "close date" is the old CRM's expected close: not a close.
    assert still_open.stage_entered_at == datetime(2018, 3, 1, 9, 0, tzinfo=UTC)
    assert still_open.closed_at is None


def test_every_moved_in_deal_keeps_its_origin_and_one_history_row(
    person: MakePerson, import_deals: Import
) -> None:
    person("A-1")
    import_deals([won("A-1", value="$12,500.00")], moved_in_from="Pipedrive")
    deal = Opportunity.objects.get()
    assert deal.moved_in_from == "Pipedrive"
    assert deal.contract_value == Decimal("12500.00")
    change = StageChange.objects.get()
    assert (change.opportunity, change.before, change.after) == (deal, "", Stage.WON)
    assert change.at == deal.closed_at
    assert change.reason == "moved in from Pipedrive (row 2)"
    assert change.details["contract_value"] == "12500.00"


# --- won and lost ----------------------------------------------------------------------


def test_won_deal_makes_the_person_a_client(person: MakePerson, import_deals: Import) -> None:
    lead = person("A-1")
    Task.objects.create(person=lead, kind=Task.Kind.CALL, role=Role.SETTER, created_at=NOW)
    import_deals([won("A-1", closed="2018-02-26 19:58:54")])
    lead.refresh_from_db()
    closed_at = datetime(2018, 2, 26, 19, 58, 54, tzinfo=UTC)
    assert lead.person_type == PersonType.CLIENT
    assert lead.became_client_at == closed_at
    record = TypeChangeRecord.objects.get(person=lead)
    assert (record.before, record.after, record.event) == ("lead", "client", "deal_won")
    assert record.at == closed_at
    assert record.reason == "deal won: lead becomes a client (moved in from OldCRM, row 2)"
    assert Task.objects.get().done_at == NOW  # a client is not prospected


def test_client_with_an_earlier_won_deal_stays_a_client_once(
    person: MakePerson, import_deals: Import
) -> None:
    lead = person("A-1")
    import_deals([won("A-1", closed="2019-05-01"), won("A-1", closed="2018-02-26")])
    lead.refresh_from_db()
    assert Opportunity.objects.count() == 2
    assert lead.became_client_at == datetime(2018, 2, 26, tzinfo=UTC)
    assert TypeChangeRecord.objects.filter(person=lead).count() == 1


def test_won_deal_without_a_value_is_kept_without_one(
    person: MakePerson, import_deals: Import
) -> None:
    person("A-1")
    person("A-2")
    report = import_deals([won("A-1"), won("A-2", value="0")])
    assert outcomes(report) == ["created", "created"]
    assert list(Opportunity.objects.values_list("contract_value", flat=True)) == [None, None]
    assert "1 won deal(s) have a value of 0: kept without a value" in report.warnings


def test_prospect_with_a_deal_becomes_a_lead_first(
    person: MakePerson, import_deals: Import
) -> None:
    prospect = person("A-1", person_type=PersonType.PROSPECT)
    waiting = person("A-2", person_type=PersonType.PROSPECT)
    report = import_deals(
        [won("A-1"), ["A-2", "Appointment set", "2024-05-01", "", "", "", "", ""]]
    )
    assert (report.leads, report.clients) == (2, 1)  # one of the two leads went on to win
    history = list(
        TypeChangeRecord.objects.filter(person=prospect)
        .order_by("at")
        .values_list("before", "after", "event")
    )
    assert history == [("prospect", "lead", "interest_shown"), ("lead", "client", "deal_won")]
    waiting.refresh_from_db()
    assert waiting.person_type == PersonType.LEAD
    assert waiting.qualification_status == QualificationStatus.RAW
    assert waiting.became_lead_at == datetime(2024, 5, 1, tzinfo=UTC)


def test_lost_deal_without_reason_is_a_row_error(person: MakePerson, import_deals: Import) -> None:
    person("A-1")
    report = import_deals(
        [["A-1", "Lost", "2024-01-01", "2024-02-01", "", "", "", ""]],
        default_disposition=LostDisposition.NURTURE,
    )
    assert details(report) == ["row 2: lost_reason: a lost deal needs its reason"]


def test_lost_deal_needs_a_disposition_from_its_column_or_the_default(
    person: MakePerson, import_deals: Import
) -> None:
    person("A-1")
    person("A-2")
    rows = [
        ["A-1", "Lost", "2024-01-01", "2024-02-01", "", "", "", "went with a competitor", ""],
        ["A-2", "Lost", "2024-01-01", "2024-02-01", "", "", "", "rude", "Avoid"],
    ]
    refused = import_deals(rows, header=[*HEADER, "Disposition"])
    assert outcomes(refused) == ["error", "created"]
    assert "row 2: disposition: a lost deal needs a disposition" in str(details(refused)[0])
    landed = import_deals(
        rows, header=[*HEADER, "Disposition"], default_disposition=LostDisposition.UNQUALIFIED
    )
    assert outcomes(landed) == ["created", "created"]
    kept = dict(Opportunity.objects.values_list("person__external_id", "disposition"))
    assert kept == {"A-1": LostDisposition.UNQUALIFIED, "A-2": LostDisposition.AVOID}
    # Where a lost person went then is history; who they are now is not re-decided.
    assert Person.objects.get(external_id="A-2").person_type == PersonType.LEAD


def test_close_date_before_the_start_is_a_row_error(
    person: MakePerson, import_deals: Import
) -> None:
    person("A-1")
    report = import_deals([["A-1", "Won", "2024-03-01", "2024-02-01", "", "", "", ""]])
    assert details(report) == ["row 2: closed_on: 2024-02-01 is before engaged_on 2024-03-01"]


def test_bad_dates_and_amounts_are_row_errors(person: MakePerson, import_deals: Import) -> None:
    person("A-1")
    report = import_deals([["A-1", "Won", "yesterday", "2024-02-30", "", "", "lots", ""]])
    assert details(report) == [
        'row 2: engaged_on: "yesterday" is not a date (expected e.g. 2024-03-05 or '
        '2024-03-05 14:30); row 2: closed_on: "2024-02-30" is not a date (expected e.g. '
        '2024-03-05 or 2024-03-05 14:30); row 2: value: "lots" is not an amount'
    ]


# --- duplicates and open deals ---------------------------------------------------------


def test_importing_deals_twice_creates_no_duplicates(
    person: MakePerson, import_deals: Import
) -> None:
    person("A-1")
    person("A-2")
    rows = [won("A-1"), ["A-2", "Proposing", "2024-03-01", "", "", "", "", ""]]
    first = import_deals(rows)
    assert outcomes(first) == ["created", "created"]
    counts = (Opportunity.objects.count(), StageChange.objects.count(), User.objects.count())
    second = import_deals(rows)
    assert outcomes(second) == ["duplicate", "duplicate"]
    opportunity = Opportunity.objects.get(person__external_id="A-1")
    assert details(second)[0] == f"already stored as opportunity {opportunity.pk} (Won 2018-02-26)"
    assert (Opportunity.objects.count(), StageChange.objects.count(), User.objects.count()) == (
        counts
    )
    assert TypeChangeRecord.objects.count() == 1


def test_the_same_deal_twice_in_one_file_lands_once(
    person: MakePerson, import_deals: Import
) -> None:
    person("A-1")
    report = import_deals([won("A-1"), won("A-1", closed="2018-02-26 08:00")])
    assert outcomes(report) == ["created", "duplicate"]
    assert details(report)[1] == "duplicate of row 2"


def test_second_open_deal_for_one_person_is_a_row_error(
    person: MakePerson, import_deals: Import
) -> None:
    person("A-1")
    report = import_deals(
        [
            ["A-1", "Proposing", "2024-03-01", "", "", "", "", ""],
            ["A-1", "Contract sent", "2024-04-01", "", "", "", "", ""],
            won("A-1"),
        ],
        mode=Mode.SKIP_BAD,
    )
    assert outcomes(report) == ["created", "error", "created"]
    assert details(report)[1] == (
        "row 3: stage: a second open deal for this person (row 2 opens one);"
        " one open opportunity per person"
    )


def test_open_deal_for_someone_with_an_open_opportunity_is_a_row_error(
    person: MakePerson, import_deals: Import
) -> None:
    lead = person("A-1")
    setter = User.objects.create_user("sam")
    booked = book_appointment(
        person=lead,
        setter=setter,
        rep=setter,
        scheduled_at=NOW + timedelta(days=2),
        has_problem_we_solve=True,
        has_authority_to_buy=True,
        agreed_to_talk_to_sales=True,
        at=NOW,
    )
    report = import_deals([["A-1", "Proposing", "2024-03-01", "", "", "", "", ""]])
    assert details(report) == [
        "row 2: stage: the person already has an open opportunity (Appointment set, "
        f"opportunity {booked.opportunity.pk}); one open opportunity per person"
    ]


# --- setters and reps ------------------------------------------------------------------


def test_unknown_setters_and_reps_become_inactive_users_in_their_role(
    person: MakePerson, import_deals: Import
) -> None:
    for key in ("A-1", "A-2"):
        person(key)
    User.objects.create_user("sr-1", first_name="Ray")
    rows = [
        ["A-1", "Won", "2024-01-01", "2024-02-01", "Jane Smith", "sr-1", "", ""],
        ["A-2", "Won", "2024-01-01", "2024-02-01", "kim@oldcrm.example", "Jane Smith", "", ""],
    ]
    report = import_deals(rows)
    assert sorted(report.new_users) == ["jane.smith", "kim@oldcrm.example"]
    jane = User.objects.get(username="jane.smith")
    assert (jane.first_name, jane.last_name, jane.is_active) == ("Jane", "Smith", False)
    assert not jane.has_usable_password()
    assert set(jane.groups.values_list("name", flat=True)) == {Role.SETTER, Role.REP}
    kim = User.objects.get(username="kim@oldcrm.example")
    assert kim.email == "kim@oldcrm.example"
    assert list(kim.groups.values_list("name", flat=True)) == [Role.SETTER]
    first = Opportunity.objects.get(person__external_id="A-1")
    assert (first.setter, first.rep) == (jane, User.objects.get(username="sr-1"))
    assert not Group.objects.get(name=Role.REP).user_set.filter(username="sr-1").exists()


def test_a_second_import_finds_the_users_the_first_created(
    person: MakePerson, import_deals: Import
) -> None:
    person("A-1")
    person("A-2")
    import_deals([["A-1", "Won", "2024-01-01", "2024-02-01", "Jane Smith", "", "", ""]])
    report = import_deals([["A-2", "Won", "2024-01-01", "2024-02-01", "JANE SMITH", "", "", ""]])
    assert report.new_users == ()
    assert User.objects.count() == 1


# --- modes and the report --------------------------------------------------------------


def test_dry_run_writes_nothing_but_reports_every_row(
    person: MakePerson, import_deals: Import
) -> None:
    person("A-1")
    report = import_deals([won("A-1"), won("NOBODY")], dry_run=True, mode=Mode.SKIP_BAD)
    assert outcomes(report) == ["created", "error"]
    assert report.reason == "dry run: nothing was written"
    assert report.new_users == ("sdr-1", "sr-1")
    assert report.clients == 1
    assert (Opportunity.objects.count(), User.objects.count()) == (0, 0)
    assert Person.objects.get(external_id="A-1").person_type == PersonType.LEAD


def test_report_has_one_line_per_input_row(
    person: MakePerson, import_deals: Import, tmp_path: Path
) -> None:
    person("A-1")
    report = import_deals([won("A-1"), won("NOBODY"), won("A-1")], mode=Mode.SKIP_BAD)
    out = tmp_path / "report.csv"
    report.write_csv(out)
    lines = list(csv.reader(out.open(encoding="utf-8")))
    assert lines[0] == ["row", "outcome", "detail"]
    assert [line[:2] for line in lines[1:]] == [
        ["2", "created"],
        ["3", "error"],
        ["4", "duplicate"],
    ]
    assert sum(report.counts.values()) == report.read == 3
    assert report.counts[DealOutcome.ERROR] == 1


def test_map_points_an_odd_header_at_a_field(person: MakePerson, import_deals: Import) -> None:
    person("A-1")
    report = import_deals(
        [["A-1", "Won", "2018-02-26", "42"]],
        header=["Kundennummer", "Phase", "Abschluss", "Betrag"],
        mapping={
            "Kundennummer": "external_id",
            "Phase": "stage",
            "abschluss": "closed_on",
            "Betrag": "value",
        },
    )
    assert outcomes(report) == ["created"]
    assert Opportunity.objects.get().contract_value == Decimal("42.00")


def test_dates_are_the_business_local_time_and_a_rerun_still_matches_them(
    person: MakePerson, import_deals: Import, settings: Any
) -> None:
    settings.TIME_ZONE = "America/Chicago"
    person("A-1")
    import_deals([won("A-1", closed="2024-03-01 23:30")])
    deal = Opportunity.objects.get()
    assert deal.closed_at == datetime(2024, 3, 2, 5, 30, tzinfo=UTC)
    again = import_deals([won("A-1", closed="2024-03-01")])
    assert outcomes(again) == ["duplicate"]
    assert details(again) == [f"already stored as opportunity {deal.pk} (Won 2024-03-01)"]
