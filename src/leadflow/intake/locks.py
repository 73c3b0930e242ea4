"""Imports at the same moment never store one person, or one company, twice (issue 9).

An intake run plans from what it reads (who is stored already?), then writes. Two runs
that plan at once can both decide to create the same person, so the planning of one must
wait until the other has committed.

On SQLite it already does: every transaction begins IMMEDIATE (settings.py), so a second
run starts reading only once the first has committed. Nothing to do there.

On PostgreSQL (READ COMMITTED) two runs plan side by side, so `lock_for_intake` takes
transaction-level advisory locks (released at commit or rollback) before the run reads
anything:

- A small batch (a webhook call, a web form, an API create: usually one row) takes the
  intake lock shared, then one exclusive lock per identity key of its rows: two batches
  about different people never wait for each other; overlapping ones take turns.
- A big batch takes the intake lock exclusively: it waits for the small batches under
  way, and the others wait for it. A lock per row would not fit PostgreSQL's shared lock
  table (max_locks_per_transaction).

The unique constraints on email, external id and source name stay as the last line of
defence; `run_intake` plans again once when one of them refuses a write.
"""

from __future__ import annotations

import hashlib

import polars as pl
import psycopg
from django.db import IntegrityError, connection

from leadflow.crm.models import Source
from leadflow.intake.normalize import normalize
from leadflow.intake.options import IntakeOptions
from leadflow.intake.plan import canonical
from leadflow.intake.read import IntakeFileError, Table

# Rows above which a batch takes the intake lock exclusively. A row has up to five keys
# (email, phone, external id, company, a new lead source), so a small batch holds at most
# ~1,000 locks, while PostgreSQL's shared lock table holds about 6,400 by default for all
# sessions together (max_locks_per_transaction 64, times max_connections 100). Webhook
# calls, forms and API creates are a row or a few: they stay concurrent.
SMALL_BATCH_ROWS = 200

# What can make two rows one person, or create one stored thing, with the column that
# holds its normalized value (the values normalize.py gives, so the keys agree with
# matching in match.py and existing.py):
# - email, phone and external id: clustering within a file and matching stored people.
# - company: the writer creates a company per new normalized name (writer._companies).
#   It also covers the weakest identity, company + first + last name (match._name_key):
#   two rows with one such key have one company.
_KEYED = (
    ("email", "email_normalized"),
    ("phone", "phone_normalized"),
    ("external id", "external_id"),
    ("company", "company_normalized"),
)


def _key(text: str) -> int:
    """A stable signed 64-bit number for a text: what pg_advisory_xact_lock takes."""
    digest = hashlib.blake2b(text.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


# The one lock every run takes, shared (small batches) or exclusive (big ones).
INTAKE_KEY = _key("leadflow intake")


class IntakeConflict(IntakeFileError):
    """Another run wrote the same people at the same moment, and planning again did not
    settle it: nothing was written. An IntakeFileError, so every door reports it."""


# Django's IntegrityError and the driver's own: intake's COPY (sql.py) talks to psycopg
# directly, so a unique violation there arrives unwrapped.
INTEGRITY_ERRORS = (IntegrityError, psycopg.IntegrityError)


def identity_keys(table: Table, options: IntakeOptions) -> list[int]:
    """The sorted lock keys of every value by which a row of the table could be, or
    create, the same person, company or lead source as a row of another run."""
    frame = normalize(canonical(table, options), default_region=options.default_region).frame
    texts = pl.concat(
        [
            frame.select(text=pl.format("{}: {}", pl.lit(kind), pl.col(column)))
            for kind, column in _KEYED
            if column in frame.columns
        ]
    )["text"]
    # A lead source the file names and nobody stored yet is created by the writer
    # (writer._sources, by case-folded name); one stored already is only read.
    named = frame["lead_source"].drop_nulls().str.to_lowercase().unique().to_list()
    if named:
        stored = {name.lower() for name in Source.objects.values_list("name", flat=True)}
        texts = texts.extend(pl.Series("text", [f"source: {n}" for n in named if n not in stored]))
    return sorted({_key(text) for text in texts.drop_nulls().to_list()})


def lock_for_intake(table: Table, options: IntakeOptions) -> None:
    """Wait until no other run can be planning or writing what this one might write;
    hold that until the caller's transaction ends. Call it inside the transaction,
    before reading anything."""
    if connection.vendor != "postgresql":
        return  # SQLite: BEGIN IMMEDIATE already runs one write transaction at a time
    if options.dry_run:
        return  # writes nothing: neither waits for others nor holds them up
    with connection.cursor() as cursor:
        if table.frame.height > SMALL_BATCH_ROWS:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [INTAKE_KEY])
            return
        keys = identity_keys(table, options)
        cursor.execute("SELECT pg_advisory_xact_lock_shared(%s)", [INTAKE_KEY])
        # In ascending order, so two runs wanting some of the same keys cannot each hold
        # one the other waits for. PostgreSQL evaluates a volatile output column after
        # the sort (EXPLAIN VERBOSE: the lock call sits in a Result above the Sort).
        cursor.execute(
            "SELECT pg_advisory_xact_lock(k) FROM unnest(%s::bigint[]) AS k ORDER BY k",
            [keys],
        )


def lock_out_intake() -> None:
    """Hold every intake run off until the caller's transaction ends, and wait for those
    under way: for work that rewrites many people from what it read of them (re-judging
    every lead), which a run writing the same people meanwhile would make stale."""
    if connection.vendor != "postgresql":
        return  # SQLite: BEGIN IMMEDIATE already runs one write transaction at a time
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [INTAKE_KEY])
