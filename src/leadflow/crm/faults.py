"""When the database itself fails: which failure it is, in a sentence, and when to retry.

A request or a command that meets one of these did nothing wrong and lost nothing (its
transaction rolled back); what it needs is the database back. So the web answers 503 with
Retry-After instead of a 500 (web/errors.py), and the CLI prints the sentence instead of a
traceback (cli.py). Anything else is not a fault of the database and stays an error.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from django.db import InterfaceError, InternalError, OperationalError

# PostgreSQL's SQLSTATEs for the failures named here.
_READ_ONLY_STATES = {"25006"}  # read_only_sql_transaction: a standby, or read-only mode
_DISK_FULL_STATES = {"53100"}  # disk_full
_SQLITE_GONE = ("unable to open database file", "disk i/o error")


@dataclass(frozen=True)
class DatabaseFault:
    kind: str  # unreachable, busy, read-only, disk-full
    message: str
    retry_after: int  # seconds


def database_fault(error: BaseException | None) -> DatabaseFault | None:
    """The fault behind ``error``, or None when it is not the database failing."""
    if not isinstance(error, OperationalError | InterfaceError | InternalError):
        return None
    cause = error.__cause__
    state = getattr(getattr(cause, "diag", None), "sqlstate", None) or ""
    text = str(error).lower()
    if state in _READ_ONLY_STATES or "readonly" in text or "read-only" in text:
        return DatabaseFault(
            "read-only",
            "the database is read-only (a standby, a read-only disk or file, or a full "
            "disk the server switched to read-only): nothing was written; try again once "
            "it takes writes again",
            retry_after=60,
        )
    if state in _DISK_FULL_STATES or "disk is full" in text or "no space left" in text:
        return DatabaseFault(
            "disk-full",
            "the database's disk is full: nothing was written; free some space and try again",
            retry_after=60,
        )
    if "database is locked" in text or "database table is locked" in text:
        return DatabaseFault(
            "busy",
            "the database is busy with another write: nothing was written; try again",
            retry_after=1,
        )
    if isinstance(error, InternalError):
        return None  # a bug or a broken transaction, not the database going away
    if isinstance(cause, sqlite3.Error) and not any(m in text for m in _SQLITE_GONE):
        return None  # SQLite says OperationalError for "no such table" too: a bug
    return DatabaseFault(
        "unreachable",
        "the database cannot be reached (restarting, or the connection to it was lost): "
        "nothing was written; try again in a few seconds",
        retry_after=5,
    )
