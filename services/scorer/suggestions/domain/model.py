"""The model: L1-regularised logistic regression (scikit-learn, liblinear). Pure: arrays in, numbers out.

L1 sets the coefficient of a feature that adds nothing to exactly zero, so the draft has few rules,
each of which can be read and argued about.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

C = 1.0  # inverse regularisation strength: smaller keeps fewer rules


@dataclass(frozen=True)
class Fitted:
    intercept: float
    coefficients: tuple[float, ...]  # one per feature column, in the columns' order


def train(rows: Sequence[Sequence[float]], labels: Sequence[int], c: float = C) -> Fitted:
    """Fits the model on 0/1 feature rows and 0/1 labels (both classes present)."""
    model = LogisticRegression(l1_ratio=1.0, solver="liblinear", C=c, max_iter=1000, random_state=0)
    model.fit(np.asarray(rows, dtype=float), np.asarray(labels, dtype=int))
    return Fitted(float(model.intercept_[0]), tuple(float(x) for x in model.coef_[0]))


def log_odds(fitted: Fitted, row: Sequence[float]) -> float:
    """The model's log-odds for one row."""
    return fitted.intercept + sum(w * x for w, x in zip(fitted.coefficients, row))


def probability(fitted: Fitted, row: Sequence[float]) -> float:
    """The model's probability of the label for one row."""
    z = log_odds(fitted, row)
    return float(1.0 / (1.0 + np.exp(-z)))


def auc(labels: Sequence[int], scores: Sequence[float]) -> float | None:
    """ROC AUC; None when the labels hold one class only."""
    if len(set(labels)) < 2:
        return None
    return round(float(roc_auc_score(np.asarray(labels), np.asarray(scores, dtype=float))), 4)
