"""When a lead becomes sales-ready. A placeholder rule until the agreement issue replaces it."""

from dataclasses import dataclass

from schemas.events import ActivityKind

# Activities that make a lead sales-ready at once (the agreement will make this configurable).
FAST_TRACK = {ActivityKind.DEMO_REQUEST: "hot"}


@dataclass(frozen=True)
class Contribution:
    rule: str
    points: float


@dataclass(frozen=True)
class Qualification:
    reason: str
    tier: str
    explanation: tuple[Contribution, ...]


def qualify(activity: ActivityKind) -> Qualification | None:
    """The qualification an activity triggers on its own, if any."""
    tier = FAST_TRACK.get(activity)
    if tier is None:
        return None
    return Qualification(
        reason=f"fast_track:{activity.value}",
        tier=tier,
        explanation=(Contribution(rule=f"sales_ready.fast_track.{activity.value}", points=0),),
    )
