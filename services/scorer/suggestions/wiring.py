"""What suggestions give bootstrap: /v1/agreements/suggestions, and the comparison beside a lead's score."""

from fastapi import APIRouter

from services.scorer.suggestions.api import suggestions_router
from services.scorer.suggestions.compare import suggestion_factors

compare = suggestion_factors  # for scoring's GET /v1/leads/{key}/score (bootstrap passes it down)


def routers() -> list[APIRouter]:
    return [suggestions_router()]
