"""`leadflow backup` and `leadflow restore` end to end (issue 9), as an operator runs them:
real processes on a demo world, in SQLite and in a scratch PostgreSQL database.

Every table is compared, every column, row by row in primary-key order: a restore brings
back the database exactly as it was when the backup was made, and a restore that is
refused or fails leaves it exactly as it was before."""

from __future__ import annotations

import hashlib
import os
import secrets
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.same_on_every_database

LEADFLOW = [sys.executable, "-m", "leadflow"]
PG_SERVER = "postgresql://postgres@127.0.0.1:5432"
MIGRATIONS = Path(__file__).parents[2] / "src" / "leadflow" / "crm" / "migrations"

Rows = list[tuple[Any, ...]]
Snapshot = dict[str, Rows]
Query = Callable[[str], Rows]


@dataclass
class World:
    """A demo world in its own data folder, and the database it lives in."""

    engine: str
    folder: Path
    database_url: str | None = None
    first_backup: Path = field(init=False)

    def __post_init__(self) -> None:
        suffix = "sqlite3" if self.engine == "sqlite" else "dump"
        self.first_backup = self.folder / f"first-backup.{suffix}"

    @property
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("LEADFLOW_")}
        env["LEADFLOW_DATA_DIR"] = str(self.folder / "data")
        env["COLUMNS"] = "240"  # rich wraps at 80 columns without a terminal
        if self.database_url:
            env["LEADFLOW_DATABASE_URL"] = self.database_url
        return env

    def start(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [*LEADFLOW, *args],
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
        )

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return _finish(self.start(*args))

    @contextmanager
    def connection(self) -> Iterator[Query]:
        """One connection to the world's database, as a function from SQL to rows."""
        if self.engine == "sqlite":
            with closing(sqlite3.connect(self.folder / "data" / "leadflow.sqlite3")) as db:
                yield lambda sql: list(db.execute(sql))
                db.commit()
            return
        import psycopg

        assert self.database_url
        with psycopg.connect(self.database_url) as pg:

            def query(sql: str) -> Rows:
                cursor = pg.execute(sql)
                return list(cursor) if cursor.description else []

            yield query

    def query(self, sql: str) -> Rows:
        with self.connection() as query:
            return query(sql)

    def execute(self, *statements: str) -> None:
        with self.connection() as query:
            for statement in statements:
                query(statement)

    def tables(self) -> list[str]:
        with self.connection() as query:
            return _tables(self.engine, query)

    def snapshot(self) -> Snapshot:
        """Every row of every table, all columns, in primary-key order."""
        rows = {}
        with self.connection() as query:
            for table in _tables(self.engine, query):
                key = _primary_key(self.engine, query, table)
                # A table without a key (sqlite_sequence) is ordered by all its columns.
                order = ", ".join(f'"{column}"' for column in key) if key else "1, 2"
                rows[table] = query(f'SELECT * FROM "{table}" ORDER BY {order}')
        return rows


def _tables(engine: str, query: Query) -> list[str]:
    if engine == "sqlite":
        sql = "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
    else:
        sql = (
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
            " AND table_type = 'BASE TABLE' ORDER BY table_name"
        )
    return [name for (name,) in query(sql)]


def _primary_key(engine: str, query: Query, table: str) -> list[str]:
    if engine == "sqlite":
        info = query(f'PRAGMA table_info("{table}")')
        return [row[1] for row in sorted(info, key=lambda row: row[5]) if row[5]]
    return [
        name
        for (name,) in query(
            "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid"
            f" AND a.attnum = ANY(i.indkey) WHERE i.indrelid = 'public.{table}'::regclass"
            " AND i.indisprimary ORDER BY array_position(i.indkey, a.attnum)"
        )
    ]


def _finish(process: subprocess.Popen[str]) -> subprocess.CompletedProcess[str]:
    stdout, stderr = process.communicate(timeout=180)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def _assert_same(actual: Snapshot, expected: Snapshot) -> None:
    assert sorted(actual) == sorted(expected), "the tables differ"
    for table, rows in expected.items():
        assert actual[table] == rows, f"table {table} differs"


def _assert_refused(result: subprocess.CompletedProcess[str], *phrases: str) -> None:
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "Traceback" not in output
    for phrase in phrases:
        assert phrase in result.stdout, output


@pytest.fixture(scope="module")
def worlds(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, World | str]]:
    """Both demo worlds, built at the same time, each with a backup made right after.
    The PostgreSQL one is a reason to skip when the server is not there."""
    built: dict[str, World | str] = {"sqlite": World("sqlite", tmp_path_factory.mktemp("sqlite"))}
    admin = None
    name = f"leadflow_backup_test_{secrets.token_hex(4)}"
    try:
        import psycopg

        admin = psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True, connect_timeout=5)
    except (ImportError, OSError) as error:
        built["postgresql"] = f"PostgreSQL is not reachable at {PG_SERVER}: {error}"
    except Exception as error:  # psycopg.OperationalError, without importing psycopg first
        built["postgresql"] = f"PostgreSQL is not reachable at {PG_SERVER}: {error}"
    if admin is not None:
        admin.execute(f"CREATE DATABASE {name}")
        built["postgresql"] = World(
            "postgresql", tmp_path_factory.mktemp("postgresql"), f"{PG_SERVER}/{name}"
        )
    try:
        ready = [world for world in built.values() if isinstance(world, World)]
        for step in (
            ["demo", "--no-serve", "--people", "300"],
            ["backup", "<first backup>"],
        ):
            processes = [
                world.start(*[str(world.first_backup) if a.startswith("<") else a for a in step])
                for world in ready
            ]
            for world, process in zip(ready, processes, strict=True):
                done = _finish(process)
                assert done.returncode == 0, f"{world.engine}: {done.stdout}{done.stderr}"
        yield built
    finally:
        if admin is not None:
            with admin:
                admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(scope="module")
