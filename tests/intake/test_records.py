"""Records → Table: the form, webhook and manual doors feed the pipeline the same table a
file does, so every intake rule applies to them unchanged."""

from __future__ import annotations

import polars as pl
import pytest
from django.contrib.auth.models import Group, User

from leadflow.crm.models import Person
from leadflow.crm.services.playbook import seed_defaults
from leadflow.domain.people import PersonType, Role
from leadflow.intake.options import IntakeOptions, Mode, Outcome
from leadflow.intake.read import MAX_FIELD_CHARS, ROW, IntakeFileError
from leadflow.intake.records import RecordError, merge_aliases, table_from_records
from leadflow.intake.run import run_intake


def test_rows_are_numbered_from_one_in_list_order() -> None:
    table = table_from_records([{"email": "a@x.example"}, {"email": "b@x.example"}])
    assert table.frame[ROW].to_list() == [1, 2]
    assert table.frame[ROW].dtype == pl.UInt32
    assert table.frame["email"].to_list() == ["a@x.example", "b@x.example"]


def test_headers_are_every_key_in_first_seen_order_and_missing_keys_are_null() -> None:
    table = table_from_records([{"email": "a@x.example", "Phone": "1"}, {"Company": "Acme"}])
    assert table.headers == ["email", "Phone", "Company"]
    assert table.frame.row(1) == (2, None, None, "Acme")


def test_every_cell_is_text_the_way_a_person_would_type_it() -> None:
    record = {
        "employees": 25,
        "budget": 1500.0,
        "score": 2.5,
        "contact me": True,
        "do not call": False,
        "services": ["managed services", "backup", None],
        "note": None,
        "title": "   ",
    }
    table = table_from_records([record])
    assert table.frame.schema == pl.Schema({ROW: pl.UInt32, **dict.fromkeys(record, pl.String)})
    assert table.frame.row(0) == (
        1,
        "25",
        "1500",
        "2.5",
        "yes",
        "no",
        "managed services; backup",
        None,
        None,
    )


def test_blank_columns_are_added_last_only_when_no_record_has_them() -> None:
    table = table_from_records(
        [{"E-mail": "a@x.example", "phone": "512"}], blank_columns=("email", "phone")
    )
    assert table.headers == ["E-mail", "phone", "email"]
    assert table.frame["email"].to_list() == [None]


def test_objects_that_spell_a_field_differently_land_in_one_column() -> None:
    fields = {"E-mail": "email", "Mobile": "phone", "Internal": None}
    records = [
        {"E-mail": "a@x.example", "Internal": "x"},
        {"email": "b@x.example", "Mobile": "512"},
        {"email": " ", "E-mail": "c@x.example"},  # the first value that is not blank wins
        "not an object",
    ]
    merged = merge_aliases(records, fields)
    assert merged == [
        {"email": "a@x.example"},
        {"email": "b@x.example", "phone": "512"},
        {"email": "c@x.example"},
        "not an object",  # left for table_from_records to refuse with its row number
    ]
    table = table_from_records(merged[:3])
    assert table.headers == ["email", "phone"]
    assert table.frame["email"].to_list() == ["a@x.example", "b@x.example", "c@x.example"]


@pytest.mark.parametrize(
    ("records", "reason"),
    [
        ([], "there are no records"),
        ({"email": "a@x.example"}, "expected a list of records"),
        ("email", "expected a list of records"),
        ([{"email": "a@x.example"}, "b@x.example"], "row 2: is a text, not an object"),
        ([{"email": {"work": "a@x.example"}}], 'row 1: "email" is an object'),
        ([{"services": [["a"]]}], 'row 1: "services" is a list of lists or objects'),
        ([{ROW: "1"}], f'row 1: "{ROW}" is a name leadflow keeps for itself'),
        ([{"": "x"}], "row 1: a field has no name"),
        ([{"email ": "a", "email": "b"}], 'row 1: the field "email" is given twice'),
        ([{}], "the records have no fields"),
        ([{"note": "x" * (MAX_FIELD_CHARS + 1)}], 'row 1: "note" is longer than'),
        ([{"note": "half a pair \ud800"}], 'row 1: "note" is not valid text'),
        ([{"\udc00": "x"}], "row 1: a field name is not valid text"),
    ],
)
def test_a_record_that_cannot_be_a_row_is_refused_with_a_reason(
    records: object, reason: str
) -> None:
    with pytest.raises(RecordError) as caught:
        table_from_records(records)  # type: ignore[arg-type]
    assert caught.value.reason.startswith(reason)
    assert isinstance(caught.value, IntakeFileError)  # one except in every adapter


@pytest.mark.django_db
def test_records_go_through_the_pipeline_like_a_file_with_aliases_and_row_errors() -> None:
    seed_defaults()
    owner = User.objects.create_user("owner")
    owner.groups.add(Group.objects.get(name=Role.OWNER.value))
    table = table_from_records(
        [
            {"First Name": "Dana", "Last Name": "Owens", "E-mail": "dana@owensreyes.com"},
            {"First Name": "Eli", "E-mail": "not-an-email"},
        ],
        blank_columns=("email", "phone"),
    )
    options = IntakeOptions(campaign="API", source="partner api", mode=Mode.SKIP_BAD)
    report = run_intake(table, options, by=owner)
    assert report.rows["outcome"].to_list() == [Outcome.CREATED.value, Outcome.ERROR.value]
    assert report.errors == ['row 2: email: "not-an-email" is not an email address']
    person = Person.objects.get()
    assert (person.first_name, person.email_normalized) == ("Dana", "dana@owensreyes.com")
    assert person.person_type == PersonType.LEAD
