"""Backups of the configured database, and restoring one (issue 9).

A backup is the database's own format and nothing else: a SQLite file for the embedded
default, a ``pg_dump --format=custom`` archive for PostgreSQL. Its first bytes say which
it is, so restore refuses a file of the other engine (or no backup at all) before it
touches anything.

SQLite, both ways, goes through SQLite's online backup API: the backup is one consistent
snapshot while the app goes on writing (WAL), and a restore is one write transaction on
the live database, so a restore that fails half-way (a full disk) leaves the database as
it was, and running processes see either the old data or the restored data. Replacing the
file on disk instead would be unsafe in WAL mode: the old ``-wal`` file beside it would be
replayed into the new one.

PostgreSQL: ``pg_dump`` runs inside a snapshot this module holds open, so the row counts
it prints are those of the dump. A restore streams ``pg_restore --clean --if-exists
--no-owner --no-privileges`` into ``psql`` inside one transaction that only commits when
pg_restore has written the whole archive; anything else rolls it back. In the same
transaction it first drops the tables the backup does not have (made by a migration newer
than the backup), or migrating the restored database forward would find them in its way.
The password reaches the tools through PGPASSWORD in their environment, never their
command line.

A backup from an older leadflow is migrated forward after the restore; one from a newer
leadflow (migrations this code does not know) is refused.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager, suppress
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_CUSTOM_MAGIC = b"PGDMP"
# A leadflow database has Django's migration record and the CRM's core tables.
REQUIRED_TABLES = frozenset({"django_migrations", "crm_person", "crm_opportunity"})
# --no-owner/--no-privileges: the restoring role owns what it restores, whatever roles the
# dumped server had.
RESTORE_OPTIONS = ("--clean", "--if-exists", "--no-owner", "--no-privileges")
# libpq connection parameters that Django may carry in OPTIONS, and their variables.
_LIBPQ_OPTIONS = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "options": "PGOPTIONS",
    "target_session_attrs": "PGTARGETSESSIONATTRS",
}


class BackupError(Exception):
    """A backup or restore that did not happen; `reason` says why, as a sentence."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Engine(StrEnum):
    SQLITE = "SQLite"
    POSTGRESQL = "PostgreSQL"


@dataclass(frozen=True)
class BackupFile:
    """What a backup file holds, found before restoring it."""

    path: Path
    engine: Engine
    size: int
    sha256: str
    tables: dict[str, int | None]  # rows per table; None where unknown (a PG archive)
    pending: tuple[str, ...]  # migrations of this leadflow that the backup lacks


@dataclass(frozen=True)
class Outcome:
    """A backup written or restored."""

    path: Path
    engine: Engine
    database: str
    size: int
    sha256: str
    tables: dict[str, int]
    seconds: float
    migrated: tuple[str, ...] = field(default=())

    @property
    def rows(self) -> int:
        return sum(self.tables.values())


def configured_engine() -> Engine:
    from django.conf import settings

    engine = settings.DATABASES["default"]["ENGINE"]
    if "sqlite3" in engine:
        return Engine.SQLITE
    if "postgresql" in engine:
        return Engine.POSTGRESQL
    raise BackupError(f"backup and restore support SQLite and PostgreSQL, not {engine}")


def configured_database() -> str:
    """The configured database, for people (never with its password)."""
    from django.conf import settings

    config = settings.DATABASES["default"]
    if configured_engine() is Engine.SQLITE:
        return f"the SQLite file {config['NAME']}"
    where = f"{config.get('HOST') or 'localhost'}:{config.get('PORT') or 5432}"
    return f"the PostgreSQL database {config['NAME']} on {where}"


