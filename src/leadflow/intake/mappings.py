"""Saved column mappings: how a source's files map onto intake fields, remembered.

A source sends the same export every month ("Mail Address", "Cell #", "Org"). Once
someone has told intake which header feeds which field, the mapping is stored on the
``Source`` (``field_mapping``) and offered as the default next time, by the upload page and
by the CLI alike, so nobody maps the same file twice.

A mapping is ``{"File Header": "<field name>" | "ignore"}``. ``"ignore"`` exists because
``map_headers`` can only *add* meanings: a header that an alias recognises ("Phone") would
feed its field anyway, so ignoring it means dropping the column before the pipeline runs
(``apply_mapping``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from leadflow.crm.models import Source
from leadflow.intake.fields import Field, MappingError, map_headers
from leadflow.intake.read import Table

IGNORE = "ignore"
_FIELD_NAMES = frozenset(f.value for f in Field)


def saved_mapping(source_name: str) -> dict[str, str]:
    """The mapping saved for this source; empty when there is none (or no such source)."""
    stored = Source.objects.filter(name=source_name).values_list("field_mapping", flat=True)
    return usable_mapping(stored.first())


def usable_mapping(stored: object) -> dict[str, str]:
    """A source's stored field_mapping, keeping only headers mapped to a field we know."""
    if not isinstance(stored, dict):
        return {}
    return {str(h): str(f) for h, f in stored.items() if str(f) in _FIELD_NAMES | {IGNORE}}


def save_mapping(source_name: str, mapping: Mapping[str, str]) -> None:
    """Store ``mapping`` as the source's default, replacing the one before.

    Replaced, not merged: last month's headers that this file no longer has would only
    make the saved mapping harder to read, and two of them could claim one field.
    Raises MappingError for an unknown field or two headers mapped to one field.
    """
    cleaned = check_mapping(mapping)
    Source.objects.update_or_create(name=source_name, defaults={"field_mapping": cleaned})


def check_mapping(mapping: Mapping[str, str]) -> dict[str, str]:
    """The mapping with field names in their canonical spelling; MappingError if wrong."""
    cleaned: dict[str, str] = {}
    claimed: dict[str, str] = {}
    for header, target in mapping.items():
        name = target.strip().lower().replace(" ", "_").replace("-", "_")
        if name != IGNORE and name not in _FIELD_NAMES:
            raise MappingError(f"{header!r}: unknown field {target!r}")
        if name != IGNORE and name in claimed:
            raise MappingError(
                f"two columns are mapped to {name}: {claimed[name]!r} and {header!r}"
            )
        if name != IGNORE:
            claimed[name] = header
        cleaned[header] = name
    return cleaned


def default_mapping(headers: list[str], saved: Mapping[str, str]) -> dict[str, str]:
    """Every header → the field it feeds, or ``"ignore"``: the saved choices where they
    name a header of this file, the recognised aliases for the rest.

    A saved mapping that no longer fits (two saved headers now claim a field an alias
    took) is dropped rather than refused: a default must never stop an upload.
    """
    present = _present(headers, saved)
    ignored = {h for h, f in present.items() if f == IGNORE}
    overrides = {h: f for h, f in present.items() if f != IGNORE}
    kept = [h for h in headers if h not in ignored]
    try:
        detected = map_headers(kept, overrides)
    except MappingError:
        detected = map_headers(headers)
    result = dict.fromkeys(headers, IGNORE)
    for field, header in detected.columns.items():
        result[header] = field.value
    return result


def fields_of_keys(keys: Iterable[str], mapping: Mapping[str, str]) -> dict[str, str | None]:
    """What each key feeds on its own: the mapping's field (None for "ignore"), else the
    field its alias names; keys that mean nothing are left out. For records, whose keys
    may differ from one object to the next (``records.merge_aliases``)."""
    keys = list(dict.fromkeys(keys))
    chosen = _present(keys, mapping)
    fields: dict[str, str | None] = {}
    for key in keys:
        try:
            if key in chosen:
                target = check_mapping({key: chosen[key]})[key]
                fields[key] = None if target == IGNORE else target
                continue
            recognised = map_headers([key]).columns
        except MappingError:  # a saved field that no longer exists: as if unmapped
            recognised = map_headers([key]).columns
        if recognised:
            fields[key] = next(iter(recognised)).value
    return fields


def apply_mapping(table: Table, mapping: Mapping[str, str]) -> tuple[Table, dict[str, str]]:
    """The table without its ignored columns, and the overrides for ``IntakeOptions``.

    Headers of the mapping that the table does not have are left out, so a saved mapping
    can be applied to any file of its source.
    """
    present = _present(table.headers, mapping)
    ignored = [h for h, f in present.items() if f == IGNORE]
    overrides = {h: f for h, f in present.items() if f != IGNORE}
    if not ignored:
        return table, overrides
    kept = [h for h in table.headers if h not in ignored]
    trimmed = Table(
        frame=table.frame.drop(ignored),
        headers=kept,
        encoding=table.encoding,
        warnings=[*table.warnings, f"ignored: {', '.join(repr(h) for h in ignored)}"],
    )
    return trimmed, overrides


def _present(headers: list[str], mapping: Mapping[str, str]) -> dict[str, str]:
    """The mapping's entries for these headers, matched exactly, else ignoring case and
    surrounding spaces (a re-export often changes only that), keyed by the file's header."""
    exact = set(headers)
    loose = {h.strip().casefold(): h for h in headers}
    found: dict[str, str] = {}
    for given, target in mapping.items():
        header = given if given in exact else loose.get(given.strip().casefold())
        if header is not None and header not in found:
            found[header] = target
    return found
