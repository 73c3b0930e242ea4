"""Olist's real funnel moves in: 8,000 MQLs with their origin, then the 842 won deals with
their setter (`sdr_id`) and rep (`sr_id`); every row is accounted for, and a second run
changes nothing."""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.acceptance.conftest import Run, leadflow, query, scalar, shared_data

FOLDER = "olist-marketing-funnel"
MQLS = "olist_marketing_qualified_leads_dataset.csv"
DEALS = "olist_closed_deals_dataset.csv"


def _people_args(mqls: Path) -> list[str]:
    return [
        "import",
        str(mqls),
        "--campaign",
        "Olist MQLs 2017-2018",
        "--source",
        "olist",
        "--map",
        "mql_id=external_id",
        "--map",
        "first_contact_date=occurred_on",
        "--map",
        "origin=lead_source",
    ]


def _deal_args(deals: Path) -> list[str]:
    return [
        "import-deals",
        str(deals),
        "--stage",
        "won",
        "--map",
        "mql_id=external_id",
        "--map",
        "sdr_id=setter",
        "--map",
        "sr_id=rep",
        "--map",
        "won_date=closed_on",
    ]


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _table_sizes(data: Path) -> dict[str, object]:
    tables = [
        name
        for (name,) in query(
            data,
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND (name LIKE 'crm_%' OR name LIKE 'auth_%')",
        )
    ]
    return {t: scalar(data, f"SELECT COUNT(*) FROM {t}") for t in sorted(map(str, tables))}


@dataclass(frozen=True)
class Olist:
    data: Path
    mqls: list[dict[str, str]]
    deals: list[dict[str, str]]
    people: Run
    won: Run
    people_again: Run
    won_again: Run
    sizes: dict[str, object]
    sizes_again: dict[str, object]


@pytest.fixture(scope="module")
def olist(tmp_path_factory: pytest.TempPathFactory) -> Olist:
    mqls, deals = shared_data(FOLDER, MQLS), shared_data(FOLDER, DEALS)
    data = tmp_path_factory.mktemp("olist")
    people = leadflow(data, *_people_args(mqls), report=data / "people.csv")
    won = leadflow(data, *_deal_args(deals), report=data / "deals.csv")
    sizes = _table_sizes(data)
    people_again = leadflow(data, *_people_args(mqls), report=data / "people-again.csv")
    won_again = leadflow(data, *_deal_args(deals), report=data / "deals-again.csv")
    return Olist(
        data=data,
        mqls=_rows(mqls),
        deals=_rows(deals),
        people=people,
        won=won,
        people_again=people_again,
        won_again=won_again,
        sizes=sizes,
        sizes_again=_table_sizes(data),
    )


def test_every_mql_row_is_accounted_for(olist: Olist) -> None:
    assert len(olist.mqls) == 8000
    assert sum(olist.people.outcomes.values()) == 8000
    assert olist.people.outcomes == Counter(created=8000)
    assert scalar(olist.data, "SELECT COUNT(*) FROM crm_person WHERE external_id IS NOT NULL") == (
        8000
    )


def test_every_closed_deal_row_is_accounted_for(olist: Olist) -> None:
    assert len(olist.deals) == 842
    assert sum(olist.won.outcomes.values()) == 842
    assert olist.won.outcomes == Counter(created=842)


def test_every_won_deal_is_a_won_opportunity_moved_in_from_olist(olist: Olist) -> None:
    rows = query(
        olist.data,
        "SELECT stage, moved_in_from, COUNT(*), COUNT(contract_value) FROM crm_opportunity "
        "GROUP BY stage, moved_in_from",
    )
    # Olist kept no contract value: the deals are stored without one, not with an invented one.
    assert rows == [("won", "olist_closed_deals_dataset", 842, 0)]


def test_every_won_deal_made_its_person_a_client_on_its_won_date(olist: Olist) -> None:
    assert scalar(olist.data, "SELECT COUNT(*) FROM crm_person WHERE person_type = 'client'") == (
        842
    )
    became = dict(
        query(
            olist.data,
            "SELECT external_id, substr(became_client_at, 1, 19) FROM crm_person "
            "WHERE person_type = 'client'",
        )
    )
    assert became == {d["mql_id"]: d["won_date"] for d in olist.deals}
    history = query(
        olist.data,
        "SELECT before, after, event, COUNT(*) FROM crm_typechangerecord "
        "WHERE after = 'client' GROUP BY 1, 2, 3",
    )
    assert history == [("lead", "client", "deal_won", 842)]


def test_setters_and_reps_keep_their_olist_ids(olist: Olist) -> None:
    setters = {d["sdr_id"] for d in olist.deals}
    reps = {d["sr_id"] for d in olist.deals}
    assert (len(setters), len(reps)) == (32, 22)
    counts = query(
        olist.data,
        "SELECT COUNT(DISTINCT setter_id), COUNT(DISTINCT rep_id) FROM crm_opportunity",
    )
    assert counts == [(32, 22)]
    groups = dict(
        query(
            olist.data,
            "SELECT g.name, COUNT(*) FROM auth_user_groups ug "
            "JOIN auth_group g ON g.id = ug.group_id GROUP BY g.name",
        )
    )
    assert groups == {"setter": 32, "rep": 22}
    users = query(olist.data, "SELECT username, is_active, password FROM auth_user")
    # Some Olist employees set appointments on some deals and closed others: one user each.
    assert {u for u, _, _ in users} == setters | reps
    assert all(not active and password.startswith("!") for _, active, password in users)


def test_blank_origins_take_the_import_source(olist: Olist) -> None:
    origins = Counter(m["origin"] or "olist" for m in olist.mqls)
    assert origins["olist"] == 60
    stored = dict(
        query(
            olist.data,
            "SELECT s.name, COUNT(*) FROM crm_person p "
            "JOIN crm_source s ON s.id = p.lead_source_id GROUP BY s.name",
        )
    )
    assert stored == dict(origins)


def test_a_second_run_changes_nothing(olist: Olist) -> None:
    assert sum(olist.people_again.outcomes.values()) == 8000
    assert "created" not in olist.people_again.outcomes
    assert olist.won_again.outcomes == Counter(duplicate=842)
    assert olist.sizes_again == olist.sizes
