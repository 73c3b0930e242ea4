"""Phone numbers as the domain defines them (domain/normalize.py): valid numbers only."""

from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import given
from hypothesis import strategies as st

from leadflow.domain.normalize import InvalidValue, normalize_phone


@pytest.mark.parametrize(
    ("text", "region", "expected"),
    [
        ("(512) 555-0142", "US", "+15125550142"),
        ("  +1 512 555 0142 ", "GB", "+15125550142"),
        ("020 7946 0958", "GB", "+442079460958"),
        ("+44 (0)20 7946 0958", "US", "+442079460958"),
        ("030 123456", "DE", "+4930123456"),
        ("0049 30 123456", "GB", "+4930123456"),
    ],
)
def test_a_phone_number_becomes_e164(text: str, region: str, expected: str) -> None:
    assert normalize_phone(text, region) == expected


def test_a_national_number_is_read_in_the_default_region() -> None:
    assert normalize_phone("(512) 555-0142") == "+15125550142"
    with pytest.raises(InvalidValue):
        normalize_phone("030 123456")  # German, but read in the US


@pytest.mark.parametrize("text", ["", "   "])
def test_a_blank_phone_is_no_phone(text: str) -> None:
    assert normalize_phone(text) is None


@pytest.mark.parametrize(
    ("text", "region"),
    [
        ("(123) 456-7890", "US"),  # ten digits, but no area code starts with 1
        ("+1 212 055 0142", "US"),  # nor an exchange with 0
        ("+44 40 1234 5678", "GB"),  # no UK number starts with 04
        ("+49 100 1234567", "DE"),  # 0100 is no German area code
    ],
)
def test_a_possible_but_invalid_number_is_not_a_phone_number(text: str, region: str) -> None:
    assert phonenumbers.is_possible_number(phonenumbers.parse(text, region))
    with pytest.raises(InvalidValue, match=r"is not a phone number"):
        normalize_phone(text, region)


@pytest.mark.parametrize("text", ["12", "call me", "555-0142"])
def test_what_is_not_a_phone_number_says_so(text: str) -> None:
    with pytest.raises(InvalidValue, match=rf'^"{text}" is not a phone number$'):
        normalize_phone(text)


_EXAMPLES = [
    number
    for region in sorted(phonenumbers.SUPPORTED_REGIONS)
    if (number := phonenumbers.example_number(region)) is not None
]
_FORMATS = [
    phonenumbers.PhoneNumberFormat.E164,
    phonenumbers.PhoneNumberFormat.INTERNATIONAL,
    phonenumbers.PhoneNumberFormat.RFC3966,
]


@given(st.sampled_from(_EXAMPLES), st.sampled_from(_FORMATS), st.sampled_from(["US", "GB", "DE"]))
def test_any_valid_number_written_internationally_is_its_e164(
    number: phonenumbers.PhoneNumber, style: int, region: str
) -> None:
    text = phonenumbers.format_number(number, style)
    expected = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    assert normalize_phone(text, region) == expected
