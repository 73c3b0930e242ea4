"""Validate and normalize intake rows, whole columns at a time (issue 4, steps 1-2).

The per-value functions in `leadflow.domain.normalize` define what a normalized email,
phone and company name are; this module computes the same answers for a million rows in
seconds. Common shapes are settled with polars expressions; anything else goes through the
per-value library once per *distinct* value:

- email: ASCII addresses that pass a dot-atom regex (a strict subset of what
  email-validator accepts) are lower-cased in place; every other address (non-ASCII, IDNA,
  odd syntax) goes to `domain.normalize.normalize_email`.
- phone: phonenumbers' own metadata for US, GB and DE (national-number patterns, national
  and international prefixes, possible lengths) compiled to column regexes parses and
  validates plain strings of digits and separators exactly as `phonenumbers.parse` would;
  whatever they do not accept goes to phonenumbers itself. Valid means
  `is_possible_number` and `is_valid_number`. A number is read in the row's country when
  it has one, else in `default_region`.
- company: printable-ASCII names are stripped of legal suffixes by the domain's regex over
  the column; other names go to `domain.normalize.normalize_company_name`.

Decisions worth knowing:

- Employee counts read as the number a company certainly has: "25" → 25, a range its
  lower bound ("10-49" → 10, "5-10 employees" → 5), "50+" / "over 50" → 50, "under 10"
  → 1. Avatars say "at least N", and only the lower bound passes that honestly.
  "1,000", "1.000" (DE) and "1 000" are 1000; "2k" is 2000; "12.5" is an error.
- Dates with slashes or dashes are US (month first) unless the first number cannot be a
  month (> 12); dates with dots are European (day first); ISO dates are ISO. A date
  without a time zone is read as UTC. Years outside 1900-2100 are not dates. Five-digit
  numbers are Excel serial days (a date cell read as text).
- "n/a", "-", "unknown", "tbd"... in an email, phone, date, count or budget cell mean
  blank, not an error.
- Free text for need / outsourcing / activity maps to a domain value only where the words
  are clear; otherwise null (never an error). A switch reason that names none of the
  graded reasons is `other`: they gave a reason. A follow-up cell we cannot read is
  `neutral`; a blank one is null.
- geography is "US-TX" when the region is a short code, else just the country.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import cast

import phonenumbers
import polars as pl
from email_validator import SPECIAL_USE_DOMAIN_NAMES

from leadflow.domain.normalize import InvalidValue, normalize_company_name, normalize_email
from leadflow.domain.profile import authority_from_title
from leadflow.intake.fields import Field


@dataclass(frozen=True)
class Normalized:
    frame: pl.DataFrame  # one row per input row
    errors: pl.DataFrame  # row, column, value, reason: one line per bad cell


ERROR_SCHEMA = pl.Schema(
    {"row": pl.UInt32(), "column": pl.String(), "value": pl.String(), "reason": pl.String()}
)
_NULL = pl.lit(None, dtype=pl.String)


def normalize(frame: pl.DataFrame, *, default_region: str = "US") -> Normalized:
    """Normalize String columns named by Field values (plus "__row"); see the module doc."""
    df = _trimmed(frame)
    groups: list[Callable[[], list[pl.Series]]] = [  # longest first, for an even split
        lambda: _contact(df, default_region),
        lambda: _email_and_domains(df),
        lambda: _profile(df),
        lambda: [
            by_distinct(df["occurred_on"], _reading(_dates, placeholders=True)).alias("occurred_at")
        ],
        lambda: [by_distinct(df["company"], _company_names).alias("company_normalized")],
    ]
    # The groups share nothing, and most polars string kernels run on one core with the
    # GIL released: two threads keep both cores of a small machine busy.
    with ThreadPoolExecutor(max_workers=2) as pool:
        df = df.with_columns(column for group in pool.map(_call, groups) for column in group)
    out = df.select(
        "row", "first_name", "last_name", "email", "email_normalized", "email_domain",
        "phone", "phone_normalized", "title", "authority", "company", "company_normalized",
        "company_domain", "niche", "company_type",
        pl.col("employees").cast(pl.Int32, strict=False).alias("employee_count"),
        "street", "city", "region", "postcode", "country", "geography",
        pl.col("budget").cast(pl.Float64).alias("monthly_budget"),
        "outsourcing", "switch_reason", "need", "services_wanted", "activity", "wish",
        "problem", pl.col("occurred_at").cast(pl.Datetime("us", "UTC")), "honeypot", "note",
        "external_id", "lead_source",
        (pl.col("email_opt_out") == "yes").alias("email_opt_out"),
        (pl.col("do_not_call") == "yes").alias("do_not_call"),
    )  # fmt: skip
    return Normalized(out, _errors(df))


def _call(group: Callable[[], list[pl.Series]]) -> list[pl.Series]:
    return group()


def _contact(df: pl.DataFrame, default_region: str) -> list[pl.Series]:
    """Country, region and geography; the phone, read in the row's country."""
    country, region, geography = _place(df)
    phone = _phones(df.with_columns(country), default_region)
    return [country, region, geography, phone.alias("phone_normalized")]


