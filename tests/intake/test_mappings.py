"""Saved column mappings: told once per source, applied as the default next time."""

from __future__ import annotations

import pytest

from leadflow.crm.models import Source
from leadflow.intake.fields import MappingError
from leadflow.intake.mappings import (
    IGNORE,
    apply_mapping,
    default_mapping,
    fields_of_keys,
    save_mapping,
    saved_mapping,
)
from leadflow.intake.records import table_from_records

pytestmark = pytest.mark.django_db

HEADERS = ["E-mail Address", "Cell #", "Phone", "Org", "Internal score"]


def test_a_saved_mapping_is_read_back_for_its_source_only() -> None:
    save_mapping("expo list", {"Mail Address": "Email", "Internal score": "ignore"})
    assert saved_mapping("expo list") == {"Mail Address": "email", "Internal score": IGNORE}
    assert saved_mapping("webinar") == {}
    assert Source.objects.get(name="expo list").field_mapping == saved_mapping("expo list")


def test_saving_replaces_the_previous_mapping_instead_of_merging() -> None:
    save_mapping("expo list", {"Mail Address": "email"})
    save_mapping("expo list", {"Org": "company"})
    assert saved_mapping("expo list") == {"Org": "company"}


@pytest.mark.parametrize(
    ("mapping", "reason"),
    [
        ({"Org": "employer"}, "'Org': unknown field 'employer'"),
        ({"Cell #": "phone", "Phone": "phone"}, "two columns are mapped to phone"),
    ],
)
def test_a_wrong_mapping_is_not_saved(mapping: dict[str, str], reason: str) -> None:
    with pytest.raises(MappingError) as caught:
        save_mapping("expo list", mapping)
    assert caught.value.reason.startswith(reason)
    assert not Source.objects.filter(name="expo list").exists()


def test_default_mapping_recognises_aliases_and_ignores_what_it_does_not_know() -> None:
    assert default_mapping(HEADERS, {}) == {
        "E-mail Address": "email",  # an alias of email
        "Cell #": "phone",
        "Phone": IGNORE,  # phone is fed by the first column that means it
        "Org": IGNORE,
        "Internal score": IGNORE,
    }


def test_the_saved_mapping_wins_over_the_aliases_by_default() -> None:
    save_mapping("expo list", {"Phone": "phone", "Cell #": "ignore", "Org": "company"})
    mapping = default_mapping(HEADERS, saved_mapping("expo list"))
    assert mapping["Phone"] == "phone"
    assert mapping["Cell #"] == IGNORE
    assert mapping["Org"] == "company"


def test_a_saved_mapping_matches_headers_ignoring_case_and_spaces() -> None:
    mapping = default_mapping(["ORG ", "email"], {"org": "company"})
    assert mapping == {"ORG ": "company", "email": "email"}


def test_a_saved_mapping_edited_wrong_in_the_admin_falls_back_to_the_aliases() -> None:
    Source.objects.create(name="expo list", field_mapping={"Cell #": "phone", "Org": "phone"})
    mapping = default_mapping(HEADERS, saved_mapping("expo list"))
    assert mapping == default_mapping(HEADERS, {})


def test_apply_mapping_drops_ignored_columns_and_overrides_the_rest() -> None:
    table = table_from_records([{"Cell #": "512-555-0100", "Phone": "999", "Org": "Acme"}])
    trimmed, overrides = apply_mapping(
        table, {"Cell #": "ignore", "Phone": "phone", "Org": "company", "Gone": "email"}
    )
    assert trimmed.headers == ["Phone", "Org"]
    assert trimmed.frame.columns == ["__row", "Phone", "Org"]
    assert overrides == {"Phone": "phone", "Org": "company"}  # "Gone" is not in the file
    assert "ignored: 'Cell #'" in trimmed.warnings


def test_each_key_of_a_record_is_read_on_its_own_saved_mapping_first() -> None:
    save_mapping("partner", {"Contact Mail": "email", "Mobile": "ignore"})
    fields = fields_of_keys(
        ["Contact Mail", "E-mail", "Mobile", "Phone Number", "Favourite colour"],
        saved_mapping("partner"),
    )
    assert fields == {
        "Contact Mail": "email",
        "E-mail": "email",  # two keys may feed one field: objects differ, rows do not
        "Mobile": None,  # ignored
        "Phone Number": "phone",
    }
