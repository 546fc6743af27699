"""Skills and languages: what a lead needs of its rep, and when an optional need is relaxed. Pure.

A need names a skill either outright (`skill: "enterprise"`) or through a lead field whose value
is the skill (`from_field: "language"` reads the lead's `language` attribute, `from_field:
"campaign"` its campaign; the value lower-cased). `kind` says which of the rep's tables it looks
in: `skills` or `languages`, each skill or language with a level (1-5). A need whose lead field is
empty does not apply.

Required needs narrow the candidates (skip reason `missing_skill`). Optional needs narrow them too,
while some available rep meets them (`missing_optional_skill`); when none does, each optional need
whose `relax_after_minutes` have passed since the lead was qualified is dropped, and the decision
records which and why. While an unmet optional need's wait is still running, the lead waits in
overflow until the earliest such wait ends and is decided again then (`retry_at`).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import ConfigDict, Field, model_validator

from schemas.bounds import Strict

MISSING_SKILL = "missing_skill"
MISSING_OPTIONAL_SKILL = "missing_optional_skill"
SkillName = Field(pattern=r"^[a-z0-9][a-z0-9_.:-]{0,63}$")


class SkillNeed(Strict):
    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["skill", "language"] = "skill"
    skill: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9_.:-]{0,63}$")
    from_field: str | None = Field(default=None, min_length=1, max_length=100)
    min_level: int = Field(default=1, ge=1, le=5)
    optional: bool = False
    relax_after_minutes: int = Field(default=0, ge=0, le=10080)  # optional needs only

    @model_validator(mode="after")
    def _one_source(self) -> "SkillNeed":
        if (self.skill is None) == (self.from_field is None):
            raise ValueError("a skill need takes exactly one of skill, from_field")
        if self.relax_after_minutes and not self.optional:
            raise ValueError("relax_after_minutes is for optional needs; a required one is never relaxed")
        return self


@dataclass(frozen=True)
class Resolved:
    """A need with the skill it names for this lead."""

    need: SkillNeed
    skill: str

    @property
    def label(self) -> str:
        return f"{self.need.kind}:{self.skill}>={self.need.min_level}"


def resolve(needs: Sequence[SkillNeed], record: Mapping[str, Any]) -> list[Resolved]:
    """The needs that apply to the lead (`record`: its attributes and routing facts)."""
    resolved = []
    for need in needs:
        value = need.skill if need.skill is not None else record.get(need.from_field or "")
        if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value).strip():
            resolved.append(Resolved(need, str(value).strip().lower()))
    return resolved


def meets(skills: Mapping[str, int], languages: Mapping[str, int], need: Resolved) -> bool:
    """Whether a rep with these tables has the skill at the level."""
    table = languages if need.need.kind == "language" else skills
    return table.get(need.skill, 0) >= need.need.min_level


def relaxable(optional: Sequence[Resolved], qualified_at: datetime, at: datetime) -> list[Resolved]:
    """The optional needs whose wait has passed at `at`."""
    return [n for n in optional if at - qualified_at >= timedelta(minutes=n.need.relax_after_minutes)]


def retry_at(optional: Sequence[Resolved], qualified_at: datetime, at: datetime) -> datetime | None:
    """When the earliest still-running wait of an optional need ends; None when none is running."""
    pending = [qualified_at + timedelta(minutes=n.need.relax_after_minutes) for n in optional
               if at - qualified_at < timedelta(minutes=n.need.relax_after_minutes)]
    return min(pending) if pending else None


def relaxed_record(need: Resolved, qualified_at: datetime, at: datetime) -> dict[str, Any]:
    """What the decision stores of a relaxed need: which, and why."""
    waited = (at - qualified_at).total_seconds() / 60
    return {"need": need.label, "optional": True, "relax_after_minutes": need.need.relax_after_minutes,
            "why": f"no available rep has {need.label} after {waited:.0f} of {need.need.relax_after_minutes}"
                   " minutes' wait"}
