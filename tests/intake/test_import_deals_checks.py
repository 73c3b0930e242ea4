"""The pure half of `leadflow import-deals`: reading cells, naming stages and people,
planning outcomes. No database: these rules run in milliseconds."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
import pytest

from leadflow.domain.people import Role
from leadflow.domain.pipeline import Stage
from leadflow.intake.deals import stored
from leadflow.intake.deals.columns import DealField
from leadflow.intake.deals.options import StageNames
from leadflow.intake.deals.plan import plan_deals
from leadflow.intake.deals.team import resolve_team, username_for
from leadflow.intake.deals.validate import check_deals


def _frame(**columns: list[str | None]) -> pl.DataFrame:
    height = len(next(iter(columns.values())))
    return pl.DataFrame(
        {
            "row": list(range(2, height + 2)),
            **{f.value: columns.get(f.value, [None] * height) for f in DealField},
        },
        schema={"row": pl.Int64, **{f.value: pl.String for f in DealField}},
    )


def _check(time_zone: str = "UTC", **columns: list[str | None]) -> pl.DataFrame:
    return check_deals(
        _frame(**columns),
        stages=StageNames.with_map({}),
        default_stage=Stage.WON,
        default_disposition=None,
        time_zone=time_zone,
    ).frame


@pytest.mark.parametrize(
    ("cell", "amount"),
    [
        ("$12,500.00", "12500.00"),
        ("12.500,00 €", "12500.00"),
        ("R$ 1 200", "1200"),
        ("1'000", "1000"),
        ("EUR 99,95", "99.95"),
        ("12,500", "12500"),
        ("1,5", "1.5"),
        ("2500 USD", "2500"),
        ("lots", None),
        ("1.2.3", None),
    ],
)
def test_values_in_other_crms_formats_are_read_exactly(cell: str, amount: str | None) -> None:
    frame = _check(external_id=["A"], closed_on=["2024-01-01"], value=[cell])
    assert frame["amount"].to_list() == [amount]


@pytest.mark.parametrize(
    ("cell", "instant"),
    [
        ("2024-03-05", datetime(2024, 3, 5, 6, 0, tzinfo=UTC)),
        ("2024-03-05 14:30", datetime(2024, 3, 5, 20, 30, tzinfo=UTC)),
        ("2024-03-05T14:30:15.25Z", datetime(2024, 3, 5, 14, 30, 15, 250000, tzinfo=UTC)),
        ("2024-03-05 14:30:00+02:00", datetime(2024, 3, 5, 12, 30, tzinfo=UTC)),
        ("3/5/2024", datetime(2024, 3, 5, 6, 0, tzinfo=UTC)),
        ("13/5/2024", datetime(2024, 5, 13, 5, 0, tzinfo=UTC)),
        ("05.03.2024 08:00", datetime(2024, 3, 5, 14, 0, tzinfo=UTC)),
        # 2:30 on the night clocks go forward does not exist: the wall clock an hour on.
        ("2024-03-10 02:30", datetime(2024, 3, 10, 8, 30, tzinfo=UTC)),
    ],
)
def test_dates_without_an_offset_are_the_business_local_time(cell: str, instant: datetime) -> None:
    frame = _check("America/Chicago", external_id=["A"], closed_on=[cell])
    assert frame["errors"].to_list() == [None]
    assert frame["closed_at"].dt.convert_time_zone("UTC").to_list() == [instant]


def test_stage_names_resolve_values_labels_and_the_map_case_insensitively() -> None:
    names = StageNames.with_map({"Closed Won": "won", "Won": "lost"})
    assert names.resolve("closed-won") is Stage.WON
    assert names.resolve("Proposing / Negotiating") is Stage.PROPOSING
    assert names.resolve("APPOINTMENT_SET") is Stage.APPOINTMENT_SET
    assert names.resolve("won") is Stage.LOST  # the other CRM's names win over ours
    assert names.resolve("Qualified to buy") is None


def test_an_open_deals_close_date_is_its_expected_close_and_not_kept() -> None:
    frame = _check(
        external_id=["A"],
        stage=["contract sent"],
        engaged_on=["2024-01-01"],
        closed_on=["2024-06-30"],
    )
    assert frame["errors"].to_list() == [None]
    assert frame["closed_at"].to_list() == [None]


def _users(*rows: tuple[int, str, str, str, str]) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema=stored.USERS_SCHEMA, orient="row")


def test_setters_and_reps_are_found_by_username_email_or_name() -> None:
    users = _users(
        (1, "sam", "sam@msp.example", "Sam", "Ortiz"),
        (2, "jane.smith", "", "", ""),
        (3, "rita", "", "Ray", "Castillo"),
    )
    team = resolve_team(
        {
            "SAM": {Role.SETTER},
            "sam@msp.example": {Role.SETTER},
            "Ray  Castillo": {Role.REP},
            "Jane Smith": {Role.REP},
            "a8387c01": {Role.SETTER, Role.REP},
        },
        users,
    )
    assert team.stored == {
        "SAM": 1,
        "sam@msp.example": 1,
        "Ray  Castillo": 3,
        "Jane Smith": 2,
    }
    assert list(team.new) == ["a8387c01"]
    assert team.new["a8387c01"].roles == {Role.SETTER, Role.REP}


def test_a_name_that_matches_two_users_is_not_guessed() -> None:
    users = _users((1, "sam1", "", "Sam", "Lee"), (2, "sam2", "", "Sam", "Lee"))
    team = resolve_team({"Sam Lee": {Role.SETTER}}, users)
    assert team.errors == {"Sam Lee": '"Sam Lee" matches 2 users by name; name one by its username'}


def test_two_spellings_of_one_new_name_make_one_user() -> None:
    team = resolve_team({"Jane Smith": {Role.SETTER}, "jane smith": {Role.REP}}, _users())
    users = team.new_users({"Jane Smith", "jane smith"})
    assert [(u.username, u.first_name, u.last_name) for u in users] == [
        ("jane.smith", "Jane", "Smith")
    ]
    assert users[0].roles == {Role.SETTER, Role.REP}
    assert username_for("Pat O'Brien") == "pat.obrien"


def test_planning_decides_every_row_without_a_database() -> None:
    checked = _check(
        external_id=["A", "A", "B", "GONE"],
        closed_on=["2024-01-01", "2024-01-01 17:00", "2024-02-01", "2024-02-01"],
    )
    people = pl.DataFrame(
        [(1, "A", None, "lead", None, None), (2, "B", None, "avoid", None, None)],
        schema=stored.PEOPLE_SCHEMA,
        orient="row",
    )
    plan = plan_deals(
        checked,
        stored_people=people,
        stored_deals=pl.DataFrame(schema=stored.DEALS_SCHEMA),
        users=_users(),
        moved_in_from="old",
        time_zone="UTC",
    )
    assert plan.rows["outcome"].to_list() == ["created", "duplicate", "blocked", "error"]
    assert plan.rows["detail"].to_list()[3] == "row 5: person: no person with external id GONE"
    assert plan.people.select("person_id", "person_type").rows() == [(1, "client")]
    assert plan.won_people == [1]
