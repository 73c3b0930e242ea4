"""`leadflow serve --production`: gunicorn, started from Python as one process tree.

The `leadflow` process becomes gunicorn's arbiter; the workers are its forked children, each
with a few threads. Without ``--production``, `leadflow serve` keeps its single waitress
process (cli.py), which is what the demo and the tests use.

The arbiter only sets Django up; the migrations and collectstatic run in a child process
first (`in_a_child_process`), so it holds no database connection (a socket shared across a
fork would interleave two processes' queries) and no thread pool when it forks. The app is
not preloaded: each worker imports it after the fork and opens its own connections.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from gunicorn.app.base import BaseApplication
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_THREADS = 4
# The access log names the worker (`<pid>`) and the time taken: a slow or bloated worker
# shows up in the log before it shows up in the monitoring.
ACCESS_LOG_FORMAT = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(L)ss %(p)s'


class ServerSettings(BaseSettings):
    """The web server's own knobs (LEADFLOW_WEB_*), read only by `leadflow serve --production`."""

    model_config = SettingsConfigDict(env_prefix="LEADFLOW_WEB_", env_file=".env", extra="ignore")

    workers: int | None = Field(default=None, ge=1, description="default: 2 per CPU core")
    threads: int = Field(default=DEFAULT_THREADS, ge=1, description="per worker")
    graceful_timeout: int = Field(
        default=20,
        ge=1,
        description="seconds a stopping worker may finish its requests before it is killed; "
        "keep it below the service manager's own stop timeout",
    )
    max_requests: int = Field(
        default=0,
        ge=0,
        description="replace a worker after about this many requests, to give back memory a "
        "large report or import left behind; 0 (the default): never. A new worker takes a "
        "second or two to load the app, and its connections wait meanwhile: measured on "
        "2 cores, 1000 cut GET /healthz from 1,645 to 317 requests/s (p90 1.2 s)",
    )


def default_workers() -> int:
    """Two per core this process may run on (a container's CPU set, not the host's)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return 2 * max(cores, 1)


def bind_address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host and not host.startswith("[") else f"{host}:{port}"


def gunicorn_options(
    *, host: str, port: int, workers: int | None, threads: int | None, conf: ServerSettings
) -> dict[str, Any]:
    """gunicorn's settings: the command's options first, then LEADFLOW_WEB_*, then defaults."""
    options: dict[str, Any] = {
        "bind": [bind_address(host, port)],
        "workers": workers or conf.workers or default_workers(),
        # gthread: the worker's main loop keeps its heartbeat while request threads run, so a
        # long report or import is not killed by `timeout`; only a stuck process is.
        "worker_class": "gthread",
        "threads": threads or conf.threads,
        "graceful_timeout": conf.graceful_timeout,
        "max_requests": conf.max_requests,
        # Spread over the workers, so they are not all replaced at the same moment.
        "max_requests_jitter": conf.max_requests // 10,
        "preload_app": False,
        "accesslog": "-",
        "access_log_format": ACCESS_LOG_FORMAT,
        "errorlog": "-",
        "proc_name": "leadflow",
        # Whether a request came over HTTPS is Django's decision alone
        # (LEADFLOW_PROXY_SSL_HEADER); gunicorn would otherwise believe X-Forwarded-Proto
        # from any local client.
        "secure_scheme_headers": {},
        # Its default path is one per user ($HOME/.gunicorn/gunicorn.ctl), which a second
        # server on the same machine would take over; leadflow does not use gunicornc.
        "control_socket_disable": True,
    }
    if Path("/dev/shm").is_dir():
        # The workers' heartbeat files: on a disk-backed /tmp (Docker's overlay) a slow
        # write can make the arbiter think a healthy worker hangs.
        options["worker_tmp_dir"] = "/dev/shm"
    return options


class LeadflowServer(BaseApplication):  # type: ignore[misc]  # gunicorn has no types
    """gunicorn configured from a dict, without its command line (sys.argv is leadflow's)."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for name, value in self.options.items():
            self.cfg.set(name, value)

    def load(self) -> Any:
        from django.urls import get_resolver

        from leadflow.wsgi import application

        # Import the views, the API and its schemas now, in the booting worker, rather than
        # in the first request it serves (seconds).
        get_resolver().url_patterns  # noqa: B018
        return application


def in_a_child_process(work: Callable[[], None]) -> None:
    """Run ``work`` (migrations, collectstatic) in a forked child and wait for it.

    The arbiter forks every worker, and every replacement, from its own memory, so what the
    work leaves behind must not be there: a database connection, or polars' thread pool,
    which a forked child inherits without its threads and then waits on forever.
    """
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            work()
            code = 0
        except SystemExit as error:
            code = error.code if isinstance(error.code, int) else 1
        except BaseException:
            traceback.print_exc()
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    if code := os.waitstatus_to_exitcode(status):
        raise SystemExit(code)


def serve_production(
    *, host: str, port: int, workers: int | None = None, threads: int | None = None
) -> None:
    """Run gunicorn in this process: SIGTERM stops it gracefully, SIGINT (Ctrl+C) at once."""
    from django.db import connections

    options = gunicorn_options(
        host=host, port=port, workers=workers, threads=threads, conf=ServerSettings()
    )
    connections.close_all()
    LeadflowServer(options).run()
