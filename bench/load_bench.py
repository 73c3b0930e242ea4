"""Load benchmark (issue 9): the intake webhook under steady load, on PostgreSQL.

`leadflow serve --production` (gunicorn) and one `leadflow worker` run as they would in
production (LEADFLOW_TASKS_BACKEND=database) on a fresh PostgreSQL database; wrk, a
separate C process on loopback, keeps a fixed number of connections busy for the given
seconds with webhook calls that are each signed and each a different new person
(bench/webhook_load.lua), then stops by itself. The webhook answers 202 with a receipt
once a call is in its inbox; the worker takes the inbox in through the intake pipeline.
After each run, once the inbox is empty, the bench checks the database:
every receipt's call is written, each person exactly once, nothing that was not sent.

The baseline, measured in the same run against the same server: `GET /healthz`, which
goes through Django's middleware but not the database — the ceiling the server itself
puts on any request.

Prints requests/s, p50/p90/p99 latency and the counts per run, then the medians; asserts
nothing. Needs wrk (Debian: apt-get install wrk).

    uv run python bench/load_bench.py [--seconds 60] [--runs 3] [--connections 8]
                                      [--workers N] [--threads T]
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from _runner import child_env, fresh_postgres, spawn

PG_SERVER = "postgresql://postgres@127.0.0.1:5432"
PG_NAME = "leadflow_load_bench"  # never the `test` database
SOURCE = "load-bench"
LUA = Path(__file__).with_name("webhook_load.lua")
# Requests written per second of the run: more than the server could ever answer, so no
# wrk thread runs out of different requests and has to fall back to /healthz.
REQUESTS_PER_SECOND_CEILING = 1500


def _child(task: dict[str, Any]) -> dict[str, Any]:
    """In a process of its own: the webhook secret, or a run's check against the database."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "leadflow.settings"
    import django

    django.setup()
    from django.db import connection

    from leadflow.crm.models import Source

    if task["task"] == "source":
        Source.objects.update_or_create(name=SOURCE, defaults={"webhook_secret": task["secret"]})
        return {}
    from leadflow.crm.models import DeliveryState, WebhookDelivery

    deliveries = WebhookDelivery.objects.filter(received_at__gte=task["since"])
    queued = deliveries.filter(state=DeliveryState.QUEUED.value).count()
    if task["task"] == "queued":
        return {"queued": queued}
    finished = deliveries.exclude(state=DeliveryState.QUEUED.value)
    written = set(
        finished.filter(state=DeliveryState.WRITTEN.value).values_list("token", flat=True)
    )
    outcomes: dict[str, int] = {}
    for report in finished.values_list("report", flat=True):
        for outcome, count in report["counts"].items():
            outcomes[outcome] = outcomes.get(outcome, 0) + count
    accepted = set(_accepted(Path(task["accepted_prefix"])))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), count(DISTINCT email_normalized) FROM crm_person"
            " WHERE email_normalized LIKE %s",
            [f"load-{task['run']}-%"],
        )
        stored, distinct = cursor.fetchone()
    return {
        "queued": queued,
        "written": len(written),
        "accepted_not_written": len(accepted - written),
        "outcomes": {k: v for k, v in outcomes.items() if v},
        "stored": stored,
        "distinct_emails": distinct,
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


_SYLLABLES = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"]


def _name(n: int) -> str:
    """A different pronounceable name for every n ("Bada", "Bade"...): digits or letter
    runs in a name are what the spam rules call a keyboard mash."""
    syllables = []
    while True:
        n, rest = divmod(n, len(_SYLLABLES))
        syllables.append(_SYLLABLES[rest])
        if not n:
            break
    return ("ba" + "".join(syllables)).capitalize()


def _requests_file(path: Path, run: str, count: int, secret: str) -> None:
    """`count` different webhook calls, signed now (the webhook accepts 5 minutes of skew)."""
    timestamp = int(time.time())
    with path.open("w") as out:
        for n in range(count):
            body = json.dumps(
                {
                    "first_name": _name(n),
                    "last_name": f"Walker {run}",
                    "email": f"load-{run}-{n}@load{n % 997}.example.com",
                    "company": f"{_name(n)} Networks {run}",
                },
                separators=(",", ":"),
            ).encode()
            # As a sender signs (the webhook's docstring): HMAC-SHA256 of "<timestamp>.<body>".
            mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
            out.write(f"{timestamp}\tsha256={mac.hexdigest()}\t{body.decode()}\n")


def _wrk(
    url: str, seconds: int, connections: int, script: list[str] | None = None
) -> dict[str, Any]:
    """One wrk run on 2 threads: with `script` ([requests file, path, accepted prefix]) the
    signed webhook calls of webhook_load.lua, else plain GETs of `url`."""
    threads = 2
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s"]
    if script:
        command += ["-s", str(LUA), url, "--", script[0], script[1], str(threads), script[2]]
    else:
        command += ["--latency", url]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"wrk failed:\n{done.stdout}\n{done.stderr}")
    if script:
        line = next(x for x in done.stdout.splitlines() if x.startswith("LOAD-RESULT "))
        return dict(json.loads(line.removeprefix("LOAD-RESULT ")))
    return _plain_wrk(done.stdout)


