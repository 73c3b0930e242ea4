"""The exports page: owners and marketing export a channel's list through the same
service as `leadflow export`, see why people were left out, and download the files."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import polars as pl
import pytest
from django.conf import Settings
from django.contrib.auth.models import Group, User
from django.test import Client
from django.utils import timezone

from leadflow.crm.models import ExportRecord
from leadflow.crm.models.segments import SegmentRules
from leadflow.crm.services.segments import save_segment
from leadflow.domain.channels import Channel, Exclusion
from leadflow.domain.people import PersonType, Role
from leadflow.exports.history import unpack_ids
from leadflow.exports.service import export_channel_list
from leadflow.web.exports.forms import REASON_LABELS
from tests.http.pages import World


@pytest.fixture(autouse=True)
def media(settings: Settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path / "media"


def as_role(client: Client, role: Role, name: str = "") -> User:
    user = User.objects.create_user(name or f"the-{role.value}", first_name=role.value.title())
    user.groups.add(Group.objects.get(name=role.value))
    client.force_login(user)
    return user


def run(client: Client, **form: str) -> ExportRecord:
    response = client.post("/exports/", {"channel": "general-email", **form})
    assert response.status_code == 302, response.content.decode()
    record = ExportRecord.objects.latest("id")
    assert response["Location"] == f"/exports/{record.pk}/"
    return record


def download(client: Client, record: ExportRecord, kind: str) -> pl.DataFrame:
    response = client.get(f"/exports/{record.pk}/{kind}.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv"
    return pl.read_csv(io.BytesIO(b"".join(response.streaming_content)))  # type: ignore[attr-defined]


@pytest.mark.parametrize("role", [Role.SETTER, Role.REP])
def test_setter_cannot_open_exports(client: Client, world: World, role: Role) -> None:
    as_role(client, role)
    record = export_channel_list(channel=Channel.GENERAL_EMAIL)
    assert client.get("/exports/").status_code == 403
    assert client.post("/exports/", {"channel": "general-email"}).status_code == 403
    assert client.get(f"/exports/{record.record.pk}/").status_code == 403
    assert client.get(f"/exports/{record.record.pk}/list.csv").status_code == 403
    assert b'href="/exports/"' not in client.get("/").content
    assert ExportRecord.objects.count() == 1


def test_an_anonymous_visitor_is_sent_to_the_login_page(client: Client, db: None) -> None:
    response = client.get("/exports/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=/exports/")


@pytest.mark.parametrize("role", [Role.OWNER, Role.MARKETING])
def test_export_from_the_page_is_recorded_with_who_ran_it(
    client: Client, world: World, role: Role, media: Path
) -> None:
    user = as_role(client, role)
    assert b'href="/exports/"' in client.get("/").content
    record = run(client)
    assert record.exported_by == user
    assert record.via == "web"
    assert record.channel == "general-email"
    assert record.considered_count == record.included_count + record.excluded_count > 0
    # Kept under MEDIA_ROOT/exports with a random name, and the checksum is of that file.
    kept = media / "exports" / record.file_name
    assert kept.is_file()
    assert len(record.file_name) == len("0123456789abcdef0123456789abcdef.csv")
    assert hashlib.sha256(kept.read_bytes()).hexdigest() == record.file_sha256


def test_the_summary_names_every_reason_with_its_count(client: Client, world: World) -> None:
    as_role(client, Role.MARKETING)
    record = run(client)
    page = client.get(f"/exports/{record.pk}/").content.decode()
    assert f'id="considered">{record.considered_count}<' in page
    assert f'id="included">{record.included_count}<' in page
    assert f'id="excluded">{record.excluded_count}<' in page
    assert record.excluded_by_reason[Exclusion.AVOID.value] == 1
    for code, count in record.excluded_by_reason.items():
        assert f'<th scope="row">{REASON_LABELS[Exclusion(code)]}</th><td>{count}</td>' in page
    assert record.file_sha256 in page
    assert f'href="/exports/{record.pk}/list.csv"' in page
    assert f'href="/exports/{record.pk}/excluded.csv"' in page


def test_every_exclusion_reason_has_a_label() -> None:
    assert set(REASON_LABELS) == set(Exclusion)


def test_an_avoided_person_is_never_in_a_downloaded_list(client: Client, world: World) -> None:
    as_role(client, Role.OWNER)
    for channel in Channel:
        record = run(client, channel=channel.value)
        listed = download(client, record, "list")
        excluded = download(client, record, "excluded")
        assert world.avoided.pk not in listed["person_id"].to_list()
        assert listed.height == record.included_count
        assert excluded.height == record.excluded_count
        avoided = excluded.filter(pl.col("person_id") == world.avoided.pk)
        assert avoided.height == 1
        assert "avoid" in avoided["reasons"].item().split("; ")


def test_only_the_exporter_or_an_owner_downloads_a_list(client: Client, world: World) -> None:
    as_role(client, Role.MARKETING, "mia")
    record = run(client)
    assert download(client, record, "list").height == record.included_count

    as_role(client, Role.MARKETING, "max")
    assert client.get(f"/exports/{record.pk}/list.csv").status_code == 403
    assert client.get(f"/exports/{record.pk}/excluded.csv").status_code == 403
    page = client.get(f"/exports/{record.pk}/").content.decode()
    assert "list.csv" not in page
    assert "Only the person who ran this export, or an owner" in page

    as_role(client, Role.OWNER)
    assert download(client, record, "excluded").height == record.excluded_count
    assert client.get(f"/exports/{record.pk}/other.csv").status_code == 404
    assert client.get("/exports/999999/list.csv").status_code == 404


def test_a_list_changed_on_disk_is_not_handed_out(
    client: Client, world: World, media: Path
) -> None:
    as_role(client, Role.OWNER)
    record = run(client)
    (media / "exports" / record.file_name).write_text("person_id\n1\n")
    assert client.get(f"/exports/{record.pk}/list.csv").status_code == 404


def test_a_cli_export_is_listed_but_has_no_files_to_download(client: Client, world: World) -> None:
    as_role(client, Role.OWNER)
    done = export_channel_list(channel=Channel.DIRECT_MAIL)
    page = client.get("/exports/").content.decode()
    assert f'id="export-{done.record.pk}"' in page
    assert done.record.file_sha256[:12] in page
    assert client.get(f"/exports/{done.record.pk}/list.csv").status_code == 404


def test_a_segment_narrows_the_list_and_is_recorded(client: Client, world: World) -> None:
    as_role(client, Role.MARKETING)
    save_segment(name="clients", rules=SegmentRules(person_types=[PersonType.CLIENT]), by=None)
    record = run(client, channel="client-upsell", segment="clients")
    assert record.filters == {"segment": "clients"}
    assert record.considered_count == 1
    assert download(client, record, "list")["person_id"].to_list() == [world.client.pk]
    assert "segment: clients" in client.get("/exports/").content.decode()


def test_bad_input_is_a_form_error_not_a_500(client: Client, world: World) -> None:
    as_role(client, Role.OWNER)
    for form in (
        {"channel": "carrier-pigeon"},
        {"channel": "general-email", "campaign": "Nope"},
        {"channel": "general-email", "segment": "Nobody"},
        {},
    ):
        response = client.post("/exports/", form)
        assert response.status_code == 400
        assert 'class="errors"' in response.content.decode()
    assert not ExportRecord.objects.exists()
    assert client.get("/exports/?person=abc&on=yesterday").status_code == 400


def test_the_form_needs_a_csrf_token(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    as_role(client, Role.OWNER)
    assert client.post("/exports/", {"channel": "general-email"}).status_code == 403
    assert 'name="csrfmiddlewaretoken"' in client.get("/exports/").content.decode()
    assert not ExportRecord.objects.exists()


def test_was_this_person_on_a_list_answers_by_id_and_date(client: Client, world: World) -> None:
    as_role(client, Role.OWNER)
    record = run(client)
    listed = download(client, record, "list")
    someone = listed["person_id"][0]
    today = timezone.localdate().isoformat()
    page = client.get(f"/exports/?person={someone}&on={today}").content.decode()
    assert f"Person #{someone} was on 1 list sent on {today}" in page
    page = client.get(f"/exports/?person={world.avoided.pk}&on={today}").content.decode()
    assert f"Person #{world.avoided.pk} was on no list sent on {today}" in page
    page = client.get(f"/exports/?person={someone}&on=2001-01-01").content.decode()
    assert "was on no list sent on 2001-01-01" in page


def test_an_excel_export_from_the_page_downloads_as_excel(client: Client, world: World) -> None:
    as_role(client, Role.OWNER)
    record = run(client, file_format="xlsx")
    assert record.file_name.endswith(".xlsx")
    page = client.get(f"/exports/{record.pk}/").content.decode()
    assert f"/exports/{record.pk}/list.xlsx" in page
    response = client.get(f"/exports/{record.pk}/list.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].endswith("spreadsheetml.sheet")
    listed = pl.read_excel(io.BytesIO(b"".join(response.streaming_content)))  # type: ignore[attr-defined]
    assert sorted(listed["person_id"].to_list()) == sorted(unpack_ids(record.person_ids).to_list())
    assert world.avoided.pk not in listed["person_id"].to_list()
    excluded = client.get(f"/exports/{record.pk}/excluded.xlsx")
    assert excluded.status_code == 200
    # The same export under the other format's name is no file of ours.
    assert client.get(f"/exports/{record.pk}/list.csv").status_code == 404
