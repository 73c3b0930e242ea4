"""Consent and client flags changed by hand (PRODUCT.md §5), and who may change them.

Anyone on the team who hears "stop emailing me" or "don't call me again" records it at
once: tightening is open to every role. Undoing a suppression is not: a setter must not
lift a do-not-call to get a call through, so only the owner, marketing and admin lift
email opt-out and do-not-call. Refunds and late pay come from the books, which the owner
and admin keep.
"""

from __future__ import annotations

from enum import StrEnum

from leadflow.domain.errors import MissingDetail, NotPermitted
from leadflow.domain.people import Role


class ConsentFlag(StrEnum):
    EMAIL_OPT_OUT = "email_opt_out"
    DO_NOT_CALL = "do_not_call"
    CLIENT_REFUNDED = "client_refunded"
    CLIENT_LATE_PAY = "client_late_pay"


SUPPRESSIONS = frozenset({ConsentFlag.EMAIL_OPT_OUT, ConsentFlag.DO_NOT_CALL})
LIFTERS = frozenset({Role.OWNER, Role.MARKETING, Role.ADMIN})
BOOKKEEPERS = frozenset({Role.OWNER, Role.ADMIN})

LABEL = {
    ConsentFlag.EMAIL_OPT_OUT: "email opt-out",
    ConsentFlag.DO_NOT_CALL: "do-not-call",
    ConsentFlag.CLIENT_REFUNDED: "client refunded",
    ConsentFlag.CLIENT_LATE_PAY: "client pays late",
}


def may_change(roles: frozenset[Role], flag: ConsentFlag, value: bool) -> bool:
    if flag in SUPPRESSIONS:
        return value or bool(roles & LIFTERS)
    return bool(roles & BOOKKEEPERS)


def check_change(roles: frozenset[Role], flag: ConsentFlag, value: bool, reason: str) -> None:
    """Raise with the reason a person can read when this change may not be made."""
    if not reason.strip():
        raise MissingDetail(f"say why the {LABEL[flag]} flag changes")
    if may_change(roles, flag, value):
        return
    if flag in SUPPRESSIONS:
        raise NotPermitted(
            f"only the owner, marketing or an admin may lift a {LABEL[flag]}: anyone may set one"
        )
    raise NotPermitted(f"only the owner or an admin changes the {LABEL[flag]} flag")
