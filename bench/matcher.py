"""The account matcher's precision and recall on labelled company-name pairs (#22).

Pure: no broker or database. The pairs come from the generator the tests use
(`tests/support/company_pairs.py`): real-looking names and their variants, with hard negatives.
Precision and recall are printed at the match threshold and at the review threshold, on the seed
the tests use and on fresh seeds (pairs the thresholds were not chosen on).
"""

import time

from bench.scenarios import Figure, Result
from services.router.routing.domain.company_match import MATCH_AT, REVIEW_AT, name_score, normalise_company
from tests.support.company_pairs import Pair, generate_pairs


def _rates(pairs: list[Pair], scores: list[float], threshold: float) -> tuple[float, float]:
    said = [p for p, s in zip(pairs, scores) if s >= threshold]
    true_positives = sum(p.same for p in said)
    return true_positives / max(len(said), 1), true_positives / max(sum(p.same for p in pairs), 1)


async def matcher_quality(pairs: int, seeds: tuple[int, ...] = (22, 1, 2, 3)) -> Result:
    """Precision and recall at MATCH_AT and REVIEW_AT for each seed's `pairs` labelled pairs."""
    figures: list[Figure] = []
    for seed in seeds:
        labelled = generate_pairs(pairs, seed)
        began = time.perf_counter()
        scores = [name_score(normalise_company(p.left), normalise_company(p.right)) for p in labelled]
        per_pair_us = (time.perf_counter() - began) / len(labelled) * 1e6
        precision, recall = _rates(labelled, scores, MATCH_AT)
        review_precision, review_recall = _rates(labelled, scores, REVIEW_AT)
        figures += [
            Figure(f"seed {seed}: precision at match {MATCH_AT:g}", precision, "ratio", target=">= 0.98",
                   met=precision >= 0.98),
            Figure(f"seed {seed}: recall at match {MATCH_AT:g}", recall, "ratio"),
            Figure(f"seed {seed}: precision at review {REVIEW_AT:g}", review_precision, "ratio"),
            Figure(f"seed {seed}: recall at review {REVIEW_AT:g}", review_recall, "ratio"),
            Figure(f"seed {seed}: normalise and score one pair", per_pair_us, "µs"),
        ]
    return Result("matcher", {"pairs": pairs, "seeds": list(seeds), "match_at": MATCH_AT, "review_at": REVIEW_AT},
                  figures)