def backup(path: Path, *, overwrite: bool = False) -> Outcome:
    """Write a consistent backup of the configured database to `path`, atomically: the
    file appears complete or not at all."""
    started = time.monotonic()
    engine = configured_engine()
    path = path.expanduser()
    if path.is_dir():
        raise BackupError(f"{path} is a folder: give a file name for the backup")
    if not path.parent.is_dir():
        raise BackupError(f"the folder {path.parent} does not exist")
    if path.exists() and not overwrite:
        raise BackupError(f"{path} already exists: give --force to replace it")
    if engine is Engine.SQLITE and path.exists() and _same_file(path, _sqlite_live()):
        raise BackupError(f"{path} is the live database itself: choose another file")
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    os.close(handle)  # mode 0600: a backup holds every person and password hash
    partial = Path(name)
    try:
        with _disk_full_is_a_sentence(path):
            tables = _sqlite_backup(partial) if engine is Engine.SQLITE else _pg_backup(partial)
            with partial.open("rb+") as written:
                os.fsync(written.fileno())
            os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return Outcome(
        path=path,
        engine=engine,
        database=configured_database(),
        size=path.stat().st_size,
        sha256=_sha256(path),
        tables=tables,
        seconds=time.monotonic() - started,
    )


def inspect(path: Path) -> BackupFile:
    """Check that `path` is a leadflow backup this database can take, and say what it
    holds. Raises BackupError (changing nothing) when it is not."""
    path = path.expanduser()
    engine = _file_engine(path)
    configured = configured_engine()
    if engine is not configured:
        kind = "a SQLite backup" if engine is Engine.SQLITE else "a PostgreSQL dump"
        where = (
            "with LEADFLOW_DATABASE_URL unset (the embedded SQLite database)"
            if engine is Engine.SQLITE
            else "with LEADFLOW_DATABASE_URL set to a PostgreSQL database"
        )
        raise BackupError(
            f"{path} is {kind}; the configured database is {configured}. Restore it {where}."
        )
    if engine is Engine.SQLITE:
        if _same_file(path, _sqlite_live()):
            raise BackupError(f"{path} is the live database itself, not a backup of it")
        tables, recorded = _sqlite_contents(path)
    else:
        tables, recorded = _pg_contents(path)
    missing = sorted(REQUIRED_TABLES - set(tables))
    if missing or not any(app == "crm" for app, _ in recorded):
        raise BackupError(
            f"{path} is a {engine} database but not a leadflow one "
            f"(no {', '.join(missing) or 'crm migrations'})"
        )
    return BackupFile(
        path=path,
        engine=engine,
        size=path.stat().st_size,
        sha256=_sha256(path),
        tables=tables,
        pending=_pending_migrations(path, recorded),
    )


def restore(path: Path, *, migrate: Callable[[], None] | None = None) -> Outcome:
    """Replace the configured database's contents with the backup at `path`, all or
    nothing; then migrate it forward if it is older than this leadflow (`migrate`, by
    default Django's migrate command)."""
    from django.db import connections

    started = time.monotonic()
    found = inspect(path)
    # Our own connection must not hold the database while it is replaced.
    connections.close_all()
    if found.engine is Engine.SQLITE:
        _sqlite_restore(found.path)
    else:
        _pg_restore(found.path)
    connections.close_all()
    migrated = _unapplied()
    if migrated:
        (migrate or _django_migrate)()
    return Outcome(
        path=found.path,
        engine=found.engine,
        database=configured_database(),
        size=found.size,
        sha256=found.sha256,
        tables=_live_row_counts(),
        seconds=time.monotonic() - started,
        migrated=migrated,
    )


# --- SQLite ------------------------------------------------------------------------------


def _sqlite_live() -> Path:
    from django.conf import settings

    return Path(settings.DATABASES["default"]["NAME"])


def _sqlite_backup(partial: Path) -> dict[str, int]:
    live = _sqlite_live()
    if not live.exists():
        raise BackupError(f"there is no database at {live} yet (run leadflow migrate first)")
    source = sqlite3.connect(live, timeout=30)
    with closing(source), closing(sqlite3.connect(partial)) as target:
        # All pages in one step: one read transaction, so one consistent snapshot, which
        # in WAL mode does not stop the app from writing meanwhile.
        source.backup(target)
        # A single self-contained file: no -wal beside it, whatever the source used.
        target.execute("PRAGMA journal_mode=DELETE")
        return _sqlite_row_counts(target)


