"""The delivery worker on the real PostgreSQL: it outlives its database connections being killed.

Its rows are due in 2100 and its clock says 2100, so the session's running router never claims them.
"""

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
import pytest

from services.router.deliveries.domain.delivery import RetryPolicy
from services.router.deliveries.sealing import SecretBox, secret_box
from services.router.deliveries.sender import Sender
from services.router.deliveries.store import DeliveryRepository, NewDelivery
from services.router.deliveries.worker import DeliveryWorker
from services.shared.db import init_connection
from tests.support.kafka import wait_for
from tests.support.receiver import Receiver

THEN = datetime(2100, 1, 1, tzinfo=UTC)


@pytest.fixture
async def receiver():
    server = await Receiver().start()
    yield server
    await server.stop()


@pytest.fixture
def box(stack) -> SecretBox:
    return secret_box(stack.settings.secrets_key)


@pytest.fixture
async def subscription(db, receiver, box):
    sub_id = f"sub_test_{uuid.uuid4().hex[:8]}"
    await db.execute(
        "INSERT INTO router.subscriptions (subscription_id, url, event_types, secret)"
        " VALUES ($1, $2, '{handoff.lead.followup:won}', $3)",
        sub_id, receiver.url(f"/{sub_id}"), box.seal("whsec_dGVzdC1zZWNyZXQtZm9yLXdvcmtlcg=="))
    yield sub_id
    await db.execute("DELETE FROM router.subscriptions WHERE subscription_id = $1", sub_id)


async def _queue(db, sub_id: str) -> str:
    delivery_id = f"msg_{uuid.uuid4().hex}"
    await DeliveryRepository(db).add([NewDelivery(delivery_id, sub_id, f"test#{delivery_id}",
                                                  "handoff.lead.routed", "{}")], THEN - timedelta(minutes=1))
    return delivery_id


def _received(receiver: Receiver, delivery_id: str):
    async def check():
        return [r for r in receiver.requests if r.headers.get("webhook-id") == delivery_id]
    return check


async def test_the_worker_goes_on_after_its_database_connections_are_killed(stack, db, receiver, subscription, box):
    name = f"delivery-test-{uuid.uuid4().hex[:8]}"
    pool = await asyncpg.create_pool(stack.settings.database_url, min_size=1, max_size=4, init=init_connection,
                                     server_settings={"application_name": name})
    policy = RetryPolicy(base_s=0.1, cap_s=0.5, max_attempts=5, max_age_s=60)
    worker = DeliveryWorker(pool, Sender(httpx.AsyncClient(), 2.0, lambda: THEN, box), policy, timeout_s=2.0,
                            max_in_flight=4, per_endpoint=2, poll_s=0.2, now=lambda: THEN)
    task = asyncio.create_task(worker.run())
    try:
        await wait_for(_received(receiver, await _queue(db, subscription)), timeout=10)
        killed = await db.fetchval("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                                   " WHERE application_name = $1", name)
        assert killed >= 1  # its LISTEN connection at least
        await wait_for(_received(receiver, await _queue(db, subscription)), timeout=30)
        assert not task.done()
    finally:
        worker.stop()
        await asyncio.wait_for(task, 10)
        await pool.close()