def sqlite_world(worlds: dict[str, World | str]) -> World:
    world = worlds["sqlite"]
    assert isinstance(world, World)
    return world


@pytest.fixture(scope="module")
def pg_world(worlds: dict[str, World | str]) -> World:
    world = worlds["postgresql"]
    if not isinstance(world, World):
        pytest.skip(world)
    return world


@pytest.fixture(params=["sqlite", "postgresql"])
def world(request: pytest.FixtureRequest) -> World:
    fixture = "sqlite_world" if request.param == "sqlite" else "pg_world"
    found: World = request.getfixturevalue(fixture)
    return found


def test_a_restore_brings_back_every_row_of_every_table_as_it_was_at_backup_time(
    world: World, tmp_path: Path
) -> None:
    at_backup = world.snapshot()
    file = tmp_path / "leadflow.backup"
    made = world.run("backup", str(file))
    assert made.returncode == 0, made.stdout + made.stderr
    assert f"sha256 {hashlib.sha256(file.read_bytes()).hexdigest()}" in made.stdout
    counted = {t: rows for t, rows in at_backup.items() if not t.startswith("sqlite_")}
    assert f"{len(counted)} tables, {sum(map(len, counted.values())):,} rows" in made.stdout
    # It holds every person and password hash: for its owner's eyes only.
    assert stat.S_IMODE(file.stat().st_mode) == 0o600
    if world.engine == "sqlite":
        # One self-contained file, not a WAL database that needs a -wal beside it.
        assert file.read_bytes()[18:20] == b"\x01\x01"
        assert not file.with_name(file.name + "-wal").exists()

    person = world.query("SELECT min(id) FROM crm_person")[0][0]
    world.execute(
        "INSERT INTO auth_group (name) VALUES ('made after the backup')",
        "DELETE FROM crm_activity WHERE id IN (SELECT id FROM crm_activity ORDER BY id LIMIT 5)",
        f"UPDATE crm_person SET first_name = 'Changed', city = 'Elsewhere' WHERE id = {person}",
        # A table the backup does not have (as a newer migration makes): the restore
        # must not leave it behind, pointing into the restored people.
        "CREATE TABLE crm_made_after (id int PRIMARY KEY, person_id bigint"
        " REFERENCES crm_person (id))",
        f"INSERT INTO crm_made_after VALUES (1, {person})",
    )
    assert world.snapshot() != at_backup

    restored = world.run("restore", str(file), "--yes")
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert "Restored" in restored.stdout
    _assert_same(world.snapshot(), at_backup)
    if world.engine == "sqlite":
        assert world.query("PRAGMA journal_mode") == [("wal",)]


def test_backup_will_not_replace_a_file_without_force(sqlite_world: World, tmp_path: Path) -> None:
    precious = tmp_path / "precious.txt"
    precious.write_text("keep me")
    replaceable = tmp_path / "last-week.sqlite3"
    replaceable.write_text("an old backup")
    refused, nowhere, forced = (
        _finish(process)
        for process in [
            sqlite_world.start("backup", str(precious)),
            sqlite_world.start("backup", str(tmp_path / "no" / "such" / "folder.sqlite3")),
            sqlite_world.start("backup", str(replaceable), "--force"),
        ]
    )
    _assert_refused(refused, "Not backed up:", "already exists", "--force")
    assert precious.read_text() == "keep me"
    _assert_refused(nowhere, "Not backed up:", "does not exist")
    assert forced.returncode == 0, forced.stdout + forced.stderr
    assert replaceable.read_bytes().startswith(b"SQLite format 3\x00")
    assert not list(tmp_path.glob(".*partial"))


