"""Outbound subscriptions through the API: endpoints, their delivery logs and replays (role `ops`)."""

import asyncio
import secrets
from datetime import timedelta
from typing import Annotated, Literal
from urllib.parse import urlsplit

import asyncpg
from fastapi import APIRouter, Depends, Path, Query

from services.router.config import RouterSettings, RouterSettingsDep
from services.router.deliveries.domain.delivery import url_problem
from services.router.deliveries.egress import DestinationRefused, Unresolvable, vetted_addresses
from services.router.deliveries.fanout import wall_clock
from services.router.deliveries.models import (
    DeliveryOut,
    DeliveryStatus,
    Requeued,
    SecretRotated,
    SecretRotation,
    SubscriptionCreated,
    SubscriptionIn,
    SubscriptionOut,
    SubscriptionPatch,
)
from services.router.deliveries.sealing import SecretsUnavailable, secret_box
from services.router.deliveries.signing import new_secret
from services.router.deliveries.store import DeliveryRepository
from services.router.deliveries.subscriptions import SubscriptionRepository
from services.shared.auth import require_role
from services.shared.deps import PoolDep
from services.shared.errors import ApiError, FieldError, error_responses

RESOLVE_TIMEOUT_S = 3.0
SubscriptionId = Annotated[str, Path(max_length=100)]
DeliveryId = Annotated[str, Path(max_length=100)]


async def _check_url(url: str | None, settings: RouterSettings) -> None:
    """422 when the URL is refused as written or its host resolves to a refused address. A name that
    does not resolve yet is taken: every send resolves and vets again (`egress.py`)."""
    if not url:
        return
    allow = settings.delivery_allow_http_localhost
    problem = url_problem(url, allow_loopback=allow)
    if not problem:
        parts = urlsplit(url)
        try:
            async with asyncio.timeout(RESOLVE_TIMEOUT_S):
                await vetted_addresses(parts.hostname or "", parts.port or 443, allow_loopback=allow)
        except (Unresolvable, TimeoutError):
            pass
        except DestinationRefused as exc:
            problem = f"refused destination: {exc}"
    if problem:
        raise ApiError(422, "invalid", "the URL cannot receive events", [FieldError(field="url", message=problem)])


def _not_found(subscription_id: str) -> ApiError:
    return ApiError(404, "not_found", f"no subscription {subscription_id!r}")


async def _existing(db: asyncpg.Pool, subscription_id: str) -> SubscriptionOut:
    async with db.acquire() as conn:
        found = await SubscriptionRepository(conn).get(subscription_id)
    if found is None:
        raise _not_found(subscription_id)
    return found


async def _webhook(db: asyncpg.Pool, subscription_id: str) -> None:
    """Refuses a CRM connector's subscription: PUT /v1/connectors/{connector} owns its URL, events and state."""
    found = await _existing(db, subscription_id)
    if found.connector is not None:
        raise ApiError(409, "conflict", f"{subscription_id!r} is the {found.connector} connector's: change or pause"
                       f" it with PUT /v1/connectors/{found.connector}",
                       [FieldError(field="subscription_id", message="is a CRM connector's subscription")])