def _profile(df: pl.DataFrame) -> list[pl.Series]:
    """Names and what qualification judges, most of it once per distinct value."""
    return [
        *_names(df),
        _by_distinct_py(df["title"], _authority, pl.Int8()).alias("authority"),
        by_distinct(df["employee_count"], _reading(_employee_count, placeholders=True)).alias(
            "employees"
        ),
        by_distinct(df["monthly_budget"], _reading(_budget, placeholders=True)).alias("budget"),
        by_distinct(df["need"], _reading(_chooser(NEED))).alias("need"),
        by_distinct(df["outsourcing"], _reading(_chooser(OUTSOURCING))).alias("outsourcing"),
        by_distinct(df["switch_reason"], _reading(_chooser(SWITCH_REASON))).alias("switch_reason"),
        by_distinct(df["activity"], _reading(_chooser(ACTIVITY))).alias("activity"),
        by_distinct(df["follow_up"], _reading(_chooser(WISH))).alias("wish"),
        by_distinct(df["services_wanted"], _reading(_services)).alias("services_wanted"),
        by_distinct(df["niche"], _reading(lambda niche: niche.str.to_lowercase())).alias("niche"),
        by_distinct(df["email_opt_out"], _reading(_chooser(YES_NO))).alias("email_opt_out"),
        by_distinct(df["do_not_call"], _reading(_chooser(YES_NO))).alias("do_not_call"),
        by_distinct(df["lead_source"], _reading(_source_name)).alias("lead_source"),
    ]


def _email_and_domains(df: pl.DataFrame) -> list[pl.Series]:
    email = _emails(df["email"]).alias("email_normalized")
    domain = email.str.slice(email.str.find("@", literal=True) + 1).alias("email_domain")
    company = _company_domain(df["website"], domain).alias("company_domain")
    return [email, domain, company]


# Blank, and what people type for "blank" in a cell that must otherwise be valid.
_PLACEHOLDERS = sorted(
    {
        spelling
        for word in ["", *"n/a na n.a. - -- ? unknown tbd none null nil".split()]
        for spelling in (word, word.upper(), word.capitalize())
    }
)
# What a web form's untouched drop-down exports ("Select"): nothing was chosen.
_UNCHOSEN = sorted(
    {
        spelling
        for word in ["", "select", "-- select --", "please select", "choose one", "--"]
        for spelling in (word, word.upper(), word.capitalize(), word.title())
    }
)
_PLACEHOLDER_FIELDS = {"email", "phone"}  # counts, budgets, dates: _reading(placeholders=True)
# Columns shown as given, so trimmed here. The others are only ever read through a parser
# that runs once per distinct value, which trims them far more cheaply (see _text).
_SHOWN = {
    "first_name", "last_name", "email", "phone", "title", "company", "company_type",
    "street", "city", "postcode", "problem", "honeypot", "note", "external_id",
}  # fmt: skip


def _trimmed(frame: pl.DataFrame) -> pl.DataFrame:
    """`row` and every Field column: shown ones trimmed, blank (or a placeholder) as null;
    the others as text, for their parsers to trim."""
    present = [field.value for field in Field if field.value in frame.columns]
    df = frame.select(
        pl.col("__row").cast(pl.UInt32).alias("row"),
        *(pl.col(name).cast(pl.String) for name in present),
        *(_NULL.alias(field.value) for field in Field if field.value not in present),
    )
    return df.with_columns(
        pl.col(name)
        .str.strip_chars()
        .replace(_PLACEHOLDERS if name in _PLACEHOLDER_FIELDS else _UNCHOSEN, None)
        for name in present
        if name in _SHOWN
    )


def _text(values: pl.Series, *, placeholders: bool = False) -> pl.Series:
    """A column that was not trimmed up front: trimmed, blank (or a placeholder) as null."""
    return values.str.strip_chars().replace(_PLACEHOLDERS if placeholders else _UNCHOSEN, None)


def _reading(
    parse: Callable[[pl.Series], pl.Series], *, placeholders: bool = False
) -> Callable[[pl.Series], pl.Series]:
    """`parse` of the trimmed text."""
    return lambda values: parse(_text(values, placeholders=placeholders))


def by_distinct(values: pl.Series, compute: Callable[[pl.Series], pl.Series]) -> pl.Series:
    """`compute(values)`, run over each distinct value and mapped back: intake columns
    repeat a handful of values, and a regex over 200 values beats one over a million. A
    column of mostly distinct values (timestamps, phones) is computed directly."""
    if values.null_count() == len(values):
        return pl.repeat(None, len(values), dtype=compute(values.head(0)).dtype, eager=True)
    if cast(int, values.approx_n_unique()) * 10 > len(values):
        return compute(values)
    keys = values.drop_nulls().unique()
    index = pl.int_range(len(keys), dtype=pl.UInt32, eager=True)
    return compute(keys).gather(values.replace_strict(keys, index, default=None))


def _by_distinct_py(
    values: pl.Series,
    compute: Callable[[str], object],
    dtype: pl.DataType,
    only: pl.Series | None = None,
) -> pl.Series:
    """A per-value Python function, run once per distinct value (of `only`, if given;
    other values map to null)."""
    keys = (values if only is None else only).drop_nulls().unique()
    results = pl.Series([compute(k) for k in keys], dtype=dtype)
    return values.replace_strict(keys, results, default=None, return_dtype=dtype)


def _authority(title: str) -> int | None:
    level = authority_from_title(title)
    return None if level is None else int(level)


# --- names -------------------------------------------------------------------------------

_HONORIFIC = r"(?i)^(?:mr|mrs|ms|miss|mx|dr|prof|sir)\.?\s+"
_NAME_SUFFIX = r"(?i),?\s+(?:jr|sr|ii|iii|iv|phd|md|esq|mba)\.?$"
# The family name keeps its particles: "Ludwig van Beethoven" is Ludwig + van Beethoven.
_SURNAME = (
    r"(?i)^(.*?)\s+((?:(?:van|von|de|da|del|della|der|den|di|du|dos|das|le|la|ter|ten|bin"
    r"|ibn|al|st\.?)\s+)*\S+)$"
)


