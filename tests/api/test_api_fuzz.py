"""Bad input never gets a 500 (issue 8): schemathesis generates requests from our own
OpenAPI document — valid ones and, in negative mode, malformed bodies, wrong types,
missing and unknown fields — for every operation, and every answer must be below 500.

Bounded so CI stays quick: a fixed number of examples per operation (a few hundred in
all), derandomised so a failure reproduces, run as the owner (every role) against a
small real world so ids sometimes exist."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.contrib.auth.models import User
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from leadflow.crm.services.tokens import create_token
from leadflow.wsgi import application

EXAMPLES_PER_OPERATION = 10

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@pytest.fixture
def connections_kept() -> Iterator[None]:
    """Schemathesis calls the WSGI app directly, not through Django's test client, so
    Django would close the database connection at the end of each request, and with it
    the test's transaction (PostgreSQL). The test client stops that the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def owner_token(db: None, connections_kept: None) -> str:
    owner = User.objects.create_superuser("fuzz-owner", password="a-long-test-password")
    return create_token(user=owner, name="fuzz").secret


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_request_the_schema_allows_or_almost_allows_gets_a_500(
    case: Any, owner_token: str
) -> None:
    response = case.call(headers={"Authorization": f"Bearer {owner_token}"})
    case.validate_response(response, checks=[not_a_server_error])