def _open_backup(path: Path) -> sqlite3.Connection:
    # immutable: a backup file does not change while we read it, and opening it this way
    # neither locks it nor leaves -wal/-shm files beside it.
    return sqlite3.connect(f"file:{path.resolve()}?mode=ro&immutable=1", uri=True)


def _sqlite_contents(path: Path) -> tuple[dict[str, int | None], set[tuple[str, str]]]:
    wal = path.with_name(path.name + "-wal")
    if wal.exists() and wal.stat().st_size > 0:
        raise BackupError(
            f"{path} has a write-ahead log beside it ({wal.name}): it is a live database, "
            "not a backup. Make one with leadflow backup."
        )
    try:
        with closing(_open_backup(path)) as db:
            check = [row[0] for row in db.execute("PRAGMA quick_check")]
            if check != ["ok"]:
                raise BackupError(f"{path} is damaged: {check[0]}")
            counts: dict[str, int | None] = dict(_sqlite_row_counts(db))
            recorded: set[tuple[str, str]] = set()
            if "django_migrations" in counts:
                recorded = set(db.execute("SELECT app, name FROM django_migrations"))
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path} is damaged or not a SQLite database: {error}") from error
    return counts, recorded


def _sqlite_row_counts(db: sqlite3.Connection) -> dict[str, int]:
    names = [
        row[0]
        for row in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            " ORDER BY name"
        )
    ]
    return {
        name: db.execute(f"SELECT count(*) FROM {_quoted(name)}").fetchone()[0] for name in names
    }


def _sqlite_restore(path: Path) -> None:
    live = _sqlite_live()
    live.parent.mkdir(parents=True, exist_ok=True)
    try:
        with (
            closing(_open_backup(path)) as source,
            closing(sqlite3.connect(live, timeout=30)) as target,
        ):
            # One write transaction on the live database: all pages or none.
            source.backup(target)
            target.execute("PRAGMA journal_mode=WAL")
            # The whole database went through the WAL; fold it back into the file.
            target.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    except sqlite3.Error as error:
        if "full" in str(error):
            raise BackupError(
                f"not enough disk space beside {live} to restore into; the database is unchanged"
            ) from error
        raise BackupError(f"the restore failed and the database is unchanged: {error}") from error


# --- PostgreSQL --------------------------------------------------------------------------


