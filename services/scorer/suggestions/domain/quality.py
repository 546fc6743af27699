"""How well a score ranks leads with a known outcome: ROC AUC, lift in the top decile, precision and
recall of a chosen set. Pure."""

import math
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from services.scorer.suggestions.domain.model import auc


def lift_top_decile(labels: Sequence[int], scores: Sequence[float]) -> float | None:
    """The win rate of the top tenth by score over the win rate of all; None without a win."""
    if not labels or not sum(labels):
        return None
    k = max(1, math.ceil(len(labels) / 10))
    ranked = sorted(zip(scores, labels), key=lambda p: -p[0])[:k]
    return round((sum(y for _, y in ranked) / k) / (sum(labels) / len(labels)), 3)


def precision_recall(labels: Mapping[str, int], chosen: Collection[str]) -> dict[str, Any]:
    """Precision and recall of the chosen leads among those with a known outcome."""
    picked = [k for k in chosen if k in labels]
    wins = sum(labels[k] for k in picked)
    total_wins = sum(labels.values())
    return {"chosen": len(picked), "won": wins,
            "precision": round(wins / len(picked), 4) if picked else None,
            "recall": round(wins / total_wins, 4) if total_wins else None}


def quality(labels: Mapping[str, int], scores: Mapping[str, float], chosen: Collection[str]) -> dict[str, Any]:
    """The figures of one score on one holdout."""
    keys = sorted(labels)
    ys, xs = [labels[k] for k in keys], [scores[k] for k in keys]
    return {"roc_auc": auc(ys, xs), "lift_top_decile": lift_top_decile(ys, xs),
            "at_threshold": precision_recall(labels, chosen)}


def top(scores: Mapping[str, float], k: int) -> set[str]:
    """The k keys with the highest scores (ties by key)."""
    return {key for key, _ in sorted(scores.items(), key=lambda p: (-p[1], p[0]))[:k]}
