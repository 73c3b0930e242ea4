"""Charts of the reports: valid Vega-Lite that renders offline, showing the report's own
numbers, and written to a file by its suffix."""

from __future__ import annotations

import itertools
import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import vl_convert as vlc

from leadflow.domain.funnel import FUNNEL, PIPELINE, FunnelStage, Rate, Reach, show_rate_verdict
from leadflow.domain.plan import PATH, Goal, ReverseFunnel, Step, reverse_funnel
from leadflow.reports.charts import (
    cohort_heatmap,
    funnel_chart,
    plan_chart,
    show_rate_chart,
    write_chart,
)
from leadflow.reports.cohorts import Cohort
from leadflow.reports.common import Cut, Window
from leadflow.reports.funnel import FunnelReport, FunnelRow
from leadflow.reports.show_rate import SetterShowRate

pytestmark = pytest.mark.same_on_every_database

S = FunnelStage


def a_funnel(stages: tuple[FunnelStage, ...] = FUNNEL) -> FunnelReport:
    stopped = {
        (S.RAW, False): 50,
        (S.QUALIFIED, False): 20,
        (S.QUALIFIED, True): 10,
        (S.APPOINTMENT_SET, True): 8,
        (S.APPOINTMENT_SAT, False): 4,
        (S.PROPOSING, True): 3,
        (S.CONTRACT_SENT, True): 2,
        (S.WON, True): 3,
    }
    total = FunnelRow("", "All", stages, Reach(stopped))
    return FunnelReport(Cut.ALL, Window(date(2025, 1, 1), date(2025, 12, 31)), stages, [], total)


def some_cohorts() -> list[Cohort]:
    return [
        Cohort("2025-01", 40, {1: Rate(1, 40), 3: Rate(4, 40), 6: None}, 4),
        Cohort("2025-02", 30, {1: Rate(0, 30), 3: None, 6: None}, 0),
    ]


def some_show_rates() -> list[SetterShowRate]:
    threshold = Decimal("0.5")
    return [
        SetterShowRate(1, "Ann Setter", 10, 8, 1, 1, 2, show_rate_verdict(8, 10, threshold)),
        SetterShowRate(2, "Bob Setter", 10, 3, 5, 2, 0, show_rate_verdict(3, 10, threshold)),
        SetterShowRate(3, "Cy New", 0, 0, 0, 0, 4, show_rate_verdict(0, 0, threshold)),
    ]


def a_plan(goal: Goal | None = None) -> ReverseFunnel:
    trials = [1000, 500, 100, 70, 40, 30]
    hits = [*trials[1:], 27]
    steps = [
        Step(start, end, h, t, 10)
        for (start, end), h, t in zip(itertools.pairwise(PATH), hits, trials, strict=True)
    ]
    goal = goal or Goal(by=date(2026, 12, 31), new_clients=12)
    return reverse_funnel(goal, steps, today=date(2026, 6, 1))


def rendered(spec: dict[str, Any]) -> str:
    """The spec compiled and drawn by vl-convert, refusing to fetch anything."""
    return vlc.vegalite_to_svg(spec, allowed_base_urls=[])


