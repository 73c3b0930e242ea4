"""Places: ISO country, region and geography, once per distinct (country, region) pair.

Countries are read by name in several languages or by ISO code; US states by name or
code, and a state code alone means the US. Geography is "US-TX" when the region is a
short code, else just the country.
"""

from __future__ import annotations

import polars as pl

from leadflow.intake.cells import cell_text
from leadflow.intake.phones import REGIONS


def read_places(df: pl.DataFrame) -> list[pl.Series]:
    """ISO country, region (US states by name too) and geography ("US-TX", "GB"), worked
    out once per distinct (country, region) pair."""
    pairs = df.select("country", "region").unique()
    places = pairs.with_columns(
        text_country=cell_text(pairs["country"]), text_region=cell_text(pairs["region"])
    )
    key = pl.col("text_country").str.to_lowercase().str.replace_all(r"\.", "")
    code = pl.col("text_country").str.to_uppercase()
    state = pl.col("text_region").str.to_lowercase().str.replace_all(r"\.", "")
    places = places.with_columns(
        iso=pl.coalesce(
            key.str.replace_all(r"\s+", " ").replace_strict(
                COUNTRIES, default=None, return_dtype=pl.String
            ),
            pl.when(code.is_in(REGIONS)).then(code),
        ),
        state=state.replace_strict(US_STATES, default=None, return_dtype=pl.String),
    )
    iso = pl.col("iso")
    places = places.with_columns(
        code=pl.coalesce(
            pl.when(iso.is_null() | (iso == "US")).then("state"),
            pl.col("text_region").str.to_uppercase(),
        )
    )
    home = pl.coalesce(iso, pl.when(pl.col("code").is_in(_STATE_CODES)).then(pl.lit("US")))
    places = places.with_columns(
        geography=pl.when(pl.col("code").str.contains(r"^[A-Z0-9]{1,3}$"))
        .then(pl.concat_str([home, pl.col("code")], separator="-"))
        .otherwise(home)
    )
    found = df.select("country", "region").join(
        places, on=["country", "region"], how="left", nulls_equal=True, maintain_order="left"
    )
    return found.select(
        pl.col("iso").alias("country"), pl.col("code").alias("region"), "geography"
    ).get_columns()


US_STATES = {
    name: code
    for code, names in {
        "AL": "alabama", "AK": "alaska", "AZ": "arizona", "AR": "arkansas",
        "CA": "california", "CO": "colorado", "CT": "connecticut", "DE": "delaware",
        "DC": "district of columbia|washington dc", "FL": "florida", "GA": "georgia",
        "HI": "hawaii", "ID": "idaho", "IL": "illinois", "IN": "indiana", "IA": "iowa",
        "KS": "kansas", "KY": "kentucky", "LA": "louisiana", "ME": "maine",
        "MD": "maryland", "MA": "massachusetts", "MI": "michigan", "MN": "minnesota",
        "MS": "mississippi", "MO": "missouri", "MT": "montana", "NE": "nebraska",
        "NV": "nevada", "NH": "new hampshire", "NJ": "new jersey", "NM": "new mexico",
        "NY": "new york", "NC": "north carolina", "ND": "north dakota", "OH": "ohio",
        "OK": "oklahoma", "OR": "oregon", "PA": "pennsylvania", "RI": "rhode island",
        "SC": "south carolina", "SD": "south dakota", "TN": "tennessee", "TX": "texas",
        "UT": "utah", "VT": "vermont", "VA": "virginia", "WA": "washington",
        "WV": "west virginia", "WI": "wisconsin", "WY": "wyoming", "PR": "puerto rico",
        "GU": "guam", "VI": "us virgin islands|virgin islands", "AS": "american samoa",
        "MP": "northern mariana islands",
    }.items()
    for name in (code.lower(), *names.split("|"))
}  # fmt: skip

COUNTRIES = {
    name: code
    for code, names in {
        "US": "us|usa|u s|u s a|united states|united states of america|america|amerika",
        "GB": "uk|gb|gbr|united kingdom|great britain|britain|england|scotland|wales"
              "|northern ireland|vereinigtes königreich",
        "DE": "de|deu|germany|deutschland|federal republic of germany|allemagne",
        "AT": "aut|austria|österreich|oesterreich", "CH": "che|switzerland|schweiz|suisse",
        "CA": "can|canada", "IE": "irl|ireland|eire", "FR": "fra|france|frankreich",
        "NL": "nld|netherlands|the netherlands|holland|niederlande",
        "BE": "bel|belgium|belgien|belgique", "LU": "lux|luxembourg|luxemburg",
        "IT": "ita|italy|italien|italia", "ES": "esp|spain|spanien|españa|espana",
        "PT": "prt|portugal", "DK": "dnk|denmark|dänemark|danmark", "SE": "swe|sweden|sverige",
        "NO": "nor|norway|norge", "FI": "fin|finland|suomi", "PL": "pol|poland|polen|polska",
        "CZ": "cze|czech republic|czechia", "AU": "aus|australia", "NZ": "nzl|new zealand",
        "MX": "mex|mexico|méxico", "BR": "bra|brazil|brasil", "IN": "ind|india",
        "ZA": "zaf|south africa", "JP": "jpn|japan", "CN": "chn|china", "SG": "sgp|singapore",
        "AE": "are|uae|united arab emirates", "IL": "isr|israel",
    }.items()
    for name in names.split("|")
}  # fmt: skip
_STATE_CODES = sorted(set(US_STATES.values()))
