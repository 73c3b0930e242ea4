"""Screenshots of the main pages, for the README: the demo world, served, in Chromium.

Loads the demo world (`leadflow demo --no-serve`) into a temporary data dir, serves it
with `leadflow serve` on a free port, logs in through the login form as the role each
page is for, and saves one PNG per page next to this script. A page whose URL does not
exist yet is skipped and named. Uses Debian's Chromium ($LEADFLOW_CHROMIUM or
/usr/bin/chromium); never `playwright install`.

    uv run python docs/screenshots/take.py [--people 5000] [--seed 42]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
from playwright.sync_api import Browser, Page, sync_playwright

HERE = Path(__file__).resolve().parent
LEADFLOW = [sys.executable, "-m", "leadflow"]
VIEWPORT = {"width": 1280, "height": 900}

# (file name, role, URL name, query); the person pages take an id from the demo world.
SHOTS = [
    ("dashboard", "owner", "dashboard", ""),
    ("people-search", "setter", "people", "?type=lead&status=qualified"),
    ("person", "setter", "person", ""),
    ("raw-review", "setter", "raw-review", ""),
    ("call-list", "setter", "call-list", ""),
    ("confirmations", "setter", "confirmations", ""),
    ("tasks", "setter", "tasks", ""),
    ("book-appointment", "setter", "book-appointment", ""),
    ("appointments", "rep", "appointments", ""),
    ("pipeline", "owner", "pipeline", ""),
    ("avoid-list", "admin", "avoid-list", ""),
    ("playbook", "owner", "playbook", ""),
    ("intake-upload", "marketing", "intake-upload", ""),
]
FULL_PAGE = {"person"}
PERSON_FOR = {"person": "person", "book-appointment": "bookable"}
# Run in the served app's own settings: the paths its URLconf gives each name, or null.
_REVERSE = """
import json, os, sys
os.environ["DJANGO_SETTINGS_MODULE"] = "leadflow.settings"
import django
django.setup()
from django.urls import NoReverseMatch, reverse
out = {}
for name, args in json.loads(sys.argv[1]):
    try:
        out[name] = reverse(name, args=args)
    except NoReverseMatch:
        out[name] = None
print(json.dumps(out))
"""


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEADFLOW_")}
    return {**env, "LEADFLOW_DATA_DIR": str(data_dir)}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def serving(data_dir: Path) -> Iterator[str]:
    port = _free_port()
    server = subprocess.Popen(
        [*LEADFLOW, "serve", "--port", str(port)],
        env=_env(data_dir),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("leadflow serve did not start")
            time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


def sample_people(data_dir: Path) -> dict[str, int]:
    """A person with a deal in progress (the fullest person page), and a sweet-spot lead
    a setter may book: qualified, not on do-not-call, no open opportunity."""
    with contextlib.closing(sqlite3.connect(data_dir / "leadflow.sqlite3")) as db:
        person = db.execute(
            "SELECT person_id FROM crm_opportunity WHERE stage = 'proposing' ORDER BY id LIMIT 1"
        ).fetchone()
        bookable = db.execute(
            "SELECT p.id FROM crm_person p WHERE p.person_type = 'lead'"
            " AND p.qualification_status = 'qualified' AND p.sweet_spot_id IS NOT NULL"
            " AND NOT p.do_not_call AND NOT EXISTS (SELECT 1 FROM crm_opportunity o"
            " WHERE o.person_id = p.id AND o.stage NOT IN ('won', 'lost'))"
            " ORDER BY p.temperature DESC, p.id LIMIT 1"
        ).fetchone()
    return {"person": int(person[0]), "bookable": int(bookable[0])}


def log_in(browser: Browser, base: str, role: str) -> Page:
    page = browser.new_context(base_url=base, viewport=VIEWPORT).new_page()
    page.goto("/login/")
    page.get_by_label("Username").fill(role)
    page.get_by_label("Password").fill(f"demo-{role}")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("button", name="Log out").wait_for()
    return page


def paths(data_dir: Path, people: dict[str, int]) -> dict[str, str | None]:
    wanted = [
        (name, [people[PERSON_FOR[name]]] if name in PERSON_FOR else []) for _, _, name, _ in SHOTS
    ]
    done = subprocess.run(
        [sys.executable, "-c", _REVERSE, json.dumps(wanted)],
        env=_env(data_dir),
        capture_output=True,
        text=True,
        check=True,
    )
    found: dict[str, str | None] = json.loads(done.stdout)
    return found


def shoot(base: str, urls: dict[str, str | None], out: Path) -> list[str]:
    executable = os.environ.get("LEADFLOW_CHROMIUM") or "/usr/bin/chromium"
    skipped = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, args=["--no-sandbox"], headless=True
        )
        pages: dict[str, Page] = {}
        for file, role, name, query in SHOTS:
            path = urls[name]
            if path is None:
                print(f"skipped {file}: the URL name {name!r} does not exist yet")
                skipped.append(file)
                continue
            page = pages.get(role) or pages.setdefault(role, log_in(browser, base, role))
            answer = page.goto(path + query)
            status = answer.status if answer is not None else 0
            if status != 200:
                print(f"skipped {file}: {path}{query} answered {status} to {role}")
                skipped.append(file)
                continue
            page.wait_for_load_state("networkidle")
            # The person page is read top to bottom (timeline last): all of it.
            page.screenshot(path=out / f"{file}.png", full_page=file in FULL_PAGE)
            print(f"saved {out / f'{file}.png'} ({role}, {path}{query})")
        browser.close()
    return skipped


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out", type=Path, default=HERE)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="leadflow-screenshots-") as tmp:
        data_dir = Path(tmp)
        subprocess.run(
            [
                *LEADFLOW,
                "demo",
                "--no-serve",
                "--people",
                str(args.people),
                "--seed",
                str(args.seed),
            ],
            env=_env(data_dir),
            check=True,
            stdout=subprocess.DEVNULL,
        )
        urls = paths(data_dir, sample_people(data_dir))
        with serving(data_dir) as base:
            skipped = shoot(base, urls, args.out)
    if skipped:
        print(f"not taken (page missing or refused): {', '.join(skipped)}")


if __name__ == "__main__":
    main()