def _plain_wrk(output: str) -> dict[str, Any]:
    """requests/s and the latency percentiles from wrk --latency's own report."""
    figures: dict[str, Any] = {"latency_ms": {}}
    units = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    for line in output.splitlines():
        parts = line.split()
        if line.strip().startswith(("50%", "90%", "99%")):
            value = parts[1]
            unit = next(u for u in ("us", "ms", "s") if value.endswith(u))
            figures["latency_ms"]["p" + parts[0].rstrip("%")] = (
                float(value.removesuffix(unit)) * units[unit]
            )
        elif line.startswith("Requests/sec:"):
            figures["per_second"] = float(parts[1])
    return figures


def _start_server(
    env: dict[str, str], home: Path, workers: int | None, threads: int | None
) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    command = [sys.executable, "-m", "leadflow", "serve", "--production", "--port", str(port)]
    if workers:
        command += ["--workers", str(workers)]
    if threads:
        command += ["--threads", str(threads)]
    log = (home / "server.log").open("wb")
    # Its own session, so the whole gunicorn tree can be stopped together.
    process = subprocess.Popen(
        command, env=env, cwd=home, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                return process, url
        except httpx.TransportError:
            pass
        if process.poll() is not None:
            break
        time.sleep(0.25)
    raise SystemExit("the server did not start:\n" + (home / "server.log").read_text()[-3000:])


def _start_worker(env: dict[str, str], home: Path) -> subprocess.Popen[bytes]:
    """`leadflow worker`: takes the webhook's inbox in (and any other job)."""
    log = (home / "worker.log").open("wb")
    return subprocess.Popen(
        [sys.executable, "-m", "leadflow", "worker", "--interval", "0.2"],
        env=env, cwd=home, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _accepted(prefix: Path) -> list[str]:
    """The receipts of the accepted calls, as the wrk threads wrote them down."""
    tokens: list[str] = []
    for path in prefix.parent.glob(prefix.name + "*"):
        tokens += path.read_text().split()
    return tokens


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=None, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=None, help="threads per worker")
    parser.add_argument("--postgres", default=PG_SERVER, help="PostgreSQL server URL")
    parser.add_argument(
        "--worker",
        choices=["during", "after"],
        default="during",
        help="run the worker during the load (production), or start it after (the web "
        "processes alone: what answering costs without taking in)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the logs and files")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_child(json.loads(args.child))))
        return
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")
    home = Path(tempfile.mkdtemp(prefix="leadflow-load-"))
    secret = secrets.token_hex(32)
    try:
        with fresh_postgres(args.postgres, PG_NAME) as url:
            env = child_env(home / "data", url)
            env |= {
                "LEADFLOW_SECRET_KEY": secrets.token_urlsafe(50),
                "LEADFLOW_ALLOWED_HOSTS": '["127.0.0.1"]',
                "LEADFLOW_SSL_REDIRECT": "false",  # plain HTTP on loopback, no proxy
                "LEADFLOW_TASKS_BACKEND": "database",
                # The limits guard a public door; this load comes from one address.
                "LEADFLOW_WEBHOOK_LIMIT_PER_IP": "100000000",
                "LEADFLOW_WEBHOOK_LIMIT_PER_SOURCE": "100000000",
                "PYTHONUNBUFFERED": "1",
            }
            process, server = _start_server(env, home, args.workers, args.threads)
            workers: list[subprocess.Popen[bytes]] = []
            if args.worker == "during":
                workers.append(_start_worker(env, home))
            try:
                spawn(__file__, {"task": "source", "secret": secret}, env)
                _warm_up(server, home, secret, args.connections)
                runs = []
                for n in range(args.runs):
                    runs.append(_run(n, args, server, home, secret, env, workers))
            finally:
                _stop(process)
                for worker in workers:
                    _stop(worker)
    finally:
        if args.keep:
            print(f"logs kept in {home}")
        else:
            shutil.rmtree(home, ignore_errors=True)
    _summary(runs, args)