def test_restore_refuses_what_is_not_a_leadflow_backup_and_changes_nothing(
    world: World, tmp_path: Path
) -> None:
    csv_file = tmp_path / "people.csv"
    csv_file.write_text("name,email\nDana Owens,dana@example.com\n")
    damaged = tmp_path / "damaged.backup"
    whole = world.first_backup.read_bytes()
    damaged.write_bytes(whole[: len(whole) * 6 // 10])
    cases = {csv_file: "is not a leadflow backup", damaged: "is damaged"}
    if world.engine == "sqlite":  # the rest does not depend on the engine
        plain_sql = tmp_path / "plain.sql"
        plain_sql.write_text("--\n-- PostgreSQL database dump\n--\n\nSET statement_timeout = 0;\n")
        other_app = tmp_path / "other-app.sqlite3"
        with closing(sqlite3.connect(other_app)) as db:
            db.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
        cases |= {
            tmp_path / "missing.backup": "does not exist",
            plain_sql: "plain-SQL PostgreSQL dump",
            other_app: "not a leadflow one",
        }
    before = world.snapshot()
    processes = {file: world.start("restore", str(file), "--yes") for file in cases}
    for file, process in processes.items():
        _assert_refused(_finish(process), "Not restored:", cases[file])
    _assert_same(world.snapshot(), before)


def test_restore_refuses_a_backup_of_the_other_engine_and_changes_nothing(
    sqlite_world: World, pg_world: World
) -> None:
    before = {world.engine: world.snapshot() for world in (sqlite_world, pg_world)}
    into_sqlite = sqlite_world.start("restore", str(pg_world.first_backup), "--yes")
    into_pg = pg_world.start("restore", str(sqlite_world.first_backup), "--yes")
    _assert_refused(_finish(into_sqlite), "is a PostgreSQL dump; the configured database is SQLite")
    _assert_refused(_finish(into_pg), "is a SQLite backup; the configured database is PostgreSQL")
    for world in (sqlite_world, pg_world):
        _assert_same(world.snapshot(), before[world.engine])


def test_restore_refuses_a_backup_from_a_newer_leadflow_and_changes_nothing(
    world: World, tmp_path: Path
) -> None:
    file = tmp_path / "from-the-future.backup"
    from_the_future = (
        "INSERT INTO django_migrations (app, name, applied)"
        " VALUES ('crm', '9999_from_the_future', CURRENT_TIMESTAMP)"
    )
    if world.engine == "sqlite":
        file.write_bytes(world.first_backup.read_bytes())
        with closing(sqlite3.connect(file)) as db:
            db.execute(from_the_future)
            db.commit()
    else:
        # pg_dump's own custom format, as an operator may make it without leadflow.
        assert world.database_url
        world.execute(from_the_future)
        try:
            subprocess.run(
                ["pg_dump", "--format=custom", f"--file={file}", world.database_url],
                check=True,
                timeout=60,
            )
        finally:
            world.execute("DELETE FROM django_migrations WHERE name = '9999_from_the_future'")
    before = world.snapshot()
    refused = world.run("restore", str(file), "--yes")
    _assert_refused(refused, "made by a newer leadflow", "crm.9999_from_the_future")
    _assert_same(world.snapshot(), before)


def test_restoring_a_backup_from_an_older_leadflow_migrates_it_forward(
    pg_world: World, tmp_path: Path
) -> None:
    """On PostgreSQL the restore itself must drop the tables the older backup lacks, or
    the migration could not make them again (a SQLite restore replaces the whole file)."""
    previous, latest = sorted(p.stem for p in MIGRATIONS.glob("0*.py"))[-2:]
    before = pg_world.snapshot()
    file = tmp_path / "older.dump"
    down = pg_world.run("manage", "migrate", "crm", previous)
    assert down.returncode == 0, down.stdout + down.stderr
    newer_tables = set(before) - set(pg_world.tables())
    assert newer_tables, f"crm.{latest} makes no table: this test would prove less"
    made = pg_world.run("backup", str(file))
    up = pg_world.run("migrate")  # leadflow upgraded; then its data restored from before
    assert made.returncode == 0, made.stdout + made.stderr
    assert up.returncode == 0, up.stdout + up.stderr

    restored = pg_world.run("restore", str(file), "--yes")
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert "older leadflow" in restored.stdout
    assert f"crm.{latest}" in restored.stdout
    after = pg_world.snapshot()
    # The migration is recorded again (a new row, a new time); every other row is back.
    assert sorted(row[1:3] for row in after.pop("django_migrations")) == sorted(
        row[1:3] for row in before.pop("django_migrations")
    )
    for table in newer_tables:  # made again by the migration, as empty as it made them
        assert after.pop(table) == []
        before.pop(table)
    _assert_same(after, before)


def test_a_postgresql_restore_that_fails_part_way_rolls_back_and_loses_nothing(
    pg_world: World,
) -> None:
    # A table the backup lacks (the restore drops it first) and a view the restore cannot
    # drop the people's table under (so it fails after dropping much already).
    pg_world.execute(
        "CREATE TABLE crm_scratch (id int PRIMARY KEY, person_id bigint REFERENCES crm_person)",
        "INSERT INTO crm_scratch SELECT 1, min(id) FROM crm_person",
        "DELETE FROM crm_activity WHERE id IN (SELECT id FROM crm_activity ORDER BY id LIMIT 3)",
        "CREATE VIEW crm_people_report AS SELECT id, city FROM crm_person",
    )
    try:
        before = pg_world.snapshot()
        failed = pg_world.run("restore", str(pg_world.first_backup), "--yes")
        _assert_refused(failed, "Not restored:", "rolled back", "crm_person")
        _assert_same(pg_world.snapshot(), before)
    finally:
        pg_world.execute("DROP VIEW IF EXISTS crm_people_report", "DROP TABLE crm_scratch")
