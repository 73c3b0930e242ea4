"""Imports at the same moment (issue 9): whatever overlaps between them, nobody and no
company is stored twice, and both imports succeed.

Each import runs in its own thread with its own connection, as two web requests or a
webhook and a CLI import would. On PostgreSQL this is what the advisory locks of
intake/locks.py are for; on SQLite it shows that BEGIN IMMEDIATE serialises them.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from django.db import connection, transaction
from django.db.models import Count

from leadflow.crm.models import Campaign, Company, Person, Source
from leadflow.crm.services.playbook import seed_defaults
from leadflow.intake.locks import SMALL_BATCH_ROWS, identity_keys, lock_for_intake
from leadflow.intake.options import IntakeOptions, ListKind, Mode, Outcome
from leadflow.intake.records import table_from_records
from leadflow.intake.report import IntakeReport
from leadflow.intake.run import run_intake

pytestmark = pytest.mark.django_db(transaction=True)

SHARED = 50  # people in both files
OWN = 20  # people in one file only


@pytest.fixture
def threads_database(transactional_db: None, tmp_path: Path) -> Iterator[None]:
    """Every thread's connection on a database where one writer waits for another.

    PostgreSQL already is one. SQLite's test database is in memory with a shared cache,
    whose table locks fail at once ("database table is locked") instead of waiting; the
    app's real database is a file, where BEGIN IMMEDIATE waits (busy_timeout). So on
    SQLite the test database is copied to a file for the test, and put back after.
    """
    if connection.vendor != "sqlite":
        seed_defaults()
        yield
        return
    settings = connection.settings_dict
    memory = settings["NAME"]
    # Closing the last connection to a shared in-memory database would drop it.
    keeper = sqlite3.connect(memory, uri=True)
    copy = tmp_path / "concurrent.sqlite3"
    target = sqlite3.connect(copy)
    keeper.backup(target)
    target.close()
    settings["NAME"] = str(copy)
    connection.close()  # a file now: this really closes the in-memory connection
    try:
        seed_defaults()
        yield
    finally:
        connection.close()
        settings["NAME"] = memory
        connection.ensure_connection()  # before the keeper lets go of the memory
        keeper.close()


def _person(i: int, *, tag: str) -> dict[str, str]:
    """Someone known by email and phone, by phone only, by email only, or by an external
    id with company and name; everyone works at one of a few firms."""
    record = {
        "first_name": f"First{tag}{i}",
        "last_name": f"Last{tag}{i}",
        "company": f"Firm {i % 7} LLC",
    }
    kind = i % 4
    if kind in (0, 2):
        record["email"] = f"{tag}{i}@people.example"
    if kind in (0, 1):
        area = {"s": 512, "a": 737, "b": 214, "c": 469}[tag]
        record["phone"] = f"({area}) 201-{1000 + i}"
    if kind == 3:
        record["external_id"] = f"{tag.upper()}-{i}"
    return record


def _file(own: str, *, shared: range = range(SHARED), own_count: int = OWN) -> list[object]:
    people = [_person(i, tag="s") for i in shared]
    people += [_person(i, tag=own) for i in range(own_count)]
    return list(people)


def _options(campaign: str) -> IntakeOptions:
    return IntakeOptions(
        campaign=campaign, source="trade show", kind=ListKind.RESPONSES, mode=Mode.SKIP_BAD
    )


def _webhook() -> IntakeOptions:
    """What a webhook call runs with (web/intake/webhook.py)."""
    return IntakeOptions(
        campaign="Website form", source="website", kind=ListKind.RESPONSES, mode=Mode.ALL_OR_NOTHING
    )


def _website_seen_before() -> None:
    """The webhook's source and campaign, as they are after its first call: runs that
    create them wait for each other at the unique name, which would hide the race."""
    Campaign.objects.create(name="Website form", source=Source.objects.create(name="website"))


def _import(records: list[object], campaign: str) -> IntakeReport:
    return _run(records, _options(campaign))


def _run(records: list[object], options: IntakeOptions) -> IntakeReport:
    try:
        return run_intake(table_from_records(records), options)
    finally:
        connection.close()  # this thread's own connection


def _at_once(*jobs: Callable[[], Any]) -> list[Any]:
    """Run the jobs in threads started together; each one's result, or what it raised."""
    start = threading.Barrier(len(jobs))
    results: list[Any] = [None] * len(jobs)

    def run(i: int) -> None:
        start.wait()
        try:
            results[i] = jobs[i]()
        except Exception as error:  # the test shows what was raised
            results[i] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def _assert_nobody_twice() -> None:
    for column in ("email_normalized", "phone_normalized", "external_id"):
        twice = (
            Person.objects.exclude(**{f"{column}__isnull": True})
            .values(column)
            .annotate(n=Count("id"))
            .filter(n__gt=1)
        )
        assert list(twice) == [], column
    named = Person.objects.values("first_name", "last_name").annotate(n=Count("id")).filter(n__gt=1)
    assert list(named) == []
    companies = Company.objects.values("normalized_name").annotate(n=Count("id")).filter(n__gt=1)
    assert list(companies) == []


