"""Who is on a channel's list, decided by the domain's one `eligibility` function.

A million people have a few dozen distinct combinations of what eligibility reads
(type, qualification, sweet spot, flags, open opportunity, Avoid date and reason). The
function runs once per combination and its answer is joined back to the rows: the rules
exist once, in leadflow.domain.channels, and the bulk path stays a handful of column
operations.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import polars as pl

from leadflow.domain.channels import Channel, ChannelSubject, Exclusion, eligibility
from leadflow.domain.people import PersonType
from leadflow.domain.qualification import QualificationStatus
from leadflow.exports.candidates import SUBJECT_COLUMNS, Filters, candidates, contact_columns


@dataclass(frozen=True)
class ExportResult:
    channel: Channel
    included: pl.DataFrame  # person_id and the channel's contact columns
    excluded: pl.DataFrame  # the same, plus reasons (codes) and explanation (text)
    excluded_by_reason: Mapping[Exclusion, int] = field(default_factory=dict)

    @property
    def considered(self) -> int:
        return self.included.height + self.excluded.height


def subject(row: Mapping[str, Any]) -> ChannelSubject:
    """One combination of the SUBJECT_COLUMNS as the domain's value."""
    return ChannelSubject(
        person_type=PersonType(row["person_type"]),
        qualification=QualificationStatus(row["qualification"]) if row["qualification"] else None,
        sweet_spot=row["sweet_spot"],
        has_open_opportunity=row["has_open_opportunity"],
        email_opt_out=row["email_opt_out"],
        do_not_call=row["do_not_call"],
        has_email=row["has_email"],
        has_phone=row["has_phone"],
        has_postal_address=row["has_postal_address"],
        client_refunded=row["client_refunded"],
        client_late_pay=row["client_late_pay"],
        avoid_since=date.fromisoformat(row["avoid_since"]) if row["avoid_since"] else None,
        avoid_reason=row["avoid_reason"],
    )


def decisions(people: pl.DataFrame, channel: Channel) -> pl.DataFrame:
    """Each distinct combination of SUBJECT_COLUMNS in `people`, with `eligibility`'s
    answer: allowed, reasons (list of Exclusion codes) and explanation."""
    combos = people.select(SUBJECT_COLUMNS).unique()
    answers = [eligibility(subject(row), channel) for row in combos.iter_rows(named=True)]
    return combos.with_columns(
        pl.Series("allowed", [a.allowed for a in answers], dtype=pl.Boolean),
        pl.Series(
            "reasons",
            [[r.code.value for r in a.reasons] for a in answers],
            dtype=pl.List(pl.String),
        ),
        pl.Series("explanation", [a.explain() for a in answers], dtype=pl.String),
    )


def decide(people: pl.DataFrame, channel: Channel) -> ExportResult:
    """Split a candidates frame into the included and the excluded with their reasons."""
    judged = people.join(
        decisions(people, channel), on=list(SUBJECT_COLUMNS), how="left", nulls_equal=True
    )
    columns = ["person_id", *contact_columns(channel)]
    included = judged.filter(pl.col("allowed")).select(columns)
    excluded = judged.filter(~pl.col("allowed")).select(*columns, "reasons", "explanation")
    counted = (
        excluded.select(pl.col("reasons").explode().alias("reason"))
        .group_by("reason")
        .len()
        .iter_rows()
    )
    found = {Exclusion(code): int(n) for code, n in counted}
    by_reason = {code: found[code] for code in Exclusion if code in found}
    return ExportResult(channel, included, excluded, by_reason)


def export_list(channel: Channel, filters: Filters | None = None) -> ExportResult:
    """Everyone considered for `channel` under `filters`, split by eligibility."""
    return decide(candidates(channel, filters or Filters()), channel)
