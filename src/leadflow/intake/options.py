"""What an intake run is asked to do, and what can happen to each row."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from leadflow.domain.temperature import ActivityKind


class ListKind(StrEnum):
    RESPONSES = "responses"  # each row showed interest: an activity of the campaign
    FARM_LIST = "farm-list"  # a rented or bought list: prospects only, never leads


class Mode(StrEnum):
    ALL_OR_NOTHING = "all-or-nothing"  # any row error: nothing is written
    SKIP_BAD = "skip-bad"  # good rows land, bad rows are reported


class Outcome(StrEnum):
    CREATED = "created"
    MERGED = "merged"  # into someone already stored, or into an earlier row of the file
    BLOCKED = "blocked"  # on the Avoid list
    SPAM = "spam"
    ERROR = "error"


# A campaign's source says what people did when the file does not.
_ACTIVITY_BY_SOURCE_WORD: tuple[tuple[str, ActivityKind], ...] = (
    ("webinar", ActivityKind.EVENT_ATTENDED),
    ("event", ActivityKind.EVENT_ATTENDED),
    ("seminar", ActivityKind.EVENT_ATTENDED),
    ("trade", ActivityKind.TRADE_SHOW),
    ("show", ActivityKind.TRADE_SHOW),
    ("expo", ActivityKind.TRADE_SHOW),
    ("trial", ActivityKind.TRIAL_REGISTRATION),
    ("tool", ActivityKind.TRIAL_REGISTRATION),
    ("call", ActivityKind.INBOUND_CALL),
    ("phone", ActivityKind.INBOUND_CALL),
    ("newsletter", ActivityKind.NEWSLETTER_SIGNUP),
    ("social", ActivityKind.SOCIAL_FOLLOW),
    ("linkedin", ActivityKind.SOCIAL_FOLLOW),
    ("form", ActivityKind.WEB_FORM),
    ("contact", ActivityKind.WEB_FORM),
)


def activity_for_source(source: str) -> ActivityKind:
    """The activity a response from this source most likely was; a download otherwise."""
    text = source.lower()
    for word, kind in _ACTIVITY_BY_SOURCE_WORD:
        if word in text:
            return kind
    return ActivityKind.DOWNLOAD


@dataclass(frozen=True)
class IntakeOptions:
    campaign: str
    source: str
    kind: ListKind = ListKind.RESPONSES
    mode: Mode = Mode.ALL_OR_NOTHING
    mapping: dict[str, str] = field(default_factory=dict)
    dry_run: bool = False
    default_region: str = "US"
    activity: ActivityKind | None = None  # None: from the file's column, else the source
    block_company_domain: bool = False  # Avoid also blocks everyone at an avoided domain

    @property
    def default_activity(self) -> ActivityKind:
        return self.activity or activity_for_source(self.source)


# The pipeline's stages in the order they run, as a progress display names them.
STAGES = (
    "read and validate",
    "normalize",
    "drop spam, block Avoid",
    "dedupe and match",
    "merge",
    "classify",
    "write people",
    "write history",
    "funnel facts",
)
# Told each stage's name as it starts (a progress bar, a benchmark's timer). The last
# four repeat for each chunk of people written.
StageHook = Callable[[str], None]


def no_progress(stage: str) -> None:
    del stage
