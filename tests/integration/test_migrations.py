"""Every model change has its migration: a model edited without one would reach a
production database that lacks the column."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_the_models_and_the_migrations_agree() -> None:
    out = StringIO()
    try:
        call_command("makemigrations", check=True, dry_run=True, stdout=out, stderr=out)
    except SystemExit as missing:
        pytest.fail(f"models changed without a migration:\n{out.getvalue()} ({missing})")
