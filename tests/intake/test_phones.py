"""Phone numbers (intake/phones.py and domain.normalize.normalize_phone): one rule, two paths.

A phone number is a *valid* number of its region, not merely one of a possible length.
The domain's `normalize_phone` says so for one value (web form, services, demo); intake's
column regexes (`fast_e164`) must reach the same answer for a million rows, and what they
leave to the domain function comes back the same either way.
"""

from __future__ import annotations

import phonenumbers
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leadflow.domain.normalize import InvalidValue, normalize_phone
from leadflow.intake.normalize import normalize
from leadflow.intake.phones import fast_e164


def _work(cases: list[tuple[str, str]]) -> pl.DataFrame:
    """What `fast_e164` reads: the phone text and the region it is read in."""
    return pl.DataFrame(cases, schema=["phone", "region"], orient="row")


def _imported(cases: list[tuple[str, str]]) -> pl.DataFrame:
    """The rows through the whole of `normalize`, each phone in its row's country."""
    frame = pl.DataFrame(
        [{"phone": text, "country": region} for text, region in cases],
        schema={"phone": pl.String, "country": pl.String},
    )
    frame = frame.with_columns(__row=pl.int_range(2, len(cases) + 2, dtype=pl.UInt32))
    return normalize(frame).frame


def _domain(text: str, region: str) -> str | None:
    try:
        return normalize_phone(text, region)
    except InvalidValue:
        return None


# --- the rule ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "region"),
    [
        ("(123) 456-7890", "US"),  # no area code starts with 1
        ("+1 212 055 0142", "US"),  # nor an exchange with 0
        ("+1 311 555 0142", "US"),  # N11 is a service code, not an area code
        ("+44 40 1234 5678", "GB"),  # no UK number starts with 04
        ("01632 960000", "GB"),  # Ofcom's drama range: never assigned
        ("+49 100 1234567", "DE"),  # 0100 is no German area code
    ],
)
def test_a_possible_but_invalid_number_is_rejected_everywhere(text: str, region: str) -> None:
    number = phonenumbers.parse(text, region)
    assert phonenumbers.is_possible_number(number), "the example must be of a possible length"
    assert not phonenumbers.is_valid_number(number)
    with pytest.raises(InvalidValue, match="is not a phone number"):
        normalize_phone(text, region)
    assert fast_e164(_work([(text, region)])).to_list()[0] in ("", None)
    result = normalize(
        pl.DataFrame({"phone": [text], "country": [region], "__row": [2]}),
    )
    assert result.frame["phone_normalized"].to_list() == [None]
    assert result.errors["reason"].to_list() == [f'"{text}" is not a phone number']


def test_common_phone_formats_are_settled_without_phonenumbers() -> None:
    """The speed of a million rows depends on the column regexes doing the common work."""
    work = pl.DataFrame(
        {
            "phone": [
                "(512) 555-0142",
                "+1 512 555 0142",
                "+44 20 7946 0958",
                "030 123456",
                "(416) 555-0142",
                "(123) 456-7890",
                "1-800-FLOWERS",
            ],
            "region": ["US", "GB", "DE", "DE", "US", "US", "US"],
        }
    )
    assert fast_e164(work).to_list() == [
        "+15125550142",
        "+15125550142",
        "+442079460958",
        "+4930123456",
        "+14165550142",  # Toronto: +1, but Canada's
        "",  # certainly not a number
        None,  # letters: phonenumbers' to read
    ]


# --- the column path against phonenumbers and the domain ---------------------------------


def _reference(text: str, region: str) -> str | None:
    """What phonenumbers alone says: E.164 of a possible and valid number, else None."""
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if phonenumbers.is_possible_number(number) and phonenumbers.is_valid_number(number):
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return None


def _digits(low: int, high: int) -> st.SearchStrategy[str]:
    return st.text("0123456789", min_size=low, max_size=high)


_SEPARATOR = st.sampled_from(["", " ", "-", ".", "/", "  "])


