"""The upload page: file → preview with a correctable mapping → the same pipeline → report."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import Workbook
from pytest_django.fixtures import Settings

from leadflow.crm.models import Activity, Campaign, Person, Source
from leadflow.crm.services.playbook import seed_defaults
from leadflow.domain.people import Role
from leadflow.web.intake.reports import ROWS_PER_PAGE
from tests.http.pages import text_of

HEADER = ["First Name", "Last Name", "Mail Address", "Phone", "Company", "Score"]


@pytest.fixture(autouse=True)
def uploads(settings: Settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path / "intake-uploads"


def member(username: str, role: Role) -> User:
    user = User.objects.create_user(username, password="a-long-test-password")
    user.groups.add(Group.objects.get(name=role.value))
    return user


@pytest.fixture
def marketer(client: Client, db: None) -> Client:
    seed_defaults()
    client.force_login(member("mia", Role.MARKETING))
    return client


def person_row(n: int, **changes: str) -> list[str]:
    values = {
        "First Name": f"Dana{chr(97 + n % 26)}",
        "Last Name": "Owens",
        "Mail Address": f"dana{n}@owensreyes.com",
        "Phone": f"(512) 555-{n % 10000:04d}",
        "Company": "Owens & Reyes LLP",
        "Score": "7",
        **changes,
    }
    return [values[h] for h in HEADER]


def csv_file(rows: list[list[str]], header: list[str] = HEADER, name: str = "expo.csv") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def upload(
    client: Client, data: bytes, *, name: str = "expo.csv", **choices: str
) -> tuple[int, str]:
    """Post the file; (status, preview URL or page text)."""
    form = {
        "campaign": "Expo 2026",
        "source": "expo list",
        "kind": "responses",
        "mode": "all-or-nothing",
        "sheet": "",
        **choices,
    }
    response = client.post("/intake/upload/", {**form, "file": SimpleUploadedFile(name, data)})
    if response.status_code == 302:
        return 302, response["Location"]
    return response.status_code, response.content.decode()


def selected(page: str, position: int) -> str:
    select = re.search(rf'<select name="column_{position}".*?</select>', page, re.DOTALL)
    assert select is not None, f"no select for column {position}"
    chosen = re.search(r'<option value="([^"]*)" selected>', select[0])
    assert chosen is not None
    return chosen[1]


def confirm(client: Client, preview_url: str, mapping: dict[int, str], **extra: str) -> str:
    """Confirm with the page's own defaults, changed where ``mapping`` says; the report."""
    page = client.get(preview_url).content.decode()
    columns = len(re.findall(r'<select name="column_\d+"', page))
    form = {f"column_{i}": mapping.get(i, selected(page, i)) for i in range(columns)}
    form = {"mode": "all-or-nothing", **form, **extra}
    response = client.post(preview_url, form)
    assert response.status_code == 302, text_of(response.content.decode())
    return str(response["Location"])


def counts_on(page: str) -> dict[str, int]:
    found = re.findall(r'<tr id="count-(\w+)".*?<td class="num">(\d+)</td>', page, re.DOTALL)
    return {name: int(n) for name, n in found}


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
    assert not list(uploads.glob("*.upload"))  # the file is gone once written


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


def test_another_users_session_cannot_open_an_upload(marketer: Client) -> None:
    _, preview_url = upload(marketer, csv_file([person_row(1)]))
    other = Client()
    other.force_login(member("max", Role.MARKETING))
    assert other.get(preview_url).status_code == 404
    assert other.post(preview_url, {"mode": "skip-bad"}).status_code == 404
    assert not Person.objects.exists()


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
