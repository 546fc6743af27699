"""From coefficients to fit rules: the points scale, merged ranges, learned disqualifiers. Pure.

The scale: 10 points for every doubling of the odds of winning (points = coefficient × 10 / ln 2),
rounded to whole points. A rule worth 20 points marks leads whose odds are four times those of leads
without it, everything else equal; -10 halves them. Rules under MIN_POINTS in magnitude are dropped.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass

from services.scorer.suggestions.domain.features import Feature, bin_feature

POINTS_PER_DOUBLING = 10.0
MIN_POINTS = 5  # rules worth less are noise, left out of the draft
MERGE_POINTS = 5  # neighbouring ranges of one attribute this close in points become one range
MIN_EXPECTED_WINS = 5.0  # a feature with no win is a disqualifier only if chance alone would give this many


def to_points(coefficient: float) -> int:
    """Whole points for a coefficient (log-odds) on the documented scale."""
    return int(round(coefficient * POINTS_PER_DOUBLING / math.log(2)))


def merged_bins(features: Sequence[Feature], coefficients: Sequence[float]) -> list[Feature]:
    """The features with each attribute's neighbouring ranges joined where their points differ by at most
    MERGE_POINTS (from the group's first); other features unchanged, in order."""
    out: list[Feature] = []
    group: list[tuple[Feature, int]] = []

    def flush() -> None:
        if group:
            first, last = group[0][0], group[-1][0]
            out.append(first if len(group) == 1 else
                       bin_feature(first.attribute or "", first.bounds[0], last.bounds[1]))
            group.clear()

    for feature, coefficient in zip(features, coefficients):
        pts = to_points(coefficient)
        if feature.kind == "numeric" and group and group[0][0].attribute == feature.attribute \
                and abs(pts - group[0][1]) <= MERGE_POINTS:
            group.append((feature, pts))
            continue
        flush()
        if feature.kind == "numeric":
            group.append((feature, pts))
        else:
            out.append(feature)
    flush()
    return out


@dataclass(frozen=True)
class LearnedRule:
    feature: Feature
    coefficient: float
    points: int
    support: int  # leads with a known outcome where the feature holds
    wins: int

    @property
    def win_rate(self) -> float:
        return round(self.wins / self.support, 4) if self.support else 0.0


def never_wins(support: int, wins: int, base_rate: float, min_support: int) -> bool:
    """Whether a feature with `wins` of `support` is a disqualifier: none won where chance predicts several."""
    return wins == 0 and support >= min_support and support * base_rate >= MIN_EXPECTED_WINS
