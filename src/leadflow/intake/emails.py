"""Email addresses, lower-cased with an IDNA (ASCII) domain, a column at a time.

`leadflow.domain.normalize.normalize_email` defines a normalized address. ASCII addresses
that pass a dot-atom regex (a strict subset of what email-validator accepts) are
lower-cased in place; every other address with an @ (non-ASCII, IDNA, odd syntax) goes to
`normalize_email`, once per distinct value. Without an @ nothing is an email.
"""

from __future__ import annotations

import polars as pl
from email_validator import SPECIAL_USE_DOMAIN_NAMES

from leadflow.domain.normalize import InvalidValue, normalize_email
from leadflow.intake.cells import by_distinct_py

_ATEXT = r"a-z0-9!#$%&'*+/=?^_`{|}~\-"
_EMAIL = (
    rf"^[{_ATEXT}]+(?:\.[{_ATEXT}]+)*@(?:[a-z0-9](?:[a-z0-9-]{{0,61}}[a-z0-9])?\.)+"
    r"[a-z]{2,63}$"
)
# Domains whose rules go beyond the regex: IDNA labels ("xn--", any "--" in the 3rd and
# 4th place) and the special-use names email-validator refuses (.test, .local...).
_NOT_PLAIN_DOMAIN = (
    r"@[^@]*--|\.(?:" + "|".join(d.replace(".", r"\.") for d in SPECIAL_USE_DOMAIN_NAMES) + ")$"
)


def read_emails(email: pl.Series) -> pl.Series:
    """Lower-cased with an IDNA domain; null when blank or not an email."""
    lower = email.str.to_lowercase()
    fast = (
        lower.str.contains(_EMAIL)
        & (lower.str.len_bytes() <= 254)
        & (lower.str.find("@", literal=True) <= 64)
        & ~lower.str.contains(_NOT_PLAIN_DOMAIN)
    ).fill_null(False)
    result = pl.select(pl.when(fast).then(lower)).to_series()
    # Without an @ nothing is an email; the rest is email-validator's to judge.
    index = (~fast & email.str.contains("@", literal=True).fill_null(False)).arg_true()
    if len(index) == 0:
        return result
    rest = email.gather(index)
    return result.scatter(index, by_distinct_py(rest, email_or_none, pl.String()))


def email_or_none(text: str) -> str | None:
    try:
        return normalize_email(text)
    except InvalidValue:
        return None
