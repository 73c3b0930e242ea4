"""What a deal import is asked to do, and what can happen to each row of the file."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from leadflow.domain.pipeline import LostDisposition, Stage
from leadflow.intake.options import Mode

MOVED_IN_FROM_MAX = 100  # Opportunity.moved_in_from


class DealOutcome(StrEnum):
    CREATED = "created"
    DUPLICATE = "duplicate"  # already stored, or an earlier row of the file is the same deal
    BLOCKED = "blocked"  # the person is on the Avoid list: never touched
    ERROR = "error"


def stage_key(text: str) -> str:
    """Stage names compare ignoring case, spacing and punctuation: "Closed-Won" == "closed won"."""
    return re.sub(r"[^0-9a-z]+", "", text.casefold())


def _own_names() -> dict[str, Stage]:
    names: dict[str, Stage] = {}
    for stage in Stage:
        names[stage_key(stage.value)] = stage
        names[stage_key(stage.label)] = stage
    return names


_OWN_NAMES = _own_names()


def parse_stage(text: str) -> Stage:
    """A stage named by its value ("contract_sent") or its label ("Contract sent")."""
    stage = _OWN_NAMES.get(stage_key(text))
    if stage is None:
        raise ValueError(f"unknown stage {text!r} (known: {known_stages()})")
    return stage


def known_stages() -> str:
    return ", ".join(s.label for s in Stage)


def parse_disposition(text: str) -> LostDisposition:
    try:
        return LostDisposition(text.strip().casefold())
    except ValueError:
        known = ", ".join(d.value for d in LostDisposition)
        raise ValueError(f"unknown disposition {text!r} (known: {known})") from None


@dataclass(frozen=True)
class StageNames:
    """Every name a file's stage cell may use: leadflow's values and labels, and the other
    CRM's names given with --stage-map (which win over leadflow's own)."""

    names: dict[str, Stage]

    @classmethod
    def with_map(cls, stage_map: dict[str, str]) -> StageNames:
        names = dict(_OWN_NAMES)
        for theirs, ours in stage_map.items():
            if not stage_key(theirs):
                raise ValueError(f"--stage-map {theirs!r}={ours!r}: the other CRM's name is blank")
            try:
                names[stage_key(theirs)] = parse_stage(ours)
            except ValueError as error:
                raise ValueError(f"--stage-map {theirs!r}: {error}") from None
        return cls(names)

    def resolve(self, text: str) -> Stage | None:
        return self.names.get(stage_key(text))


@dataclass(frozen=True)
class DealOptions:
    moved_in_from: str  # the other CRM's name, kept on every deal (`--from`)
    mode: Mode = Mode.ALL_OR_NOTHING
    mapping: dict[str, str] = field(default_factory=dict)  # "File Header" -> field
    stage_map: dict[str, str] = field(default_factory=dict)  # their stage -> ours
    stage: Stage | None = None  # every row's stage when the file has none (or a blank cell)
    default_disposition: LostDisposition | None = None  # for lost rows that give none
    dry_run: bool = False
    stage_names: StageNames = field(init=False, repr=False)

    def __post_init__(self) -> None:
        name = self.moved_in_from.strip()
        if not name:
            raise ValueError("--from: name the CRM these deals come from")
        if len(name) > MOVED_IN_FROM_MAX:
            raise ValueError(f"--from: at most {MOVED_IN_FROM_MAX} characters")
        object.__setattr__(self, "moved_in_from", name)
        # A bad --stage-map is refused here, before the file is read.
        object.__setattr__(self, "stage_names", StageNames.with_map(self.stage_map))
