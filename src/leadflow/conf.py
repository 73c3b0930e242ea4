"""Runtime configuration from the environment (LEADFLOW_*), via pydantic-settings."""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class LeadflowSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LEADFLOW_", env_file=".env", extra="ignore")

    data_dir: Path = Field(
        default=Path("leadflow-data"), description="where the SQLite file and secret live"
    )
    database_url: str | None = Field(
        default=None, description="postgresql://... for PostgreSQL; default: SQLite in data_dir"
    )
    debug: bool = False
    allowed_hosts: list[str] = ["127.0.0.1", "localhost", "[::1]", "testserver"]
    secret_key: str | None = Field(
        default=None, description="default: generated once, kept in data_dir"
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