def _pg_env() -> dict[str, str]:
    """The tools' environment: the connection from the settings, as libpq variables."""
    from django.conf import settings

    config = settings.DATABASES["default"]
    env = dict(os.environ)
    for key, variable in (
        ("NAME", "PGDATABASE"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
    ):
        if config.get(key):
            env[variable] = str(config[key])
    for option, variable in _LIBPQ_OPTIONS.items():
        if option in config.get("OPTIONS", {}):
            env[variable] = str(config["OPTIONS"][option])
    return env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(
            f"{name} is not installed: install the PostgreSQL client tools "
            "(e.g. apt install postgresql-client), the same major version as the server"
        )
    return found


def _failure(what: str, stderr: str) -> BackupError:
    # The first error line says what went wrong; hints and context follow it.
    errors = re.findall(r"(?:ERROR|error|FATAL|fatal):\s+(.+)", stderr)
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    detail = errors[0] if errors else lines[-1] if lines else "no message"
    if "No space left on device" in stderr:
        return BackupError(f"{what}: not enough disk space ({detail})")
    return BackupError(f"{what}: {detail}")


def _pg_backup(partial: Path) -> dict[str, int]:
    from django.db import connection, transaction

    pg_dump = _tool("pg_dump")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        dumped = subprocess.run(
            [pg_dump, "--format=custom", f"--snapshot={snapshot}", f"--file={partial}"],
            env=_pg_env(),
            capture_output=True,
            text=True,
        )
        if dumped.returncode != 0:
            raise _failure("pg_dump failed", dumped.stderr)
        # The same snapshot as the dump: these are the rows it holds.
        return _row_counts(cursor)


def _pg_toc(path: Path) -> set[tuple[str, str]]:
    """The (schema, table) pairs a custom-format archive holds, from its table of contents."""
    listed = subprocess.run(
        [_tool("pg_restore"), "--list", str(path)], capture_output=True, text=True, env=_pg_env()
    )
    if listed.returncode != 0:
        raise _failure(f"{path} is damaged or not a PostgreSQL dump", listed.stderr)
    tables = set()
    for line in listed.stdout.splitlines():
        # "257; 1259 40624 TABLE public crm_activity owner" (not "... TABLE DATA public ...")
        parts = line.split()
        if len(parts) >= 6 and parts[3] == "TABLE" and parts[4] != "DATA":
            tables.add((parts[4], parts[5]))
    return tables


def _pg_contents(path: Path) -> tuple[dict[str, int | None], set[tuple[str, str]]]:
    tables: dict[str, int | None] = {name: None for _, name in sorted(_pg_toc(path))}
    if "django_migrations" not in tables:
        return tables, set()
    rows = subprocess.run(
        [_tool("pg_restore"), "--data-only", "--table=django_migrations", "--file=-", str(path)],
        capture_output=True,
        text=True,
        env=_pg_env(),
    )
    if rows.returncode != 0:
        raise _failure(f"{path} is damaged or not a PostgreSQL dump", rows.stderr)
    return tables, _copied_migrations(rows.stdout)


def _copied_migrations(script: str) -> set[tuple[str, str]]:
    """(app, name) rows of django_migrations from pg_restore's COPY ... FROM stdin."""
    recorded: set[tuple[str, str]] = set()
    columns: list[str] | None = None
    for line in script.splitlines():
        if columns is None:
            if line.startswith("COPY ") and "django_migrations (" in line:
                columns = [c.strip() for c in line.split("(", 1)[1].split(")", 1)[0].split(",")]
            continue
        if line == "\\.":
            break
        values = dict(zip(columns, line.split("\t"), strict=False))
        recorded.add((values["app"], values["name"]))
    return recorded


def _quoted(*parts: str) -> str:
    return ".".join('"' + part.replace('"', '""') + '"' for part in parts)


def _pg_extra_tables(dumped: set[tuple[str, str]]) -> list[tuple[str, str]]:
    """Live tables, in the archive's schemas, that the archive does not have."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_schema, table_name FROM information_schema.tables"
            " WHERE table_type = 'BASE TABLE' AND table_schema = ANY(%s)",
            [sorted({schema for schema, _ in dumped})],
        )
        live = {(schema, name) for schema, name in cursor.fetchall()}
    connection.close()
    return sorted(live - dumped)


def _pg_restore(path: Path) -> None:
    pg_restore, psql = _tool("pg_restore"), _tool("psql")
    drops = "".join(
        f"DROP TABLE IF EXISTS {_quoted(*table)} CASCADE;\n"
        for table in _pg_extra_tables(_pg_toc(path))
    )
    env = _pg_env()
    with tempfile.TemporaryFile() as restore_errors, tempfile.TemporaryFile() as psql_errors:
        restoring = subprocess.Popen(
            [pg_restore, *RESTORE_OPTIONS, "--file=-", str(path)],
            stdout=subprocess.PIPE,
            stderr=restore_errors,
            env=env,
        )
        applying = subprocess.Popen(
            [psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", "-"],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=psql_errors,
            env=env,
        )
        assert restoring.stdout is not None
        assert applying.stdin is not None
        complete = False
        try:
            applying.stdin.write(f"BEGIN;\n{drops}".encode())
            shutil.copyfileobj(restoring.stdout, applying.stdin, 1 << 20)
            complete = restoring.wait() == 0
            # Only a whole script commits: psql reaching the end of its input inside the
            # transaction (pg_restore failed half-way) rolls everything back.
            if complete:
                applying.stdin.write(b"COMMIT;\n")
        except BrokenPipeError:
            complete = False  # psql stopped at an error and says which below
        finally:
            with suppress(BrokenPipeError):
                applying.stdin.close()
            if restoring.poll() is None:
                restoring.kill()
            restoring.wait()
            applied = applying.wait() == 0
        if not (complete and applied):
            restore_errors.seek(0)
            psql_errors.seek(0)
            stderr = (psql_errors.read() or restore_errors.read()).decode(errors="replace")
            raise _failure("the restore failed and was rolled back, nothing changed", stderr)


# --- both --------------------------------------------------------------------------------


def _file_engine(path: Path) -> Engine:
    if not path.exists():
        raise BackupError(f"{path} does not exist")
    if path.is_dir():
        raise BackupError(f"{path} is a folder, not a backup file")
    try:
        with path.open("rb") as handle:
            head = handle.read(4096)
    except OSError as error:
        raise BackupError(f"cannot read {path}: {error.strerror}") from error
    if head.startswith(SQLITE_MAGIC):
        return Engine.SQLITE
    if head.startswith(PG_CUSTOM_MAGIC):
        return Engine.POSTGRESQL
    if not head:
        raise BackupError(f"{path} is empty: it is not a leadflow backup")
    if b"PostgreSQL database dump" in head:
        raise BackupError(
            f"{path} is a plain-SQL PostgreSQL dump; restore takes the custom format that "
            "leadflow backup writes (pg_dump --format=custom)"
        )
    if head.startswith(b"\x1f\x8b"):
        raise BackupError(f"{path} is compressed (gzip): decompress it first")
    raise BackupError(
        f"{path} is not a leadflow backup (neither a SQLite database nor a PostgreSQL dump)"
    )


def _pending_migrations(path: Path, recorded: set[tuple[str, str]]) -> tuple[str, ...]:
    """This code's migrations the backup lacks; refuses a backup from a newer leadflow."""
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)
    known = set(loader.disk_migrations)
    for key, squashed in loader.replacements.items():
        known.update(squashed.replaces)
        if set(squashed.replaces) <= recorded:
            recorded = recorded | {key}
    unknown = sorted(recorded - known)
    if unknown:
        names = ", ".join(f"{app}.{name}" for app, name in unknown[:3])
        more = f" and {len(unknown) - 3} more" if len(unknown) > 3 else ""
        raise BackupError(
            f"{path} was made by a newer leadflow: it has migrations this version does not "
            f"know ({names}{more}). Upgrade leadflow, then restore it; nothing was changed."
        )
    return tuple(f"{app}.{name}" for app, name in loader.graph.nodes if (app, name) not in recorded)


def _unapplied() -> tuple[str, ...]:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return tuple(f"{m.app_label}.{m.name}" for m, _ in plan)


def _django_migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def _row_counts(cursor: Any) -> dict[str, int]:
    from django.db import connection

    counts = {}
    for name in sorted(connection.introspection.table_names(cursor)):
        cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(name)}")
        counts[name] = cursor.fetchone()[0]
    return counts


def _live_row_counts() -> dict[str, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        return _row_counts(cursor)


def _same_file(one: Path, other: Path) -> bool:
    try:
        return one.exists() and other.exists() and one.samefile(other)
    except OSError:
        return False


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


@contextmanager
def _disk_full_is_a_sentence(path: Path) -> Iterator[None]:
    try:
        yield
    except sqlite3.Error as error:
        if "full" in str(error):
            raise BackupError(
                f"not enough disk space in {path.parent} for the backup; nothing was written"
            ) from error
        raise BackupError(f"the backup failed, nothing was written: {error}") from error
    except OSError as error:
        if error.errno == errno.ENOSPC:
            raise BackupError(
                f"not enough disk space in {path.parent} for the backup; nothing was written"
            ) from error
        raise BackupError(f"cannot write {path}: {error.strerror or error}") from error
