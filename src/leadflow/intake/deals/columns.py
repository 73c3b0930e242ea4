"""The columns a deal file may carry, the headers other CRMs give them, and `--map`."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import polars as pl

from leadflow.intake.fields import MappingError, find_header, header_key
from leadflow.intake.read import ROW, IntakeFileError, Table


class DealField(StrEnum):
    EXTERNAL_ID = "external_id"  # the person's id in the other CRM (how people find deals)
    EMAIL = "email"  # the person's email, when the file has no id
    STAGE = "stage"
    ENGAGED_ON = "engaged_on"  # the deal started: created, or its first appointment
    CLOSED_ON = "closed_on"  # won or lost on (on an open deal: the expected close, ignored)
    SETTER = "setter"  # who booked the first appointment (an SDR, the deal owner)
    REP = "rep"  # who ran it (a sales rep, the closer)
    VALUE = "value"
    LOST_REASON = "lost_reason"
    DISPOSITION = "disposition"  # where a lost deal's person went: nurture, unqualified, avoid


# A deal file's bare "id" or "record id" is the deal's own id in most CRMs' exports,
# not the person's, so only names that say "person" are taken for the person's id.
_ALIASES: dict[DealField, tuple[str, ...]] = {
    DealField.EXTERNAL_ID: (
        "external id",
        "person id",
        "person external id",
        "contact id",
        "lead id",
        "mql id",
        "prospect id",
        "account id",
        "customer id",
        "client id",
    ),
    DealField.EMAIL: ("e-mail", "email address", "contact email", "person email", "work email"),
    DealField.STAGE: (
        "deal stage",
        "opportunity stage",
        "pipeline stage",
        "sales stage",
        "status",
        "deal status",
    ),
    DealField.ENGAGED_ON: (
        "engaged",
        "created",
        "created on",
        "created date",
        "create date",
        "created at",
        "date created",
        "opened on",
        "open date",
        "first appointment",
        "first appointment date",
        "appointment date",
    ),
    DealField.CLOSED_ON: (
        "closed",
        "closed at",
        "close date",
        "closed date",
        "date closed",
        "closing date",
        "won date",
        "won on",
        "won at",
        "lost date",
    ),
    DealField.SETTER: (
        "setter id",
        "appointment setter",
        "sdr",
        "sdr id",
        "booked by",
        "owner",
        "deal owner",
        "lead owner",
        "owner id",
    ),
    DealField.REP: (
        "rep id",
        "sales rep",
        "sr",
        "sr id",
        "closer",
        "closer id",
        "account executive",
        "ae",
        "consultant",
        "salesperson",
    ),
    DealField.VALUE: (
        "amount",
        "deal value",
        "deal amount",
        "contract value",
        "opportunity amount",
        "revenue",
    ),
    DealField.LOST_REASON: (
        "lost reason",
        "reason lost",
        "loss reason",
        "closed lost reason",
        "reason",
    ),
    DealField.DISPOSITION: ("lost disposition",),
}


_BY_HEADER: dict[str, DealField] = {
    header_key(alias): f for f, aliases in _ALIASES.items() for alias in (f.value, *aliases)
}


@dataclass(frozen=True)
class DealColumns:
    columns: dict[DealField, str]  # field -> the file's header
    ignored: tuple[str, ...]  # headers that feed nothing (seller id, segment...)


def map_deal_headers(headers: list[str], overrides: dict[str, str]) -> DealColumns:
    """Recognise common headers; `--map 'Header=field'` overrides win.

    The first of two headers meaning one field feeds it and the other is ignored, as in
    `leadflow import`; two overrides naming one field are a mistake and refused.
    """
    columns: dict[DealField, str] = {}
    for given, target in overrides.items():
        try:
            header = find_header(given, headers)
        except MappingError as error:
            raise IntakeFileError(error.reason) from error
        found = _BY_HEADER.get(header_key(target))
        if found is None or header_key(target) != header_key(found.value):
            known = ", ".join(f.value for f in DealField)
            raise IntakeFileError(f"--map {given!r}: unknown field {target!r} (known: {known})")
        if found in columns:
            raise IntakeFileError(
                f"two columns are mapped to {found.value}: {columns[found]!r}, {header!r}"
            )
        columns[found] = header
    taken = set(columns.values())
    for header in headers:
        found = _BY_HEADER.get(header_key(header))
        if header not in taken and found is not None and found not in columns:
            columns[found] = header
    used = set(columns.values())
    return DealColumns(columns, tuple(h for h in headers if h not in used))


def deal_frame(table: Table, mapping: dict[str, str], *, has_default_stage: bool) -> pl.DataFrame:
    """`row` and one text column per DealField (null where the file has no such column).

    Raises IntakeFileError when the file cannot say whose deal a row is, or its stage.
    """
    found = map_deal_headers(table.headers, mapping)
    columns = found.columns
    listing = ", ".join(table.headers)
    if DealField.EXTERNAL_ID not in columns and DealField.EMAIL not in columns:
        raise IntakeFileError(
            "the file has no person column: a deal never lands without its person; map the "
            "person's id or email with --map 'Header=external_id' or --map 'Header=email' "
            f"(columns found: {listing})"
        )
    if DealField.STAGE not in columns and not has_default_stage:
        raise IntakeFileError(
            "the file has no stage column; map it with --map 'Header=stage', or give every row "
            f"one stage with --stage (e.g. --stage won) (columns found: {listing})"
        )
    return table.frame.select(
        pl.col(ROW).cast(pl.Int64).alias("row"),
        *(
            (pl.col(columns[f]) if f in columns else pl.lit(None, pl.String)).alias(f.value)
            for f in DealField
        ),
    )