def _names(df: pl.DataFrame) -> list[pl.Series]:
    """First and last name as given; a full name is split only when both are blank:
    "Doe, Jane" and "Dr. Jane Doe" are Jane + Doe, a single word is a first name."""
    split = pl.col("first_name").is_null() & pl.col("last_name").is_null()
    given_full = pl.when(split).then(pl.col("full_name").str.strip_chars())
    work = df.select(
        "first_name",
        "last_name",
        full=given_full.str.replace(_HONORIFIC, "").str.replace(_NAME_SUFFIX, "").str.strip_chars(),
    )
    work = work.with_columns(full=pl.when(pl.col("full") != "").then("full"))
    work = work.with_columns(
        comma=pl.col("full").str.contains(",", literal=True),
        spaced=pl.col("full").str.contains(r"\s"),
    )
    full = pl.col("full")
    given = (
        pl.when("comma")
        .then(full.str.extract(r",\s*(.+)$"))
        .when("spaced")
        .then(full.str.extract(_SURNAME, 1))
        .otherwise(full)
    )
    family = (
        pl.when("comma")
        .then(full.str.extract(r"^\s*([^,]+?)\s*,"))
        .when("spaced")
        .then(full.str.extract(_SURNAME, 2))
    )
    names = work.select(
        pl.coalesce("first_name", given).alias("first_name"),
        pl.when(full.is_null()).then("last_name").otherwise(family).alias("last_name"),
    )
    return names.get_columns()


# --- email -------------------------------------------------------------------------------

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


def _emails(email: pl.Series) -> pl.Series:
    """Lower-cased with an IDNA domain; null when blank or not an email (see _errors)."""
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
    return result.scatter(index, _by_distinct_py(rest, _email_or_none, pl.String()))


def _email_or_none(text: str) -> str | None:
    try:
        return normalize_email(text)
    except InvalidValue:
        return None


# --- phone -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Numbering:
    """One region's phonenumbers metadata, as regexes polars can run over a column."""

    code: str  # country calling code
    idd: str  # international dialling prefix: 011 in the US, 00 in GB and DE
    trunk: str  # the national prefix a national number may carry: 1 (US), 0 (GB, DE)
    pattern: str  # what any national number of the region looks like
    lengths: tuple[int, ...]
    local_lengths: tuple[int, ...]
    kinds: tuple[tuple[tuple[int, ...], str], ...]  # (lengths, pattern) of valid numbers
    leading_digits: str | None  # how a region sharing its country code claims a number


_FAST_REGIONS = ("US", "GB", "DE")


@cache
def _numbering(region: str) -> _Numbering:
    meta = phonenumbers.PhoneMetadata.metadata_for_region(region)
    assert meta is not None
    assert meta.general_desc is not None
    if region in _FAST_REGIONS:  # what the column parser relies on
        assert not meta.national_prefix_transform_rule, "prefix transforms are not vectorized"
        assert (meta.international_prefix or "").isdigit(), "a literal IDD is assumed"
    # phonenumbers' _number_type_helper: a number is valid when one of these matches.
    descs = [
        meta.premium_rate, meta.toll_free, meta.shared_cost, meta.voip, meta.personal_number,
        meta.pager, meta.uan, meta.voicemail, meta.fixed_line,
        None if meta.same_mobile_and_fixed_line_pattern else meta.mobile,
    ]  # fmt: skip
    grouped: dict[tuple[int, ...], list[str]] = {}
    for desc in descs:
        if desc is not None and desc.national_number_pattern:
            lengths = tuple(desc.possible_length)
            grouped.setdefault(lengths, []).append(desc.national_number_pattern)
    general = meta.general_desc
    return _Numbering(
        code=str(meta.country_code),
        idd=meta.international_prefix or "",
        trunk=meta.national_prefix_for_parsing or "NonMatch",
        pattern=general.national_number_pattern or "NonMatch",
        lengths=tuple(general.possible_length),
        local_lengths=tuple(general.possible_length_local_only),
        kinds=tuple((lengths, "|".join(p)) for lengths, p in grouped.items()),
        leading_digits=meta.leading_digits,
    )


def _phones(df: pl.DataFrame, default_region: str) -> pl.Series:
    """E.164, or null when blank or not a valid number of its region (the row's country
    when known, else `default_region`). What the column regexes do not find valid goes
    to phonenumbers, once per distinct (text, region)."""
    region = pl.when(pl.col("country").is_in(_REGIONS)).then("country")
    work = df.select("phone", region=region.otherwise(pl.lit(default_region.upper())))
    settled = fast_e164(work)
    e164 = pl.select(pl.when(settled != "").then(settled)).to_series()
    rest = work.with_row_index("_i").filter(settled.is_null() & pl.col("phone").is_not_null())
    if rest.height == 0:
        return e164
    distinct = rest.select("phone", "region").unique()
    answers = [_phone_or_none(text, name) for text, name in distinct.iter_rows()]
    distinct = distinct.with_columns(slow=pl.Series(answers, dtype=pl.String))
    rest = rest.join(distinct, on=["phone", "region"], how="left")
    return e164.scatter(rest["_i"], rest["slow"])


def fast_e164(work: pl.DataFrame) -> pl.Series:
    """What the column regexes settle about `phone` (read in `region`): its E.164 when
    valid, "" when certainly not a phone number, null when phonenumbers must judge.
    Public so that tests can hold it to phonenumbers.

    Plain strings (digits, separators, a leading +) of a fast region are parsed the way
    phonenumbers.parse does it, with the region's metadata as regexes, each step on the
    rows it concerns only.
    """
    phone = pl.col("phone")
    # phonenumbers reads nothing else into such a string (no extension, no letters, no
    # second number): that is what lets the steps below mirror its parser.
    plain = work.with_row_index("_i").filter(
        pl.col("region").is_in(_FAST_REGIONS)
        & phone.str.contains(r"^\+?[0-9 ()./\-]+$")
        & (phone.str.len_bytes() <= 250)
    )
    separators = [" ", "(", ")", ".", "/", "-", "+"]
    plain = plain.select(
        "_i",
        "region",
        digits=phone.str.replace_many(separators, [""] * len(separators)),
        plus=phone.str.starts_with("+"),
    )
    parsed = [
        _country_code(part, _numbering(name))
        for (name,), part in plain.partition_by("region", as_dict=True).items()
    ]
    main = {_numbering(name).code: name for name in _FAST_REGIONS}
    numbers = pl.concat([*parsed, _CODED])
    valid = [
        _valid(part, _numbering(main[code]))
        for (code,), part in numbers.partition_by("code", as_dict=True).items()
        if code in main
    ]
    found = pl.concat([*valid, _CODED.select("_i", e164=_NULL)])
    e164 = pl.repeat(None, work.height, dtype=pl.String, eager=True)
    return e164.scatter(found["_i"], found["e164"])


