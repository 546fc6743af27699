"""Leased claims of outbound deliveries on the real PostgreSQL: disjoint between workers, limited per
endpoint, taken over after a lease runs out, and a stale worker's result ignored.

The rows are due in 2100 and claimed "then", so the session's running router never sees them.
"""

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from services.router.deliveries.store import AttemptResult, DeliveryRepository, NewDelivery

THEN = datetime(2100, 1, 1, tzinfo=UTC)
LEASE = timedelta(seconds=30)


@pytest.fixture
async def subscription(db):
    sub_id = f"sub_test_{uuid.uuid4().hex[:8]}"
    await db.execute(
        "INSERT INTO router.subscriptions (subscription_id, url, event_types, secret)"
        " VALUES ($1, 'http://127.0.0.1:9/never', '{handoff.lead.routed}', 'whsec_dGVzdA==')", sub_id)
    yield sub_id
    await db.execute("DELETE FROM router.subscriptions WHERE subscription_id = $1", sub_id)


async def _queue(db, sub_id: str, n: int) -> list[str]:
    ids = [f"msg_{uuid.uuid4().hex}" for _ in range(n)]
    await DeliveryRepository(db).add([NewDelivery(i, sub_id, f"test#{i}", "handoff.lead.routed", "{}") for i in ids],
                                     THEN - timedelta(minutes=1))
    return ids


def _result(code: int | None) -> AttemptResult:
    return AttemptResult(THEN, 5.0, code, None if code == 204 else "HTTP 500")


async def test_concurrent_claims_never_take_the_same_delivery(db, subscription):
    queued = await _queue(db, subscription, 6)
    async with db.acquire() as a, db.acquire() as b:
        first, second = await asyncio.gather(*(DeliveryRepository(c).claim(THEN, 4, {}, 10, THEN + LEASE)
                                               for c in (a, b)))
    # A claim may lock more rows than it takes (its sort sees them all): the other may get fewer, never the same.
    rest = await DeliveryRepository(db).claim(THEN, 10, {}, 10, THEN + LEASE)
    taken = [c.delivery_id for c in first + second + rest]
    assert len(taken) == len(set(taken)) == 6
    assert set(taken) == set(queued)
    assert await DeliveryRepository(db).claim(THEN, 10, {}, 10, THEN + LEASE) == []  # all leased


async def test_a_subscription_gets_only_its_free_slots(db, subscription):
    await _queue(db, subscription, 5)
    claimed = await DeliveryRepository(db).claim(THEN, 10, {subscription: 3}, 4, THEN + LEASE)
    assert len(claimed) == 1


async def test_an_inactive_subscription_is_not_claimed(db, subscription):
    await _queue(db, subscription, 2)
    await db.execute("UPDATE router.subscriptions SET active = false WHERE subscription_id = $1", subscription)
    assert await DeliveryRepository(db).claim(THEN, 10, {}, 10, THEN + LEASE) == []


async def test_an_expired_lease_is_taken_over_and_the_stale_result_ignored(db, subscription):
    [queued] = await _queue(db, subscription, 1)
    repo = DeliveryRepository(db)
    [stale] = await repo.claim(THEN, 10, {}, 10, THEN + LEASE)
    [fresh] = await repo.claim(THEN + 2 * LEASE, 10, {}, 10, THEN + 3 * LEASE)
    assert (stale.delivery_id, fresh.delivery_id) == (queued, queued)
    assert (stale.attempt, fresh.attempt) == (1, 2)
    assert not await repo.record(stale, _result(500), "pending", THEN + LEASE)
    assert await repo.record(fresh, _result(204), "delivered", None)
    [logged] = await repo.log(subscription)
    assert logged.status == "delivered"
    assert [a.status_code for a in logged.attempt_log] == [500, 204]  # both attempts happened


async def test_a_replay_requeues_only_failed_deliveries_with_a_fresh_budget(db, subscription):
    failed, ok = await _queue(db, subscription, 2)
    repo = DeliveryRepository(db)
    for claimed in await repo.claim(THEN, 10, {}, 10, THEN + LEASE):
        await repo.record(claimed, _result(500 if claimed.delivery_id == failed else 204),
                          "failed" if claimed.delivery_id == failed else "delivered", None)
    assert await repo.replay(subscription, THEN) == [failed]
    [again] = await repo.claim(THEN, 10, {}, 10, THEN + LEASE)
    assert (again.delivery_id, again.attempt, again.round_attempt) == (failed, 2, 1)


async def test_a_result_for_a_deleted_subscription_is_dropped(db, subscription):
    await _queue(db, subscription, 1)
    repo = DeliveryRepository(db)
    [claimed] = await repo.claim(THEN, 10, {}, 10, THEN + LEASE)
    await db.execute("DELETE FROM router.subscriptions WHERE subscription_id = $1", subscription)
    assert not await repo.record(claimed, _result(204), "delivered", None)
