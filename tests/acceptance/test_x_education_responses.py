"""X Education's 9,240 real inbound leads through `leadflow import`: every row is accounted
for, "Select" means nothing was chosen, and Do Not Email / Do Not Call are kept."""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.acceptance.conftest import Run, leadflow, query, scalar, shared_data

pytestmark = pytest.mark.same_on_every_database


@dataclass(frozen=True)
class XEducation:
    data: Path
    rows: list[dict[str, str]]
    run: Run


@pytest.fixture(scope="module")
def x_education(tmp_path_factory: pytest.TempPathFactory) -> XEducation:
    leads = shared_data("x-education-leads", "Leads.csv")
    data = tmp_path_factory.mktemp("x-education")
    run = leadflow(
        data,
        "import",
        str(leads),
        "--campaign",
        "X Education inbound",
        "--source",
        "x education",
        "--map",
        "Prospect ID=external_id",
        "--map",
        "Lead Source=lead_source",
        "--mode",
        "skip-bad",
        report=data / "report.csv",
    )
    with leads.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return XEducation(data, rows, run)


def test_every_row_read_is_accounted_for(x_education: XEducation) -> None:
    assert len(x_education.rows) == 9240
    outcomes = x_education.run.outcomes
    assert sum(outcomes.values()) == 9240
    stored = scalar(x_education.data, "SELECT COUNT(*) FROM crm_person")
    assert stored == outcomes["created"]
    assert "9,240" in x_education.run.result.stdout


def test_every_prospect_id_is_a_stored_external_id(x_education: XEducation) -> None:
    ids = {r["Prospect ID"] for r in x_education.rows}
    stored = {i for (i,) in query(x_education.data, "SELECT external_id FROM crm_person")}
    landed = x_education.run.outcomes["created"] + x_education.run.outcomes["merged"]
    assert len(stored) == x_education.run.outcomes["created"]
    assert stored <= ids
    assert landed == len(ids)


def test_select_placeholder_is_stored_as_missing(x_education: XEducation) -> None:
    assert Counter(r["City"] for r in x_education.rows)["Select"] == 2249
    assert scalar(x_education.data, "SELECT COUNT(*) FROM crm_person WHERE city = 'Select'") == 0


def test_do_not_email_and_do_not_call_are_kept_as_consent(x_education: XEducation) -> None:
    no_email = sum(r["Do Not Email"] == "Yes" for r in x_education.rows)
    no_call = sum(r["Do Not Call"] == "Yes" for r in x_education.rows)
    assert (no_email, no_call) == (734, 2)
    stored = query(x_education.data, "SELECT SUM(email_opt_out), SUM(do_not_call) FROM crm_person")
    assert stored == [(no_email, no_call)]


def test_lead_source_is_per_row_and_blank_takes_the_import_source(
    x_education: XEducation,
) -> None:
    blank = sum(not r["Lead Source"] for r in x_education.rows)
    assert blank == 36
    fallback = scalar(
        x_education.data,
        "SELECT COUNT(*) FROM crm_person p JOIN crm_source s ON s.id = p.lead_source_id "
        "WHERE s.name = 'x education'",
    )
    assert fallback == blank
    # "Google" and "google" are one source, whatever the spelling of the row.
    names = [n for (n,) in query(x_education.data, "SELECT name FROM crm_source")]
    assert len({n.casefold() for n in names}) == len(names)
