"""What agreements give bootstrap: the /v1/agreements API (drafts, approvals, activation, backtests)."""

from fastapi import APIRouter

from services.scorer.agreements.api import agreements_router


def routers() -> list[APIRouter]:
    return [agreements_router()]
