"""What ingest gives bootstrap: POST /v1/events (also served directly, before FastAPI), POST /v1/intent
and the webhooks."""

from fastapi import APIRouter

from services.scorer.ingest.api import ingest_router, post_events
from services.scorer.ingest.intent import intent_router
from services.scorer.ingest.webhooks import webhooks_router
from services.scorer.integrations.mappings import Mappings
from services.shared.direct import Endpoint


def routers(mappings: Mappings) -> list[APIRouter]:
    return [ingest_router(), intent_router(), webhooks_router(mappings)]


def direct_routes() -> dict[tuple[str, str], Endpoint]:
    """The hot path, served by the DirectRoutes middleware without FastAPI's routing."""
    return {("POST", "/v1/events"): post_events}