_CODED = pl.DataFrame(schema={"_i": pl.UInt32, "code": pl.String, "national": pl.String})


def _country_code(part: pl.DataFrame, n: _Numbering) -> pl.DataFrame:
    """`code` and `national` of numbers dialled in the region, as phonenumbers.parse finds
    them: after a + or the region's IDD (followed by anything but 0) comes a country
    code; otherwise the number is national, unless it starts with the region's own code
    and reads better without it ("49 30 123456" in DE)."""
    digits = pl.col("digits")
    after_idd = digits.str.slice(len(n.idd))
    dialled = digits.str.starts_with(n.idd) & ~after_idd.str.starts_with("0")
    part = part.with_columns(
        international=pl.when("plus").then(digits).when(dialled).then(after_idd)
    )
    international = pl.col("international")
    abroad = part.filter(international.is_not_null() & (international.str.len_chars() > 2))
    code = (
        pl.when(international.str.starts_with("1"))
        .then(pl.lit("1"))
        .when(international.str.contains("^4[49]"))
        .then(international.str.slice(0, 2))
    )
    abroad = abroad.with_columns(code=code)
    abroad = abroad.select("_i", "code", international.str.slice(pl.col("code").str.len_chars()))
    local = part.filter(international.is_null())
    home = local.filter(digits.str.starts_with(n.code))
    if home.height:
        home = home.with_columns(coded=digits.str.slice(len(n.code)))
        home = _strip_trunk(home, "coded", "coded", n)
        take = (~_viable(digits, n) & _viable(pl.col("coded"), n)) | _too_long(digits, n)
        home = home.with_columns(digits=pl.when(take).then("coded").otherwise(digits))
    local = pl.concat([local.filter(~digits.str.starts_with(n.code)), home], how="diagonal")
    local = local.select("_i", code=pl.lit(n.code), national=digits)
    return pl.concat([abroad.rename({"international": "national"}), local])


def _valid(part: pl.DataFrame, n: _Numbering) -> pl.DataFrame:
    """E.164 of the numbers phonenumbers would call valid, "" for the others: the trunk
    prefix goes when what remains has a possible length; then the number must be one of
    the region's kinds, or, failing that, of the region sharing the country code that
    claims it (Canada or Jamaica for +1, Jersey or the Isle of Man for +44)."""
    part = _strip_trunk(part, "national", "stripped", n)
    length = pl.col("stripped").str.len_chars()
    keep = ~length.is_in(n.local_lengths) & (length.is_in(n.lengths) | (length > max(n.lengths)))
    part = part.with_columns(national=pl.when(keep).then("stripped").otherwise("national"))
    national = pl.col("national")
    part = part.with_columns(valid=_fits(national, n))
    sharing = phonenumbers.COUNTRY_CODE_TO_REGION_CODE[int(n.code)][1:]
    others = part.filter(~pl.col("valid"))
    if sharing and others.height:
        # phonenumbers' region_code_for_number: the first region whose leading digits
        # match, or that the number fits, decides.
        verdict: pl.Expr = pl.lit(False)
        for name in reversed(sharing):
            region = _numbering(name)
            if region.leading_digits:
                claims = national.str.contains(f"^(?:{region.leading_digits})")
                fits = _fits(pl.when(claims).then(national), region)
            else:
                claims = fits = _fits(national, region)
            verdict = pl.when(claims).then(fits).otherwise(verdict)
        possible = national.str.len_chars().is_in(n.lengths + n.local_lengths)
        others = others.with_columns(valid=verdict & possible)
        part = pl.concat([part.filter("valid"), others])
    e164 = pl.when("valid").then(pl.concat_str(pl.lit("+" + n.code), national))
    return part.select("_i", e164.otherwise(pl.lit("")).alias("e164"))


def _fits(national: pl.Expr, n: _Numbering) -> pl.Expr:
    """phonenumbers' _number_type_helper is not UNKNOWN: the region has such numbers."""
    length = national.str.len_chars()
    kinds = [
        (length.is_in(lengths) if lengths else pl.lit(True))
        & national.str.contains(f"^(?:{pattern})$")
        for lengths, pattern in n.kinds
    ]
    return length.is_in(n.lengths) & _viable(national, n) & pl.any_horizontal(kinds)


def _strip_trunk(part: pl.DataFrame, source: str, target: str, n: _Numbering) -> pl.DataFrame:
    """phonenumbers' national-prefix rule: drop a leading trunk prefix (1 in the US, 0 in
    GB and DE) unless that turns a number that fits the region into one that does not."""
    prefix = f"^(?:{n.trunk})"
    number = pl.col(source)
    has = part.select(number.str.contains(prefix) & (number.str.len_chars() > 0)).to_series()
    has = has.fill_null(False)
    if not has.any():
        return part.with_columns(number.alias(target))
    candidates = part.filter(has).with_columns(_cut=number.str.replace(prefix, ""))
    spoiled = _viable(number, n) & ~_viable(pl.col("_cut"), n)
    candidates = candidates.with_columns(
        pl.when(spoiled).then(number).otherwise("_cut").alias(target)
    ).drop("_cut")
    return pl.concat([part.filter(~has).with_columns(number.alias(target)), candidates])


def _viable(number: pl.Expr, n: _Numbering) -> pl.Expr:
    return number.str.contains(f"^(?:{n.pattern})$")


