"""The intake pipeline on the real database: every rule of PRODUCT.md §7 and issue 4."""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User

from leadflow.crm.models import (
    Activity,
    Campaign,
    MergeRecord,
    Person,
    QualificationRecord,
    Task,
    TypeChangeRecord,
)
from leadflow.crm.services.avoid import add_avoid_entry, add_to_avoid
from leadflow.crm.services.playbook import seed_defaults
from leadflow.domain.people import PersonType, Role
from leadflow.domain.qualification import QualificationStatus
from leadflow.domain.temperature import Temperature
from leadflow.intake.options import IntakeOptions, ListKind, Mode, Outcome
from leadflow.intake.read import read_table
from leadflow.intake.report import IntakeReport
from leadflow.intake.run import run_intake

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
HEADER = [
    "First Name",
    "Last Name",
    "E-mail",
    "Phone Number",
    "Job Title",
    "Company Name",
    "Industry",
    "No. of Employees",
    "State",
    "Country",
    "Timeline",
    "Interested In",
    "Contact me",
]
GOOD = [
    "Dana",
    "Owens",
    "dana@owensreyes.com",
    "(512) 555-0142",
    "Managing Partner",
    "Owens & Reyes LLP",
    "legal",
    "35",
    "TX",
    "US",
    "now",
    "managed services",
    "yes",
]


@pytest.fixture
def owner(db: None) -> User:
    seed_defaults()
    user = User.objects.create_user("owner", password="x")
    user.groups.add(Group.objects.get(name=Role.OWNER.value))
    return user


@pytest.fixture
def write_csv(tmp_path: Path) -> Callable[..., Path]:
    def write(rows: list[list[str]], header: list[str] = HEADER, name: str = "list.csv") -> Path:
        path = tmp_path / name
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(rows)
        return path

    return write


def _row(**changes: str) -> list[str]:
    values = dict(zip(HEADER, GOOD, strict=True))
    values.update({k.replace("_", " "): v for k, v in changes.items()})
    return [values[h] for h in HEADER]


def run(path: Path, **options: object) -> IntakeReport:
    settings = {"campaign": "Ransomware webinar", "source": "webinar", **options}
    return run_intake(read_table(path), IntakeOptions(**settings), now=NOW)  # type: ignore[arg-type]


def _adds_up(report: IntakeReport) -> None:
    assert sum(report.counts.values()) == report.read


def test_responses_create_leads_with_activity_temperature_and_explanation(
    owner: User, write_csv: Callable[..., Path]
) -> None:
    report = run(write_csv([_row()]))
    assert report.written
    assert report.counts[Outcome.CREATED] == 1
    person = Person.objects.get()
    assert person.person_type == PersonType.LEAD
    assert person.email_normalized == "dana@owensreyes.com"
    assert person.phone_normalized == "+15125550142"
    assert person.temperature == Temperature.HOT  # a webinar attended
    assert person.qualification_status == QualificationStatus.QUALIFIED
    assert person.sweet_spot is not None
    assert person.sweet_spot.name in person.qualification_explanation
    activity = Activity.objects.get(person=person)
    assert activity.campaign == Campaign.objects.get(name="Ransomware webinar")
    assert TypeChangeRecord.objects.get(person=person).after == PersonType.LEAD
    assert QualificationRecord.objects.get(person=person).details["rules"]
    assert Task.objects.filter(person=person, kind=Task.Kind.CALL).exists()


def test_farm_list_creates_prospects_only(owner: User, write_csv: Callable[..., Path]) -> None:
    report = run(write_csv([_row()]), kind=ListKind.FARM_LIST, source="rented list")
    assert report.counts[Outcome.CREATED] == 1
    person = Person.objects.get()
    assert person.person_type == PersonType.PROSPECT
    assert person.qualification_status is None
    assert not Activity.objects.exists()


def test_bad_row_is_reported_by_number_and_all_or_nothing_writes_nothing(
    owner: User, write_csv: Callable[..., Path]
) -> None:
    path = write_csv([_row(), _row(**{"E-mail": "not-an-email", "Phone Number": "12"})])
    report = run(path)
    assert not report.written
    assert "nothing was written" in report.reason
    assert any(e.startswith("row 3: ") and "email" in e for e in report.errors)
    assert not Person.objects.exists()
    _adds_up(report)


def test_skip_bad_lands_the_good_rows(owner: User, write_csv: Callable[..., Path]) -> None:
    path = write_csv([_row(), _row(**{"E-mail": "not-an-email", "Phone Number": ""})])
    report = run(path, mode=Mode.SKIP_BAD)
    assert report.written
    assert (report.counts[Outcome.CREATED], report.counts[Outcome.ERROR]) == (1, 1)
    assert Person.objects.count() == 1
    _adds_up(report)


