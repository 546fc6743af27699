"""The draft's thresholds: the committed weekly volume kept, the tiers' distances kept."""

from schemas.events import ActivityKind
from services.agreement.text import parse_agreement
from services.scorer.scoring.domain.scoring import FitResult
from services.scorer.suggestions.domain.thresholds import Candidate, choose, shifted
from tests.support.agreements import EXAMPLE

EXAMPLE_DOC = parse_agreement(EXAMPLE.read_text(), "yaml")
TRIAL = frozenset({ActivityKind.TRIAL_STARTED})


def _leads(points: list[float]) -> list[Candidate]:
    return [Candidate(f"l{i}", FitResult(p, (), None, None, ()), TRIAL, 40.0) for i, p in enumerate(points)]


def test_the_lowest_tiers_min_fit_hands_over_the_committed_volume():
    leads = _leads([float(p) for p in range(100)])
    _, threshold, volume = choose(EXAMPLE_DOC, leads, weeks=2, per_week=10)
    assert (threshold, volume) == (80.0, 20)


def test_a_volume_below_what_any_threshold_gives_hands_over_none_rather_than_all():
    _, _, volume = choose(EXAMPLE_DOC, _leads([5.0] * 50), weeks=1, per_week=2)
    assert volume == 0


def test_other_tiers_and_fast_tracks_keep_their_distance_from_the_lowest_tier():
    moved = shifted(EXAMPLE_DOC.sales_ready, 10)
    assert [(t.name, t.min_fit) for t in moved.tiers] == [("hot", 30), ("warm", 10)]
    assert [f.min_fit for f in moved.fast_track] == [-10, 10]