def _too_long(number: pl.Expr, n: _Numbering) -> pl.Expr:
    length = number.str.len_chars()
    return ~length.is_in(n.local_lengths) & (length > max(n.lengths))


def _phone_or_none(text: str, region: str) -> str | None:
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if phonenumbers.is_possible_number(number) and phonenumbers.is_valid_number(number):
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return None


# --- company -----------------------------------------------------------------------------

# domain.normalize._LEGAL_SUFFIX; test_company_names_agree_with_the_domain holds them equal.
_LEGAL_SUFFIX = (
    r"(?i)[,\s]+(inc|incorporated|llc|l\.l\.c|ltd|limited|corp|corporation|co|company|plc"
    r"|gmbh|pllc|llp|lp|pc|pa|sa|ag|bv|pty)\.?$"
)


def _company_names(company: pl.Series) -> pl.Series:
    """domain.normalize.normalize_company_name over the column: printable-ASCII names by
    regex; others (where casefold and lower-casing may differ) by the domain function."""
    plain = company.str.contains(r"^[\x20-\x7e]*$").fill_null(False)
    text = company.filter(plain)
    spaced = text.str.contains("  ", literal=True)
    if spaced.any():
        text = text.scatter(spaced.arg_true(), text.filter(spaced).str.replace_all(" +", " "))
    # The domain's loop, on the rows still changing: strip a suffix and the punctuation
    # around it, until nothing changes or stripping would leave "Smith &" or nothing.
    index, names = pl.int_range(len(text), dtype=pl.UInt32, eager=True), text
    for _ in range(10):  # "Acme Holdings Co., Ltd." takes two rounds
        stripped = names.str.replace(_LEGAL_SUFFIX, "").str.strip_chars(" ,.")
        refused = stripped.str.ends_with("&") | (stripped == "")
        changed = ~refused & (stripped != names)
        if not changed.any():
            break
        index, names = index.filter(changed), stripped.filter(changed)
        text = text.scatter(index, names)
    if plain.all():
        return text.str.to_lowercase()
    result = pl.repeat(None, len(company), dtype=pl.String, eager=True)
    result = result.scatter(plain.arg_true(), text.str.to_lowercase())
    others = _by_distinct_py(
        company, normalize_company_name, pl.String(), only=company.filter(~plain)
    )
    return result.fill_null(others)


def _company_domain(website: pl.Series, email_domain: pl.Series) -> pl.Series:
    """The website's host without www., else the email domain unless it is free mail."""
    mail = pl.select(pl.when(~email_domain.is_in(FREE_MAIL)).then(email_domain)).to_series()
    return by_distinct(website, _reading(_host)).fill_null(mail)


def _host(website: pl.Series) -> pl.Series:
    host = (
        website.str.to_lowercase()
        .str.replace(r"^[a-z][a-z0-9+.\-]*://", "")
        .str.extract(r"^(?:[^/@]*@)?([^/?#:\s]+)")
        .str.strip_chars(".")
        .str.replace(r"^www\d?\.", "")
    )
    ascii_host = pl.select(
        pl.when(host.str.contains(r"^[a-z0-9\-]+(?:\.[a-z0-9\-]+)+$")).then(host)
    ).to_series()
    unicode = website.filter(website.str.contains(r"[^\x00-\x7f]").fill_null(False))
    return ascii_host.fill_null(_by_distinct_py(website, _idna_host, pl.String(), only=unicode))


def _idna_host(website: str) -> str | None:
    host = website.split("://")[-1].split("/")[0].split(":")[0].strip(".").lower()
    address = _email_or_none(f"postmaster@{host.removeprefix('www.')}")
    return address.split("@")[1] if address else None


# --- numbers and dates -------------------------------------------------------------------

_NUMBER = r"(\d+(?:[.,\s]\d{3})*(?:[.,]\d+)?\s*k?)"


def _amount(text: pl.Series) -> pl.Series:
    """ "5,000.50", "5.000,50", "5 000", "5k" → Float64; null when not a number."""
    work = text.str.strip_chars().to_frame("text")
    work = work.with_columns(
        kilo=pl.col("text").str.ends_with("k"),
        body=pl.col("text").str.strip_suffix("k").str.strip_chars(),
    )
    body = pl.col("body")
    canonical = (
        pl.when(body.str.contains(r"^\d+$"))
        .then(body)
        .when(body.str.contains(r"^\d{1,3}(?:,\d{3})+(?:\.\d+)?$"))
        .then(body.str.replace_all(",", "", literal=True))
        .when(body.str.contains(r"^\d{1,3}(?:\.\d{3})+(?:,\d+)?$"))
        .then(body.str.replace_all(".", "", literal=True).str.replace(",", ".", literal=True))
        .when(body.str.contains(r"^\d{1,3}(?:\s\d{3})+(?:[.,]\d+)?$"))
        .then(body.str.replace_all(r"\s", "").str.replace(",", ".", literal=True))
        .when(body.str.contains(r"^\d+\.\d+$"))
        .then(body)
        .when(body.str.contains(r"^\d+,\d{1,2}$"))
        .then(body.str.replace(",", ".", literal=True))
    )
    number = canonical.cast(pl.Float64, strict=False)
    return work.select(pl.when("kilo").then(number * 1000).otherwise(number)).to_series()


def _budget(text: pl.Series) -> pl.Series:
    """A monthly amount: currency and "per month" ignored; a range reads as its lower bound."""
    cleaned = text.str.to_lowercase().str.replace_all(
        r"usd|eur|gbp|us\$|[$€£]|per\s+month|a\s+month|/\s*mo(?:nth)?\b|monthly|p\.?m\.?$", ""
    )
    return _amount(
        cleaned.str.strip_chars().str.extract(
            rf"^{_NUMBER}(?:\s*(?:-|\x{{2013}}|\x{{2014}}|to)\s*\S.*)?$"
        )
    )


