"""Domain errors: each carries a reason a person can read."""

from __future__ import annotations


class DomainError(Exception):
    """A rule of PRODUCT.md was about to be broken; `reason` says which and why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class IllegalTransition(DomainError):
    """A move that the transition table does not allow."""


class MissingDetail(DomainError):
    """A move that is allowed but lacks what its target needs (a lost reason, a value...)."""


class NotPermitted(DomainError):
    """The actor's role may not do this (e.g. only an admin lifts an Avoid entry)."""


class OnAvoidList(DomainError):
    """The person is on the Avoid list: nothing may promote, market to or re-add them."""


class StaleState(DomainError):
    """What the person acted on has changed since they saw it: someone else moved first."""
