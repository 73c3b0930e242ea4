"""Olist's real funnel moves in: 8,000 MQLs with their origin, then the 842 won deals with
their setter (`sdr_id`) and rep (`sr_id`); every row is accounted for, and a second run
changes nothing."""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pytest

from tests.acceptance.conftest import Run, leadflow, query, scalar, shared_data

pytestmark = pytest.mark.same_on_every_database

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


# --- the numbers on the real funnel (issue 7), against a plain polars computation -------


def _report(olist: Olist, *args: str) -> list[dict[str, object]]:
    import json
    import subprocess

    from tests.e2e.test_demo_command import LEADFLOW, _env

    done = subprocess.run(
        [*LEADFLOW, *args, "--format", "json"],
        env=_env(olist.data),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    rows: list[dict[str, object]] = json.loads(done.stdout)["rows"]
    return rows


def _frames(olist: Olist) -> tuple[pl.DataFrame, pl.DataFrame]:
    mqls = pl.DataFrame(olist.mqls).select(
        "mql_id",
        pl.col("first_contact_date").str.to_datetime("%Y-%m-%d", time_zone="UTC").alias("lead_at"),
        pl.when(pl.col("origin") == "").then(pl.lit("olist")).otherwise("origin").alias("source"),
    )
    deals = pl.DataFrame(olist.deals).select(
        "mql_id",
        pl.col("won_date").str.to_datetime("%Y-%m-%d %H:%M:%S", time_zone="UTC").alias("won_at"),
    )
    return mqls, mqls.join(deals, on="mql_id")


def test_the_funnel_by_source_counts_olists_leads_and_wins(olist: Olist) -> None:

    mqls, won = _frames(olist)
    rows = _report(olist, "report", "funnel", "--by", "source")
    reached = {(r["source"], r["stage"]): r["reached"] for r in rows}
    raw = dict(mqls.group_by("source").len().iter_rows())
    wins = dict(won.group_by("source").len().iter_rows())
    # Sources are matched without case, as intake reads them.
    for source, n in raw.items():
        label = next(lbl for lbl, stage in reached if str(lbl).casefold() == source.casefold())
        assert reached[(label, "Raw leads")] == n, source
        assert reached[(label, "Won")] == wins.get(source, 0), source
    assert reached[("All", "Raw leads")] == 8000
    assert reached[("All", "Won")] == 842


def test_olists_cohorts_match_a_plain_count_of_wins_within_each_horizon(olist: Olist) -> None:

    mqls, won = _frames(olist)
    months = (pl.col("won_at") - pl.col("lead_at")).dt.total_seconds() / 86_400 / 30.436875
    expected = won.with_columns(
        pl.col("lead_at").dt.strftime("%Y-%m").alias("cohort"),
        months.floor().clip(0).cast(pl.Int64).alias("after"),
    )
    sizes = dict(mqls.group_by(pl.col("lead_at").dt.strftime("%Y-%m")).len().iter_rows())
    for row in _report(olist, "report", "cohorts"):
        cohort = str(row["cohort"])
        assert row["leads"] == sizes[cohort]
        mine = expected.filter(pl.col("cohort") == cohort)
        for horizon in (1, 3, 6, 12):
            share = row[f"won within {horizon} mo"]
            hits = mine.filter(pl.col("after") < horizon).height
            assert share == pytest.approx(round(hits / sizes[cohort], 4)), (cohort, horizon)


def test_the_forecast_backtest_on_olist_counts_the_wins_that_followed(olist: Olist) -> None:
    """Olist kept only won deals, so every win was a lead in nurture at the cut: the
    backtest's actuals must be exactly the wins of leads that had arrived by then."""
    from datetime import UTC, datetime, timedelta

    _, won = _frames(olist)
    rows = _report(olist, "forecast", "--backtest", "--as-of", "2018-12-31")
    points = [r for r in rows if not str(r["as of"]).startswith("all")]
    assert len(points) == 12 * 3
    for r in points:
        cut = datetime.fromisoformat(str(r["as of"])).replace(tzinfo=UTC)
        end = cut + timedelta(days=int(str(r["days"])))
        actual = won.filter(
            (pl.col("lead_at") < cut) & (pl.col("won_at") > cut) & (pl.col("won_at") <= end)
        ).height
        assert r["actual"] == actual, r
        assert float(str(r["low"])) <= float(str(r["forecast"])) <= float(str(r["high"]))
