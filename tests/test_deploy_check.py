"""Production mode (LEADFLOW_PRODUCTION=1): Django's deploy check finds nothing to warn
about, a weak configuration refuses to start, and the embedded default stays plain HTTP."""

from __future__ import annotations

import os
import runpy
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

import leadflow.settings
from leadflow.conf import LeadflowSettings, get_settings

pytestmark = pytest.mark.same_on_every_database

SETTINGS_FILE = leadflow.settings.__file__
KEY = secrets.token_urlsafe(50)
PRODUCTION = {
    "LEADFLOW_PRODUCTION": "1",
    "LEADFLOW_SECRET_KEY": KEY,
    "LEADFLOW_ALLOWED_HOSTS": '["crm.example.com"]',
}


def environment(tmp_path: Path, values: dict[str, str]) -> dict[str, str]:
    """This process's environment without any LEADFLOW_ setting, plus ``values``."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("LEADFLOW_")}
    return {
        **clean,
        "DJANGO_SETTINGS_MODULE": "leadflow.settings",
        "LEADFLOW_DATA_DIR": str(tmp_path / "data"),
        **values,
    }


def run(tmp_path: Path, values: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    # In tmp_path, so no .env file of the working copy is read.
    return subprocess.run(
        [sys.executable, *args],
        env=environment(tmp_path, values),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def settings_module(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Any]:
    """Run settings.py afresh under an environment, in this process, without touching
    the settings this test run uses: returns its module globals."""

    def load(values: dict[str, str]) -> dict[str, Any]:
        for name in list(os.environ):
            if name.startswith("LEADFLOW_"):
                monkeypatch.delenv(name)
        for name, value in environment(tmp_path, values).items():
            monkeypatch.setenv(name, value)
        monkeypatch.chdir(tmp_path)
        get_settings.cache_clear()
        return runpy.run_path(SETTINGS_FILE)

    yield load
    get_settings.cache_clear()


def test_production_settings_pass_djangos_deploy_check(tmp_path: Path) -> None:
    """The check an operator runs: `leadflow manage check --deploy`, warnings included."""
    done = run(
        tmp_path,
        PRODUCTION,
        "-c",
        "from leadflow.cli import main; main()",
        "manage",
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout


def test_production_turns_on_https_secure_cookies_and_hsts(settings_module: Any) -> None:
    conf = settings_module(PRODUCTION)
    assert conf["DEBUG"] is False
    assert conf["SECRET_KEY"] == KEY
    assert conf["ALLOWED_HOSTS"] == ["crm.example.com"]
    assert conf["CSRF_TRUSTED_ORIGINS"] == ["https://crm.example.com"]
    assert conf["SECURE_SSL_REDIRECT"] is True
    assert conf["SESSION_COOKIE_SECURE"] is True
    assert conf["CSRF_COOKIE_SECURE"] is True
    assert conf["SECURE_HSTS_SECONDS"] == 31_536_000
    assert conf["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert conf["SECURE_HSTS_PRELOAD"] is True
    assert conf["SECURE_CONTENT_TYPE_NOSNIFF"] is True
    assert conf["X_FRAME_OPTIONS"] == "DENY"
    assert "SECURE_PROXY_SSL_HEADER" not in conf


def test_the_proxy_header_is_trusted_only_when_configured(settings_module: Any) -> None:
    conf = settings_module(
        {
            **PRODUCTION,
            "LEADFLOW_PROXY_SSL_HEADER": "X-Forwarded-Proto",
            "LEADFLOW_CSRF_TRUSTED_ORIGINS": '["https://crm.example.com:8443"]',
            "LEADFLOW_HSTS_SECONDS": "3600",
        }
    )
    assert conf["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")
    assert conf["CSRF_TRUSTED_ORIGINS"] == ["https://crm.example.com:8443"]
    assert conf["SECURE_HSTS_SECONDS"] == 3600


def test_the_embedded_default_stays_plain_http(settings_module: Any) -> None:
    """`leadflow demo` on http://127.0.0.1: no redirect to https, cookies over http."""
    conf = settings_module({})
    assert "SECURE_SSL_REDIRECT" not in conf
    assert "SESSION_COOKIE_SECURE" not in conf
    assert "SECURE_HSTS_SECONDS" not in conf
    assert "127.0.0.1" in conf["ALLOWED_HOSTS"]
    assert len(conf["SECRET_KEY"]) >= 50  # generated into the data directory
    # ... and the settings this test run uses are that default.
    assert settings.SECURE_SSL_REDIRECT is False
    assert settings.SESSION_COOKIE_SECURE is False