def _reports(results: list[Any]) -> list[IntakeReport]:
    for result in results:
        if isinstance(result, BaseException):
            raise result
    assert all(r.written for r in results), [r.reason for r in results]
    return list(results)


def test_two_overlapping_imports_at_once_store_everyone_and_every_company_once(
    threads_database: None,
) -> None:
    Source.objects.create(name="trade show")  # as usual, a source seen before
    first, second = _reports(
        _at_once(
            lambda: _import(_file("a"), "Expo list A"),
            lambda: _import(_file("b"), "Expo list B"),
        )
    )
    _assert_nobody_twice()
    assert Person.objects.count() == SHARED + 2 * OWN
    assert Company.objects.count() == 7
    # The shared people are rows 1..SHARED of both files: created by one, merged by the other.
    outcomes = [
        r.rows.filter(pl.col("row") <= SHARED).sort("row")["outcome"].to_list()
        for r in (first, second)
    ]
    for a, b in zip(*outcomes, strict=True):
        assert sorted([a, b]) == [Outcome.CREATED.value, Outcome.MERGED.value]
    shared_ids = [
        r.rows.filter(pl.col("row") <= SHARED).sort("row")["person_id"].to_list()
        for r in (first, second)
    ]
    assert shared_ids[0] == shared_ids[1]
    for report in (first, second):
        own = report.rows.filter(pl.col("row") > SHARED)
        assert own["outcome"].to_list() == [Outcome.CREATED.value] * OWN


def test_a_write_a_unique_constraint_refuses_is_planned_again_not_a_crash(
    threads_database: None, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The last line of defence, reached by taking the locks away: the second import's
    insert of someone the first has just committed is refused, and it plans again."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one import at a time: no write is ever refused for a race")
    monkeypatch.setattr("leadflow.intake.run.lock_for_intake", lambda table, options: None)
    Source.objects.create(name="trade show")
    with caplog.at_level(logging.WARNING, logger="leadflow.intake.run"):
        _reports(
            _at_once(
                lambda: _import(_file("a"), "Expo list A"),
                lambda: _import(_file("b"), "Expo list B"),
            )
        )
    assert "crm_person_email_normalized_key" in caplog.text
    assert "planning again" in caplog.text
    _assert_nobody_twice()
    assert Person.objects.count() == SHARED + 2 * OWN
    assert Company.objects.count() == 7


def test_many_webhook_calls_at_once_for_one_new_person_store_that_person_once(
    threads_database: None,
) -> None:
    _website_seen_before()
    lead = {
        "email": "nia.reed@acmewidgets.example",
        "phone": "(512) 201-4242",
        "first_name": "Nia",
        "last_name": "Reed",
        "company": "Acme Widgets Inc",
    }
    reports = _reports(_at_once(*(lambda: _run([lead], _webhook()) for _ in range(8))))
    _assert_nobody_twice()
    assert Person.objects.count() == 1
    assert Company.objects.count() == 1
    outcomes = sorted(r.rows["outcome"].item() for r in reports)
    assert outcomes == [Outcome.CREATED.value] + [Outcome.MERGED.value] * 7
    assert {r.rows["person_id"].item() for r in reports} == {Person.objects.get().pk}


def test_a_big_import_and_webhook_calls_at_once_store_everyone_once(
    threads_database: None,
) -> None:
    _website_seen_before()
    big = [_person(i, tag="s") for i in range(SMALL_BATCH_ROWS + 50)]
    calls = [[_person(i, tag="s")] for i in range(0, SMALL_BATCH_ROWS + 50, 40)]
    calls += [[_person(j, tag="c")] for j in range(3)]  # people of no file
    results = _at_once(
        lambda: _import(big, "Bought list"),
        *(lambda call=call: _run(call, _webhook()) for call in calls),
    )
    _reports(results)
    _assert_nobody_twice()
    assert Person.objects.count() == SMALL_BATCH_ROWS + 50 + 3
    assert Company.objects.count() == 7


