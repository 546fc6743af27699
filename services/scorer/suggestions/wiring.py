"""What suggestions give bootstrap: /v1/agreements/suggestions."""

from fastapi import APIRouter

from services.scorer.suggestions.api import suggestions_router


def routers() -> list[APIRouter]:
    return [suggestions_router()]
