"""The fields intake understands, and the headers that commonly mean them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Field(StrEnum):
    """Canonical intake columns. Every one is read as text and normalized later."""

    FIRST_NAME = "first_name"
    LAST_NAME = "last_name"
    FULL_NAME = "full_name"  # split into first/last when those are absent
    EMAIL = "email"
    PHONE = "phone"
    TITLE = "title"
    EXTERNAL_ID = "external_id"  # another system's id for the person (old CRM, form vendor)
    LEAD_SOURCE = "lead_source"  # per row; blank: the import's --source
    EMAIL_OPT_OUT = "email_opt_out"  # yes: never email (an import never clears it)
    DO_NOT_CALL = "do_not_call"  # yes: never call
    COMPANY = "company"
    WEBSITE = "website"
    NICHE = "niche"
    COMPANY_TYPE = "company_type"
    EMPLOYEE_COUNT = "employee_count"  # "25", "10-49", "50+", "1,000"
    STREET = "street"
    CITY = "city"
    REGION = "region"  # state / county code or name
    POSTCODE = "postcode"
    COUNTRY = "country"
    MONTHLY_BUDGET = "monthly_budget"
    OUTSOURCING = "outsourcing"
    SWITCH_REASON = "switch_reason"
    NEED = "need"
    SERVICES_WANTED = "services_wanted"  # separated by ; or ,
    ACTIVITY = "activity"  # activity kind: download, webinar, trade show...
    FOLLOW_UP = "follow_up"  # yes / no / blank
    PROBLEM = "problem"  # problem indicators, free text
    OCCURRED_ON = "occurred_on"  # date of the response
    HONEYPOT = "honeypot"  # a hidden form field only bots fill in
    NOTE = "note"


def header_key(header: str) -> str:
    """Header comparison ignores case, punctuation and spacing: "E-mail" == "email"."""
    return re.sub(r"[^a-z0-9]+", "", header.strip().lstrip("\ufeff").lower())


_ALIASES: dict[Field, tuple[str, ...]] = {
    Field.FIRST_NAME: ("first name", "firstname", "given name", "first", "fname", "forename"),
    Field.LAST_NAME: ("last name", "lastname", "surname", "family name", "last", "lname"),
    Field.FULL_NAME: ("name", "full name", "contact name", "contact", "attendee name"),
    Field.EMAIL: (
        "email",
        "e-mail",
        "email address",
        "e-mail address",
        "mail",
        "work email",
        "business email",
        "email 1",
    ),
    Field.PHONE: (
        "phone",
        "phone number",
        "telephone",
        "tel",
        "mobile",
        "cell",
        "work phone",
        "direct phone",
        "business phone",
        "mobile phone",
        "mobile number",
        "phone 1",
    ),
    Field.TITLE: ("title", "job title", "position", "role", "job role", "designation"),
    Field.EXTERNAL_ID: (
        "id",
        "external id",
        "lead id",
        "record id",
        "contact id",
        "prospect id",
        "mql id",
        "crm id",
    ),
    Field.LEAD_SOURCE: ("lead source", "origin", "source", "utm source"),
    Field.EMAIL_OPT_OUT: (
        "do not email",
        "email opt out",
        "opted out",
        "unsubscribed",
        "no email",
    ),
    Field.DO_NOT_CALL: ("do not call", "dnc", "no calls"),
    Field.COMPANY: (
        "company",
        "company name",
        "organization",
        "organisation",
        "account",
        "business name",
        "employer",
        "organization name",
        "organisation name",
        "account name",
        "company / account",
    ),
    Field.WEBSITE: ("website", "web site", "company website", "url", "domain"),
    Field.NICHE: ("industry", "niche", "sector", "vertical", "business segment"),
    Field.COMPANY_TYPE: ("company type", "business type", "type of business", "entity type"),
    Field.EMPLOYEE_COUNT: (
        "employees",
        "no of employees",
        "number of employees",
        "employee count",
        "company size",
        "headcount",
        "staff",
        "size",
        "employees number",
        "number of staff",
    ),
    Field.STREET: ("street", "address", "street address", "address 1", "address line 1"),
    Field.CITY: ("city", "town", "locality"),
    Field.REGION: ("state", "region", "province", "county", "state province"),
    Field.POSTCODE: ("zip", "zip code", "postcode", "postal code", "post code", "zip/postal code"),
    Field.COUNTRY: ("country", "country code", "country/region"),
    Field.MONTHLY_BUDGET: ("monthly budget", "budget", "monthly spend", "it budget"),
    Field.OUTSOURCING: ("outsourcing", "current it", "current provider", "outsourced"),
    Field.SWITCH_REASON: ("switch reason", "reason for switching", "why switch"),
    Field.NEED: ("need", "timeline", "timeframe", "buying timeframe"),
    Field.SERVICES_WANTED: (
        "services",
        "services wanted",
        "interested in",
        "interest",
        "service interest",
    ),
    Field.ACTIVITY: ("activity", "action", "response", "response type", "lead type"),
    Field.FOLLOW_UP: (
        "follow up",
        "followup",
        "contact me",
        "wants follow up",
        "contact requested",
        "opt in",
    ),
    Field.PROBLEM: (
        "problem",
        "problems",
        "pain",
        "pain points",
        "challenge",
        "comments",
        "message",
    ),
    Field.OCCURRED_ON: (
        "date",
        "response date",
        "registered",
        "registration date",
        "created",
        "created date",
        "submitted",
        "attended on",
        "registration time",
        "create date",
        "created at",
        "submitted at",
    ),
    Field.HONEYPOT: ("honeypot", "hp", "leave blank", "fax number"),
    Field.NOTE: ("note", "notes"),
}

HEADER_ALIASES: dict[str, Field] = {
    header_key(alias): field
    for field, aliases in _ALIASES.items()
    for alias in (field.value, *aliases)
}


class MappingError(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class HeaderMapping:
    """Which file header feeds which field; headers that feed nothing are listed."""

    columns: dict[Field, str]
    ignored: tuple[str, ...]


_FIELDS_BY_KEY = {header_key(f.value): f for f in Field}


def map_headers(headers: list[str], overrides: dict[str, str] | None = None) -> HeaderMapping:
    """Recognise common headers; `overrides` ("File Header" → field name) win.

    - An override's header matches exactly, else ignoring case and surrounding spaces; its
      field is a field name written any way ("first_name", "First Name", "first-name").
    - When two headers are aliases of one field ("Phone" and "Mobile"), the first one in
      the file feeds the field and the other is listed as ignored: a trade-show list with
      both columns is normal, and refusing it would block the import for no gain.
    - Two *overrides* naming one field are a mistake the user made, so they are an error.

    Raises MappingError for duplicate headers, an override naming an unknown header or
    field, or two overrides naming one field.
    """
    overrides = overrides or {}
    seen: dict[str, int] = {}
    for header in headers:
        seen[header] = seen.get(header, 0) + 1
    duplicated = [h for h, n in seen.items() if n > 1]
    if duplicated:
        raise MappingError("duplicate column headers: " + ", ".join(repr(h) for h in duplicated))
    columns: dict[Field, str] = {}
    for given, target in overrides.items():
        header = find_header(given, headers)
        field = _FIELDS_BY_KEY.get(header_key(target))
        if field is None:
            known = ", ".join(f.value for f in Field)
            raise MappingError(f"--map {given!r}: unknown field {target!r} (known: {known})")
        if field in columns:
            raise MappingError(
                f"two columns are mapped to {field.value}: {columns[field]!r}, {header!r}"
            )
        columns[field] = header
    overridden = set(columns.values())
    for header in headers:
        if header in overridden:
            continue
        field_or_none = HEADER_ALIASES.get(header_key(header))
        if field_or_none is not None and field_or_none not in columns:
            columns[field_or_none] = header
    used = set(columns.values())
    return HeaderMapping(columns, tuple(h for h in headers if h not in used))


def find_header(given: str, headers: list[str]) -> str:
    """The file's header a --map entry names: exactly, else ignoring case and spaces."""
    if given in headers:
        return given
    loose = [h for h in headers if h.strip().casefold() == given.strip().casefold()]
    if len(loose) == 1:
        return loose[0]
    raise MappingError(f"--map names a column the file does not have: {given!r}")
