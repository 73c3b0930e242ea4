"""Runtime configuration from the environment (LEADFLOW_*), via pydantic-settings.

Two modes. The embedded default (``leadflow demo``/``serve``) runs over plain HTTP on
127.0.0.1 with a key generated into the data directory. ``LEADFLOW_PRODUCTION=1`` is for
a server behind HTTPS: it refuses to start without a long secret key and the host names
given, and settings.py turns on the secure cookies, HTTPS redirect and HSTS
(docs/production.md).
"""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# The database alias reports read from (settings.py): the primary's unless
# LEADFLOW_REPORTS_DATABASE_URL names a replica.
REPORTS_DATABASE = "reports"

# Django's own deploy check asks for as much (security.W009).
MIN_SECRET_KEY_LENGTH = 50
MIN_SECRET_KEY_CHARACTERS = 5


# A worker whose beat is merely late must not be taken for lost: its job would be failed
# while it still runs.
BEATS_BEFORE_LOST = 3


class LeadflowSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LEADFLOW_", env_file=".env", extra="ignore")

    data_dir: Path = Field(
        default=Path("leadflow-data"), description="where the SQLite file and secret live"
    )
    database_url: str | None = Field(
        default=None, description="postgresql://... for PostgreSQL; default: SQLite in data_dir"
    )
    reports_database_url: str | None = Field(
        default=None,
        description="postgresql://... of a read replica the reports read from; default: "
        "the database itself",
    )
    debug: bool = False
    allowed_hosts: list[str] = ["127.0.0.1", "localhost", "[::1]", "testserver"]
    secret_key: str | None = Field(
        default=None, description="default: generated once, kept in data_dir"
    )
    production: bool = Field(
        default=False, description="served over HTTPS to the world: secure cookies, HSTS..."
    )
    csrf_trusted_origins: list[str] = Field(
        default_factory=list,
        description="https://origins allowed to post forms; default in production: "
        "https://<each allowed host>",
    )
    proxy_ssl_header: str | None = Field(
        default=None,
        description="the header a TLS-terminating proxy sets to 'https' (X-Forwarded-Proto); "
        "only when the proxy always sets or strips it, else a client could claim HTTPS",
    )
    trusted_proxies: int = Field(
        default=0,
        ge=0,
        description="how many reverse proxies stand in front and each append the address "
        "they saw to X-Forwarded-For; the rate limits key on the address the outermost one "
        "saw. 0: REMOTE_ADDR, since a client can write any X-Forwarded-For it likes",
    )
    ssl_redirect: bool = Field(
        default=True, description="in production: redirect http:// to https://"
    )
    hsts_seconds: int = Field(default=31_536_000, ge=0, description="in production")
    hsts_include_subdomains: bool = True
    hsts_preload: bool = True
    # Requests per window at the two public doors; each is limited per client IP and per
    # source (web/intake/ratelimit.py).
    rate_window_seconds: int = Field(default=60, ge=1)
    form_limit_per_ip: int = Field(default=10, ge=1)
    form_limit_per_source: int = Field(default=300, ge=1)
    webhook_limit_per_ip: int = Field(default=120, ge=1)
    webhook_limit_per_source: int = Field(default=60, ge=1)
    tasks_backend: Literal["immediate", "database"] = Field(
        default="immediate",
        description="immediate: jobs run in the process that asks for them (one laptop); "
        "database: they wait in the database for `leadflow worker` (several processes)",
    )
    worker_beat_seconds: float = Field(
        default=10.0,
        gt=0,
        description="how often each `leadflow worker` says it is alive",
    )
    worker_lost_after_seconds: float = Field(
        default=120.0,
        gt=0,
        description="a worker not heard from for this long is taken for stopped (killed, "
        "or its machine lost): its running job is marked failed, to be retried",
    )
    cache_url: str | None = Field(
        default=None,
        description="redis://host:6379/0 for a cache every process shares (the intake rate "
        "limits count across them); default: each process its own, in memory",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="INFO", description="of leadflow's own messages, on stderr"
    )
    country: str = Field(default="US", description="business-day calendar country")
    subdivision: str | None = None
    time_zone: str = "UTC"
    form_redirect_hosts: list[str] = Field(
        default_factory=list,
        description="hosts the embeddable web form may send people back to (besides ours)",
    )

    def resolved_data_dir(self) -> Path:
        path = self.data_dir.expanduser().resolve()
        path.mkdir(parents=True, exist_ok=True)
        return path

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.resolved_data_dir() / 'leadflow.sqlite3'}"

    @model_validator(mode="after")
    def _lost_after_outlasts_beats(self) -> LeadflowSettings:
        if self.worker_lost_after_seconds < BEATS_BEFORE_LOST * self.worker_beat_seconds:
            raise ValueError(
                "LEADFLOW_WORKER_LOST_AFTER_SECONDS must be at least "
                f"{BEATS_BEFORE_LOST} x LEADFLOW_WORKER_BEAT_SECONDS "
                f"({self.worker_lost_after_seconds:g} s < {BEATS_BEFORE_LOST} x "
                f"{self.worker_beat_seconds:g} s), or a worker that is only slow to beat "
                "would have its running job failed"
            )
        return self

    def production_problems(self) -> list[str]:
        """Why this configuration may not run in production (empty when it may)."""
        if not self.production:
            return []
        problems = []
        key = self.secret_key or ""
        if not key:
            problems.append(
                "LEADFLOW_SECRET_KEY is required: a random string of at least "
                f"{MIN_SECRET_KEY_LENGTH} characters (python -c 'import secrets; "
                "print(secrets.token_urlsafe(50))')"
            )
        elif (
            len(key) < MIN_SECRET_KEY_LENGTH
            or len(set(key)) < MIN_SECRET_KEY_CHARACTERS
            or key.startswith("django-insecure-")
        ):
            problems.append(
                f"LEADFLOW_SECRET_KEY is too weak: give at least {MIN_SECRET_KEY_LENGTH} "
                "random characters"
            )
        if "allowed_hosts" not in self.model_fields_set or not self.allowed_hosts:
            problems.append(
                "LEADFLOW_ALLOWED_HOSTS is required: the host names the site answers to, "
                'as a JSON list (["crm.example.com"])'
            )
        elif "*" in self.allowed_hosts:
            problems.append("LEADFLOW_ALLOWED_HOSTS may not be '*' in production")
        if self.debug:
            problems.append("LEADFLOW_DEBUG must be off in production: it shows secrets on errors")
        insecure = [o for o in self.csrf_trusted_origins if not o.startswith("https://")]
        if insecure:
            problems.append(
                "LEADFLOW_CSRF_TRUSTED_ORIGINS must be https:// origins, not " + ", ".join(insecure)
            )
        return problems

    def resolved_csrf_trusted_origins(self) -> list[str]:
        if self.csrf_trusted_origins or not self.production:
            return self.csrf_trusted_origins
        # Behind a proxy that does not tell Django the request was HTTPS, the browser's
        # https:// Origin would not match the request's own; the hosts we serve are ours.
        return [
            f"https://*{host}" if host.startswith(".") else f"https://{host}"
            for host in self.allowed_hosts
        ]

    def resolved_secret_key(self) -> str:
        """The configured key, or one generated on first run and stored beside the data."""
        if self.secret_key:
            return self.secret_key
        path = self.resolved_data_dir() / "secret_key"
        if not path.exists():
            path.write_text(secrets.token_urlsafe(50))
            path.chmod(0o600)
        return path.read_text().strip()


@lru_cache(maxsize=1)
def get_settings() -> LeadflowSettings:
    return LeadflowSettings()
