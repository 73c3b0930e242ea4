"""The upload page: file → preview with a correctable mapping → the same pipeline → report."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import Workbook
from pytest_django.fixtures import DjangoAssertNumQueries, Settings

from leadflow.crm.models import Activity, Campaign, IntakeUpload, Person, Source
from leadflow.crm.services.playbook import seed_defaults
from leadflow.domain.people import Role
from leadflow.web.intake.reports import ROWS_PER_PAGE
from leadflow.web.intake.store import MAX_PER_USER, sweep
from tests.http.pages import text_of
from tests.http.uploading import (
    HEADER,
    confirm,
    counts_on,
    csv_file,
    member,
    person_row,
    selected,
    upload,
)


@pytest.fixture(autouse=True)
def uploads(settings: Settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


@pytest.fixture
def marketer(client: Client, db: None) -> Client:
    seed_defaults()
    client.force_login(member("mia", Role.MARKETING))
    return client


@pytest.mark.parametrize("role", [Role.SETTER, Role.REP])
def test_upload_page_is_forbidden_to_setters_and_reps(client: Client, db: None, role: Role) -> None:
    client.force_login(member("sam", role))
    assert client.get("/intake/upload/").status_code == 403
    status, _ = upload(client, csv_file([person_row(1)]))
    assert status == 403
    assert not Person.objects.exists()


def test_upload_page_sends_anonymous_visitors_to_the_login_page(client: Client, db: None) -> None:
    response = client.get("/intake/upload/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_owners_may_upload(client: Client, db: None) -> None:
    client.force_login(member("olga", Role.OWNER))
    assert client.get("/intake/upload/").status_code == 200


def test_preview_shows_the_first_ten_rows_and_the_detected_mapping(marketer: Client) -> None:
    status, preview_url = upload(marketer, csv_file([person_row(n) for n in range(15)]))
    assert status == 302
    page = marketer.get(preview_url).content.decode()
    body = re.search(r"<tbody>(.*?)</tbody>", page, re.DOTALL)
    assert body is not None
    assert body[1].count("<tr>") == 10
    assert "dana9@owensreyes.com" in page
    assert "dana10@owensreyes.com" not in page
    assert [selected(page, i) for i in range(len(HEADER))] == [
        "first_name",
        "last_name",
        "ignore",  # "Mail Address" is no alias: the user has to say it is the email
        "phone",
        "company",
        "ignore",
    ]
    assert not Person.objects.exists()  # nothing is written before the user confirms


def test_a_confirmed_upload_writes_and_reports_counts_that_add_up(
    marketer: Client, uploads: Path
) -> None:
    rows = [person_row(1), person_row(2), person_row(1, **{"First Name": "Dana"})]
    _, preview_url = upload(marketer, csv_file(rows))
    report_url = confirm(marketer, preview_url, {2: "email"})
    page = marketer.get(report_url).content.decode()
    assert counts_on(page) == {
        "created": 2,
        "merged": 1,
        "blocked": 0,
        "spam": 0,
        "error": 0,
        "total": 3,
    }
    assert "duplicate of row 2" in text_of(page)
    assert Person.objects.count() == 2
    assert set(Person.objects.values_list("email_normalized", flat=True)) == {
        "dana1@owensreyes.com",
        "dana2@owensreyes.com",
    }
    assert Activity.objects.filter(campaign__name="Expo 2026").count() == 2
    assert Campaign.objects.get(name="Expo 2026").source.name == "expo list"
    assert IntakeUpload.objects.get().data is None  # the file is gone once written
    assert not list(uploads.rglob("*"))  # and never was on disk


def test_an_ignored_column_is_not_imported_even_when_its_header_is_known(
    marketer: Client,
) -> None:
    _, preview_url = upload(marketer, csv_file([person_row(1)]))
    confirm(marketer, preview_url, {2: "email", 3: "ignore"})
    person = Person.objects.get()
    assert person.email_normalized == "dana1@owensreyes.com"
    assert person.phone == ""


def test_two_columns_mapped_to_one_field_are_refused_before_anything_runs(
    marketer: Client,
) -> None:
    _, preview_url = upload(marketer, csv_file([person_row(1)]))
    form = {f"column_{i}": "ignore" for i in range(len(HEADER))}
    form.update({"column_2": "email", "column_3": "email", "mode": "all-or-nothing"})
    response = marketer.post(preview_url, form)
    assert response.status_code == 422
    assert "two columns are mapped to email" in text_of(response.content.decode())
    assert not Person.objects.exists()


def test_a_file_the_pipeline_refuses_shows_its_reason_on_the_preview(marketer: Client) -> None:
    _, preview_url = upload(marketer, csv_file([person_row(1)]))
    form = {f"column_{i}": "ignore" for i in range(len(HEADER))}
    response = marketer.post(preview_url, {**form, "column_0": "first_name", "mode": "skip-bad"})
    assert response.status_code == 422
    assert "no email, phone or id column" in text_of(response.content.decode())
    assert not Person.objects.exists()


def test_saving_the_mapping_makes_it_the_default_for_the_sources_next_file(
    marketer: Client,
) -> None:
    _, preview_url = upload(marketer, csv_file([person_row(1)]))
    confirm(marketer, preview_url, {2: "email", 5: "ignore"}, save_mapping="on")
    assert Source.objects.get(name="expo list").field_mapping["Mail Address"] == "email"
    _, next_preview = upload(marketer, csv_file([person_row(2)]))
    page = marketer.get(next_preview).content.decode()
    assert selected(page, 2) == "email"
    assert "saved mapping applied" in page
    _, other_source = upload(marketer, csv_file([person_row(3)]), source="webinar")
    assert selected(marketer.get(other_source).content.decode(), 2) == "ignore"


def test_all_or_nothing_with_a_bad_row_writes_nothing_and_lists_every_error(
    marketer: Client,
) -> None:
    rows = [
        person_row(1),
        person_row(2, Phone="12"),
        person_row(3, **{"Mail Address": "nobody-at-all"}),
    ]
    _, preview_url = upload(marketer, csv_file(rows))
    report_url = confirm(marketer, preview_url, {2: "email"})
    page = text_of(marketer.get(report_url).content.decode())
    assert "nothing was written: 2 row(s) have errors (mode all-or-nothing)" in page
    assert 'row 3: phone: "12" is not a phone number' in page
    assert 'row 4: email: "nobody-at-all" is not an email address' in page
    assert not Person.objects.exists()
    # The file is kept so the user can run it again, skipping the bad rows this time.
    assert "Back to the preview" in page
    confirm(marketer, preview_url, {2: "email"}, mode="skip-bad")
    assert list(Person.objects.values_list("email_normalized", flat=True)) == [
        "dana1@owensreyes.com"
    ]


def test_the_report_csv_has_one_line_per_row(marketer: Client) -> None:
    _, preview_url = upload(marketer, csv_file([person_row(1), person_row(2, Phone="12")]))
    report_url = confirm(marketer, preview_url, {2: "email"}, mode="skip-bad")
    response = marketer.get(report_url.replace("/report/", "/report.csv"))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="expo-report.csv"')
    lines = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert lines[0] == ["row", "outcome", "detail"]
    assert [line[:2] for line in lines[1:]] == [["2", "created"], ["3", "error"]]


def test_report_rows_are_paged_and_can_be_filtered_by_outcome(marketer: Client) -> None:
    rows = [person_row(n) for n in range(ROWS_PER_PAGE + 20)]
    rows[5] = person_row(5, Phone="12")
    _, preview_url = upload(marketer, csv_file(rows))
    report_url = confirm(marketer, preview_url, {2: "email"}, mode="skip-bad")
    first = marketer.get(report_url).content.decode()
    assert first.count('<tr class="outcome-') == ROWS_PER_PAGE
    assert "Page 1 of 2" in first
    second = marketer.get(report_url + "?page=2").content.decode()
    assert second.count('<tr class="outcome-') == 20
    errors = marketer.get(report_url + "?outcome=error").content.decode()
    assert errors.count('<tr class="outcome-') == 1
    assert 'row 7: phone: "12" is not a phone number' in text_of(errors)


def test_an_unreadable_file_is_refused_on_the_upload_form_with_the_reason(
    marketer: Client,
) -> None:
    status, page = upload(marketer, b"<html><body>not a list</body></html>", name="list.csv")
    assert status == 422
    assert "is a web page or XML file" in text_of(page)
    assert not Person.objects.exists()


def test_an_excel_sheet_can_be_chosen_by_name(marketer: Client) -> None:
    book = Workbook()
    notes = book.active
    assert notes is not None
    notes.title = "Notes"
    notes.append(["nothing to import here"])
    leads = book.create_sheet("Leads")
    leads.append(["Email", "First Name"])
    leads.append(["lee@example-firm.com", "Lee"])
    data = io.BytesIO()
    book.save(data)
    status, preview_url = upload(marketer, data.getvalue(), name="expo.xlsx", sheet="Leads")
    assert status == 302
    page = marketer.get(preview_url).content.decode()
    assert "lee@example-firm.com" in page
    confirm(marketer, preview_url, {})
    assert Person.objects.get().first_name == "Lee"


def test_another_user_cannot_open_an_upload_by_its_token(marketer: Client) -> None:
    _, preview_url = upload(marketer, csv_file([person_row(1)]))
    other = Client()
    other.force_login(member("max", Role.MARKETING))
    assert other.get(preview_url).status_code == 404
    assert other.post(preview_url, {"mode": "skip-bad"}).status_code == 404
    assert not Person.objects.exists()
    report_url = confirm(marketer, preview_url, {2: "email"})
    for url in (preview_url, report_url, report_url.replace("/report/", "/report.csv")):
        assert other.get(url).status_code == 404
    assert other.get(preview_url + "status/").status_code == 404
    assert marketer.get(report_url).status_code == 200


def test_the_uploader_may_follow_an_upload_from_another_browser(marketer: Client) -> None:
    _, preview_url = upload(marketer, csv_file([person_row(1)]))
    elsewhere = Client()
    elsewhere.force_login(IntakeUpload.objects.get().uploaded_by)
    assert "dana1@owensreyes.com" in elsewhere.get(preview_url).content.decode()


def test_a_refused_run_keeps_the_file_to_run_again_and_a_written_run_drops_it(
    marketer: Client,
) -> None:
    data = csv_file([person_row(1)])
    _, preview_url = upload(marketer, data)
    ignored = {f"column_{i}": "ignore" for i in range(len(HEADER))}
    response = marketer.post(preview_url, {**ignored, "column_0": "first_name", "mode": "skip-bad"})
    assert response.status_code == 422
    stored = IntakeUpload.objects.get()
    assert stored.status == "refused"
    assert "no email, phone or id column" in stored.reason
    assert stored.data is not None
    assert bytes(stored.data) == data
    assert marketer.get(preview_url).status_code == 200  # still there to run again
    confirm(marketer, preview_url, {2: "email"})
    stored.refresh_from_db()
    assert (stored.status, stored.data) == ("done", None)
    assert Person.objects.count() == 1
    # Written: the preview has nothing left to preview, and says where the report is.
    response = marketer.get(preview_url)
    assert response.status_code == 302
    assert response["Location"].endswith("/report/")


def test_uploads_older_than_a_day_are_swept_in_one_statement(
    marketer: Client, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    _, preview_url = upload(marketer, csv_file([person_row(1)]))
    _, report_url = upload(marketer, csv_file([person_row(2)]))
    confirm(marketer, report_url, {2: "email"})
    with django_assert_num_queries(1):
        assert sweep(timezone.now() + timedelta(hours=23)) == 0
    with django_assert_num_queries(1):
        assert sweep(timezone.now() + timedelta(hours=25)) == 2
    assert marketer.get(preview_url).status_code == 404


def test_an_upload_older_than_a_day_cannot_be_opened_even_before_it_is_swept(
    marketer: Client,
) -> None:
    _, preview_url = upload(marketer, csv_file([person_row(1)]))
    IntakeUpload.objects.update(created_at=timezone.now() - timedelta(hours=25))
    assert marketer.get(preview_url).status_code == 404


def test_a_user_keeps_only_their_latest_uploads(marketer: Client) -> None:
    urls = [upload(marketer, csv_file([person_row(n)]))[1] for n in range(MAX_PER_USER + 2)]
    assert IntakeUpload.objects.count() == MAX_PER_USER
    assert marketer.get(urls[0]).status_code == 404
    assert marketer.get(urls[1]).status_code == 404
    assert marketer.get(urls[-1]).status_code == 200
    # Another user's uploads are not theirs to make room with.
    other = Client()
    other.force_login(member("max", Role.MARKETING))
    upload(other, csv_file([person_row(99)]))
    assert IntakeUpload.objects.count() == MAX_PER_USER + 1


@pytest.mark.parametrize(
    ("role", "doors"),
    [
        (Role.OWNER, {"/intake/upload/", "/intake/manual/", "/intake/sources/"}),
        (Role.MARKETING, {"/intake/upload/", "/intake/manual/"}),
        (Role.SETTER, {"/intake/manual/"}),
        (Role.REP, set()),
    ],
)
def test_the_intake_page_lists_only_the_doors_of_the_users_role(
    client: Client, db: None, role: Role, doors: set[str]
) -> None:
    client.force_login(member("someone", role))
    page = client.get("/intake/").content.decode()
    # The nav links to intake only for the roles that have a door there.
    assert ('href="/intake/"' in page) == bool(doors)
    assert set(re.findall(r'<h2><a href="(/intake/\w+/)">', page)) == doors
    if not doors:
        assert "Your role has no intake door" in text_of(page)
