"""Spam rules for intake rows (issue 4, step 3): pure, no database."""

from __future__ import annotations

from importlib.resources import files

import polars as pl
import pytest

from leadflow.intake.normalize import normalize
from leadflow.intake.spam import disposable_domains, spam_reasons


def _spam(*rows: dict[str, str]) -> list[str | None]:
    """The spam reason of each row, read through normalize() as the pipeline does."""
    base = {"first_name": "Jane", "last_name": "Doe", "email": "jane.doe@acme.com"}
    full = [{**base, **row} for row in rows]
    columns = sorted({name for row in full for name in row})
    frame = pl.DataFrame(
        [{name: row.get(name) for name in columns} for row in full],
        schema=dict.fromkeys(columns, pl.String),
    ).with_columns(__row=pl.int_range(2, len(full) + 2, dtype=pl.UInt32))
    return spam_reasons(normalize(frame).frame).to_list()


def test_clean_rows_are_not_spam() -> None:
    assert _spam({}, {"phone": "(512) 555-0142", "email": ""}) == [None, None]


def test_spam_reasons_has_one_value_per_row_even_for_no_rows() -> None:
    frame = pl.DataFrame(schema={"__row": pl.UInt32, "email": pl.String})
    assert spam_reasons(normalize(frame).frame).to_list() == []
    assert len(_spam({}, {}, {})) == 3


def test_disposable_email_domain_is_spam() -> None:
    assert _spam(
        {"email": "jane@mailinator.com"},
        {"email": "Jane@YOPMAIL.com"},
        {"email": "jane@inbox.guerrillamail.com"},
        {"email": "jane@gmail.com"},
    ) == [
        "disposable email domain mailinator.com",
        "disposable email domain yopmail.com",
        "disposable email domain guerrillamail.com",
        None,
    ]


def test_disposable_domains_ship_with_the_package() -> None:
    shipped = files("leadflow.intake").joinpath("disposable_domains.txt")
    assert shipped.is_file()
    domains = disposable_domains()
    assert len(domains) > 300
    assert {"mailinator.com", "guerrillamail.com", "10minutemail.com", "yopmail.com"} <= domains
    assert {"temp-mail.org", "trashmail.com", "tempmail.de"} <= domains
    assert all(d == d.strip().lower() and "." in d and " " not in d for d in domains)
    assert not {"gmail.com", "outlook.com", "yahoo.com", "example.com"} & domains


def test_filled_honeypot_is_spam() -> None:
    assert _spam({"honeypot": "http://cheap-pills.example"}, {"honeypot": "  "}) == [
        "honeypot field filled in",
        None,
    ]


@pytest.mark.parametrize(
    ("first", "last"), [("Test", "Doe"), ("Jane", "test"), ("asdf", "Doe"), ("xxx", "xxx")]
)
def test_test_names_are_spam(first: str, last: str) -> None:
    reason = _spam({"first_name": first, "last_name": last})[0]
    assert reason is not None
    assert reason.startswith("test name ")


@pytest.mark.parametrize(
    "name", ["Sdfghjk", "qwertyuiop", "Asdfasdf", "zxcvbn", "Jjjjohn", "aaaa", "Bcdfgh", "12345"]
)
def test_keyboard_mash_name_is_spam(name: str) -> None:
    assert _spam({"first_name": name}) == [f'keyboard-mash name "{name}"']


@pytest.mark.parametrize(
    ("first", "last"),
    [
        ("Thi", "Ng"),
        ("Wei", "Li"),
        ("Siobhan", "O'Brien"),
        ("Minh", "Nguyen"),
        ("Jürgen", "Schwarz"),
        ("Grzegorz", "Brzęczyszczykiewicz"),
        ("Nathan", "Rothschild"),
        ("Harald", "Hirschsprung"),
        ("Karl", "Schwarzschild"),
        ("Rhys", "Llwyd"),
        ("Glynn", "Wynn"),
        ("Yi", "Wu"),
        ("Ōta", "Sō"),
        ("Aaron", "Aasen"),
        ("José", "Dos Santos"),
        ("Mary-Kate", "Van der Berg"),
        ("Anna", "Test-Nguyen"),
        ("Jo", "Stewart"),
        ("Xi", "Jinping"),
    ],
)
def test_real_names_are_not_spam(first: str, last: str) -> None:
    assert _spam({"first_name": first, "last_name": last}) == [None]


@pytest.mark.parametrize(
    "phone",
    [
        "000-000-0000",
        "(555) 555-5555",
        "111-1111",
        "+44 7777 777777",
        "123-456-7890",
        "0123456789",
        "+1 234 567 8901",
        "9876543210",
        "(555) 123-4567",
    ],
)
def test_impossible_phone_is_spam(phone: str) -> None:
    assert _spam({"phone": phone}) == [f'impossible phone number "{phone}"']


@pytest.mark.parametrize(
    "phone",
    ["(512) 555-0142", "512-555-0199", "+44 20 7946 0958", "+49 30 901820", "(212) 736-5000"],
)
def test_real_and_fiction_range_phones_are_not_spam(phone: str) -> None:
    assert _spam({"phone": phone}) == [None]


def test_first_rule_that_catches_a_row_is_its_reason() -> None:
    assert _spam(
        {"email": "x@mailinator.com", "honeypot": "filled", "first_name": "test"},
        {"email": "x@mailinator.com", "first_name": "test"},
    ) == ["honeypot field filled in", "disposable email domain mailinator.com"]
