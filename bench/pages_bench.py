"""Page timings (issue 5): every main page against `leadflow serve` over 1M people.

A database is built once, set-based: the people, companies and Avoid entries of
bench/_import_data.py (as bench/import_bench.py builds them), plus what the pages work
on — leads in every status and temperature, opportunities in every stage with their
appointments and stage history, tasks of every kind, open proposed disqualifications,
interest activities and qualification records. `leadflow serve` then runs on it in its
own process; each role logs in through the real login form (CSRF cookie and token) with
httpx, and every page is requested N times after a warm-up, one request at a time.
Prints the median and p95 per page; asserts nothing. A page whose URL name does not
reverse yet is reported as missing.

    uv run python bench/pages_bench.py [--people 1000000] [--requests 20] [--postgres]
        [--no-sqlite] [--work DIR]   # --work DIR keeps (and reuses) the built SQLite file
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

import _import_data as data
import _pages_data as pages
import httpx
from _runner import child_env, fresh_postgres

PG_NAME = "leadflow_pages_bench"  # never the `test` database
TARGET_MS = 200.0

# (label, url name, role, query); person pages get their id from the built world.
PAGES: list[tuple[str, str, str, str]] = [
    ("dashboard", "dashboard", "owner", ""),
    ("people search: all", "people", "setter", ""),
    ("people search: name", "people", "setter", "q={last_name}"),
    ("people search: email", "people", "setter", "q={email}"),
    ("people search: phone", "people", "setter", "q={phone}"),
    ("people search: filters", "people", "setter", "type=lead&status=qualified&temperature=4"),
    ("people search: page 200", "people", "setter", "type=prospect&page=200"),
    ("person: client", "person", "setter", ""),
    ("person: open deal", "person", "rep", ""),
    ("raw review", "raw-review", "setter", ""),
    ("call list", "call-list", "setter", ""),
    ("confirmations", "confirmations", "setter", ""),
    ("tasks: setter", "tasks", "setter", ""),
    ("tasks: rep", "tasks", "rep", ""),
    ("book appointment", "book-appointment", "setter", ""),
    ("appointments", "appointments", "rep", ""),
    ("pipeline: rep", "pipeline", "rep", ""),
    ("pipeline: owner", "pipeline", "owner", ""),
    ("avoid list", "avoid-list", "admin", ""),
    ("avoid list: search", "avoid-list", "admin", "q={avoid_last_name}"),
    ("playbook", "playbook", "owner", ""),
    ("intake", "intake", "marketing", ""),
    ("intake upload", "intake-upload", "marketing", ""),
    ("manual entry", "intake-manual", "setter", ""),
]
PERSON_KWARG = {
    "person: client": "client",
    "person: open deal": "open_deal",
    "book appointment": "bookable",
}


# --- in the child process: build the world -------------------------------------------


def _django() -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "leadflow.settings"
    import django

    django.setup()


def build(people_n: int) -> dict[str, Any]:
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.db import connection

    from leadflow.crm import models as m
    from leadflow.crm.services.playbook import seed_defaults
    from leadflow.demo.users import ensure_users

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    seed_defaults()
    ensure_users()  # the demo team: owner, marketing, setter, rep, admin and colleagues
    team = {
        r: list(User.objects.filter(groups__name=r).order_by("id").values_list("id", flat=True))
        for r in ("setter", "rep")
    }
    avatars = dict(m.Avatar.objects.order_by("priority", "id").values_list("id", "name"))
    source = m.Source.objects.get_or_create(name="Bench lists")[0]
    campaigns = [
        m.Campaign.objects.get_or_create(name=f"Bench campaign {n}", source=source)[0].pk
        for n in range(1, 10)
    ]
    now = datetime.now(UTC)
    clock = pages.Clock(now, "+00" if connection.vendor == "postgresql" else "")
    companies, people, avoid = data.world(people_n, now, clock.zone)
    people = pages.shape_people(people, clock, list(avatars), campaigns, source.pk)
    work = pages.work_frames(people, clock, team, avatars, source.pk)
    samples = pages.samples(people, work["opportunities"], avoid)
    loads = [
        (m.Company, companies),
        (m.Person, people.drop("_created", "_led")),
        (m.AvoidEntry, avoid),
        (m.Opportunity, work["opportunities"]),
        (m.Appointment, work["appointments"]),
        (m.StageChange, work["changes"]),
        (m.Task, work["tasks"]),
        (m.ProposedDisqualification, work["proposals"]),
        (m.Activity, work["activities"]),
        (m.QualificationRecord, work["records"]),
    ]
    loads = [(model, pages.complete(model, frame)) for model, frame in loads]
    generated = time.perf_counter() - started
    data.load_world(list(loads))
    rows = {model.__name__: frame.height for model, frame in loads}
    return {
        "seconds": time.perf_counter() - started,
        "generated": generated,
        "rows": rows,
        "samples": samples,
    }


def _urls(samples: dict[str, Any]) -> dict[str, str | None]:
    from django.urls import NoReverseMatch, reverse

    urls: dict[str, str | None] = {}
    for label, name, _, _ in PAGES:
        person = PERSON_KWARG.get(label)
        try:
            urls[label] = reverse(name, args=[samples[person]] if person else [])
        except NoReverseMatch:
            urls[label] = None
    return urls


# --- in the parent: serve and time ---------------------------------------------------


def _child(task: dict[str, Any], env: dict[str, str]) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", json.dumps(task)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"the {task['task']} step failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def serving(env: dict[str, str], log: Path) -> Iterator[str]:
    """`leadflow serve` (waitress, 8 threads) in its own process until the block ends."""
    port = _free_port()
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "leadflow", "serve", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300
        while True:
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"leadflow serve did not start; see {log}")
            time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


def log_in(base: str, role: str) -> httpx.Client:
    """The demo login for the role, through the login form like a browser."""
    http = httpx.Client(base_url=base, timeout=60)
    form = http.get("/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
    assert token is not None, "no CSRF token on the login form"
    answer = http.post(
        "/login/",
        data={
            "csrfmiddlewaretoken": token[1],
            "username": role,
            "password": f"demo-{role}",
            "next": "/",
        },
    )
    if answer.status_code != 302:
        raise SystemExit(f"logging in as {role} failed: {answer.status_code}")
    return http


def time_pages(
    label: str,
    base: str,
    samples: dict[str, Any],
    urls: dict[str, str | None],
    args: argparse.Namespace,
) -> list[dict[str, Any]]:
    clients: dict[str, httpx.Client] = {}
    results = []
    for page, _, role, query in PAGES:
        path = urls[page]
        row: dict[str, Any] = {"db": label, "page": page, "role": role}
        if path is None:
            print(f"{label:<9}{page:<26} missing: its URL name does not reverse", flush=True)
            results.append({**row, "missing": True})
            continue
        if query:
            path += "?" + query.format(**{k: quote_plus(str(v)) for k, v in samples.items()})
        http = clients.get(role) or clients.setdefault(role, log_in(base, role))
        times, status, size = [], 0, 0
        for n in range(args.warmup + args.requests):
            started = time.perf_counter()
            answer = http.get(path)
            elapsed = (time.perf_counter() - started) * 1000
            status, size = answer.status_code, len(answer.content)
            if n >= args.warmup:
                times.append(elapsed)
        ordered = sorted(times)
        median = statistics.median(times)
        p95 = ordered[max(math.ceil(0.95 * len(ordered)) - 1, 0)]
        flag = "" if status == 200 and p95 < TARGET_MS else "  <-- over 200 ms or not 200"
        print(
            f"{label:<9}{page:<26}{role:<10}{status} {size / 1024:7.1f} KB  median "
            f"{median:7.1f} ms  p95 {p95:7.1f} ms  {path}{flag}",
            flush=True,
        )
        results.append(
            {**row, "path": path, "status": status, "kb": size / 1024, "median": median, "p95": p95}
        )
    for http in clients.values():
        http.close()
    return results


def table(results: list[dict[str, Any]], labels: list[str]) -> None:
    """The figures as one Markdown table, a column pair per database."""
    heads = " | ".join(f"{lb} median | {lb} p95" for lb in labels)
    print(f"\n| page | role | {heads} |\n|---|---|" + "---:|---:|" * len(labels))
    for page, _, role, _ in PAGES:
        cells = []
        for lb in labels:
            r = next((r for r in results if r["db"] == lb and r["page"] == page), None)
            if r is None or r.get("missing"):
                cells += ["missing", "missing"]
            else:
                note = "" if r["status"] == 200 else f" ({r['status']})"
                cells += [f"{r['median']:.0f} ms{note}", f"{r['p95']:.0f} ms"]
        print(f"| {page} | {role} | {' | '.join(cells)} |")


def bench_one(
    label: str, env: dict[str, str], work: Path, args: argparse.Namespace
) -> list[dict[str, Any]]:
    saved, sqlite_file = work / f"{label}-built.json", work / "leadflow.sqlite3"
    built = json.loads(saved.read_text()) if saved.exists() else {}
    if label == "sqlite" and sqlite_file.exists() and built.get("people") == args.people:
        print(f"{label:<9}reusing the database built in {work}", flush=True)
    else:
        if label == "sqlite":
            sqlite_file.unlink(missing_ok=True)
        built = {**_child({"task": "build", "people": args.people}, env), "people": args.people}
        saved.write_text(json.dumps(built))
        rows = ", ".join(f"{k} {v:,}" for k, v in built["rows"].items())
        print(
            f"{label:<9}built in {built['seconds']:.0f} s (generating "
            f"{built['generated']:.0f} s): {rows}",
            flush=True,
        )
    urls = _child({"task": "urls", "samples": built["samples"]}, env)
    with serving(env, work / f"{label}-serve.log") as base:
        return time_pages(label, base, built["samples"], urls, args)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=20, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--postgres", action="store_true", help="also PostgreSQL")
    parser.add_argument("--postgres-server", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--work", help="keep the SQLite database here, and reuse it")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _django()
        task = json.loads(args.child)
        if task["task"] == "build":
            print(json.dumps(build(task["people"])))
        else:  # the pages as the URLconf names them now, asked again at every timing
            print(json.dumps(_urls(task["samples"])))
        return
    work = Path(args.work or tempfile.mkdtemp(prefix="leadflow-pages-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    print(
        f"machine: {os.cpu_count()} CPUs; {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; "
        f"{args.people:,} people; {args.requests} timed requests per page after "
        f"{args.warmup} warm-up",
        flush=True,
    )
    try:
        results, labels = run(work, args)
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    table(results, labels)
    kept = f"; the SQLite database is kept in {work}" if args.work else ""
    print(f"\n(target: every page under {TARGET_MS:.0f} ms{kept})")


def run(work: Path, args: argparse.Namespace) -> tuple[list[dict[str, Any]], list[str]]:
    results: list[dict[str, Any]] = []
    labels = []
    if not args.no_sqlite:
        labels.append("sqlite")
        results += bench_one("sqlite", child_env(work), work, args)
    if args.postgres:
        with fresh_postgres(args.postgres_server, PG_NAME) as url:
            labels.append("postgres")
            env = child_env(work / "pg", url)
            results += bench_one("postgres", env, work, args)
    return results, labels


if __name__ == "__main__":
    main()
