"""List exports through the API (issue 8): a job through Django's tasks API, its record,
its files; owners and marketing only; and nobody on the Avoid list on any list, ever."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import polars as pl
import pytest
from django.conf import Settings
from django.test import Client

from leadflow.crm.models import ExportRecord
from leadflow.crm.models.segments import SegmentRules
from leadflow.crm.services.segments import save_segment
from leadflow.crm.services.tokens import create_token
from leadflow.domain.channels import Channel, Exclusion
from leadflow.domain.people import Role
from leadflow.exports.service import export_channel_list
from leadflow.jobs import export_list
from tests.api.deals_world import Caller, Team, member, team
from tests.http.conftest import staff, world
from tests.http.pages import World

__all__ = ["staff", "team", "world"]

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(autouse=True)
def media(settings: Settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path / "media"


def export(client: Client, team: Team, **body: str) -> dict[str, object]:
    response = team.as_(client, team.marketing).post(
        "/exports", {"channel": "general-email", **body}
    )
    assert response.status_code == 202, response.json()
    return response.json()  # type: ignore[no-any-return]


def frame(response: object) -> pl.DataFrame:
    return pl.read_csv(io.BytesIO(response.content))  # type: ignore[attr-defined]


def test_an_export_is_a_job_answered_with_202_its_id_status_and_links(
    client: Client, team: Team, world: World
) -> None:
    response = team.as_(client, team.marketing).post("/exports", {"channel": "general-email"})
    assert response.status_code == 202
    body = response.json()
    record = ExportRecord.objects.get()
    assert body["id"] == record.pk
    assert body["status"] == "done"
    assert body["job"]
    assert body["links"] == {
        "self": f"/api/v1/exports/{record.pk}",
        "file": f"/api/v1/exports/{record.pk}/file",
        "excluded": f"/api/v1/exports/{record.pk}/excluded",
    }
    assert response["Location"] == f"/api/v1/exports/{record.pk}"
    assert (record.exported_by, record.via) == (team.marketing, "api")


def test_the_record_says_who_when_what_and_who_was_left_out_why(
    client: Client, team: Team, world: World
) -> None:
    made = export(client, team, campaign="")
    response = team.as_(client, team.owner).get(f"/exports/{made['id']}")
    assert response.status_code == 200
    body = response.json()
    record = ExportRecord.objects.get()
    assert body["exported_by"] == "Mona Example"
    assert body["via"] == "api"
    assert body["channel"] == "general-email"
    assert body["status"] == "done"
    assert body["considered"] == body["included"] + body["excluded"] == record.considered_count
    assert body["file_sha256"] == record.file_sha256
    reasons = {r["reason"]: (r["label"], r["count"]) for r in body["excluded_by_reason"]}
    assert reasons[Exclusion.AVOID.value] == ("On the Avoid list", 1)
    assert sum(count for _, count in reasons.values()) >= body["excluded"]


def test_an_avoid_person_is_never_in_an_exported_file_on_any_channel(
    client: Client, team: Team, world: World
) -> None:
    owner = team.as_(client, team.owner)
    for channel in Channel:
        made = export(client, team, channel=channel.value)
        listed = owner.get(f"/exports/{made['id']}/file")
        assert listed.status_code == 200
        assert listed["Content-Type"] == "text/csv"
        assert hashlib.sha256(listed.content).hexdigest() == (
            ExportRecord.objects.get(pk=made["id"]).file_sha256
        )
        assert world.avoided.pk not in frame(listed)["person_id"].to_list()
        assert world.avoided.email not in listed.content.decode()
        excluded = frame(owner.get(f"/exports/{made['id']}/excluded"))
        why = excluded.filter(pl.col("person_id") == world.avoided.pk)["reasons"].to_list()
        assert len(why) == 1, channel
        assert Exclusion.AVOID.value in why[0], channel


def test_an_excel_export_is_served_as_excel(client: Client, team: Team, world: World) -> None:
    made = export(client, team, file_format="xlsx")
    response = team.as_(client, team.marketing).get(f"/exports/{made['id']}/file")
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert response["Content-Disposition"].endswith(f'-{made["id"]}-list.xlsx"')
    listed = pl.read_excel(io.BytesIO(response.content))
    assert world.avoided.pk not in listed["person_id"].to_list()


def test_a_segment_export_records_the_segment_and_keeps_to_it(
    client: Client, team: Team, world: World
) -> None:
    save_segment(name="Clients", rules=SegmentRules(), by=team.owner)
    made = export(client, team, channel="client-upsell", segment="Clients")
    body = team.as_(client, team.marketing).get(f"/exports/{made['id']}").json()
    assert body["filters"] == {"segment": "Clients"}
    assert (body["considered"], body["included"]) == (1, 1)  # the world's one client
    listed = frame(team.as_(client, team.marketing).get(f"/exports/{made['id']}/file"))
    assert listed["person_id"].to_list() == [world.client.pk]


@pytest.mark.parametrize("who", ["setter", "rep", "admin"])
def test_exports_are_for_owners_and_marketing_as_the_exports_page_is(
    client: Client, team: Team, who: str
) -> None:
    caller = team.as_(client, getattr(team, who))
    made = export_channel_list(channel=Channel.GENERAL_EMAIL).record
    assert caller.post("/exports", {"channel": "general-email"}).status_code == 403
    assert caller.get(f"/exports/{made.pk}").status_code == 403
    assert caller.get(f"/exports/{made.pk}/file").status_code == 403
    assert ExportRecord.objects.count() == 1


def test_no_token_is_a_401(client: Client, db: None) -> None:
    response = client.post("/api/v1/exports", {"channel": "general-email"},
                           content_type="application/json")  # fmt: skip
    assert response.status_code == 401
    assert not ExportRecord.objects.exists()


def test_only_whoever_ran_it_or_an_owner_downloads_the_list(client: Client, team: Team) -> None:
    made = export(client, team)
    other = Caller(client, create_token(user=member("milo", Role.MARKETING), name="t").secret)
    assert other.get(f"/exports/{made['id']}").status_code == 200  # the record: any exporter
    response = other.get(f"/exports/{made['id']}/file")
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert team.as_(client, team.owner).get(f"/exports/{made['id']}/file").status_code == 200


def test_a_command_line_export_has_a_record_but_no_files_here(client: Client, team: Team) -> None:
    made = export_channel_list(channel=Channel.GENERAL_EMAIL, exported_by=team.owner).record
    owner = team.as_(client, team.owner)
    record = owner.get(f"/exports/{made.pk}").json()
    assert record["via"] == "cli"
    assert record["links"]["file"] is None
    response = owner.get(f"/exports/{made.pk}/file")
    assert response.status_code == 404
    assert response.json()["message"] == "this export's files are not kept here"


def test_a_list_file_changed_on_disk_is_not_handed_out(
    client: Client, team: Team, media: Path
) -> None:
    made = export(client, team)
    kept = media / "exports" / ExportRecord.objects.get().file_name
    kept.write_text("person_id\n1\n")
    response = team.as_(client, team.marketing).get(f"/exports/{made['id']}/file")
    assert response.status_code == 404
    assert "checksum" in response.json()["message"]


def test_a_missing_export_is_a_404(client: Client, team: Team) -> None:
    response = team.as_(client, team.owner).get("/exports/999999")
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "no such export"}


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"channel": "carrier-pigeon"}, "body.channel", None),
        ({"channel": "general-email", "campaign": "Nope"}, "body.campaign", None),
        ({"channel": "general-email", "segment": "Nope"}, "body.segment", None),
        ({"channel": "general-email", "file_format": "pdf"}, "body.file_format", None),
        ({"channel": "general-email", "chanel": "x"}, "body.chanel", "unknown field"),
        ({}, "body.channel", "Field required"),
    ],
)
def test_a_bad_export_request_is_a_422_naming_the_field_and_runs_nothing(
    client: Client, team: Team, body: dict[str, str], field: str, message: str
) -> None:
    response = team.as_(client, team.marketing).post("/exports", body)
    assert response.status_code == 422
    error = response.json()
    assert error["code"] == "invalid"
    assert error["errors"][0]["field"] == field
    if message:
        assert error["errors"][0]["message"] == message
    assert not ExportRecord.objects.exists()


def test_a_retried_export_with_the_same_idempotency_key_runs_once(
    client: Client, team: Team
) -> None:
    mona = team.as_(client, team.marketing)
    first = mona.post("/exports", {"channel": "direct-mail"}, HTTP_IDEMPOTENCY_KEY="weekly-1")
    again = mona.post("/exports", {"channel": "direct-mail"}, HTTP_IDEMPOTENCY_KEY="weekly-1")
    assert first.status_code == again.status_code == 202
    assert again.json()["id"] == first.json()["id"]
    assert ExportRecord.objects.count() == 1


def test_the_export_job_says_why_it_could_not_run(db: None) -> None:
    result = export_list.enqueue(channel="general-email", segment="Gone", exported_by_id=None)
    assert result.return_value == {"error": 'no segment named "Gone" (segments: none yet)'}
    assert not ExportRecord.objects.exists()