@st.composite
def _phone_texts(draw: st.DrawFn) -> tuple[str, str]:
    """A number as people type them: US, GB and DE, national and international, with the
    separators and prefixes of each, plus any string of phone characters."""
    region = draw(st.sampled_from(["US", "GB", "DE"]))
    sep = draw(_SEPARATOR)
    area = draw(st.sampled_from("23456789")) + draw(_digits(2, 2))
    exchange = draw(st.sampled_from("23456789")) + draw(_digits(2, 2))
    line = draw(_digits(4, 4))
    text = draw(
        st.sampled_from(
            [
                f"({area}) {exchange}-{line}",
                f"{area}{sep}{exchange}{sep}{line}",
                f"+1 {area} {exchange} {line}",
                f"1-{area}-{exchange}-{line}",
                f"011 1 {area}{exchange}{line}",
                f"0044 {draw(_digits(2, 4))} {draw(_digits(4, 7))}",
                f"+44 {draw(_digits(2, 4))}{sep}{draw(_digits(4, 7))}",
                f"+44 (0){draw(_digits(2, 4))} {draw(_digits(4, 7))}",
                f"0{draw(_digits(1, 4))}{sep}{draw(_digits(4, 8))}",
                f"07{draw(_digits(3, 3))} {draw(_digits(6, 6))}",
                f"+49 {draw(_digits(2, 4))} {draw(_digits(3, 9))}",
                f"+49 (0){draw(_digits(2, 4))} {draw(_digits(3, 9))}",
                f"0049{sep}{draw(_digits(2, 4))}{sep}{draw(_digits(3, 9))}",
                f"49 {draw(_digits(2, 4))} {draw(_digits(3, 9))}",
                f"{draw(st.sampled_from(['', '+', '00', '011', '1', '0']))}{draw(_digits(0, 16))}",
                draw(st.text("0123456789 ()-./+", max_size=24)),
            ]
        )
    )
    return text, region


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_phone_texts(), min_size=1, max_size=60))
def test_vectorized_phones_agree_with_phonenumbers(cases: list[tuple[str, str]]) -> None:
    got = _imported(cases)["phone_normalized"].to_list()
    assert got == [_reference(text, region) for text, region in cases]
    # What the column regexes settle alone ("" for not a number) is phonenumbers' answer.
    fast = fast_e164(_work(cases))
    assert all(f is None or (f or None) == g for f, g in zip(fast.to_list(), got, strict=True))


_KINDS = [
    phonenumbers.PhoneNumberType.FIXED_LINE,
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.TOLL_FREE,
    phonenumbers.PhoneNumberType.PREMIUM_RATE,
    phonenumbers.PhoneNumberType.VOIP,
    phonenumbers.PhoneNumberType.PERSONAL_NUMBER,
    phonenumbers.PhoneNumberType.UAN,
]
_IDD = {"US": "011", "GB": "00", "DE": "00"}
_TRUNK = {"US": "1", "GB": "0", "DE": "0"}


@st.composite
def _numbers(draw: st.DrawFn) -> tuple[str, str]:
    """A real US, UK or German number, or one a few digits away from it (where possible
    and valid part ways), written the way people write it and read in some region:
    national (with or without its trunk prefix), international after a + or the reading
    region's IDD, with spaces, dashes, dots, slashes or nothing between the groups."""
    home = draw(st.sampled_from(["US", "GB", "DE"]))
    example = draw(
        st.sampled_from(_KINDS)
        .map(lambda kind: phonenumbers.example_number_for_type(home, kind))
        .filter(lambda number: number is not None)
    )
    national = list(str(example.national_number))
    for i in draw(st.lists(st.integers(0, len(national) - 1), max_size=3)):
        national[i] = draw(st.sampled_from("0123456789"))
    digits = "".join(national)
    length = draw(st.integers(len(digits) - 1, len(digits) + 1))
    digits = (digits + draw(st.text("0123456789", min_size=1, max_size=1)))[:length]
    groups = [digits[:3], digits[3:6], digits[6:]] if home == "US" else [digits[:4], digits[4:]]
    sep = draw(st.sampled_from([" ", "-", ".", "/", ""]))
    body = sep.join(group for group in groups if group)
    code = str(example.country_code)
    region = draw(st.sampled_from(["US", "GB", "DE", home, home]))
    text = draw(
        st.sampled_from(
            [
                f"{_TRUNK[home]}{sep}{body}",
                body,
                f"({digits[:3]}) {digits[3:6]}-{digits[6:]}",
                f"+{code} {body}",
                f"+{code}{sep}({_TRUNK[home]}){body}",
                f"{_IDD[region]} {code} {body}",
                f"+{code}{digits}",
            ]
        )
    )
    return text, region


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_numbers(), min_size=1, max_size=40))
def test_the_column_path_and_the_domain_agree_on_every_number(
    cases: list[tuple[str, str]],
) -> None:
    expected = [_domain(text, region) for text, region in cases]
    fast = fast_e164(_work(cases)).to_list()
    # The regexes settle nearly all of these (plain digits and separators, a region they
    # know), each to the domain's answer ("" where it says no); the few they leave to the
    # domain function ("004 234 567" read in GB dials +423) come back the same way.
    assert all(f is None or (f or None) == e for f, e in zip(fast, expected, strict=True))
    assert _imported(cases)["phone_normalized"].to_list() == expected