def _warm_up(server: str, home: Path, secret: str, connections: int) -> None:
    """Every worker imports its views and opens its database connections first."""
    requests = home / "warm.tsv"
    _requests_file(requests, "warm", 5 * REQUESTS_PER_SECOND_CEILING, secret)
    _wrk(
        server + f"/intake/webhook/{SOURCE}",
        5,
        connections,
        [str(requests), f"/intake/webhook/{SOURCE}", str(home / "warm-accepted-")],
    )


def _run(
    n: int,
    args: argparse.Namespace,
    server: str,
    home: Path,
    secret: str,
    env: dict[str, str],
    workers: list[subprocess.Popen[bytes]],
) -> dict[str, Any]:
    run = f"r{n}"
    baseline = _wrk(server + "/healthz", args.seconds, args.connections)
    requests = home / f"{run}.tsv"
    _requests_file(requests, run, args.seconds * REQUESTS_PER_SECOND_CEILING, secret)
    prefix = home / f"{run}-accepted-"
    path = f"/intake/webhook/{SOURCE}"
    started_wall = time.time() - 1
    load = _wrk(server + path, args.seconds, args.connections, [str(requests), path, str(prefix)])
    started = time.monotonic()
    if not workers:  # --worker after: the inbox is taken in once the load is over
        workers.append(_start_worker(env, home))
    since = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(started_wall))
    while spawn(__file__, {"task": "queued", "since": since}, env)["queued"]:
        time.sleep(1)  # the worker is still taking the last calls in
    drained_after = time.monotonic() - started
    accepted = _accepted(prefix)
    check = {"task": "check", "run": run, "since": since, "accepted_prefix": str(prefix)}
    stored = spawn(__file__, check, env)
    ok = sum(v for k, v in load["statuses"].items() if k.startswith("2"))
    load |= {
        "per_second": (load["requests"] - load["exhausted"]) / load["seconds"],
        "accepted": ok - load["exhausted"],
        "receipts": len(accepted),
        "receipts_distinct": len(set(accepted)),
        "accepted_not_written": stored["accepted_not_written"],
        "written": stored["written"],
        "outcomes": stored["outcomes"],
        "stored": stored["stored"],
        "stored_distinct_emails": stored["distinct_emails"],
        "drained_after_s": drained_after,
        "baseline": baseline,
    }
    print(
        f"run {n + 1}: {load['per_second']:,.0f} webhook calls/s, "
        f"p50 {load['latency_ms']['p50']:.1f} ms, p99 {load['latency_ms']['p99']:.1f} ms, "
        f"statuses {load['statuses']}, socket errors {load['errors']}; "
        f"accepted {load['accepted']:,} (receipts {load['receipts_distinct']:,}), "
        f"stored {load['stored']:,} people ({load['stored_distinct_emails']:,} distinct), "
        f"accepted but not written {load['accepted_not_written']}, "
        f"signed requests sent {load['signed_sent']:,}, inbox empty "
        f"{load['drained_after_s']:.0f} s after the load | baseline /healthz "
        f"{baseline['per_second']:,.0f}/s, p99 {baseline['latency_ms']['p99']:.1f} ms",
        flush=True,
    )
    return load


def _summary(runs: list[dict[str, Any]], args: argparse.Namespace) -> None:
    def median(values: list[float]) -> float:
        return statistics.median(values)

    print(
        f"\n{len(runs)} runs of {args.seconds} s, {args.connections} connections, "
        f"worker {args.worker} the load, on {os.cpu_count()} CPUs"
    )
    print(
        "webhook  median "
        f"{median([r['per_second'] for r in runs]):,.0f} req/s, "
        f"p50 {median([r['latency_ms']['p50'] for r in runs]):.1f} ms, "
        f"p90 {median([r['latency_ms']['p90'] for r in runs]):.1f} ms, "
        f"p99 {median([r['latency_ms']['p99'] for r in runs]):.1f} ms"
    )
    print(
        "baseline median "
        f"{median([r['baseline']['per_second'] for r in runs]):,.0f} req/s, "
        f"p99 {median([r['baseline']['latency_ms']['p99'] for r in runs]):.1f} ms (GET /healthz)"
    )
    # Exactly once: every receipt's delivery written, one person per written delivery (each
    # call carries one new person), none twice, none that was not sent. A call still in
    # flight when wrk stopped may be written without its answer having been counted.
    exact = all(
        r["accepted_not_written"] == 0
        and r["receipts_distinct"] == r["accepted"]
        and r["stored"] == r["stored_distinct_emails"] == r["written"]
        and r["accepted"] <= r["stored"] <= r["signed_sent"]
        for r in runs
    )
    print("every accepted call stored exactly once:", "yes" if exact else "NO")
    if not exact:
        print(json.dumps([{k: v for k, v in r.items() if k != "baseline"} for r in runs]))


if __name__ == "__main__":
    main()
