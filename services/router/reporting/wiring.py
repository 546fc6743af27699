"""What reporting gives bootstrap: the SLA, funnel, revenue, trends and dashboard routes, and the SLA gauges' job."""

from fastapi import APIRouter

from services.agreement.active import CurrentAgreement
from services.router.config import RouterSettings
from services.router.reporting.dashboard_api import dashboard_router
from services.router.reporting.funnel_api import funnel_router
from services.router.reporting.revenue_api import revenue_router
from services.router.reporting.review_api import review_routes
from services.router.reporting.review_publishing import Publish, ReviewJob
from services.router.reporting.sla_api import sla_router
from services.router.reporting.sla_metrics import SlaCollector, SlaMetricsJob
from services.router.reporting.trends_api import trends_router
from services.shared.jobs import Job
from services.shared.state import ServiceState


def routers(publish: Publish) -> list[APIRouter]:
    return [sla_router(), funnel_router(), revenue_router(), trends_router(), dashboard_router(),
            review_routes(publish)]


async def jobs(state: ServiceState, settings: RouterSettings, agreement: CurrentAgreement,
               publish: Publish) -> list[Job]:
    """The SLA gauges (refreshed once now, so the first scrape has numbers, then every few seconds) and the
    weekly review's job (`publish` queues its event for the subscriptions)."""
    pool = state.runtime.pool
    assert pool is not None  # the runtime is open
    job = SlaMetricsJob(pool, agreement, settings.sla_metrics_refresh_s, clock=state.clock)
    await job.refresh_safely()
    state.registry.register(SlaCollector(job))
    return [job, ReviewJob(pool, agreement, settings, publish, state.clock)]
