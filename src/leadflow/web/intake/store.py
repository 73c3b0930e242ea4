"""An uploaded list between its preview and its run, and the run's report afterwards.

The bytes go to a file under ``MEDIA_ROOT/intake-uploads`` (``<data dir>/media``), named
by a random token; what was chosen
with it (campaign, source, kind, mode, sheet) and the report's totals go in the session.

Why not the session for the bytes too: lists run to tens of megabytes, sessions live in
the database and are loaded on every request, so a file there would slow every page the
uploader opens until the session expires. Why the session for the rest: it ties the token
to the person who uploaded, so a guessed or leaked token opens nothing for anyone else.

Clean-up: the upload is deleted once its run has written; a refused run (all-or-nothing
with errors) keeps it so the user can fix the mapping and run again. Whatever is older
than ``MAX_AGE`` (abandoned previews, old report CSVs) is swept at every new upload.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase

from leadflow.intake.report import IntakeReport

MAX_AGE_SECONDS = 24 * 3600
MAX_PER_SESSION = 10
SESSION_KEY = "intake_uploads"
_TOKEN_BYTES = 24


@dataclass(frozen=True)
class RunSummary:
    """What the report page needs besides the per-row CSV."""

    written: bool
    reason: str
    warnings: list[str]
    counts: dict[str, int]
    read: int

    @classmethod
    def of(cls, report: IntakeReport) -> RunSummary:
        return cls(
            written=report.written,
            reason=report.reason,
            warnings=list(report.warnings),
            counts={o.value: n for o, n in report.counts.items()},
            read=report.read,
        )


@dataclass(frozen=True)
class Upload:
    token: str
    filename: str
    campaign: str
    source: str
    kind: str
    mode: str
    sheet: str = ""
    summary: RunSummary | None = None
    mapping: dict[str, str] = field(default_factory=dict)  # the one the last run used

    @property
    def file(self) -> Path:
        return upload_dir() / f"{self.token}.upload"

    @property
    def report_csv(self) -> Path:
        return upload_dir() / f"{self.token}.report.csv"


def upload_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "intake-uploads"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def new_upload(
    session: SessionBase,
    data: bytes,
    *,
    filename: str,
    campaign: str,
    source: str,
    kind: str,
    mode: str,
    sheet: str,
) -> Upload:
    """Store the bytes under a fresh token and remember the choices in the session."""
    sweep()
    upload = Upload(
        token=secrets.token_urlsafe(_TOKEN_BYTES),
        filename=filename,
        campaign=campaign,
        source=source,
        kind=kind,
        mode=mode,
        sheet=sheet,
    )
    upload.file.write_bytes(data)
    upload.file.chmod(0o600)
    _remember(session, upload)
    return upload


def find_upload(session: SessionBase, token: str) -> Upload | None:
    """This session's upload with that token; None for anyone else's or an expired one."""
    entry = _entries(session).get(token)
    if entry is None:
        return None
    summary = entry.pop("summary", None)
    return Upload(**entry, summary=RunSummary(**summary) if summary else None)


def record_run(
    session: SessionBase, upload: Upload, report: IntakeReport, mapping: dict[str, str]
) -> Upload:
    """Keep the report as CSV and its totals; drop the upload once something was written."""
    report.write_csv(upload.report_csv)
    upload.report_csv.chmod(0o600)
    if report.written:
        upload.file.unlink(missing_ok=True)
    done = replace(upload, summary=RunSummary.of(report), mapping=mapping)
    _remember(session, done)
    return done


def read_upload(upload: Upload) -> bytes | None:
    try:
        return upload.file.read_bytes()
    except FileNotFoundError:
        return None


def sweep(now: float | None = None) -> None:
    """Delete stored files older than MAX_AGE_SECONDS, whoever uploaded them."""
    limit = (now if now is not None else time.time()) - MAX_AGE_SECONDS
    for path in upload_dir().iterdir():
        try:
            if path.is_file() and path.stat().st_mtime < limit:
                path.unlink()
        except FileNotFoundError:  # another request swept it first
            continue


def _entries(session: SessionBase) -> dict[str, dict[str, Any]]:
    entries = session.get(SESSION_KEY)
    return {k: dict(v) for k, v in entries.items()} if isinstance(entries, dict) else {}


def _remember(session: SessionBase, upload: Upload) -> None:
    entries = _entries(session)
    entries.pop(upload.token, None)
    entries[upload.token] = asdict(upload)
    for token in list(entries)[:-MAX_PER_SESSION]:  # oldest first: dicts keep order
        forgotten = Upload(**{**entries.pop(token), "summary": None})
        forgotten.file.unlink(missing_ok=True)
        forgotten.report_csv.unlink(missing_ok=True)
    session[SESSION_KEY] = entries