def test_avoid_row_is_never_created_updated_or_promoted(
    owner: User, write_csv: Callable[..., Path]
) -> None:
    add_avoid_entry(by=owner, reason="sent a cease letter", email_normalized="dana@owensreyes.com")
    report = run(write_csv([_row()]))
    assert report.counts[Outcome.BLOCKED] == 1
    detail = report.rows["detail"][0]
    assert detail.startswith("blocked: on Avoid list since ")
    assert "(sent a cease letter)" in detail
    assert not Person.objects.exists()


def test_a_stored_avoid_person_is_not_touched_by_an_import(
    owner: User, write_csv: Callable[..., Path]
) -> None:
    run(write_csv([_row(**{"Job Title": ""})]), kind=ListKind.FARM_LIST)
    prospect = Person.objects.get()
    add_to_avoid(person=prospect, by=owner, reason="competitor")
    report = run(write_csv([_row()]))
    assert report.counts[Outcome.BLOCKED] == 1
    prospect.refresh_from_db()
    assert prospect.person_type == PersonType.AVOID
    assert prospect.title == ""
    assert not prospect.activities.exists()


def test_duplicates_in_the_file_merge_into_the_first_row(
    owner: User, write_csv: Callable[..., Path]
) -> None:
    path = write_csv(
        [
            _row(**{"Job Title": ""}),
            _row(**{"E-mail": "DANA@OwensReyes.com", "Job Title": "Managing Partner"}),
            _row(**{"E-mail": "", "Phone Number": "512.555.0142"}),
        ]
    )
    report = run(path)
    assert report.counts[Outcome.CREATED] == 1
    assert report.counts[Outcome.MERGED] == 2
    assert report.rows.filter(report.rows["row"] == 3)["detail"][0] == "duplicate of row 2"
    person = Person.objects.get()
    assert person.title == "Managing Partner"  # filled from the duplicate
    _adds_up(report)


def test_merge_fills_blanks_never_overwrites_and_records_what_changed(
    owner: User, write_csv: Callable[..., Path]
) -> None:
    run(write_csv([_row(**{"Job Title": "", "First Name": "Dana"})]), kind=ListKind.FARM_LIST)
    report = run(
        write_csv([_row(**{"First Name": "Danielle", "Job Title": "Owner", "Last Name": ""})]),
        kind=ListKind.FARM_LIST,
    )
    assert report.counts[Outcome.MERGED] == 1
    person = Person.objects.get()
    assert person.first_name == "Dana"  # never overwritten
    assert person.last_name == "Owens"  # never blanked
    assert person.title == "Owner"  # a blank filled
    merge = MergeRecord.objects.get(person=person)
    assert merge.changes == {"title": "Owner", "authority": 4}


def test_a_lead_never_goes_back_to_prospect(owner: User, write_csv: Callable[..., Path]) -> None:
    run(write_csv([_row()]))
    run(write_csv([_row()]), kind=ListKind.FARM_LIST, campaign="Rented list Q4")
    assert Person.objects.get().person_type == PersonType.LEAD


def test_a_prospect_on_a_list_becomes_a_lead_when_it_responds(
    owner: User, write_csv: Callable[..., Path]
) -> None:
    run(write_csv([_row()]), kind=ListKind.FARM_LIST, campaign="Rented list Q4")
    report = run(write_csv([_row()]))
    assert report.counts[Outcome.MERGED] == 1
    person = Person.objects.get()
    assert person.person_type == PersonType.LEAD
    assert person.qualification_status == QualificationStatus.QUALIFIED
    assert TypeChangeRecord.objects.filter(person=person, after=PersonType.LEAD).count() == 1


def test_the_same_file_twice_changes_nothing_the_second_time(
    owner: User, write_csv: Callable[..., Path]
) -> None:
    path = write_csv([_row(), _row(**{"E-mail": "sam@example.com", "Phone Number": ""})])
    run(path)
    before = (
        Person.objects.count(),
        Activity.objects.count(),
        Task.objects.count(),
        QualificationRecord.objects.count(),
        TypeChangeRecord.objects.count(),
        MergeRecord.objects.count(),
    )
    again = run(path)
    assert again.counts[Outcome.MERGED] == 2
    assert all("no change" in d for d in again.rows["detail"].to_list())
    after = (
        Person.objects.count(),
        Activity.objects.count(),
        Task.objects.count(),
        QualificationRecord.objects.count(),
        TypeChangeRecord.objects.count(),
        MergeRecord.objects.count(),
    )
    assert after == before


