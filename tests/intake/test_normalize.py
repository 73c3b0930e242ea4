"""Validation and normalization of intake columns (issue 4, steps 1-2): pure, no database."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leadflow.domain import normalize as domain
from leadflow.domain.profile import Authority
from leadflow.intake.normalize import ERROR_SCHEMA, Normalized, normalize


def _normalize(*rows: dict[str, str | None], default_region: str = "US") -> Normalized:
    """Rows as a file would give them: text columns, spreadsheet rows from 2."""
    columns = sorted({name for row in rows for name in row})
    frame = pl.DataFrame(
        [{name: row.get(name) for name in columns} for row in rows],
        schema=dict.fromkeys(columns, pl.String),
    )
    frame = frame.with_columns(__row=pl.int_range(2, len(rows) + 2, dtype=pl.UInt32))
    return normalize(frame, default_region=default_region)


def _one(column: str, **row: str | None) -> Any:
    result = _normalize({"email": "someone@example.com", **row})
    return result.frame[column].to_list()[0]


def _errors(result: Normalized) -> list[tuple[int, str, str]]:
    return [(e["row"], e["column"], e["reason"]) for e in result.errors.iter_rows(named=True)]


def test_output_has_every_column_with_its_type() -> None:
    result = _normalize({"email": "a@example.com"})
    schema = result.frame.schema
    assert schema["row"] == pl.UInt32
    assert schema["authority"] == pl.Int8
    assert schema["employee_count"] == pl.Int32
    assert schema["monthly_budget"] == pl.Float64
    assert schema["services_wanted"] == pl.List(pl.String)
    assert schema["occurred_at"] == pl.Datetime("us", "UTC")
    assert {"geography", "company_domain", "wish", "honeypot", "note"} <= set(schema)
    assert result.errors.schema == ERROR_SCHEMA


# --- email -------------------------------------------------------------------------------


def test_email_is_lower_cased_with_an_idna_domain() -> None:
    result = _normalize(
        {"email": "  Jane.Doe@Example.COM "}, {"email": "Hans@Bücher.de"}, {"email": ""}
    )
    assert result.frame["email"].to_list() == ["Jane.Doe@Example.COM", "Hans@Bücher.de", None]
    assert result.frame["email_normalized"].to_list() == [
        "jane.doe@example.com",
        "hans@xn--bcher-kva.de",
        None,
    ]
    assert result.frame["email_domain"].to_list() == ["example.com", "xn--bcher-kva.de", None]


def test_invalid_email_is_reported_with_row_and_column() -> None:
    result = _normalize(
        {"email": "jane@example.com"}, {"email": "not-an-email", "phone": "512-555-0142"}
    )
    assert _errors(result) == [(3, "email", '"not-an-email" is not an email address')]
    assert result.errors["value"].to_list() == ["not-an-email"]
    assert result.frame["email_normalized"][1] is None


@pytest.mark.parametrize(
    "address",
    [
        "a.b+tag@example.com",
        "UPPER@EXAMPLE.ORG",
        "o'brien@example.ie",
        "x@sub.domain.example.co.uk",
        "a..b@example.com",
        ".a@example.com",
        "a@example",
        "a@-example.com",
        "a@example.com.",
        "a@xn--bcher-kva.de",
        "a@ab--cd.com",
        "a@example.test",
        "Jane <jane@example.com>",
        "jane@exa mple.com",
        "jäne@example.com",
        "a@b.c",
        "a@123.45",
        "x" * 65 + "@example.com",
    ],
)
def test_email_check_agrees_with_the_domain(address: str) -> None:
    try:
        expected = domain.normalize_email(address)
    except domain.InvalidValue:
        expected = None
    assert _normalize({"email": address, "phone": "512-555-0142"}).frame[
        "email_normalized"
    ].to_list() == [expected]


# --- phone -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "(512) 555-0142",
        "512.555.0142",
        "512-555-0142",
        "5125550142",
        "+1 512 555 0142",
        "1-512-555-0142",
        "+1 (512) 555-0142",
        "011 1 512 555 0142",
        "512/555-0142",
    ],
)
def test_us_phone_formats_become_e164(text: str) -> None:
    assert _one("phone_normalized", phone=text) == "+15125550142"


@pytest.mark.parametrize(
    ("text", "country", "expected"),
    [
        ("020 7946 0958", "GB", "+442079460958"),
        ("+44 20 7946 0958", None, "+442079460958"),
        ("+44 (0)20 7946 0958", None, "+442079460958"),
        ("0044 20 7946 0958", "United Kingdom", "+442079460958"),
        ("07911 123456", "UK", "+447911123456"),
        ("030 123456", "Germany", "+4930123456"),
        ("+49 30 123456", None, "+4930123456"),
        ("+49 (0)30 123456", None, "+4930123456"),
        ("0049 30 123456", "DE", "+4930123456"),
        ("0151 23456789", "Deutschland", "+4915123456789"),
    ],
)
def test_uk_and_german_numbers_become_e164(text: str, country: str | None, expected: str) -> None:
    assert _one("phone_normalized", phone=text, country=country) == expected


def test_default_region_reads_national_numbers() -> None:
    result = _normalize({"phone": "020 7946 0958"}, default_region="GB")
    assert result.frame["phone_normalized"].to_list() == ["+442079460958"]


def test_phone_that_is_not_a_phone_is_an_error() -> None:
    result = _normalize({"phone": "12"}, {"phone": "(123) 456-7890"}, {"phone": "call me"})
    assert _errors(result) == [
        (2, "phone", '"12" is not a phone number'),
        (3, "phone", '"(123) 456-7890" is not a phone number'),
        (4, "phone", '"call me" is not a phone number'),
    ]


def test_unusual_formats_still_reach_phonenumbers() -> None:
    result = _normalize(
        {"phone": "1-800-FLOWERS"},
        {"phone": "512-555-0142 ext. 12"},
        {"phone": "+33 1 42 68 53 00"},
    )
    assert result.frame["phone_normalized"].to_list() == [
        "+18003569377",
        "+15125550142",
        "+33142685300",
    ]


# --- company, title ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Acme, Inc.", "acme"),
        ("ACME INC", "acme"),
        ("Acme Holdings Co., Ltd.", "acme holdings"),
        ("Müller GmbH", "müller"),
        ("Smith & Co", "smith & co"),
        ("Widgets  LLC", "widgets"),
        ("Initech Corporation", "initech"),
        ("Co", "co"),
    ],
)
def test_company_legal_suffixes_are_stripped(name: str, expected: str) -> None:
    assert _one("company_normalized", company=name) == expected


@pytest.mark.parametrize(
    "name",
    [
        "Acme, Inc.",
        "Straße GmbH",
        "ΑΛΦΑ Corp",
        "Foo\tBar Ltd",
        "  Spaced   Out , LLC. ",
        "A.B.C. Pty",
        "The Company Company",
        "Jones, Smith & Co.",
        "Ltd",
        "Ca Sa",
        "Acme.",
        ".Acme",
        "Acme Inc.,",
        "Smith &",
        "& Co",
        ", Inc.",
        "Acme Inc Inc",
    ],
)
def test_company_names_agree_with_the_domain(name: str) -> None:
    assert _one("company_normalized", company=name) == domain.normalize_company_name(name.strip())


_COMPANY_TOKENS = st.sampled_from(
    ["Acme", "Smith", "&", "Co", "Co.", "Inc", "inc.", "LLC", ",", ".", "GmbH", "Ltd.", "Müller",
     "AG", "Holdings", "ß", "  ", "Corp", "l.l.c", "PTY", "sa", "The"]
)  # fmt: skip


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(_COMPANY_TOKENS, min_size=1, max_size=6), min_size=1, max_size=40))
def test_company_names_agree_with_the_domain_for_any_name(names: list[list[str]]) -> None:
    texts = [" ".join(tokens).strip() or "x" for tokens in names]
    got = _normalize(*({"email": "a@example.com", "company": t} for t in texts)).frame
    assert got["company_normalized"].to_list() == [domain.normalize_company_name(t) for t in texts]


_LOCAL = st.text("abcXYZ019.+-_'!#", min_size=1, max_size=12)
_DOMAIN = st.text("abcXYZ019.-", min_size=1, max_size=14)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(_LOCAL, _DOMAIN, st.sampled_from(["com", "de", "c", "1a", "test"]))))
def test_emails_agree_with_the_domain_for_any_address(parts: list[tuple[str, str, str]]) -> None:
    addresses = [f"{local}@{host}.{tld}" for local, host, tld in parts]

    def expected(address: str) -> str | None:
        try:
            return domain.normalize_email(address)
        except domain.InvalidValue:
            return None

    rows = [{"email": a, "phone": "512-555-0142"} for a in addresses] or [{"phone": "512-555-0142"}]
    got = _normalize(*rows).frame["email_normalized"].to_list()
    assert got == ([expected(a) for a in addresses] or [None])


def test_company_domain_comes_from_the_website_or_a_business_email() -> None:
    result = _normalize(
        {"email": "jane@gmail.com", "website": "https://www.Acme.com/about"},
        {"email": "bob@initech.com"},
        {"email": "ann@gmail.com"},
        {"email": "li@example.com", "website": "http://bücher.de"},
    )
    assert result.frame["company_domain"].to_list() == [
        "acme.com",
        "initech.com",
        None,
        "xn--bcher-kva.de",
    ]


@pytest.mark.parametrize(
    ("title", "level"),
    [
        ("CEO", Authority.EXECUTIVE),
        ("IT Manager", Authority.MANAGER),
        ("Director of IT", Authority.DIRECTOR),
        ("Sysadmin", Authority.STAFF),
        ("Vice President, Sales", Authority.DIRECTOR),
    ],
)
def test_title_becomes_authority(title: str, level: Authority) -> None:
    assert _one("authority", title=title) == int(level)
    assert _one("authority", title=None) is None


def test_full_name_is_split_when_first_and_last_are_blank() -> None:
    result = _normalize(
        {"email": "a@example.com", "full_name": "Dr. Jane Doe"},
        {"email": "b@example.com", "full_name": "Doe, John"},
        {"email": "c@example.com", "full_name": "Ludwig van Beethoven"},
        {"email": "d@example.com", "full_name": "Cher"},
        {"email": "e@example.com", "full_name": "Ann Other", "first_name": "Ann"},
    )
    assert result.frame.select("first_name", "last_name").rows() == [
        ("Jane", "Doe"),
        ("John", "Doe"),
        ("Ludwig", "van Beethoven"),
        ("Cher", None),
        ("Ann", None),
    ]


# --- numbers, dates ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("25", 25),
        ("10-49", 10),
        ("10 \u2013 49", 10),
        ("50+", 50),
        ("over 50", 50),
        ("1,000", 1000),
        ("1.000", 1000),
        ("1 000", 1000),
        ("5-10 employees", 5),
        ("2k", 2000),
        ("1,000-4,999", 1000),
        ("under 10", 1),
        ("approx. 30 staff", 30),
    ],
)
def test_employee_ranges_become_numbers(text: str, count: int) -> None:
    assert _one("employee_count", employee_count=text) == count


@pytest.mark.parametrize("text", ["lots", "12.5", "ten"])
def test_employee_count_that_is_not_a_number_is_an_error(text: str) -> None:
    result = _normalize({"email": "a@example.com", "employee_count": text})
    assert _errors(result) == [(2, "employee_count", f'"{text}" is not a number of employees')]


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("$5,000", 5000.0),
        ("5000", 5000.0),
        ("€ 5.000,50", 5000.5),
        ("£2k per month", 2000.0),
        ("$1,000 - $5,000", 1000.0),
        ("1500.75 USD/mo", 1500.75),
    ],
)
def test_budget_amounts_become_numbers(text: str, amount: float) -> None:
    assert _one("monthly_budget", monthly_budget=text) == amount


def test_budget_that_is_not_an_amount_is_an_error() -> None:
    result = _normalize({"email": "a@example.com", "monthly_budget": "depends"})
    assert _errors(result) == [(2, "monthly_budget", '"depends" is not an amount')]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-03-05", datetime(2024, 3, 5, tzinfo=UTC)),
        ("2024-03-05T10:11:12Z", datetime(2024, 3, 5, 10, 11, 12, tzinfo=UTC)),
        ("2024-03-05T10:11:12.5+02:00", datetime(2024, 3, 5, 8, 11, 12, 500000, tzinfo=UTC)),
        ("2024-03-05 10:11", datetime(2024, 3, 5, 10, 11, tzinfo=UTC)),
        ("3/5/2024", datetime(2024, 3, 5, tzinfo=UTC)),
        ("03/05/24", datetime(2024, 3, 5, tzinfo=UTC)),
        ("3/5/2024 2:30 PM", datetime(2024, 3, 5, 14, 30, tzinfo=UTC)),
        ("3/5/2024  14:30", datetime(2024, 3, 5, 14, 30, tzinfo=UTC)),
        ("13/02/2024", datetime(2024, 2, 13, tzinfo=UTC)),
        ("05.03.2024", datetime(2024, 3, 5, tzinfo=UTC)),
        ("05.03.2024 14:30", datetime(2024, 3, 5, 14, 30, tzinfo=UTC)),
        ("March 5, 2024", datetime(2024, 3, 5, tzinfo=UTC)),
        ("5 Mar 2024", datetime(2024, 3, 5, tzinfo=UTC)),
        ("05-Mar-2024", datetime(2024, 3, 5, tzinfo=UTC)),
        ("Tue, Mar 5, 2024 9:15 am", datetime(2024, 3, 5, 9, 15, tzinfo=UTC)),
        ("5. März 2024", datetime(2024, 3, 5, tzinfo=UTC)),
        ("45356", datetime(2024, 3, 5, tzinfo=UTC)),
    ],
)
def test_dates_in_common_formats_are_read(text: str, expected: datetime) -> None:
    assert _one("occurred_at", occurred_on=text) == expected


def test_ambiguous_slash_date_is_read_month_first() -> None:
    assert _one("occurred_at", occurred_on="04/05/2024") == datetime(2024, 4, 5, tzinfo=UTC)


@pytest.mark.parametrize("text", ["yesterday", "2024-02-30", "13/13/2024", "5/3", "0024-01-01"])
def test_date_that_is_not_a_date_is_an_error(text: str) -> None:
    result = _normalize({"email": "a@example.com", "occurred_on": text})
    assert _errors(result) == [(2, "occurred_on", f'"{text}" is not a date')]
    assert result.frame["occurred_at"][0] is None


# --- places and choices ------------------------------------------------------------------


def test_us_state_names_become_codes_and_geography() -> None:
    result = _normalize(
        {"email": "a@example.com", "region": "Texas", "country": "USA"},
        {"email": "b@example.com", "region": "tx"},
        {"email": "c@example.com", "region": "Kent", "country": "United Kingdom"},
        {"email": "d@example.com", "region": "BY", "country": "Deutschland"},
        {"email": "e@example.com", "country": "U.S."},
        {"email": "f@example.com", "region": "Nowhere"},
    )
    assert result.frame.select("region", "country", "geography").rows() == [
        ("TX", "US", "US-TX"),
        ("TX", None, "US-TX"),
        ("KENT", "GB", "GB"),
        ("BY", "DE", "DE-BY"),
        (None, "US", "US"),
        ("NOWHERE", None, None),
    ]


@pytest.mark.parametrize(
    ("column", "text", "value"),
    [
        ("need", "ASAP", "need_now"),
        ("need", "need now", "need_now"),
        ("need", "Just looking", "curious"),
        ("need", "getting a quote", "price_shopping"),
        ("need", "RFP", "rfp_only"),
        ("need", "whenever", None),
        ("outsourcing", "In-house IT guy", "in_house"),
        ("outsourcing", "Outsourced to an MSP", "outsourced"),
        ("outsourcing", "none", "none"),
        ("switch_reason", "Poor service, slow response", "poor_service"),
        ("switch_reason", "too expensive", "cheaper"),
        ("switch_reason", "we are growing", "growth"),
        ("switch_reason", "new CFO", "other"),
        ("activity", "Webinar", "event_attended"),
        ("activity", "Trade show booth", "trade_show"),
        ("activity", "Downloaded whitepaper", "download"),
        ("activity", "Newsletter", "newsletter_signup"),
        ("activity", "Free trial", "trial_registration"),
        ("activity", "Inbound call", "inbound_call"),
        ("activity", "Contact form", "web_form"),
        ("activity", "Followed us on LinkedIn", "social_follow"),
        ("activity", "carrier pigeon", None),
        ("follow_up", "Yes", "asked"),
        ("follow_up", "please contact me", "asked"),
        ("follow_up", "no", "none"),
        ("follow_up", "Do not contact", "none"),
        ("follow_up", "maybe", "neutral"),
        ("follow_up", "", None),
    ],
)
def test_free_text_maps_to_domain_values(column: str, text: str, value: str | None) -> None:
    output = {"follow_up": "wish"}.get(column, column)
    assert _one(output, **{column: text}) == value


def test_services_are_split_into_slugs() -> None:
    services = "Managed Services; Backup and DR, Cloud/VoIP | Cyber-Security"
    assert _one("services_wanted", services_wanted=services) == [
        "managed-services",
        "backup",
        "dr",
        "cloud",
        "voip",
        "cyber-security",
    ]
    assert _one("services_wanted", services_wanted=" ") is None


# --- rows --------------------------------------------------------------------------------


def test_row_without_email_or_phone_is_an_error() -> None:
    result = _normalize({"email": "a@example.com"}, {"first_name": "Ann", "email": " "})
    assert _errors(result) == [(3, "email", "needs an email, a phone or an external id")]


def test_a_row_may_have_several_errors() -> None:
    result = _normalize(
        {"email": "nope", "phone": "12", "occurred_on": "someday", "employee_count": "many"}
    )
    assert sorted(_errors(result)) == [
        (2, "email", '"nope" is not an email address'),
        (2, "employee_count", '"many" is not a number of employees'),
        (2, "occurred_on", '"someday" is not a date'),
        (2, "phone", '"12" is not a phone number'),
    ]


def test_placeholders_mean_blank_not_errors() -> None:
    result = _normalize(
        {"email": "a@example.com", "phone": "N/A", "occurred_on": "-", "monthly_budget": "TBD"}
    )
    assert result.errors.is_empty()
    assert result.frame.select("phone", "occurred_at", "monthly_budget").row(0) == (None,) * 3


def test_an_empty_file_normalizes_to_nothing() -> None:
    frame = pl.DataFrame(schema={"__row": pl.UInt32, "email": pl.String, "phone": pl.String})
    result = normalize(frame)
    assert result.frame.height == 0
    assert result.errors.height == 0
    assert "phone_normalized" in result.frame.columns


def test_missing_columns_read_as_blank() -> None:
    frame = pl.DataFrame(
        {"__row": [2], "phone": ["512-555-0142"]}, schema_overrides={"__row": pl.UInt32}
    )
    result = normalize(frame)
    assert result.errors.is_empty()
    assert result.frame["email"].to_list() == [None]
    assert result.frame["phone_normalized"].to_list() == ["+15125550142"]