def _in_thread(job: Callable[[], Any]) -> tuple[threading.Thread, list[Any]]:
    result: list[Any] = []
    thread = threading.Thread(target=lambda: result.append(job()))
    thread.start()
    return thread, result


def _waiting_for_a_lock() -> bool:
    """Whether some session waits for an advisory lock, polled for up to ten seconds."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
            )
            if cursor.fetchone()[0]:
                return True
        time.sleep(0.05)
    return False


def test_webhook_calls_for_different_people_do_not_wait_for_each_other(
    threads_database: None,
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip(
            "advisory locks are PostgreSQL's; SQLite writes one transaction at a time "
            "(BEGIN IMMEDIATE), so there every import waits for the one under way"
        )
    _website_seen_before()
    ana = [{"email": "ana@alpha.example", "first_name": "Ana", "company": "Alpha LLC"}]
    ben = [{"email": "ben@beta.example", "first_name": "Ben", "company": "Beta LLC"}]
    locked, release = threading.Event(), threading.Event()

    def hold_ana() -> None:
        """A run for Ana that has taken its locks and is still working."""
        try:
            with transaction.atomic():
                lock_for_intake(table_from_records(ana), _webhook())
                locked.set()
                release.wait(timeout=60)
        finally:
            connection.close()

    holder, _ = _in_thread(hold_ana)
    try:
        assert locked.wait(timeout=30)
        for_ben, ben_report = _in_thread(lambda: _run(ben, _webhook()))
        for_ben.join(timeout=30)
        assert not for_ben.is_alive(), "a call for Ben waited for the run for Ana"
        assert ben_report[0].counts[Outcome.CREATED] == 1
        assert Person.objects.filter(email_normalized="ben@beta.example").exists()

        for_ana, ana_report = _in_thread(lambda: _run(ana, _webhook()))
        assert _waiting_for_a_lock()
        assert for_ana.is_alive()
        assert not Person.objects.filter(email_normalized="ana@alpha.example").exists()
    finally:
        release.set()
        holder.join(timeout=30)
    for_ana.join(timeout=30)
    assert ana_report[0].counts[Outcome.CREATED] == 1
    assert Person.objects.filter(email_normalized="ana@alpha.example").count() == 1


def _keys(record: dict[str, str]) -> set[int]:
    return set(identity_keys(table_from_records([record]), _webhook()))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("one", "other"),
    [
        (
            {"email": "Ana@Alpha.example"},
            {"email": " ana@alpha.example", "phone": "(512) 201-3344"},
        ),
        ({"phone": "(512) 201-3344"}, {"phone": "+1 512 201 3344", "email": "x@y.example"}),
        ({"external_id": "CRM-7"}, {"external_id": "CRM-7", "email": "new@y.example"}),
        (
            {"external_id": "A-1", "first_name": "Ana", "last_name": "Lee", "company": "Acme Inc"},
            {
                "external_id": "B-2",
                "first_name": "ana",
                "last_name": "LEE",
                "company": "ACME, Inc.",
            },
        ),
        (
            {"email": "ana@alpha.example", "company": "Acme Widgets LLC"},
            {"email": "ben@beta.example", "company": "acme widgets"},
        ),
        (
            {"email": "ana@alpha.example", "lead source": "LinkedIn"},
            {"email": "ben@beta.example", "lead source": "linkedin"},
        ),
    ],
    ids=["email", "phone", "external id", "company and name", "new company", "new lead source"],
)
def test_rows_that_could_be_one_person_or_create_one_thing_share_a_lock_key(
    one: dict[str, str], other: dict[str, str]
) -> None:
    assert _keys(one) & _keys(other)


@pytest.mark.django_db
def test_rows_about_different_people_at_different_companies_share_no_lock_key() -> None:
    Source.objects.create(name="Partner")
    ana = {"email": "ana@alpha.example", "phone": "(512) 201-3344", "company": "Alpha LLC"}
    ben = {"email": "ben@beta.example", "phone": "(737) 201-3344", "company": "Beta LLC"}
    assert not _keys(ana) & _keys(ben)
    # A lead source stored already is only read: it keeps nobody apart.
    assert _keys({**ana, "lead source": "partner"}) == _keys(ana)
