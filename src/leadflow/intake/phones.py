"""Phone numbers as E.164, a column at a time.

A number is read in the row's country when it has one, else in the import's default
region, and kept only when phonenumbers calls it valid (`is_valid_number`), not merely of
a possible length: the rule of `leadflow.domain.normalize.normalize_phone`, which the
services, the people search and the demo use for one value at a time. This module reaches
the same answers for a million rows in seconds:
phonenumbers' own metadata for US, GB and DE (national-number patterns, national and
international prefixes, possible lengths) compiled to column regexes parses and validates
plain strings of digits and separators exactly as `phonenumbers.parse` would (`fast_e164`);
whatever they do not settle goes to `normalize_phone`, once per distinct (text, region).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import phonenumbers
import polars as pl

from leadflow.domain.normalize import InvalidValue, normalize_phone
from leadflow.intake.cells import NULL_TEXT

# The regions phonenumbers knows: a phone's region, and the two-letter country codes.
REGIONS = sorted(phonenumbers.SUPPORTED_REGIONS)


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


def read_phones(df: pl.DataFrame, default_region: str) -> pl.Series:
    """E.164, or null when blank or not a valid number of its region (the row's country
    when known, else `default_region`). What the column regexes do not find valid goes
    to the domain's `normalize_phone`, once per distinct (text, region)."""
    region = pl.when(pl.col("country").is_in(REGIONS)).then("country")
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
    valid, "" when certainly not a phone number, null when `normalize_phone` must judge.
    Public so that tests can hold it to phonenumbers and to `normalize_phone`.

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
    found = pl.concat([*valid, _CODED.select("_i", e164=NULL_TEXT)])
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
        return normalize_phone(text, region)
    except InvalidValue:
        return None
