"""Helpers for the upload page's tests: a list as CSV bytes, and the three steps as a
browser takes them (upload, confirm the preview's mapping, read the report)."""

from __future__ import annotations

import csv
import io
import re

from django.contrib.auth.models import Group, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from leadflow.domain.people import Role
from tests.http.pages import text_of

HEADER = ["First Name", "Last Name", "Mail Address", "Phone", "Company", "Score"]


def member(username: str, role: Role) -> User:
    user = User.objects.create_user(username, password="a-long-test-password")
    user.groups.add(Group.objects.get(name=role.value))
    return user


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


def csv_file(rows: list[list[str]], header: list[str] = HEADER) -> bytes:
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