def _employee_count(text: pl.Series) -> pl.Series:
    """The number of employees a company certainly has; see the module doc."""
    t = (
        text.str.to_lowercase()
        .str.replace_all(
            r"\b(?:employees?|staff|people|persons?|ftes?|headcount|workers|approx\.?"
            r"|approximately|about|around|circa|ca\.)(?:\s|$)|[~≈]",
            " ",
        )
        .str.strip_chars()
    )
    under = t.str.contains(rf"^(?:less than|fewer than|under|below|up to|<=?|≤)\s*{_NUMBER}$")
    first = pl.select(
        pl.coalesce(
            t.str.extract(rf"^(?:over|more than|above|>=?|≥)\s*{_NUMBER}$"),
            t.str.extract(rf"^{_NUMBER}\s*(?:\+|or more|and up|and above|plus)$"),
            t.str.extract(rf"^{_NUMBER}\s*(?:-|\x{{2013}}|\x{{2014}}|to|bis)\s*{_NUMBER}$"),
            t.str.extract(rf"^{_NUMBER}$"),
        )
    ).to_series()
    count = _amount(first).to_frame("count").with_columns(under=under)
    whole = pl.col("count") == pl.col("count").floor()
    return count.select(pl.when("under").then(1.0).when(whole).then("count")).to_series()


_DAY = r"^(?P<a>\d{1,4})(?P<sep>[-/.])(?P<b>\d{1,2})[-/.](?P<c>\d{4}|\d{2})$"
_CLOCK = (
    r"^(?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2})(?P<f>\.\d{1,9})?)?"
    r"(?: ?(?P<ampm>[ap])\.?m\.?)?(?: ?(?P<tz>z|utc|gmt|[+-]\d{2}:?\d{2}))?$"
)
_NAMED_DAY = (
    r"^(?:[a-z]{3,9},? )?(?:(?P<d1>\d{1,2})(?:st|nd|rd|th|\.)?[ -](?P<m1>[a-zä]{3,9})\.?,?[ -]"
    r"(?P<y1>\d{4}|\d{2})|(?P<m2>[a-zä]{3,9})\.? (?P<d2>\d{1,2})(?:st|nd|rd|th)?,? "
    r"(?P<y2>\d{4}))(?:,? (?P<clock>\d.*))?$"
)
_EXCEL_EPOCH = datetime(1899, 12, 30)


def _dates(text: pl.Series) -> pl.Series:
    """ISO, US m/d/Y, European d.m.Y, "5 March 2024", Excel serial days → UTC datetime.

    A timestamp is a day and a time of day, each far less varied than the two together,
    so each part is parsed once per distinct value: a million timestamps cost a split and
    two lookups. A part is picked apart by a regex and put back together as ISO.
    """
    work = text.to_frame("text").with_columns(
        numeric=pl.col("text").str.contains(r"^\d{1,4}[-/.]\d{1,2}[-/.]\d{2,4}(?:[ tT]|$)")
    )
    split = pl.when("numeric").then(pl.col("text").str.replace("T", " ", literal=True))
    work = work.with_columns(parts=split.str.splitn(" ", 2)).unnest("parts")
    named = work.select(pl.when(~pl.col("numeric")).then("text")).to_series()
    day = by_distinct(work["field_0"], _day).cast(pl.Datetime("us"))
    clock = by_distinct(work["field_1"], _clock)
    stamp = (
        pl.when(pl.col("field_1").is_null())
        .then(day)
        .otherwise(day + pl.duration(microseconds=pl.lit(clock)))
    )
    return work.select(
        pl.coalesce(stamp, by_distinct(named, _named_date)).dt.replace_time_zone("UTC")
    ).to_series()


def _day(text: pl.Series) -> pl.Series:
    """ "2024-03-05", "3/5/2024", "13/02/24", "05.03.2024" → Date: US month first unless the
    first number cannot be a month; dots are European."""
    work = text.str.extract_groups(_DAY).struct.unnest()
    a, b, c = pl.col("a"), pl.col("b"), pl.col("c")
    iso = a.str.len_chars() == 4
    day_first = (pl.col("sep") == ".") | (a.cast(pl.Int32, strict=False) > 12)
    work = work.with_columns(
        year=pl.when(iso).then(a).otherwise(c),
        month=pl.when(iso | day_first).then(b).otherwise(a),
        day=pl.when(iso).then(c).when(day_first).then(a).otherwise(b),
    )
    return work.select(_iso_date()).to_series()


def _iso_date() -> pl.Expr:
    """A Date from String columns year (2 or 4 digits), month and day; null if no such day."""
    year, digits = pl.col("year"), pl.col("year").cast(pl.Int32, strict=False)
    full = (
        pl.when(year.str.len_chars() != 2)
        .then(digits)
        .when(digits < 70)
        .then(digits + 2000)
        .otherwise(digits + 1900)
    )
    stamp = pl.concat_str(
        full.cast(pl.String).str.zfill(4), pl.lit("-"), pl.col("month").str.zfill(2),
        pl.lit("-"), pl.col("day").str.zfill(2),
    )  # fmt: skip
    date = stamp.str.strptime(pl.Date, "%Y-%m-%d", strict=False)
    return pl.when(full.is_between(1900, 2100)).then(date)


