"""Suppression imports: opt-outs, do-not-call and Avoid apply at once, with history."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth.models import User
from typer.testing import CliRunner

from leadflow.cli import app
from leadflow.crm.models import AvoidEntry, ConsentChange, Person, TypeChangeRecord
from leadflow.crm.services.people import create_person
from leadflow.crm.services.suppressions import (
    RowOutcome,
    SuppressionKind,
    import_suppressions,
)
from leadflow.domain.errors import OnAvoidList
from leadflow.intake.read import IntakeFileError, read_bytes


def table(text: str):  # type: ignore[no-untyped-def]
    return read_bytes(text.encode(), filename="list.csv")


def outcomes(report) -> list[str]:  # type: ignore[no-untyped-def]
    return report.rows.sort("row")["outcome"].to_list()


@pytest.fixture
def people(db: None) -> dict[str, Person]:
    return {
        "ann": create_person(by=None, first_name="Ann", email="Ann@Example.com"),
        "dan": create_person(by=None, first_name="Dan", phone="(512) 555-0142"),
        "dee": create_person(by=None, first_name="Dee", phone="512-555-0142"),
    }


def test_suppression_import_sets_email_opt_out_with_history(people: dict[str, Person]) -> None:
    boss = User.objects.create_user("boss")
    report = import_suppressions(
        table("email\n ann@example.COM \nnobody@example.com\nnot-an-email@\n"),
        kind=SuppressionKind.EMAIL_OPT_OUT,
        reason="unsubscribed in Mailchimp",
        by=boss,
    )
    assert outcomes(report) == ["matched", "not found", "error"]
    assert report.errors == ['row 4: email "not-an-email@" is not an email address']
    ann = Person.objects.get(pk=people["ann"].pk)
    assert ann.email_opt_out
    change = ConsentChange.objects.get(person=ann)
    assert (change.flag, change.value, change.by, change.reason) == (
        "email_opt_out",
        True,
        boss,
        "unsubscribed in Mailchimp",
    )


def test_suppression_import_sets_do_not_call_with_history(people: dict[str, Person]) -> None:
    report = import_suppressions(
        table("Phone\n+1 512 555 0142\n12\n"),
        kind=SuppressionKind.DO_NOT_CALL,
        reason="national DNC registry",
        by=None,
    )
    assert outcomes(report) == ["matched", "error"]
    assert report.errors == ['row 3: phone "12" is not a phone number']
    # Both people sharing the number are do-not-call, each with a history row.
    assert set(Person.objects.filter(do_not_call=True).values_list("first_name", flat=True)) == {
        "Dan",
        "Dee",
    }
    assert ConsentChange.objects.filter(flag="do_not_call", by=None).count() == 2


def test_a_second_import_reports_already_suppressed_and_adds_no_history(
    people: dict[str, Person],
) -> None:
    for _ in range(2):
        report = import_suppressions(
            table("email\nann@example.com\n"),
            kind=SuppressionKind.EMAIL_OPT_OUT,
            reason="opt-out",
            by=None,
        )
    assert outcomes(report) == ["already suppressed"]
    assert ConsentChange.objects.count() == 1


def test_avoid_suppression_puts_matched_people_on_avoid_with_history(
    people: dict[str, Person],
) -> None:
    report = import_suppressions(
        table("email,phone\nann@example.com,\n,(512) 555-0142\n"),
        kind=SuppressionKind.AVOID,
        reason="legal asked",
        by=None,
    )
    assert outcomes(report) == ["matched", "matched"]
    avoided = Person.objects.filter(person_type="avoid")
    assert set(avoided.values_list("first_name", flat=True)) == {"Ann", "Dan", "Dee"}
    assert set(avoided.values_list("type_before_avoid", flat=True)) == {"prospect"}
    assert AvoidEntry.objects.filter(person__isnull=False, lifted_at__isnull=True).count() == 3
    assert TypeChangeRecord.objects.filter(after="avoid", reason="legal asked").count() == 3


def test_avoid_suppression_blocks_a_later_import(db: None) -> None:
    report = import_suppressions(
        table("email,phone\nstranger@example.com,\n,+15125550199\n"),
        kind=SuppressionKind.AVOID,
        reason="never contact",
        by=None,
    )
    assert outcomes(report) == ["entry added", "entry added"]
    assert AvoidEntry.objects.filter(person__isnull=True).count() == 2
    with pytest.raises(OnAvoidList):
        create_person(by=None, email="Stranger@example.com")
    with pytest.raises(OnAvoidList):
        create_person(by=None, phone="512 555 0199")
    again = import_suppressions(
        table("email\nstranger@example.com\n"),
        kind=SuppressionKind.AVOID,
        reason="never contact",
        by=None,
    )
    assert outcomes(again) == ["entry added"]
    assert AvoidEntry.objects.filter(person__isnull=True).count() == 2  # no duplicate entry


def test_a_file_without_the_column_its_kind_needs_is_refused(db: None) -> None:
    with pytest.raises(IntakeFileError, match="needs a phone column"):
        import_suppressions(
            table("email\na@b.com\n"), kind=SuppressionKind.DO_NOT_CALL, reason="x", by=None
        )


def test_import_suppressions_command_reports_per_row(
    people: dict[str, Person], tmp_path: Path
) -> None:
    User.objects.create_user("marta")
    source = tmp_path / "dnc.csv"
    source.write_text("phone\n5125550142\n")
    report = tmp_path / "report.csv"
    result = CliRunner().invoke(
        app,
        [
            "import-suppressions",
            str(source),
            "--kind",
            "do-not-call",
            "--reason",
            "asked on a call",
            "--by",
            "marta",
            "--report",
            str(report),
        ],
    )
    assert result.exit_code == 0, result.output
    assert RowOutcome.MATCHED.value in result.output
    assert report.read_text().splitlines()[1].startswith("2,matched,person ")
    assert ConsentChange.objects.filter(by__username="marta").count() == 2


def test_avoid_suppression_loses_an_open_opportunity_as_add_to_avoid_does(db: None) -> None:
    from django.utils import timezone

    from leadflow.crm.models import Opportunity
    from leadflow.crm.services.playbook import seed_defaults
    from tests.http.pages import book, make_user, qualified_lead

    seed_defaults()
    lead = qualified_lead("Sam", "Sweet", "Sweet Law", at=timezone.now(), n=1)
    book(
        lead, make_user("ann", "Ann", "Setter"), make_user("rex", "Rex", "Rep"), at=lead.created_at
    )
    assert lead.email_normalized
    report = import_suppressions(
        table(f"email\n{lead.email_normalized}\n"),
        kind=SuppressionKind.AVOID,
        reason="asked us to stop",
        by=None,
    )
    assert outcomes(report) == ["matched"]
    deal = Opportunity.objects.get(person=lead)
    assert (deal.stage, deal.disposition) == ("lost", "avoid")
    assert Person.objects.get(pk=lead.pk).type_before_avoid == "lead"
