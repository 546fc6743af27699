"""The scorer's one wiring point: the app factory, and the lifespan that starts each capability."""

from collections.abc import Sequence

from fastapi import FastAPI

from schemas.topics import Topic
from services.agreement.active import watch_active_agreement
from services.agreement.deps import keep_watcher, watcher_of
from services.scorer.agreements import wiring as agreements
from services.scorer.config import SCHEMA, ScorerSettings
from services.scorer.ingest import wiring as ingest
from services.scorer.integrations.mappings import load_mappings
from services.scorer.scoring import wiring as scoring
from services.scorer.suggestions import wiring as suggestions
from services.shared.app import create_service_app
from services.shared.config import load_settings
from services.shared.dlq_api import dead_letters_router
from services.shared.runtime import ConsumerSpec
from services.shared.state import Clock, ServiceState, utc_now


def create_app(settings: ScorerSettings | None = None, *, clock: Clock = utc_now) -> FastAPI:
    """The scorer's HTTP app; its lifespan runs the consumers, the relay and the agreement watcher.
    `clock` is the time arriving events are judged by (no occurrence beyond the skew after it)."""
    settings = settings or load_settings(ScorerSettings)
    mappings = load_mappings(settings.integration_mappings)  # a bad file stops the start, naming the path

    async def on_start(app: FastAPI, state: ServiceState) -> None:
        keep_watcher(app, await watch_active_agreement(state, settings.agreement_poll_s))
        for job in scoring.jobs(state, settings, watcher_of(app).read):
            state.runtime.start_job(job)

    def consumers(app: FastAPI, state: ServiceState) -> Sequence[ConsumerSpec]:
        return scoring.consumers(settings, watcher_of(app).read, state)

    return create_service_app(
        title="Handoff scorer", settings=settings, schema=SCHEMA, on_start=on_start, consumers=consumers,
        routers=[*ingest.routers(mappings), *suggestions.routers(), *agreements.routers(),
                 *scoring.routers(suggestions.compare),
                 dead_letters_router([Topic.ENGAGEMENT, Topic.FOLLOWUP, Topic.INTENT])],  # its consumers' topics
        direct=ingest.direct_routes(), clock=clock,
    )