def _clock(text: pl.Series) -> pl.Series:
    """ "14:30", "2:30 PM", "10:11:12.5+02:00" → microseconds after midnight UTC."""
    work = text.str.to_lowercase().str.strip_chars().str.extract_groups(_CLOCK).struct.unnest()
    hour = pl.col("h").cast(pl.Int64, strict=False)
    hour = (
        pl.when((pl.col("ampm") == "p") & (hour < 12))
        .then(hour + 12)
        .when((pl.col("ampm") == "a") & (hour == 12))
        .then(0)
        .otherwise(hour)
    )
    minute = pl.col("mi").cast(pl.Int64, strict=False)
    second = pl.col("s").cast(pl.Int64, strict=False).fill_null(0)
    fraction = pl.concat_str(pl.lit("0"), "f").cast(pl.Float64, strict=False).fill_null(0.0)
    zone = pl.col("tz").str.replace_all(r"\D", "")
    offset = zone.str.slice(0, 2).cast(pl.Int64, strict=False) * 60 + zone.str.slice(2, 2).cast(
        pl.Int64, strict=False
    )
    offset = pl.when(pl.col("tz").str.starts_with("-")).then(-offset).otherwise(offset)
    ok = (hour < 24) & (minute < 60) & (second < 60)
    micros = ((hour * 60 + minute - offset.fill_null(0)) * 60 + second) * 1_000_000 + (
        fraction * 1_000_000
    ).round().cast(pl.Int64)
    return work.select(pl.when(ok).then(micros)).to_series()


def _named_date(text: pl.Series) -> pl.Series:
    """ "5 March 2024", "Tue, Mar 5, 2024 2:30 PM" and Excel serial days → datetime."""
    lower = text.str.to_lowercase().str.replace_all(r"\s+", " ")
    work = lower.str.extract_groups(_NAMED_DAY).struct.unnest()
    month = pl.coalesce("m1", "m2").replace_strict(MONTHS, default=None, return_dtype=pl.String)
    work = work.with_columns(year=pl.coalesce("y1", "y2"), month=month, day=pl.coalesce("d1", "d2"))
    clock = _clock(work["clock"])
    day = work.select(_iso_date().cast(pl.Datetime("us"))).to_series()
    named = pl.select(
        pl.when(work["clock"].is_null())
        .then(day)
        .otherwise(day + pl.duration(microseconds=pl.lit(clock)))
    ).to_series()
    serial = text.str.extract(r"^(\d{5}(?:\.\d+)?)$").cast(pl.Float64, strict=False)
    excel = pl.select(
        pl.when(serial.is_between(20_000, 80_000)).then(
            pl.lit(_EXCEL_EPOCH)
            + pl.duration(microseconds=pl.lit(serial * 86_400_000_000).round().cast(pl.Int64))
        )
    ).to_series()
    return named.fill_null(excel)


# --- places and choices ------------------------------------------------------------------

_REGIONS = sorted(phonenumbers.SUPPORTED_REGIONS)


