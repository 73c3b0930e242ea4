"""Properties of intake over generated files: Avoid is untouchable, counts add up."""

from __future__ import annotations

import csv
import tempfile
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leadflow.crm.models import Activity, Person
from leadflow.crm.services.avoid import add_avoid_entry
from leadflow.crm.services.playbook import seed_defaults
from leadflow.domain.people import PersonType
from leadflow.intake.options import IntakeOptions, ListKind, Mode
from leadflow.intake.read import IntakeFileError, read_table
from leadflow.intake.run import run_intake

pytestmark = pytest.mark.django_db

AVOIDED = ["gone@example.com", "stop@example.org"]
_emails = st.sampled_from(
    [
        *AVOIDED,
        "Gone@Example.com",
        "a@example.com",
        "b@example.net",
        "not-an-email",
        "",
        "bot@mailinator.com",
    ]
)
_phones = st.sampled_from(["", "(512) 555-0142", "512.555.0199", "12", "+44 20 7946 0958"])
_rows = st.lists(
    st.tuples(
        _emails,
        _phones,
        st.sampled_from(["Dana", "Sam", ""]),
        st.sampled_from(["CEO", "Intern", ""]),
    ),
    min_size=1,
    max_size=12,
)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    rows=_rows,
    kind=st.sampled_from(list(ListKind)),
    mode=st.sampled_from(list(Mode)),
)
def test_nobody_on_avoid_is_created_updated_or_promoted_and_counts_add_up(
    db: None, rows: list[tuple[str, str, str, str]], kind: ListKind, mode: Mode
) -> None:
    with transaction.atomic():
        seed_defaults()
        owner = User.objects.create_user("owner-prop")
        for email in AVOIDED:
            add_avoid_entry(by=owner, reason="do not contact", email_normalized=email)
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "list.csv"
            with path.open("w", newline="", encoding="utf-8") as handle:
                writer = csv.writer(handle)
                writer.writerow(["Email", "Phone", "First Name", "Title"])
                writer.writerows(rows)
            # The reader skips blank lines, as a spreadsheet user would expect.
            filled = [r for r in rows if any(r)]
            if not filled:
                with pytest.raises(IntakeFileError):
                    read_table(path)
                transaction.set_rollback(True)
                return
            report = run_intake(
                read_table(path),
                IntakeOptions(campaign="Prop", source="webinar", kind=kind, mode=mode),
            )
        assert sum(report.counts.values()) == report.read == len(filled)
        assert not Person.objects.filter(email_normalized__in=AVOIDED).exists()
        assert not Activity.objects.filter(person__person_type=PersonType.AVOID).exists()
        transaction.set_rollback(True)
