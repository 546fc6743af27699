"""What sales ops gives bootstrap: the reps, pools, accounts and rules API; rates and costs."""

from fastapi import APIRouter

from services.router.salesops.api import sales_ops_router
from services.router.salesops.availability_api import availability_router
from services.router.salesops.matches_api import matches_router
from services.router.salesops.money_api import money_router


def routers() -> list[APIRouter]:
    return [matches_router(), sales_ops_router(), availability_router(), money_router()]