def _place(df: pl.DataFrame) -> list[pl.Series]:
    """ISO country, region (US states by name too) and geography ("US-TX", "GB"), worked
    out once per distinct (country, region) pair."""
    pairs = df.select("country", "region").unique()
    places = pairs.with_columns(
        text_country=_text(pairs["country"]), text_region=_text(pairs["region"])
    )
    key = pl.col("text_country").str.to_lowercase().str.replace_all(r"\.", "")
    code = pl.col("text_country").str.to_uppercase()
    state = pl.col("text_region").str.to_lowercase().str.replace_all(r"\.", "")
    places = places.with_columns(
        iso=pl.coalesce(
            key.str.replace_all(r"\s+", " ").replace_strict(
                COUNTRIES, default=None, return_dtype=pl.String
            ),
            pl.when(code.is_in(_REGIONS)).then(code),
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


def _chooser(rules: tuple[tuple[str, str | None], ...]) -> Callable[[pl.Series], pl.Series]:
    """The value of the first rule whose regex finds a match in the lower-cased text."""

    def choose(text: pl.Series) -> pl.Series:
        work = text.str.to_lowercase().to_frame("text")
        chosen: pl.Expr = _NULL
        for pattern, value in reversed(rules):
            if pattern == "":  # the catch-all for text no rule reads
                chosen = pl.when(pl.col("text").is_not_null()).then(pl.lit(value, pl.String))
            else:
                found = pl.col("text").str.contains(pattern)
                chosen = pl.when(found).then(pl.lit(value, pl.String)).otherwise(chosen)
        return work.select(chosen).to_series()

    return choose


def _source_name(text: pl.Series) -> pl.Series:
    """A lead source as people name it, spaces collapsed; the writer matches it to a stored
    source ignoring case, so "Google" and "google" are one source."""
    return text.str.replace_all(r"\s+", " ")


def _services(text: pl.Series) -> pl.Series:
    """ "Managed Services; Backup and DR" → ["managed-services", "backup", "dr"]."""
    parts = text.str.to_lowercase().str.replace_all(r"\s*(?:[;,/|&+]|\band\b)\s*", "\x1f")
    parts = parts.str.replace_all(r"[\s\-]+", "-").str.replace_all("-*\x1f[-\x1f]*", "\x1f")
    parts = parts.str.strip_chars("\x1f-")
    return pl.select(pl.when(parts != "").then(parts).str.split("\x1f")).to_series()


# --- errors ------------------------------------------------------------------------------


def _errors(df: pl.DataFrame) -> pl.DataFrame:
    def bad(column: str, normalized: str, reason: str) -> pl.DataFrame:
        rows = df.filter(pl.col(column).is_not_null() & pl.col(normalized).is_null())
        rows = rows.with_columns(_text(rows[column], placeholders=True).alias(column))
        return rows.filter(pl.col(column).is_not_null()).select(
            "row",
            column=pl.lit(column),
            value=pl.col(column),
            reason=pl.format('"{}" ' + reason, pl.col(column)),
        )

    missing = df.filter(
        pl.col("email").is_null() & pl.col("phone").is_null() & pl.col("external_id").is_null()
    ).select(
        "row",
        column=pl.lit("email"),
        value=_NULL,
        reason=pl.lit("needs an email, a phone or an external id"),
    )
    checks = [
        bad("email", "email_normalized", "is not an email address"),
        bad("phone", "phone_normalized", "is not a phone number"),
        bad("occurred_on", "occurred_at", "is not a date"),
        bad("employee_count", "employees", "is not a number of employees"),
        bad("monthly_budget", "budget", "is not an amount"),
        missing,
    ]
    return pl.concat(checks).cast(ERROR_SCHEMA).sort("row", maintain_order=True)


# --- vocabulary --------------------------------------------------------------------------


def _exact(*values: str) -> tuple[tuple[str, str | None], ...]:
    """The domain's own spelling of a value always reads as itself."""
    return tuple((f"^{value}$", value) for value in values)


NEED: tuple[tuple[str, str | None], ...] = (
    *_exact("need_now", "curious", "price_shopping", "rfp_only"),
    (r"\brfp\b|\brfq\b|tender|request for proposal", "rfp_only"),
    (r"not now|not yet|no rush|not urgent|just looking|curious|research|browsing|exploring"
     r"|someday|no timeline|\bfuture\b|next year|\blater\b", "curious"),
    (r"price|pricing|quote|\bcosts?\b|compar", "price_shopping"),
    (r"\bnow\b|asap|immediate|urgent|right away|this (?:week|month|quarter)", "need_now"),
)  # fmt: skip
OUTSOURCING: tuple[tuple[str, str | None], ...] = (
    *_exact("none", "in_house", "outsourced"),
    (r"not outsourc|n't outsourc", None),  # in-house or nobody: ask
    (r"in[- ]?house|internal|own (?:it )?(?:staff|team|person|guy)|employee", "in_house"),
    (r"outsourc|\bmsp\b|managed service|provider|vendor|contractor|third[- ]party|external"
     r"|^(?:yes|y)$", "outsourced"),
    (r"^(?:no|none|nobody|nothing|no one|no-one|no it)$|no it (?:support|staff)", "none"),
)  # fmt: skip
SWITCH_REASON: tuple[tuple[str, str | None], ...] = (
    *_exact("poor_service", "cheaper", "growth", "other"),
    (r"service|slow|unresponsive|response time|support|quality|downtime|outage|unhappy"
     r"|not happy|dissatisf|reliab|communicat|\bpoor\b|\bbad\b", "poor_service"),
    (r"cheap|price|cost|expensive|\bsav(?:e|ing)|budget|afford", "cheaper"),
    (r"grow|scal(?:e|ing)|expan|new office|hiring", "growth"),
    ("", "other"),
)  # fmt: skip
ACTIVITY: tuple[tuple[str, str | None], ...] = (
    *_exact("download", "newsletter_signup", "social_follow", "web_form", "event_attended",
            "trade_show", "trial_registration", "inbound_call"),
    (r"trade ?show|booth|\bexpo\b|exhibit", "trade_show"),
    (r"webinar|seminar|event|attended|workshop|conference|meetup", "event_attended"),
    (r"trial|free tool", "trial_registration"),
    (r"inbound call|phone call|\bcall(?:ed|s)?\b|phoned", "inbound_call"),
    (r"contact form|web ?form|\bform\b|contact us", "web_form"),
    (r"newsletter|subscri|sign ?up", "newsletter_signup"),
    (r"download|e-?book|white ?paper|guide|checklist|report|case study", "download"),
    (r"follow|linkedin|twitter|facebook|social", "social_follow"),
)  # fmt: skip
WISH: tuple[tuple[str, str | None], ...] = (
    *_exact("asked", "none", "neutral"),
    (r"^(?:n|no|false|0|nein|non|off)$|do not|don't|dont|no contact|not interested"
     r"|no thanks|unsubscribe|opt[- ]?out", "none"),
    (r"^(?:y|yes|true|1|x|ja|oui|si|on|checked)$|contact me|call me|please (?:contact|call)"
     r"|reach out|follow[- ]?up|\byes\b|interested|opt[- ]?in", "asked"),
    ("", "neutral"),
)  # fmt: skip
# Consent columns ("Do Not Email: Yes"): only a clear yes sets the flag.
YES_NO: tuple[tuple[str, str | None], ...] = (
    (r"^(?:y|yes|true|1|x|ja|oui|si|checked)$", "yes"),
    ("", "no"),
)  # fmt: skip

MONTHS = {
    name: f"{number:02d}"
    for number, names in enumerate(
        (
            "jan january januar", "feb february februar", "mar march märz maerz mär",
            "apr april", "may mai", "jun june juni", "jul july juli", "aug august",
            "sep sept september", "oct october okt oktober", "nov november",
            "dec december dez dezember",
        ),
        start=1,
    )
    for name in names.split()
}  # fmt: skip

# Email domains of people, not companies: never a company's domain.
FREE_MAIL = frozenset(
    """
    gmail.com googlemail.com yahoo.com yahoo.co.uk yahoo.de yahoo.fr yahoo.ca yahoo.com.au
    ymail.com rocketmail.com outlook.com outlook.de hotmail.com hotmail.co.uk hotmail.de
    hotmail.fr live.com live.co.uk live.de msn.com aol.com aol.de aim.com icloud.com me.com
    mac.com gmx.de gmx.net gmx.com gmx.at gmx.ch web.de t-online.de freenet.de arcor.de
    posteo.de mailbox.org btinternet.com btopenworld.com sky.com virginmedia.com
    talktalk.net ntlworld.com blueyonder.co.uk tiscali.co.uk comcast.net verizon.net att.net
    sbcglobal.net bellsouth.net charter.net cox.net earthlink.net juno.com optonline.net
    protonmail.com protonmail.ch proton.me pm.me tutanota.com tuta.io zoho.com zohomail.com
    mail.com email.com yandex.com yandex.ru mail.ru qq.com 163.com 126.com fastmail.com
    hushmail.com inbox.com rediffmail.com lycos.com orange.fr wanadoo.fr free.fr laposte.net
    libero.it hey.com
    """.split()
)

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
