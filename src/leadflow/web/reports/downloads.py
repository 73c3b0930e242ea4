"""CSV downloads of the report pages. Every report's table is leadflow.reports.tables
(the same the CLI writes); the drill-down's list of people is read here, as columns in
one query."""

from __future__ import annotations

from typing import Any

import polars as pl
from django.db.models import QuerySet
from django.http import HttpResponse

from leadflow.domain.funnel import FUNNEL
from leadflow.spreadsheet import defuse_formulas


def csv_response(text: str, name: str) -> HttpResponse:
    response = HttpResponse(text, content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


# Each column of the drill-down's CSV: the lookup it is read from, and its type.
PERSON_COLUMNS = {
    "person_id": ("person_id", pl.Int64),
    "first_name": ("person__first_name", pl.String),
    "last_name": ("person__last_name", pl.String),
    "company": ("person__company__name", pl.String),
}
LEAD_COLUMNS = {
    **PERSON_COLUMNS,
    "lead_on": ("lead_on", pl.Date),
    "source": ("source__name", pl.String),
    "campaign": ("campaign__name", pl.String),
    "furthest": ("furthest", pl.Int64),
    "sweet_spot": ("sweet_spot", pl.Boolean),
    "unqualified_reason": ("unqualified_reason", pl.String),
}
OPPORTUNITY_COLUMNS = {
    **PERSON_COLUMNS,
    "set_on": ("set_on", pl.Date),
    "setter": ("setter__username", pl.String),
    "rep": ("rep__username", pl.String),
    "stage": ("stage", pl.String),
    "furthest": ("furthest", pl.Int64),
    "value": ("value", pl.Float64),
}


def people_csv(facts: QuerySet[Any], pipeline: bool) -> str:
    """Every fact behind a count (no contact details: a list to hand out goes through
    the exports, with their rules)."""
    columns = OPPORTUNITY_COLUMNS if pipeline else LEAD_COLUMNS
    rows = facts.values_list(*(lookup for lookup, _ in columns.values()))
    schema = {name: dtype for name, (_, dtype) in columns.items()}
    frame = pl.DataFrame(list(rows), schema=schema, orient="row")
    ranks = {stage.rank: stage.value for stage in FUNNEL}
    furthest = pl.col("furthest").replace_strict(ranks, return_dtype=pl.String)
    return defuse_formulas(frame.with_columns(furthest)).write_csv()