def test_dry_run_writes_nothing(owner: User, write_csv: Callable[..., Path]) -> None:
    report = run(write_csv([_row()]), dry_run=True)
    assert not report.written
    assert report.counts[Outcome.CREATED] == 1
    assert not Person.objects.exists()
    assert not Campaign.objects.exists()


def test_spam_is_not_stored_and_counted_per_campaign(
    owner: User, write_csv: Callable[..., Path]
) -> None:
    path = write_csv([_row(), _row(**{"E-mail": "bot@mailinator.com", "Phone Number": ""})])
    report = run(path)
    assert report.counts[Outcome.SPAM] == 1
    assert Person.objects.count() == 1
    assert Campaign.objects.get().spam_count == 1


def test_incomplete_record_gets_a_gather_missing_information_task(
    owner: User, write_csv: Callable[..., Path]
) -> None:
    run(write_csv([_row(Timeline="")]))
    person = Person.objects.get()
    assert person.incomplete
    assert person.qualification_status == QualificationStatus.RAW
    assert Task.objects.filter(person=person, kind=Task.Kind.GATHER_MISSING_INFORMATION).exists()


def test_dated_responses_imported_twice_add_no_activity(
    owner: User, write_csv: Callable[..., Path]
) -> None:
    header = [*HEADER, "Date"]
    path = write_csv([[*_row(), "2026-10-14"], [*_row(), "2026-10-20"]], header=header)
    first = run(path)
    assert first.counts[Outcome.CREATED] == 1
    assert Activity.objects.count() == 1  # two rows of one person: one response
    assert Activity.objects.get().occurred_at.date().isoformat() == "2026-10-14"
    run(path)
    assert Activity.objects.count() == 1


def test_a_response_to_another_campaign_is_a_new_activity(
    owner: User, write_csv: Callable[..., Path]
) -> None:
    path = write_csv([_row()])
    run(path)
    report = run(path, campaign="Trade show Dallas", source="trade show")
    assert "no change" not in report.rows["detail"][0]
    assert Activity.objects.count() == 2


def test_two_rows_that_are_one_stored_person_merge_into_the_earliest(
    owner: User, write_csv: Callable[..., Path]
) -> None:
    run(write_csv([_row(Timeline="")]), kind=ListKind.FARM_LIST, campaign="List")
    # Row 2 matches the stored person by email, row 3 by phone only (another email).
    path = write_csv(
        [
            _row(**{"Phone Number": ""}),
            _row(**{"E-mail": "dana.owens@gmail.com", "Phone Number": "512-555-0142"}),
        ]
    )
    report = run(path)
    assert report.counts[Outcome.MERGED] == 2
    assert report.rows.filter(report.rows["row"] == 3)["detail"][0] == "duplicate of row 2"
    assert Person.objects.count() == 1
    _adds_up(report)


def test_a_bot_row_is_spam_even_when_its_phone_is_invalid(
    owner: User, write_csv: Callable[..., Path]
) -> None:
    path = write_csv([_row(), _row(**{"E-mail": "x@mailinator.com", "Phone Number": "12"})])
    report = run(path)
    assert report.written
    assert report.counts[Outcome.SPAM] == 1
    assert report.counts[Outcome.ERROR] == 0


def test_people_written_in_chunks_are_the_same_as_written_at_once(
    owner: User, write_csv: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from leadflow.intake import writer

    monkeypatch.setattr(writer, "CHUNK", 2)  # five people: chunks of 2, 2 and 1
    rows = [
        _row(**{"E-mail": f"p{i}@owensreyes.com", "Phone Number": f"(512) 555-014{i}"})
        for i in range(5)
    ]
    report = run(write_csv(rows))
    assert report.counts[Outcome.CREATED] == 5
    assert Person.objects.count() == 5
    assert Person.objects.values("company").distinct().count() == 1  # one company, once
    assert QualificationRecord.objects.count() == 5
    assert Activity.objects.count() == 5
    ids = sorted(report.rows["person_id"].to_list())
    assert ids == sorted(Person.objects.values_list("pk", flat=True))


def test_an_empty_playbook_still_classifies_every_lead_instead_of_failing_the_import(
    db: None, write_csv: Callable[..., Path]
) -> None:
    # No rules and no avatars (every one deleted on the playbook page): no rule fails
    # anyone and no avatar makes a sweet spot, and the import still takes everyone in.
    report = run(write_csv([_row()]))
    assert report.counts[Outcome.CREATED] == 1
    _adds_up(report)
    person = Person.objects.get()
    assert person.person_type == PersonType.LEAD
    assert person.qualification_status == QualificationStatus.QUALIFIED
    assert not person.sweet_spot
