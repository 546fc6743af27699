"""What the SLA clock gives bootstrap: the timer job (with its counters on the app's registry)."""

from services.router.config import RouterSettings
from services.router.events import RoutingContext
from services.router.sla.ports import Reassigner
from services.router.sla.timers import SlaTimerJob, TimerCollector
from services.shared.jobs import Job
from services.shared.state import ServiceState


def jobs(state: ServiceState, settings: RouterSettings, ctx: RoutingContext, reassigner: Reassigner) -> list[Job]:
    pool = state.runtime.pool
    assert pool is not None  # the runtime is open
    timers = SlaTimerJob(pool, ctx, reassigner, interval_s=settings.sla_tick_s, batch=settings.sla_batch)
    state.registry.register(TimerCollector(timers))
    return [timers]