def subscriptions_router() -> APIRouter:
    router = APIRouter(tags=["outbound delivery"], dependencies=[Depends(require_role("ops"))],
                       responses=error_responses(401, 403, 429))

    @router.post("/v1/subscriptions", status_code=201, response_model=SubscriptionCreated,
                 responses=error_responses(422, 503))
    async def create_subscription(body: SubscriptionIn, db: PoolDep,
                                  settings: RouterSettingsDep) -> SubscriptionCreated:
        """Subscribes an HTTPS endpoint to events; the answer holds its signing secret, shown only here."""
        await _check_url(body.url, settings)
        box = secret_box(settings.secrets_key)
        if box is None:
            raise ApiError(503, "not_configured", "HANDOFF_SECRETS_KEY is not set: a subscription's signing secret"
                                                  " cannot be stored sealed, so none is created until it is")
        secret = new_secret()
        async with db.acquire() as conn:
            saved = await SubscriptionRepository(conn).create(f"sub_{secrets.token_hex(8)}", body, box.seal(secret))
        return SubscriptionCreated(**saved.model_dump(), secret=secret)

    @router.post("/v1/subscriptions/{subscription_id}/rotate-secret", response_model=SecretRotated,
                 responses=error_responses(404, 409, 422, 503))
    async def rotate_secret(subscription_id: SubscriptionId, db: PoolDep, settings: RouterSettingsDep,
                            body: SecretRotation | None = None) -> SecretRotated:
        """A new signing secret, shown only in this answer. Until `previous_secret_expires_at` every delivery
        carries two signatures, by the new secret and the one it replaces, so the receiver can switch at any
        moment of the overlap without rejecting a delivery."""
        box = secret_box(settings.secrets_key)
        if box is None:
            raise ApiError(503, "not_configured", "HANDOFF_SECRETS_KEY is not set: secrets cannot be sealed")
        overlap = timedelta(hours=(body or SecretRotation()).overlap_hours)
        secret = new_secret()
        try:
            async with db.acquire() as conn:
                saved = await SubscriptionRepository(conn).rotate(subscription_id, box.seal(secret), box.reseal,
                                                                  wall_clock(), overlap)
        except SecretsUnavailable as exc:
            raise ApiError(409, "conflict", f"{exc}: it cannot sign during an overlap; rotate with overlap_hours 0",
                           [FieldError(field="overlap_hours", message="must be 0 while the current secret"
                                                                      " cannot be opened")]) from exc
        if saved is None:
            raise _not_found(subscription_id)
        return SecretRotated(**saved.model_dump(), secret=secret)

    @router.delete("/v1/subscriptions/{subscription_id}/previous-secret", response_model=SubscriptionOut,
                   responses=error_responses(404))
    async def end_secret_overlap(subscription_id: SubscriptionId, db: PoolDep) -> SubscriptionOut:
        """Ends a rotation's overlap now: from the next attempt only the newest secret signs."""
        async with db.acquire() as conn:
            saved = await SubscriptionRepository(conn).end_overlap(subscription_id)
        if saved is None:
            raise _not_found(subscription_id)
        return saved

    @router.get("/v1/subscriptions", response_model=list[SubscriptionOut])
    async def list_subscriptions(db: PoolDep, active: bool | None = None) -> list[SubscriptionOut]:
        """Every subscription, oldest first; `active` filters."""
        async with db.acquire() as conn:
            return await SubscriptionRepository(conn).all(active)

    @router.get("/v1/subscriptions/{subscription_id}", response_model=SubscriptionOut, responses=error_responses(404))
    async def get_subscription(subscription_id: SubscriptionId, db: PoolDep) -> SubscriptionOut:
        """One subscription (never its secret)."""
        return await _existing(db, subscription_id)

    @router.patch("/v1/subscriptions/{subscription_id}", response_model=SubscriptionOut,
                  responses=error_responses(404, 409, 422))
    async def update_subscription(subscription_id: SubscriptionId, body: SubscriptionPatch, db: PoolDep,
                                  settings: RouterSettingsDep) -> SubscriptionOut:
        """Changes the URL, filters, description or `active` (inactive: events are not queued, nothing is sent)."""
        await _webhook(db, subscription_id)
        await _check_url(body.url, settings)
        async with db.acquire() as conn:
            saved = await SubscriptionRepository(conn).update(subscription_id, body.model_dump(exclude_unset=True))
        if saved is None:
            raise _not_found(subscription_id)
        return saved

    @router.delete("/v1/subscriptions/{subscription_id}", response_model=SubscriptionOut,
                   responses=error_responses(404, 409))
    async def delete_subscription(subscription_id: SubscriptionId, db: PoolDep) -> SubscriptionOut:
        """Deletes the subscription with its delivery log; what was still pending is not sent."""
        await _webhook(db, subscription_id)
        async with db.acquire() as conn:
            deleted = await SubscriptionRepository(conn).delete(subscription_id)
        if deleted is None:
            raise _not_found(subscription_id)
        return deleted

    @router.get("/v1/subscriptions/{subscription_id}/deliveries", response_model=list[DeliveryOut],
                responses=error_responses(404))
    async def list_deliveries(subscription_id: SubscriptionId, db: PoolDep, status: DeliveryStatus | None = None,
                              limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[DeliveryOut]:
        """The delivery log, newest first, each delivery with its attempts; `status` filters."""
        await _existing(db, subscription_id)
        return await DeliveryRepository(db).log(subscription_id, status, limit)

    @router.get("/v1/subscriptions/{subscription_id}/deliveries/{delivery_id}", response_model=DeliveryOut,
                responses=error_responses(404))
    async def get_delivery(subscription_id: SubscriptionId, delivery_id: DeliveryId, db: PoolDep) -> DeliveryOut:
        """One delivery with its attempts."""
        found = await DeliveryRepository(db).log(subscription_id, delivery_id=delivery_id, limit=1)
        if not found:
            raise ApiError(404, "not_found", f"no delivery {delivery_id!r} of subscription {subscription_id!r}")
        return found[0]

    @router.post("/v1/subscriptions/{subscription_id}/deliveries/{delivery_id}/replay", status_code=202,
                 response_model=DeliveryOut, responses=error_responses(404, 409))
    async def replay_delivery(subscription_id: SubscriptionId, delivery_id: DeliveryId, db: PoolDep) -> DeliveryOut:
        """Sends a failed (or delivered) delivery again, same webhook-id, with a fresh retry budget."""
        deliveries = DeliveryRepository(db)
        found = await deliveries.log(subscription_id, delivery_id=delivery_id, limit=1)
        if not found:
            raise ApiError(404, "not_found", f"no delivery {delivery_id!r} of subscription {subscription_id!r}")
        if not await deliveries.replay(subscription_id, wall_clock(), delivery_id=delivery_id,
                                       statuses=("failed", "delivered")):
            raise ApiError(409, "conflict", "the delivery is pending: it is being sent or retried already")
        return (await deliveries.log(subscription_id, delivery_id=delivery_id, limit=1))[0]

    @router.post("/v1/subscriptions/{subscription_id}/replay", status_code=202, response_model=Requeued,
                 responses=error_responses(404))
    async def replay_deliveries(subscription_id: SubscriptionId, db: PoolDep,
                                status: Annotated[Literal["failed"], Query(
                                    description="Which deliveries to send again")] = "failed") -> Requeued:
        """Queues every failed delivery of the subscription again, with a fresh retry budget."""
        await _existing(db, subscription_id)
        requeued = await DeliveryRepository(db).replay(subscription_id, wall_clock(), statuses=(status,))
        return Requeued(requeued=len(requeued), delivery_ids=requeued)

    return router
