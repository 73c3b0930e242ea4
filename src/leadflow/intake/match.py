"""Who each row is: spam, blocked by Avoid, an earlier row of the file, or someone stored.

Pure polars over whole columns; the database's rows arrive as frames (existing.py).
"""

from __future__ import annotations

import polars as pl

from leadflow.intake.options import Outcome

_BLANK = pl.lit(None, dtype=pl.String)


def _name_key() -> pl.Expr:
    """Company + name: a weaker identity, used only when a row has no email or phone."""
    parts = [
        pl.col("company_normalized"),
        pl.col("first_name").str.to_lowercase(),
        pl.col("last_name").str.to_lowercase(),
    ]
    complete = pl.all_horizontal([p.is_not_null() & (p != "") for p in parts])
    return pl.when(complete).then(pl.concat_str(parts, separator="|")).otherwise(_BLANK)


def block_avoided(
    frame: pl.DataFrame, avoid: pl.DataFrame, *, by_company_domain: bool
) -> pl.DataFrame:
    """Add `avoid_detail`: why a row is blocked (the first matching entry), or null."""
    entries = avoid.with_columns(
        detail=pl.concat_str(
            [
                pl.lit("blocked: on Avoid list since "),
                pl.col("added_at").str.slice(0, 10),
                pl.lit(" ("),
                pl.col("reason"),
                pl.lit(")"),
            ]
        )
    )
    out = frame.with_columns(avoid_detail=_BLANK)
    keys = [("email_normalized", "email_normalized"), ("phone_normalized", "phone_normalized")]
    if by_company_domain:
        keys.append(("company_domain", "company_domain"))
    for row_key, entry_key in keys:
        lookup = (
            entries.filter(pl.col(entry_key).is_not_null() & (pl.col(entry_key) != ""))
            .group_by(entry_key)
            .agg(pl.col("detail").first().alias("_hit"))
        )
        out = (
            out.join(lookup, left_on=row_key, right_on=entry_key, how="left")
            .with_columns(avoid_detail=pl.coalesce("avoid_detail", "_hit"))
            .drop("_hit")
        )
    return out


def cluster_rows(frame: pl.DataFrame) -> pl.DataFrame:
    """Add `cluster` (the same person within the file) and `first_row` (its survivor).

    Email wins, then the external id, then phone, then company + name. A row known only by
    phone joins the email-keyed cluster of an earlier row with that phone; likewise for
    the external id and for company + name.
    """
    out = frame.with_columns(_name=_name_key())
    by_phone = (
        out.filter(
            pl.col("email_normalized").is_not_null() & pl.col("phone_normalized").is_not_null()
        )
        .group_by("phone_normalized")
        .agg(pl.col("email_normalized").sort_by("row").first().alias("_email_by_phone"))
    )
    by_external = (
        out.filter(pl.col("email_normalized").is_not_null() & pl.col("external_id").is_not_null())
        .group_by("external_id")
        .agg(pl.col("email_normalized").sort_by("row").first().alias("_email_by_external"))
    )
    by_name = (
        out.filter(pl.col("email_normalized").is_not_null() & pl.col("_name").is_not_null())
        .group_by("_name")
        .agg(pl.col("email_normalized").sort_by("row").first().alias("_email_by_name"))
    )
    out = (
        out.join(by_phone, on="phone_normalized", how="left")
        .join(by_external, on="external_id", how="left")
        .join(by_name, on="_name", how="left")
        .with_columns(
            cluster=pl.coalesce(
                pl.concat_str([pl.lit("e:"), pl.col("email_normalized")]),
                pl.concat_str([pl.lit("e:"), pl.col("_email_by_external")]),
                pl.concat_str([pl.lit("x:"), pl.col("external_id")]),
                pl.concat_str([pl.lit("e:"), pl.col("_email_by_phone")]),
                pl.concat_str([pl.lit("p:"), pl.col("phone_normalized")]),
                pl.concat_str([pl.lit("e:"), pl.col("_email_by_name")]),
                pl.concat_str([pl.lit("n:"), pl.col("_name")]),
                pl.concat_str([pl.lit("r:"), pl.col("row").cast(pl.String)]),
            )
        )
        .drop("_email_by_phone", "_email_by_external", "_email_by_name")
    )
    return out.with_columns(first_row=pl.col("row").min().over("cluster"))


def match_stored(clusters: pl.DataFrame, keys: pl.DataFrame) -> pl.DataFrame:
    """One row per cluster survivor with `person_id` and `stored_type` of a stored match.

    `clusters` holds the survivors' merged values (email, phone, company, names).
    """
    out = clusters.with_columns(_name=_name_key())
    stored = keys.with_columns(
        _name=pl.when(
            pl.col("company_normalized").is_not_null()
            & pl.col("first_lower").is_not_null()
            & pl.col("last_lower").is_not_null()
            & (pl.col("first_lower") != "")
            & (pl.col("last_lower") != "")
        )
        .then(pl.concat_str(["company_normalized", "first_lower", "last_lower"], separator="|"))
        .otherwise(_BLANK)
    )
    out = out.with_columns(person_id=pl.lit(None, dtype=pl.Int64), stored_type=_BLANK)
    for key in ("email_normalized", "external_id", "phone_normalized", "_name"):
        lookup = (
            stored.filter(pl.col(key).is_not_null())
            .group_by(key)
            .agg(
                pl.col("person_id").min().alias("_pid"),
                pl.col("person_type").sort_by("person_id").first().alias("_ptype"),
            )
        )
        out = (
            out.join(lookup, on=key, how="left")
            .with_columns(
                person_id=pl.coalesce("person_id", "_pid"),
                stored_type=pl.when(pl.col("person_id").is_null())
                .then(pl.col("_ptype"))
                .otherwise(pl.col("stored_type")),
            )
            .drop("_pid", "_ptype")
        )
    # A row matched by email whose external id belongs to someone else keeps its person;
    # the id is not copied over (it would name two people).
    owners = stored.filter(pl.col("external_id").is_not_null()).select(
        "external_id", _owner="person_id"
    )
    out = out.join(owners, on="external_id", how="left").with_columns(
        external_id=pl.when(
            pl.col("_owner").is_null() | pl.col("_owner").eq_missing(pl.col("person_id"))
        )
        .then("external_id")
        .otherwise(_BLANK)
    )
    return out.drop("_name", "_owner")


def first_outcomes(frame: pl.DataFrame) -> pl.DataFrame:
    """Rows already decided before any merging: errors, spam, Avoid."""
    return frame.with_columns(
        # Spam first: a bot's junk phone must not abort an all-or-nothing import.
        outcome=pl.when(pl.col("spam_detail").is_not_null())
        .then(pl.lit(Outcome.SPAM.value))
        .when(pl.col("error_detail").is_not_null())
        .then(pl.lit(Outcome.ERROR.value))
        .when(pl.col("avoid_detail").is_not_null())
        .then(pl.lit(Outcome.BLOCKED.value))
        .otherwise(_BLANK),
        detail=pl.coalesce(
            pl.concat_str([pl.lit("spam: "), pl.col("spam_detail")]),
            "error_detail",
            "avoid_detail",
        ),
    )
