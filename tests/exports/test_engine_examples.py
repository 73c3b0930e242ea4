"""The export engine on small named worlds: filters, reasons, files, records."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from django.db.models import Q

from leadflow.crm.models import (
    Activity,
    AvoidEntry,
    Campaign,
    Company,
    ExportRecord,
    Person,
    Source,
)
from leadflow.domain.channels import Channel, Exclusion
from leadflow.domain.people import PersonType
from leadflow.domain.qualification import QualificationStatus
from leadflow.exports import service
from leadflow.exports.candidates import Filters, NoSuchCampaign
from leadflow.exports.engine import export_list
from leadflow.exports.history import pack_ids, unpack_ids, was_on_list
from leadflow.exports.service import ExportFileError, export_channel_list
from tests.exports.test_engine_world import NOW, Someone, build

pytestmark = pytest.mark.django_db


def _someone(**changes: object) -> Someone:
    base: dict[str, object] = {
        "person_type": PersonType.LEAD,
        "qualification": QualificationStatus.QUALIFIED,
        "sweet_spot": True,
        "email": True,
        "email_opt_out": False,
        "phone": True,
        "do_not_call": False,
        "address": True,
        "refunded": False,
        "late_pay": False,
        "opportunity": "",
        "avoid_entry": False,
        "avoid_days_ago": 0,
    }
    return Someone(**{**base, **changes})  # type: ignore[arg-type]


def test_an_avoid_person_is_excluded_with_the_date_they_went_on_avoid(db: None) -> None:
    build([_someone(person_type=PersonType.AVOID, avoid_entry=True, avoid_days_ago=3)])
    result = export_list(Channel.GENERAL_EMAIL)
    assert result.included.is_empty()
    day = (NOW - timedelta(days=3)).date().isoformat()
    assert result.excluded["explanation"].to_list() == [
        f"on the Avoid list since {day} (asked never to be contacted)"
    ]
    assert result.excluded_by_reason == {Exclusion.AVOID: 1}


def test_a_client_who_was_refunded_lists_every_reason_off_a_prospecting_channel(
    db: None,
) -> None:
    build([_someone(person_type=PersonType.CLIENT, refunded=True, email_opt_out=True)])
    result = export_list(Channel.GENERAL_EMAIL)
    assert result.excluded["reasons"].to_list() == [
        ["client_only_client_campaigns", "client_refunded", "email_opt_out"]
    ]


def test_the_campaign_filter_keeps_people_who_came_from_or_responded_to_it(db: None) -> None:
    came, responded, _other = build([_someone(), _someone(), _someone()])
    campaign = Campaign.objects.create(name="Webinar", source=Source.objects.create(name="w"))
    Person.objects.filter(pk=came.pk).update(first_campaign=campaign)
    Activity.objects.create(
        person=responded, kind="download", wish="neutral", occurred_at=NOW, campaign=campaign,
        temperature=3,
    )  # fmt: skip
    result = export_list(Channel.EMAIL_DRIP, Filters(campaign="Webinar"))
    assert sorted(result.included["person_id"]) == sorted([came.pk, responded.pk])
    with pytest.raises(NoSuchCampaign):
        export_list(Channel.EMAIL_DRIP, Filters(campaign="No such"))


def test_a_segment_restricts_by_person_ids_or_by_a_q(db: None) -> None:
    first, second = build([_someone(), _someone()])
    by_ids = export_list(Channel.EMAIL_DRIP, Filters(person_ids=pl.Series([second.pk])))
    assert by_ids.included["person_id"].to_list() == [second.pk]
    by_q = export_list(Channel.EMAIL_DRIP, Filters(where=Q(first_name=first.first_name)))
    assert by_q.included["person_id"].to_list() == [first.pk]
    assert by_q.considered == 1


def test_each_channel_exports_the_contact_columns_its_medium_needs(db: None) -> None:
    build([_someone()])
    assert export_list(Channel.GENERAL_EMAIL).included.columns == [
        "person_id", "first_name", "last_name", "company", "email",
    ]  # fmt: skip
    assert export_list(Channel.TELEMARKETING).included.columns[-1] == "phone"
    assert export_list(Channel.DIRECT_MAIL).included.columns[-5:] == [
        "street", "city", "region", "postcode", "country",
    ]  # fmt: skip


def test_an_export_records_its_checksum_counts_and_the_people_sent(
    db: None, tmp_path: Path
) -> None:
    sent, opted_out = build([_someone(), _someone(email_opt_out=True)])
    out, excluded = tmp_path / "list.csv", tmp_path / "excluded.csv"
    done = export_channel_list(
        channel=Channel.GENERAL_EMAIL, out=out, excluded_out=excluded, described={"segment": "x"}
    )
    record = ExportRecord.objects.get()
    assert record.file_sha256 == hashlib.sha256(out.read_bytes()).hexdigest()
    assert (record.considered_count, record.included_count, record.excluded_count) == (2, 1, 1)
    assert record.excluded_by_reason == {"email_opt_out": 1}
    assert record.filters == {"segment": "x"}
    assert done.record == record
    report = pl.read_csv(excluded)
    assert report["person_id"].to_list() == [opted_out.pk]
    assert report["reasons"].to_list() == ["email_opt_out"]
    assert was_on_list(sent.pk) == [record]
    assert was_on_list(opted_out.pk) == []
    assert was_on_list(sent.pk, on=record.exported_at.date() - timedelta(days=1)) == []


def test_the_id_list_round_trips_compressed() -> None:
    ids = pl.Series([5, 1, 1_000_000, 42], dtype=pl.Int64)
    assert unpack_ids(pack_ids(ids)).to_list() == [1, 5, 42, 1_000_000]
    assert unpack_ids(pack_ids(pl.Series([], dtype=pl.Int64))).to_list() == []


def test_an_excel_list_holds_the_same_people_and_its_checksum_is_of_the_file(
    db: None, tmp_path: Path
) -> None:
    build([_someone(), _someone(email_opt_out=True)])
    out, excluded = tmp_path / "list.xlsx", tmp_path / "left-out.xlsx"
    done = export_channel_list(channel=Channel.GENERAL_EMAIL, out=out, excluded_out=excluded)
    listed = pl.read_excel(out)
    assert listed["person_id"].to_list() == done.result.included["person_id"].to_list()
    assert listed.columns == done.result.included.columns
    assert pl.read_excel(excluded)["reasons"].to_list() == ["email_opt_out"]
    assert done.record.file_sha256 == hashlib.sha256(out.read_bytes()).hexdigest()


def test_a_list_too_long_for_an_excel_sheet_says_to_write_csv(
    db: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build([_someone(), _someone()])
    monkeypatch.setattr(service, "EXCEL_MAX_ROWS", 1)
    with pytest.raises(ExportFileError, match=r"2 rows do not fit in an Excel sheet.*\.csv"):
        export_channel_list(channel=Channel.GENERAL_EMAIL, out=tmp_path / "list.xlsx")
    assert not ExportRecord.objects.exists()
    assert not (tmp_path / "list.xlsx").exists()


@pytest.mark.django_db
def test_a_unit_separator_inside_a_name_cannot_shift_the_contact_columns() -> None:
    """The SQLite reader joins a row's text with the unit separator: one typed into a
    name must not move the email into another column of the export, nor be altered."""
    from leadflow.exports.candidates import candidates

    people = [
        Person.objects.create(
            first_name=f"Ann\x1fx{n}",
            last_name="Ames",
            email=f"ann{n}@ames.example",
            email_normalized=f"ann{n}@ames.example",
            created_at=NOW,
        )
        for n in range(3)
    ]
    plain = Person.objects.create(first_name="Bo", last_name="Bix", created_at=NOW)
    frame = candidates(Channel.GENERAL_EMAIL)
    assert frame["person_id"].to_list() == sorted(p.pk for p in [*people, plain])
    rows = frame.rows(named=True)
    assert [(r["first_name"], r["last_name"], r["email"]) for r in rows] == [
        ("Ann\x1fx0", "Ames", "ann0@ames.example"),
        ("Ann\x1fx1", "Ames", "ann1@ames.example"),
        ("Ann\x1fx2", "Ames", "ann2@ames.example"),
        ("Bo", "Bix", ""),
    ]


def test_avoid_since_is_the_businesss_local_day(db: None, settings: Any) -> None:
    """02:00 UTC on 3 March is still 2 March in Chicago: the report says the day the
    business saw."""
    settings.TIME_ZONE = "America/Chicago"
    [person] = build([_someone(person_type=PersonType.AVOID)])
    AvoidEntry.objects.create(
        person=person, reason="asked to stop", added_at=datetime(2026, 3, 3, 2, 0, tzinfo=UTC)
    )
    [explanation] = export_list(Channel.GENERAL_EMAIL).excluded["explanation"].to_list()
    assert explanation == "on the Avoid list since 2026-03-02 (asked to stop)"


def test_a_formula_typed_into_a_web_form_reaches_the_list_file_as_text(
    db: None, tmp_path: Path
) -> None:
    (someone,) = build([_someone()])
    company = Company.objects.create(name="@SUM(1)", normalized_name="sum 1")
    Person.objects.filter(pk=someone.pk).update(
        first_name='=HYPERLINK("http://evil.example","x")', company=company
    )
    out = tmp_path / "list.csv"
    export_channel_list(channel=Channel.DIRECT_MAIL, out=out)
    row = pl.read_csv(out).row(0, named=True)
    assert row["first_name"] == '\'=HYPERLINK("http://evil.example","x")'
    assert row["company"] == "'@SUM(1)"


def test_a_phone_number_on_a_call_list_stays_dialable(db: None, tmp_path: Path) -> None:
    (someone,) = build([_someone()])
    Person.objects.filter(pk=someone.pk).update(phone="+1 (512) 555-0100")
    out = tmp_path / "calls.csv"
    export_channel_list(channel=Channel.TELEMARKETING, out=out)
    assert pl.read_csv(out)["phone"].to_list() == ["+1 (512) 555-0100"]