def values_of(spec: dict[str, Any]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for dataset in spec.get("datasets", {}).values():
        rows.extend(dataset)
    return rows


def test_every_chart_is_valid_vega_lite_that_renders_offline() -> None:
    specs = [
        funnel_chart(a_funnel()),
        funnel_chart(a_funnel(PIPELINE)),
        cohort_heatmap(some_cohorts()),
        show_rate_chart(some_show_rates(), Decimal("0.5")),
        plan_chart(a_plan()),
        plan_chart(a_plan(Goal(by=date(2026, 12, 31), new_clients=1))),
    ]
    for spec in specs:
        assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/v6")
        assert "url" not in json.dumps(spec.get("data", {}))
        assert rendered(spec).startswith("<svg")
        vlc.vegalite_to_vega(spec)


def test_charts_of_empty_reports_still_render() -> None:
    empty = FunnelRow("", "All", FUNNEL, Reach({}))
    report = FunnelReport(Cut.ALL, Window(), FUNNEL, [], empty)
    for spec in (funnel_chart(report), cohort_heatmap([]), show_rate_chart([], 0.3)):
        assert rendered(spec).startswith("<svg")


def test_the_funnel_chart_shows_the_total_rows_counts_and_step_conversion() -> None:
    report = a_funnel()
    rows = {row["stage"]: row for row in values_of(funnel_chart(report))}
    assert [rows[s.label]["reached"] for s in FUNNEL] == [100, 50, 26, 20, 12, 8, 5, 3]
    assert rows["Raw leads"]["label"] == "100"
    assert rows["Qualified"]["label"] == "50 · 50% of the stage before"
    # Sweet spot is a tag, not a step: appointment set steps from qualified (20 of 50).
    assert rows["Sweet spot"]["label"].startswith("26")
    assert rows["Appointment set"]["label"] == "20 · 40% of the stage before"


def test_the_cohort_heatmap_says_not_yet_instead_of_drawing_a_zero() -> None:
    cells = {(c["month"], c["horizon"]): c for c in values_of(cohort_heatmap(some_cohorts()))}
    assert cells[("2025-01", "3 mo")]["share"] == pytest.approx(0.1)
    assert cells[("2025-01", "3 mo")]["label"] == "10%"
    assert cells[("2025-02", "1 mo")]["label"] == "0%"
    assert cells[("2025-02", "3 mo")]["share"] is None
    assert cells[("2025-02", "3 mo")]["label"] == "not yet"
    assert len(cells) == 6


def test_the_show_rate_chart_has_the_interval_and_the_threshold() -> None:
    spec = show_rate_chart(some_show_rates(), Decimal("0.5"))
    rows = {r["setter"]: r for r in values_of(spec) if "setter" in r}
    bob = rows["Bob Setter"]
    interval = Rate(3, 10).interval
    assert interval is not None
    assert (bob["rate"], bob["low"], bob["high"]) == (0.3, interval.low, interval.high)
    assert bob["flag"] == "below threshold"
    assert rows["Ann Setter"]["flag"] == "meets threshold"
    assert rows["Cy New"]["rate"] is None
    assert [r["threshold"] for r in values_of(spec) if "threshold" in r] == [0.5]


def test_the_plan_chart_shows_each_needs_range_and_date() -> None:
    plan = a_plan()
    rows = {r["stage"]: r for r in values_of(plan_chart(plan))}
    assert list(rows) == [stage.label for stage in PATH]
    for need in plan.needs:
        row = rows[need.stage.label]
        assert (row["point"], row["low"], row["high"]) == (need.point, need.low, need.high)
        assert row["by"] == need.by.isoformat()
    assert rows["Won"]["point"] == 12


@pytest.mark.parametrize(
    ("suffix", "magic"),
    [(".svg", b"<svg"), (".png", b"\x89PNG\r\n\x1a\n"), (".json", b"{"), (".html", b"<!")],
)
def test_write_chart_writes_the_format_its_suffix_names(
    tmp_path: Path, suffix: str, magic: bytes
) -> None:
    written = write_chart(funnel_chart(a_funnel()), tmp_path / f"funnel{suffix}")
    assert written == tmp_path / f"funnel{suffix}"
    assert written.read_bytes().lstrip()[: len(magic)].upper() == magic.upper()


def test_an_html_chart_carries_its_own_vega_and_fetches_nothing(tmp_path: Path) -> None:
    page = write_chart(cohort_heatmap(some_cohorts()), tmp_path / "c.html").read_text()
    assert "<script src=" not in page
    assert "vegaEmbed" in page


@pytest.mark.parametrize("name", ["chart.pdf", "chart", "chart.svg.txt", "chart.jpeg"])
def test_write_chart_refuses_a_suffix_it_cannot_write(tmp_path: Path, name: str) -> None:
    with pytest.raises(ValueError, match=r"must end in \.svg, \.png, \.json, \.html"):
        write_chart(funnel_chart(a_funnel()), tmp_path / name)
    assert not (tmp_path / name).exists()
