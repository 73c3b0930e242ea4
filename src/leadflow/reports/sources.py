"""Raw leads per source and campaign, and the share unqualified with the reasons
(PRODUCT.md §6: "share of raw leads unqualified (50% is common)")."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from leadflow.domain.funnel import Rate
from leadflow.domain.qualification import UnqualifiedReason
from leadflow.reports.common import NONE_LABEL, Cut, Window, lead_cells, names, query


@dataclass(frozen=True)
class SourceRow:
    source_id: int
    source: str
    campaign_id: int
    campaign: str
    raw: int  # every lead that arrived in the window
    unqualified: Rate  # of them, unqualified now
    reasons: dict[UnqualifiedReason, int]


def lead_sources(window: Window | None = None) -> list[SourceRow]:
    """One row per source and campaign, biggest first."""
    window = window or Window()
    cells, params = lead_cells(window)
    sql = (
        f"SELECT source_id, campaign_id, unqualified_reason, SUM(leads) FROM {cells} "
        f"GROUP BY source_id, campaign_id, unqualified_reason"
    )
    schema = {"source": pl.Int64, "campaign": pl.Int64, "reason": pl.String, "n": pl.Int64}
    frame = query(sql, params, schema)
    sources = names(Cut.SOURCE, frame["source"].to_list())
    campaigns = names(Cut.CAMPAIGN, frame["campaign"].to_list())
    found = []
    for (source, campaign), group in frame.group_by("source", "campaign"):
        raw = int(group["n"].sum())
        reasons = {
            UnqualifiedReason(r): int(n)
            for r, n in group.filter(pl.col("reason") != "").select("reason", "n").iter_rows()
        }
        found.append(
            SourceRow(
                int(source),
                sources.get(int(source), NONE_LABEL),
                int(campaign),
                campaigns.get(int(campaign), NONE_LABEL),
                raw,
                Rate(sum(reasons.values()), raw),
                dict(sorted(reasons.items(), key=lambda kv: -kv[1])),
            )
        )
    return sorted(found, key=lambda r: (-r.raw, r.source, r.campaign))
