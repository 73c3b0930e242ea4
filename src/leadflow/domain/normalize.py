"""Normalization of contact details, so duplicates and Avoid entries match across spellings."""

from __future__ import annotations

import re

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from leadflow.domain.errors import DomainError


class InvalidValue(DomainError):
    """A value that is not what its column says (not an email, not a phone...)."""


def normalize_email(raw: str) -> str | None:
    """Lower-cased address with an IDNA (ASCII) domain; None for a blank value.

    Syntax only: no DNS lookup, so normalizing never touches the network.
    """
    text = raw.strip()
    if not text:
        return None
    try:
        result = validate_email(text, check_deliverability=False)
    except EmailNotValidError as error:
        raise InvalidValue(f'"{text}" is not an email address ({error})') from error
    domain = result.ascii_domain or result.domain
    return f"{result.local_part.lower()}@{domain.lower()}"


def email_domain(normalized_email: str | None) -> str:
    return normalized_email.rsplit("@", 1)[1] if normalized_email else ""


def normalize_phone(raw: str, default_region: str = "US") -> str | None:
    """E.164 (+15125550100); None for a blank value.

    A national number is read in `default_region`. Only a *valid* number is a phone
    number: one of the right length for its country code that is also one a region
    actually assigns ("(123) 456-7890" has ten digits, but no US area code starts with 1).
    Every door (import, web form, services, demo) applies this one rule.
    """
    text = raw.strip()
    if not text:
        return None
    try:
        number = phonenumbers.parse(text, default_region)
    except phonenumbers.NumberParseException as error:
        raise InvalidValue(f'"{text}" is not a phone number') from error
    if not (phonenumbers.is_possible_number(number) and phonenumbers.is_valid_number(number)):
        raise InvalidValue(f'"{text}" is not a phone number')
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


_LEGAL_SUFFIX = re.compile(
    r"[,\s]+(inc|incorporated|llc|l\.l\.c|ltd|limited|corp|corporation|co|company|plc|gmbh|"
    r"pllc|llp|lp|pc|pa|sa|ag|bv|pty)\.?$",
    re.IGNORECASE,
)


def normalize_company_name(raw: str) -> str:
    """Case-folded, legal suffixes stripped: "Acme, Inc." and "ACME" are the same company."""
    text = " ".join(raw.split())
    previous = None
    while previous != text:
        previous = text
        stripped = _LEGAL_SUFFIX.sub("", text).strip(" ,.")
        # "Smith & Co" is a name, not "Smith &" plus a suffix.
        text = previous if stripped.endswith("&") or not stripped else stripped
    return text.casefold()
