"""The webhook's inbox (intake/inbox.py): calls taken in together, each still on its own."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.test import Client

from leadflow.crm.models import AuditEntry, DeliveryState, Person, Source, WebhookDelivery
from leadflow.crm.services.playbook import seed_defaults
from leadflow.intake import inbox
from tests.e2e.servers import signed_webhook


@pytest.fixture
def site(db: None) -> Source:
    seed_defaults()
    return Source.objects.create(name="site", webhook_secret="s" * 32)


def _queue(site: Source, records: list[object], signature: str) -> WebhookDelivery:
    delivery = inbox.accept(site, inbox.records_for_intake(site, records), signature)
    assert delivery is not None
    return delivery


def test_each_call_of_a_batch_stays_all_or_nothing_and_its_rows_keep_their_numbers(
    site: Source,
) -> None:
    first = _queue(site, [{"first_name": "Ann", "email": "ann@ann.example"}], "sig-1")
    bad = _queue(
        site,
        [
            {"first_name": "Bea", "email": "bea@bea.example"},
            {"first_name": "Cy", "email": "not an email"},
        ],
        "sig-2",
    )
    last = _queue(site, [{"first_name": "Dee", "Email Address": "dee@dee.example"}], "sig-3")

    assert inbox.drain() == 3

    for delivery in (first, bad, last):
        delivery.refresh_from_db()
    assert (first.state, last.state) == (DeliveryState.WRITTEN.value, DeliveryState.WRITTEN.value)
    assert (first.status_code, last.status_code) == (201, 201)
    assert last.report is not None
    assert [row["row"] for row in last.report["rows"]] == [1]  # its own numbering, not 4
    # The call with a bad row is refused whole, its good row too, and says which row.
    assert bad.state == DeliveryState.REFUSED.value
    assert bad.status_code == 422
    assert bad.report is not None
    assert bad.report["written"] is False
    assert [row["row"] for row in bad.report["rows"]] == [1, 2]
    (error,) = bad.report["errors"]
    assert error.startswith("row 2: ")
    assert "nothing was written" in bad.report["reason"]
    emails = set(Person.objects.values_list("email_normalized", flat=True))
    assert emails == {"ann@ann.example", "dee@dee.example"}


def test_a_drain_that_does_not_commit_leaves_every_call_queued_and_the_next_takes_it_in_once(
    site: Source,
) -> None:
    """A worker killed during a batch: its transaction never commits. Neither the people
    nor the deliveries' outcomes were written, so the next drain takes the batch in."""
    deliveries = [
        _queue(site, [{"first_name": "Eve", "email": f"eve{n}@eve.example"}], f"sig-{n}")
        for n in range(5)
    ]
    with transaction.atomic():
        assert inbox.drain() == 5
        transaction.set_rollback(True)  # as if the process died before COMMIT
    assert Person.objects.count() == 0
    assert WebhookDelivery.objects.filter(state=DeliveryState.QUEUED.value).count() == 5

    assert inbox.drain() == 5
    assert inbox.drain() == 0
    assert Person.objects.count() == 5
    for delivery in deliveries:
        delivery.refresh_from_db()
        assert delivery.state == DeliveryState.WRITTEN.value


def test_the_same_signature_is_accepted_once(site: Source) -> None:
    records = inbox.records_for_intake(site, [{"email": "fay@fay.example"}])
    assert inbox.accept(site, records, "sha256=ABC") is not None
    assert inbox.accept(site, records, " sha256=abc ") is None  # the same, spelled otherwise
    assert WebhookDelivery.objects.count() == 1


def test_a_webhook_call_is_logged_by_its_delivery_not_twice_in_the_audit_log(
    site: Source, client: Client
) -> None:
    """The inbox is the webhook's audit record: which source, when, what was sent, what
    became of every row. The request-level audit entry every other write gets would be
    a second record of the same call."""
    record = {"first_name": "Gus", "email": "gus@gus.example"}
    body, headers = signed_webhook(site.webhook_secret, record)
    answer = client.post(
        "/intake/webhook/site", body, content_type="application/json", headers=headers
    )
    assert answer.status_code == 201
    delivery = WebhookDelivery.objects.get(token=answer.json()["delivery"])
    assert delivery.source == site
    assert delivery.records == [{"first_name": "Gus", "email": "gus@gus.example"}]
    assert delivery.report is not None
    assert delivery.report["rows"][0]["outcome"] == "created"
    assert not AuditEntry.objects.filter(path__startswith="/intake/webhook/").exists()


def test_a_call_turned_away_is_forgotten_unless_a_drain_already_took_it_in(site: Source) -> None:
    """Over the source's rate limit the webhook withdraws the call it had stored, so the
    sender may send it again; one a drain took in meanwhile was received, and stays."""
    waiting = _queue(site, [{"email": "hal@hal.example"}], "sig-waiting")
    assert inbox.withdraw(waiting)
    assert not WebhookDelivery.objects.filter(pk=waiting.pk).exists()

    taken = _queue(site, [{"email": "ida@ida.example"}], "sig-taken")
    inbox.drain()
    assert not inbox.withdraw(taken)
    taken.refresh_from_db()
    assert taken.state == DeliveryState.WRITTEN.value
    assert Person.objects.filter(email_normalized="ida@ida.example").exists()
