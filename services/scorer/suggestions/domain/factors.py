"""Why the suggestion model likes or dislikes one lead: its strongest factors that hold for it. Pure."""

from collections.abc import Mapping, Sequence
from typing import Any

from services.scorer.suggestions.domain.points import to_points
from services.shared.conditions import Condition, evaluate_all

TOP = 3


def top_factors(factors: Sequence[Mapping[str, Any]], record: Mapping[str, Any], n: int = TOP) -> list[dict[str, Any]]:
    """The `n` fit factors of the model (as stored in its report) that hold for the lead record, strongest
    first, each with its points on the suggestion's scale. Engagement factors are left out: they need the
    lead's touches before its handoff, which a score read does not replay."""
    held = []
    for factor in factors:
        when = tuple(Condition.model_validate(c) for c in factor.get("when", ()))
        if factor.get("rule") is None and when and evaluate_all(when, record)[0]:
            held.append({"id": factor["id"], "label": factor["label"], "points": to_points(factor["coefficient"])})
    return sorted(held, key=lambda f: (-abs(f["points"]), f["id"]))[:n]
