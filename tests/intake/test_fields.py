"""Which file header feeds which intake field (issue 4: common headers, --map overrides)."""

from __future__ import annotations

import pytest

from leadflow.intake import fields
from leadflow.intake.fields import Field, MappingError, map_headers


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("E-mail", Field.EMAIL),
        ("Email Address", Field.EMAIL),
        ("First Name", Field.FIRST_NAME),
        ("Last Name", Field.LAST_NAME),
        ("Company Name", Field.COMPANY),
        ("Phone Number", Field.PHONE),
        ("Job Title", Field.TITLE),
        ("No. of Employees", Field.EMPLOYEE_COUNT),
        ("Zip/Postal Code", Field.POSTCODE),
        ("State/Province", Field.REGION),
        ("Organization Name", Field.COMPANY),
        ("Country/Region", Field.COUNTRY),
        ("Registration Time", Field.OCCURRED_ON),
        ("Mobile Phone", Field.PHONE),
    ],
)
def test_common_headers_are_recognised(header: str, field: Field) -> None:
    assert map_headers([header]).columns == {field: header}


@pytest.mark.parametrize("header", ["EMAIL", " e-mail ", "E_Mail", "\ufeffEmail", "e mail"])
def test_header_matching_ignores_case_punctuation_spacing_and_bom(header: str) -> None:
    assert map_headers([header]).columns == {Field.EMAIL: header}


@pytest.mark.parametrize("field", list(Field))
def test_every_field_is_recognised_by_its_own_name(field: Field) -> None:
    assert map_headers([field.value]).columns == {field: field.value}


def test_no_alias_belongs_to_two_fields() -> None:
    owners: dict[str, set[Field]] = {}
    for field, aliases in fields._ALIASES.items():
        for alias in (field.value, *aliases):
            owners.setdefault(fields.header_key(alias), set()).add(field)

    assert {key: f for key, f in owners.items() if len(f) > 1} == {}


def test_overrides_win_over_aliases() -> None:
    mapping = map_headers(["Email", "Contact", "Mobile"], {"Contact": "email"})

    assert mapping.columns == {Field.EMAIL: "Contact", Field.PHONE: "Mobile"}
    assert mapping.ignored == ("Email",)


def test_override_can_map_a_header_no_alias_knows() -> None:
    mapping = map_headers(["Booth Scanner Mail", "Name"], {"Booth Scanner Mail": "email"})

    assert mapping.columns == {Field.EMAIL: "Booth Scanner Mail", Field.FULL_NAME: "Name"}
    assert mapping.ignored == ()


@pytest.mark.parametrize("target", ["first_name", "First Name", "first-name", " FIRST_NAME "])
def test_override_field_may_be_written_any_way(target: str) -> None:
    assert map_headers(["Vorname"], {"Vorname": target}).columns == {Field.FIRST_NAME: "Vorname"}


def test_override_header_matches_ignoring_case_and_spaces() -> None:
    mapping = map_headers(["Booth Mail"], {" booth mail": "email"})

    assert mapping.columns == {Field.EMAIL: "Booth Mail"}


def test_override_naming_an_unknown_field_is_a_mapping_error() -> None:
    with pytest.raises(MappingError, match=r"unknown field 'shoe size'"):
        map_headers(["Size"], {"Size": "shoe size"})


def test_override_naming_a_header_the_file_lacks_is_a_mapping_error() -> None:
    with pytest.raises(MappingError, match=r"the file does not have: 'Fax'"):
        map_headers(["Email"], {"Fax": "phone"})


def test_two_overrides_for_one_field_are_a_mapping_error() -> None:
    with pytest.raises(MappingError, match=r"two columns are mapped to phone"):
        map_headers(["Cell", "Desk"], {"Cell": "phone", "Desk": "phone"})


def test_two_headers_for_one_field_the_first_wins_and_the_other_is_ignored() -> None:
    mapping = map_headers(["Mobile", "Email", "Phone"])

    assert mapping.columns == {Field.PHONE: "Mobile", Field.EMAIL: "Email"}
    assert mapping.ignored == ("Phone",)


def test_unknown_headers_are_listed_as_ignored_in_file_order() -> None:
    mapping = map_headers(["Badge ID", "Email", "Booth Visit Score", "Job Title"])

    assert mapping.columns == {Field.EMAIL: "Email", Field.TITLE: "Job Title"}
    assert mapping.ignored == ("Badge ID", "Booth Visit Score")


def test_duplicate_headers_are_a_mapping_error() -> None:
    with pytest.raises(MappingError, match=r"duplicate column headers: 'Email'"):
        map_headers(["Email", "Name", "Email"])


def test_mapping_error_carries_its_reason() -> None:
    with pytest.raises(MappingError) as caught:
        map_headers(["Email"], {"Fax": "phone"})

    assert caught.value.reason == "--map names a column the file does not have: 'Fax'"
