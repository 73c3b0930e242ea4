"""External ids, per-row lead sources and consent columns through the intake pipeline."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

import pytest

from leadflow.crm.models import Activity, Person, Source
from leadflow.crm.services.playbook import seed_defaults
from leadflow.domain.people import PersonType
from leadflow.intake.options import IntakeOptions, Outcome
from leadflow.intake.read import read_table
from leadflow.intake.report import IntakeReport
from leadflow.intake.run import run_intake

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _playbook(db: None) -> None:
    seed_defaults()


def _run(tmp_path: Path, header: list[str], rows: list[list[str]], **options: str) -> IntakeReport:
    path = tmp_path / "list.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    settings = {"campaign": "Olist MQLs", "source": "olist", **options}
    return run_intake(read_table(path), IntakeOptions(**settings), now=NOW)  # type: ignore[arg-type]


def test_a_row_known_only_by_its_external_id_is_a_lead(tmp_path: Path) -> None:
    report = _run(tmp_path, ["Lead ID", "Origin"], [["abc123", "paid_search"]])
    assert report.counts[Outcome.CREATED] == 1, report.errors
    person = Person.objects.get()
    assert person.external_id == "abc123"
    assert person.person_type == PersonType.LEAD


def test_a_row_without_email_phone_or_external_id_is_an_error(tmp_path: Path) -> None:
    report = _run(tmp_path, ["Lead ID", "First Name"], [["", "Ann"]])
    assert report.errors == ["row 2: email: needs an email, a phone or an external id"]


def test_external_id_matches_the_stored_person_on_reimport(tmp_path: Path) -> None:
    _run(tmp_path, ["mql_id", "origin"], [["m-1", "social"]])
    report = _run(tmp_path, ["mql_id", "E-mail"], [["m-1", "ann@example.com"]])
    assert report.counts[Outcome.MERGED] == 1
    person = Person.objects.get()
    assert person.email_normalized == "ann@example.com"  # the blank was filled


def test_two_rows_with_one_external_id_are_one_person(tmp_path: Path) -> None:
    report = _run(
        tmp_path,
        ["Lead ID", "E-mail"],
        [["m-1", "ann@example.com"], ["m-1", ""], ["m-1", "ann.other@example.com"]],
    )
    assert report.counts[Outcome.CREATED] == 1, report.rows
    assert report.counts[Outcome.MERGED] == 2
    assert Person.objects.count() == 1


def test_an_external_id_owned_by_someone_else_is_not_copied_onto_a_match(tmp_path: Path) -> None:
    _run(tmp_path, ["Lead ID", "E-mail"], [["m-1", "ann@example.com"], ["m-2", "bo@example.com"]])
    report = _run(tmp_path, ["Lead ID", "E-mail"], [["m-2", "ann@example.com"]])
    assert report.written
    assert Person.objects.get(email_normalized="ann@example.com").external_id == "m-1"
    assert Person.objects.get(email_normalized="bo@example.com").external_id == "m-2"


def test_each_row_keeps_its_own_lead_source_and_blank_uses_the_import_source(
    tmp_path: Path,
) -> None:
    report = _run(
        tmp_path,
        ["Lead ID", "Lead Source"],
        [["a", "Google"], ["b", "google"], ["c", ""]],
    )
    assert report.written, report.errors
    sources = dict(Person.objects.values_list("external_id", "lead_source__name"))
    assert sources == {"a": "Google", "b": "Google", "c": "olist"}
    assert Activity.objects.filter(source__name="Google").count() == 2


def test_a_stored_person_keeps_the_lead_source_they_came_from(tmp_path: Path) -> None:
    _run(tmp_path, ["Lead ID", "Lead Source"], [["a", "referral"]])
    _run(tmp_path, ["Lead ID", "Lead Source"], [["a", "display"]], campaign="Retargeting")
    person = Person.objects.get()
    assert person.lead_source == Source.objects.get(name="referral")
    assert set(person.activities.values_list("source__name", flat=True)) == {
        "referral",
        "display",
    }


def test_consent_columns_set_opt_outs_and_an_import_never_clears_one(tmp_path: Path) -> None:
    header = ["E-mail", "Do Not Email", "Do Not Call"]
    _run(tmp_path, header, [["ann@example.com", "Yes", "No"], ["bo@example.com", "No", "Yes"]])
    ann = Person.objects.get(email_normalized="ann@example.com")
    bo = Person.objects.get(email_normalized="bo@example.com")
    assert (ann.email_opt_out, ann.do_not_call) == (True, False)
    assert (bo.email_opt_out, bo.do_not_call) == (False, True)
    report = _run(tmp_path, header, [["ann@example.com", "No", "Yes"]], campaign="Second")
    ann.refresh_from_db()
    assert (ann.email_opt_out, ann.do_not_call) == (True, True)
    assert "asked not to be called" in report.rows["detail"][0]


def test_an_untouched_select_drop_down_reads_as_blank(tmp_path: Path) -> None:
    _run(tmp_path, ["Lead ID", "City", "Industry"], [["a", "Select", "Select"]])
    person = Person.objects.get()
    assert person.city == ""
    assert person.company is None


@pytest.mark.parametrize("scan_ratio", [0, 1_000_000], ids=["look-up", "scan"])
def test_stored_people_are_found_by_every_key_whichever_way_they_are_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, scan_ratio: int
) -> None:
    """Small files look their keys up in the database, big ones read everyone's keys:
    both must find the same people (email, phone, external id, company + name)."""
    from leadflow.intake import existing

    header = ["Lead ID", "First Name", "Last Name", "E-mail", "Phone Number", "Company Name"]
    _run(
        tmp_path,
        header,
        [
            ["x-1", "Ann", "Ames", "ann@ames.example", "", ""],
            ["", "Bo", "Berg", "", "(512) 555-0142", ""],
            ["", "Cy", "Cole", "cy@cole.example", "", "Cole Dental LLC"],
            ["x-4", "Di", "Dunn", "", "", ""],
        ],
    )
    monkeypatch.setattr(existing, "_SCAN_RATIO", scan_ratio)
    report = _run(
        tmp_path,
        header,
        [
            ["", "", "", "ANN@ames.example", "", ""],
            ["", "", "", "", "512.555.0142", ""],
            ["", "cy", "COLE", "", "(512) 555-0199", "Cole Dental"],
            ["x-4", "", "", "di@dunn.example", "", ""],
            ["", "Eve", "Ek", "eve@ek.example", "", ""],
        ],
        campaign="Second",
    )
    assert report.rows["outcome"].to_list() == ["merged"] * 4 + ["created"], report.rows
    assert Person.objects.count() == 5
