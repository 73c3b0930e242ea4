"""The reports as charts: Vega-Lite specs (plain dicts, built with altair) that a page
embeds with the vendored vega bundle and `write_chart` renders to a file offline.

Every function is pure: a report object in, a spec out, with its data inline, so a chart
never fetches anything and shows exactly the numbers of the table beside it. Uncertain
rates are drawn with their interval (the same Wilson interval the tables print), and
figures that cannot be known yet (a cohort too young for a horizon) are labelled "not
yet" rather than drawn as zero.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import altair as alt
import polars as pl
import vl_convert as vlc

from leadflow.domain.funnel import Rate
from leadflow.domain.plan import ReverseFunnel
from leadflow.reports.cohorts import Cohort
from leadflow.reports.forecast import Forecast
from leadflow.reports.funnel import FunnelReport
from leadflow.reports.show_rate import SetterShowRate

Spec = dict[str, Any]

ACCENT = "#1f5fbf"
WARN = "#b3261e"
MUTED = "#5d6675"
WIDTH = 520
# Nothing a chart shows comes from a URL: rendering refuses to fetch any.
NO_FETCHING: list[str] = []
SUFFIXES = (".svg", ".png", ".json", ".html")


def funnel_chart(report: FunnelReport) -> Spec:
    """How many reached each stage (the report's total row), each bar labelled with its
    count and the conversion from the stage before."""
    total = report.total
    labels = [stage.label for stage in report.stages]
    rows = []
    for stage in report.stages:
        reached = total.reached[stage]
        step = total.step(stage)
        text = f"{reached:,}"
        if step is not None and step.value is not None:
            text += f" · {step.value:.0%} of the stage before"
        rows.append({"stage": stage.label, "reached": reached, "label": text})
    frame = pl.DataFrame(rows, schema={"stage": pl.String, "reached": pl.Int64, "label": pl.String})
    base = alt.Chart(frame).encode(
        y=alt.Y("stage:N", sort=labels, title=None),
        x=alt.X("reached:Q", title=report.unit.capitalize()),
    )
    bars = base.mark_bar(color=ACCENT)
    # The figures as a column right of the plot: the longest bar never runs into its label.
    text = base.mark_text(align="left", dx=12, color="#1d2330").encode(
        x=alt.value(WIDTH), text="label:N"
    )
    title = f"Funnel: {report.unit} reaching each stage, {report.window.describe()}"
    return _spec((bars + text).properties(width=WIDTH, height=alt.Step(28), title=title))


def cohort_heatmap(cohorts: Sequence[Cohort]) -> Spec:
    """Lead-creation month by horizon, coloured by the share won within the horizon; a
    horizon the cohort has not lived through yet is left blank and says "not yet"."""
    rows = []
    horizons: list[str] = []
    for cohort in cohorts:
        for months, rate in cohort.won.items():
            horizon = f"{months} mo"
            if horizon not in horizons:
                horizons.append(horizon)
            share = rate.value if rate is not None else None
            rows.append(
                {
                    "month": cohort.month,
                    "horizon": horizon,
                    "share": share,
                    "label": _share_label(rate),
                    "detail": rate.describe() if rate is not None else "not lived through yet",
                    "leads": cohort.leads,
                }
            )
    frame = pl.DataFrame(
        rows,
        schema={
            "month": pl.String,
            "horizon": pl.String,
            "share": pl.Float64,
            "label": pl.String,
            "detail": pl.String,
            "leads": pl.Int64,
        },
    )
    tooltip = [
        alt.Tooltip("month:N", title="Leads of"),
        alt.Tooltip("leads:Q", title="Leads"),
        alt.Tooltip("horizon:N", title="Won within"),
        alt.Tooltip("detail:N", title="Won"),
    ]
    base = alt.Chart(frame).encode(
        x=alt.X("horizon:O", sort=horizons, title="Won within"),
        y=alt.Y("month:O", sort="ascending", title="Month the leads arrived"),
        tooltip=tooltip,
    )
    cells = base.mark_rect().encode(
        color=alt.Color(
            "share:Q",
            title="Share won",
            scale=alt.Scale(scheme="blues", domainMin=0),
            legend=alt.Legend(format=".0%"),
        )
    )
    text = base.mark_text().encode(
        text="label:N",
        color=alt.condition("datum.share > 0.5", alt.value("white"), alt.value("#1d2330")),
    )
    title = "Won by lead-creation month (blank: the cohort has not had that long yet)"
    return _spec((cells + text).properties(width=alt.Step(70), height=alt.Step(22), title=title))


def show_rate_chart(rates: Sequence[SetterShowRate], threshold: Decimal | float) -> Spec:
    """Show rate (sat ÷ set) per setter with its 80% interval, and a rule at the
    threshold below which a setter is flagged."""
    rows = []
    for setter in rates:
        rate = setter.verdict.rate
        interval = rate.interval
        rows.append(
            {
                "setter": setter.setter,
                "rate": rate.value,
                "low": interval.low if interval else None,
                "high": interval.high if interval else None,
                "flag": "below threshold" if setter.verdict.flagged else "meets threshold",
                "detail": rate.describe(),
                "why": setter.verdict.why,
            }
        )
    frame = pl.DataFrame(
        rows,
        schema={
            "setter": pl.String,
            "rate": pl.Float64,
            "low": pl.Float64,
            "high": pl.Float64,
            "flag": pl.String,
            "detail": pl.String,
            "why": pl.String,
        },
    )
    share = alt.Scale(domain=[0, 1])
    base = alt.Chart(frame).encode(
        y=alt.Y("setter:N", title=None, sort=None),
        tooltip=[
            alt.Tooltip("setter:N", title="Setter"),
            alt.Tooltip("detail:N", title="Sat of set"),
            alt.Tooltip("why:N", title="Verdict"),
        ],
    )
    bars = base.mark_bar(opacity=0.85).encode(
        x=alt.X("rate:Q", title="Show rate (sat ÷ set)", scale=share, axis=alt.Axis(format="%")),
        color=alt.Color(
            "flag:N",
            title=None,
            scale=alt.Scale(domain=["meets threshold", "below threshold"], range=[ACCENT, WARN]),
        ),
    )
    spread = base.mark_rule(color="#1d2330", strokeWidth=2).encode(x="low:Q", x2="high:Q")
    unknown = (
        base.transform_filter("datum.rate === null")
        .mark_text(align="left", dx=4, color=MUTED)
        .encode(x=alt.value(0), text=alt.value("no appointment with an outcome yet"))
    )
    level = float(threshold)
    line = pl.DataFrame({"threshold": [level], "label": [f"threshold {level:.0%}"]})
    rule = alt.Chart(line).mark_rule(color=WARN, strokeDash=[4, 3]).encode(x="threshold:Q")
    note = (
        alt.Chart(line)
        .mark_text(align="left", dx=3, dy=-6, color=WARN, baseline="bottom")
        .encode(x="threshold:Q", y=alt.value(0), text="label:N")
    )
    title = "Show rate per setter, with its 80% interval"
    layered = alt.layer(bars, spread, unknown, rule, note).properties(
        width=WIDTH, height=alt.Step(26), title=title
    )
    return _spec(layered)


def plan_chart(plan: ReverseFunnel) -> Spec:
    """What the goal needs at each stage: the point figure with its range (at the plan's
    confidence), on a log scale because raw leads outnumber new clients many times."""
    rows = [
        {
            "stage": need.stage.label,
            "point": need.point,
            "low": need.low,
            "high": need.high,
            "by": need.by.isoformat(),
            "late": "already late" if need.late else "in time",
            "label": f"{need.point:,} ({need.low:,} to {need.high:,}) by {need.by.isoformat()}",
        }
        for need in plan.needs
    ]
    frame = pl.DataFrame(
        rows,
        schema={
            "stage": pl.String,
            "point": pl.Int64,
            "low": pl.Int64,
            "high": pl.Int64,
            "by": pl.String,
            "late": pl.String,
            "label": pl.String,
        },
    )
    smallest = min((need.low for need in plan.needs), default=1)
    scale = alt.Scale(type="log") if smallest >= 1 else alt.Scale(type="symlog")
    order = [need.stage.label for need in plan.needs]
    base = alt.Chart(frame).encode(y=alt.Y("stage:N", sort=order, title=None))
    spread = base.mark_rule(strokeWidth=3, color=MUTED).encode(
        x=alt.X("low:Q", scale=scale, title=f"Needed ({plan.confidence:.0%} range, log scale)"),
        x2="high:Q",
    )
    dots = base.mark_point(filled=True, size=80).encode(
        x=alt.X("point:Q", scale=scale),
        color=alt.Color(
            "late:N",
            title=None,
            scale=alt.Scale(domain=["in time", "already late"], range=[ACCENT, WARN]),
            legend=alt.Legend(orient="bottom"),
        ),
        tooltip=[
            alt.Tooltip("stage:N", title="Stage"),
            alt.Tooltip("point:Q", title="Needed", format=","),
            alt.Tooltip("low:Q", title="At least", format=","),
            alt.Tooltip("high:Q", title="At most", format=","),
            alt.Tooltip("by:N", title="By"),
        ],
    )
    # The figures as a column right of the plot, where no range can run into them.
    text = base.mark_text(align="left", dx=12, color="#1d2330").encode(
        x=alt.value(WIDTH), text="label:N"
    )
    goal = plan.goal
    wanted = (
        f"{goal.new_clients:,} new clients"
        if goal.new_clients is not None
        else f"{goal.revenue:,.0f} of revenue"
    )
    title = f"What {wanted} by {goal.by.isoformat()} needs at each stage"
    layered = alt.layer(spread, dots, text).properties(
        width=WIDTH, height=alt.Step(30), title=title
    )
    return _spec(layered)


def forecast_chart(forecast: Forecast) -> Spec:
    """Expected wins within 30, 60 and 90 days with their range, split into what the open
    deals and the nurture pool bring."""
    rows = []
    for o in forecast.outlooks:
        for part, value in (("open deals", o.from_pipeline), ("nurture pool", o.from_nurture)):
            rows.append(
                {
                    "days": f"{o.horizon_days} days",
                    "part": part,
                    "wins": round(value, 1),
                    "low": round(o.wins.low, 1),
                    "high": round(o.wins.high, 1),
                    "label": f"{o.wins.expected:,.0f} ({o.wins.low:,.0f} to {o.wins.high:,.0f})",
                }
            )
    frame = pl.DataFrame(
        rows,
        schema={
            "days": pl.String,
            "part": pl.String,
            "wins": pl.Float64,
            "low": pl.Float64,
            "high": pl.Float64,
            "label": pl.String,
        },
    )
    base = alt.Chart(frame).encode(x=alt.X("days:N", title=None, sort=None))
    bars = base.mark_bar().encode(
        y=alt.Y("sum(wins):Q", title="Expected wins"),
        color=alt.Color(
            "part:N",
            title=None,
            scale=alt.Scale(domain=["open deals", "nurture pool"], range=[ACCENT, MUTED]),
            legend=alt.Legend(orient="bottom"),
        ),
        tooltip=[alt.Tooltip("part:N"), alt.Tooltip("wins:Q", format=",.1f")],
    )
    spread = base.mark_rule(strokeWidth=2, color="#1d2330").encode(y="min(low):Q", y2="max(high):Q")
    text = base.mark_text(dy=-8, color="#1d2330").encode(y="max(high):Q", text="max(label):N")
    title = "Expected wins, with the 80% range"
    return _spec(alt.layer(bars, spread, text).properties(width=WIDTH / 2, height=260, title=title))


def write_chart(spec: Spec, path: Path | str) -> Path:
    """Write a chart by the file's suffix: .svg and .png rendered offline (vl-convert),
    .json the spec itself, .html a page that carries its own copy of vega."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".svg":
        path.write_text(vlc.vegalite_to_svg(spec, allowed_base_urls=NO_FETCHING), encoding="utf-8")
    elif suffix == ".png":
        path.write_bytes(vlc.vegalite_to_png(spec, scale=2, allowed_base_urls=NO_FETCHING))
    elif suffix == ".json":
        path.write_text(json.dumps(spec, indent=2), encoding="utf-8")
    elif suffix == ".html":
        path.write_text(vlc.vegalite_to_html(spec, bundle=True), encoding="utf-8")
    else:
        raise ValueError(
            f"cannot write a chart to {path.name!r}: the file name must end in "
            + ", ".join(SUFFIXES)
        )
    return path


def _share_label(rate: Rate | None) -> str:
    if rate is None:
        return "not yet"
    if rate.value is None:
        return "no leads"
    return f"{rate.value:.0%}"


def _spec(chart: Any) -> Spec:
    """The chart as a dict, in the type sizes of the pages around it."""
    styled = (
        chart.configure_axis(labelFontSize=12, titleFontSize=12)
        .configure_legend(labelFontSize=12, titleFontSize=12)
        .configure_title(fontSize=14, anchor="start")
        .configure_text(fontSize=12)
        .configure_view(stroke=None)
    )
    spec: Spec = styled.to_dict()
    return spec