def test_production_refuses_to_start_without_a_secret_key_or_host_names(tmp_path: Path) -> None:
    done = run(tmp_path, {"LEADFLOW_PRODUCTION": "1"}, "-c", "import leadflow.settings")
    assert done.returncode != 0
    assert "ImproperlyConfigured: LEADFLOW_PRODUCTION is on, but:" in done.stderr
    assert "LEADFLOW_SECRET_KEY is required" in done.stderr
    assert "LEADFLOW_ALLOWED_HOSTS is required" in done.stderr
    assert not (tmp_path / "data" / "secret_key").exists()  # never falls back to a file


def test_a_command_with_a_setting_that_is_not_valid_says_which_and_exits_2(
    tmp_path: Path,
) -> None:
    for bad, why in [
        ({"LEADFLOW_TASKS_BACKEND": "celery"}, "LEADFLOW_TASKS_BACKEND: Input should be"),
        ({"LEADFLOW_WORKER_LOST_AFTER_SECONDS": "5"}, "LOST_AFTER_SECONDS must be at least 3 x"),
    ]:
        done = run(tmp_path, bad, "-m", "leadflow", "worker")
        assert done.returncode == 2, done.stdout + done.stderr
        assert "Traceback" not in done.stdout + done.stderr
        assert why in " ".join(done.stdout.split())
    production = run(tmp_path, {"LEADFLOW_PRODUCTION": "1"}, "-m", "leadflow", "worker")
    assert production.returncode == 2
    assert "Traceback" not in production.stdout + production.stderr
    assert "LEADFLOW_SECRET_KEY is required" in " ".join(production.stdout.split())


@pytest.mark.parametrize(
    ("values", "problem"),
    [
        ({"secret_key": "short"}, "LEADFLOW_SECRET_KEY is too weak"),
        ({"secret_key": "a" * 60}, "LEADFLOW_SECRET_KEY is too weak"),
        ({"secret_key": "django-insecure-" + KEY}, "LEADFLOW_SECRET_KEY is too weak"),
        ({"allowed_hosts": []}, "LEADFLOW_ALLOWED_HOSTS is required"),
        ({"allowed_hosts": ["*"]}, "LEADFLOW_ALLOWED_HOSTS may not be '*'"),
        ({"debug": True}, "LEADFLOW_DEBUG must be off in production"),
        (
            {"csrf_trusted_origins": ["http://crm.example.com"]},
            "LEADFLOW_CSRF_TRUSTED_ORIGINS must be https:// origins",
        ),
    ],
)
def test_production_refuses_a_weak_configuration(
    monkeypatch: pytest.MonkeyPatch, values: dict[str, Any], problem: str
) -> None:
    for name in list(os.environ):
        if name.startswith("LEADFLOW_"):
            monkeypatch.delenv(name)
    given = {"secret_key": KEY, "allowed_hosts": ["crm.example.com"], **values}
    conf = LeadflowSettings(_env_file=None, production=True, **given)  # type: ignore[call-arg]
    assert any(p.startswith(problem) for p in conf.production_problems()), (
        conf.production_problems()
    )
    assert LeadflowSettings(_env_file=None, **given).production_problems() == []  # type: ignore[call-arg]


def test_a_strong_production_configuration_has_no_problems() -> None:
    conf = LeadflowSettings(
        _env_file=None,  # type: ignore[call-arg]
        production=True,
        secret_key=KEY,
        allowed_hosts=["crm.example.com", ".example.org"],
    )
    assert conf.production_problems() == []
    assert conf.resolved_csrf_trusted_origins() == [
        "https://crm.example.com",
        "https://*.example.org",
    ]
