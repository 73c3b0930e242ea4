"""A full or read-only SQLite database under a request: a 503 that says which, with
Retry-After, and nothing written (PostgreSQL's faults: tests/e2e/test_faults.py).

SQLite is made full and read-only for real, on the test's own connection: PRAGMA
max_page_count caps the file at the pages it has ("database or disk is full", as on a
full disk), PRAGMA query_only refuses every write ("attempt to write a readonly
database", as a read-only file or mount does)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connection
from django.test import Client

from leadflow.crm.models import Person, Source, WebhookDelivery
from leadflow.crm.services.playbook import seed_defaults
from tests.e2e.servers import signed_webhook

SECRET = "s" * 32

pytestmark = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="SQLite's own limits (PostgreSQL: e2e/test_faults.py)"
)


@pytest.fixture
def site(db: None) -> Source:
    seed_defaults()
    return Source.objects.create(name="site", webhook_secret=SECRET)


def _post(client: Client, records: list[dict[str, str]]) -> tuple[int, dict[str, str], str]:
    body, headers = signed_webhook(SECRET, records)
    answer = client.post(
        "/intake/webhook/site", body, content_type="application/json", headers=headers
    )
    return answer.status_code, answer.json(), answer.headers.get("Retry-After", "")


@pytest.fixture
def full(site: Source) -> Iterator[None]:
    with connection.cursor() as cursor:
        # Pages freed by earlier tests (a flush) would take the writes below the cap:
        # use them up first, in this test's transaction (rolled back with it).
        cursor.execute("PRAGMA freelist_count")
        (free,) = cursor.fetchone()
        if free:
            cursor.execute("PRAGMA page_size")
            (size,) = cursor.fetchone()
            cursor.execute("CREATE TABLE _lf_fill (b BLOB)")
            cursor.execute("INSERT INTO _lf_fill VALUES (zeroblob(%s))", [int(free) * int(size)])
        cursor.execute("PRAGMA page_count")
        (pages,) = cursor.fetchone()
        cursor.execute(f"PRAGMA max_page_count = {int(pages)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA max_page_count = 4294967294")


@pytest.fixture
def read_only(site: Source) -> Iterator[None]:
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA query_only = ON")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA query_only = OFF")


def _many_people() -> list[dict[str, str]]:
    # Enough to need new pages of the file: a full one has none to give.
    return [
        {"first_name": "Pat", "last_name": f"Full{n}", "email": f"full{n}@pat.example"}
        for n in range(300)
    ]


def test_a_full_disk_is_a_503_that_says_so_and_writes_nothing(full: None) -> None:
    client = Client(raise_request_exception=False)
    status, body, retry_after = _post(client, _many_people())
    assert status == 503
    assert body["code"] == "database_disk_full"
    assert "disk is full" in body["message"]
    assert int(retry_after) >= 1
    assert not Person.objects.exists()


def test_a_read_only_database_is_a_503_that_says_so_and_writes_nothing(read_only: None) -> None:
    client = Client(raise_request_exception=False)
    status, body, retry_after = _post(client, [{"first_name": "Ro", "email": "ro@ro.example"}])
    assert status == 503
    assert body["code"] == "database_read_only"
    assert "read-only" in body["message"]
    assert int(retry_after) >= 1
    assert not WebhookDelivery.objects.exists()


@pytest.mark.django_db(transaction=True)  # the page's write is not in a savepoint
def test_a_page_gets_a_short_page_not_json(admin_client: Client, read_only: None) -> None:
    admin_client.raise_request_exception = False
    answer = admin_client.post("/settings/tokens/", {"name": "ci"})
    assert answer.status_code == 503
    assert answer["Content-Type"].startswith("text/html")
    assert "read-only" in answer.content.decode()
