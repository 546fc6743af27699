"""What agreements give bootstrap: the /v1/agreements API (drafts, approvals, activation, backtests)
and /v1/backtests (the backtest jobs)."""

from fastapi import APIRouter

from services.scorer.agreements.api import agreements_router, backtests_router


def routers() -> list[APIRouter]:
    return [agreements_router(), backtests_router()]
