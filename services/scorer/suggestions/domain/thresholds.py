"""The draft's thresholds: the lowest tier's min_fit that keeps marketing's committed weekly volume. Pure.

The other tiers and the fast-track entries keep their distance (in points) from the lowest tier's
min_fit as in the agreement in force, so a hot tier stays the same number of doublings of the odds
above a warm one.
"""

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from services.agreement.document import AgreementDocument
from services.agreement.handoff_sections import FastTrack, SalesReady, Tier
from services.scorer.scoring.domain.scoring import FitResult, decide


@dataclass(frozen=True)
class Candidate:
    """What the volume estimate needs of a lead in the window."""

    lead_key: str
    fit: FitResult  # under the draft's rules
    activities: Collection[str]
    engagement: float  # its latest engagement total under the version in force (own plus account share)


def _lowest(base: SalesReady) -> float:
    return min(t.min_fit for t in base.tiers) if base.tiers else min(f.min_fit for f in base.fast_track)


def shifted(base: SalesReady, threshold: float) -> SalesReady:
    """The base's sales-ready section with its lowest min_fit at `threshold`, the rest at the same distance."""
    delta = threshold - _lowest(base)
    return SalesReady(
        tiers=tuple(Tier(name=t.name, min_fit=t.min_fit + delta, min_engagement=t.min_engagement) for t in base.tiers),
        fast_track=tuple(FastTrack(activity=f.activity, tier=f.tier, min_fit=f.min_fit + delta)
                         for f in base.fast_track))


def qualified(doc: AgreementDocument, leads: Sequence[Candidate]) -> set[str]:
    """The leads `doc` would hand over, judged on fit, activities done and engagement reached."""
    return {c.lead_key for c in leads if decide(doc, c.fit, c.activities, c.engagement)[0] is not None}


def choose(draft: AgreementDocument, leads: Sequence[Candidate], weeks: float, per_week: float
           ) -> tuple[AgreementDocument, float, int]:
    """(the draft with its thresholds set, the lowest tier's min_fit, leads it hands over in the window):
    the volume nearest `per_week` × `weeks`, the higher threshold on a tie."""
    target = per_week * weeks
    points = sorted({c.fit.points for c in leads} | {0.0})
    best: tuple[float, float, AgreementDocument, int] | None = None
    for t in [points[0] - 1, *points, points[-1] + 1]:  # below all, at each, above all (none)
        doc = draft.model_copy(update={"sales_ready": shifted(draft.sales_ready, t)})
        n = len(qualified(doc, leads))
        key = (abs(n - target), -t)
        if best is None or key < (best[0], -best[1]):
            best = (abs(n - target), t, doc, n)
    assert best is not None
    return best[2], best[1], best[3]
