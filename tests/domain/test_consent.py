"""Who may change consent and client flags by hand (PRODUCT.md §5, domain.consent)."""

from __future__ import annotations

import pytest

from leadflow.domain.consent import ConsentFlag, check_change, may_change
from leadflow.domain.errors import MissingDetail, NotPermitted
from leadflow.domain.people import Role

SUPPRESSIONS = (ConsentFlag.EMAIL_OPT_OUT, ConsentFlag.DO_NOT_CALL)
CLIENT_FLAGS = (ConsentFlag.CLIENT_REFUNDED, ConsentFlag.CLIENT_LATE_PAY)


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("flag", SUPPRESSIONS)
def test_anyone_may_record_an_opt_out_or_do_not_call(role: Role, flag: ConsentFlag) -> None:
    assert may_change(frozenset({role}), flag, True)


@pytest.mark.parametrize("flag", SUPPRESSIONS)
def test_only_owner_marketing_or_admin_lift_a_suppression(flag: ConsentFlag) -> None:
    allowed = {r for r in Role if may_change(frozenset({r}), flag, False)}
    assert allowed == {Role.OWNER, Role.MARKETING, Role.ADMIN}
    with pytest.raises(NotPermitted, match="only the owner, marketing or an admin may lift"):
        check_change(frozenset({Role.SETTER}), flag, False, "they said yes again")


@pytest.mark.parametrize("flag", CLIENT_FLAGS)
@pytest.mark.parametrize("value", [True, False])
def test_client_flags_are_kept_by_the_owner_or_admin(flag: ConsentFlag, value: bool) -> None:
    allowed = {r for r in Role if may_change(frozenset({r}), flag, value)}
    assert allowed == {Role.OWNER, Role.ADMIN}


def test_a_change_by_hand_needs_a_reason() -> None:
    with pytest.raises(MissingDetail, match="say why"):
        check_change(frozenset({Role.OWNER}), ConsentFlag.DO_NOT_CALL, True, "  ")


def test_no_role_at_all_may_still_not_lift() -> None:
    assert not may_change(frozenset(), ConsentFlag.EMAIL_OPT_OUT, False)
    assert may_change(frozenset(), ConsentFlag.EMAIL_OPT_OUT, True)
