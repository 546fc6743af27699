"""The router's routing-state SQL on the real database: rep states with leave, rotation writes."""

import uuid
from datetime import UTC, datetime, timedelta

from services.router.routing.domain.rotation import MemberState
from services.router.routing.state import RoutingStateRepository

AT = datetime(2031, 3, 10, 12, tzinfo=UTC)


async def _reps(db, *rep_ids: str) -> None:
    await db.executemany("INSERT INTO router.reps (rep_id, name) VALUES ($1, $1)", [(r,) for r in rep_ids])


async def test_rep_states_carry_each_reps_leave_not_yet_over_in_order(services, db):
    away, present = f"rs-away-{uuid.uuid4().hex[:6]}", f"rs-here-{uuid.uuid4().hex[:6]}"
    await _reps(db, away, present)
    periods = [(AT + timedelta(days=9), AT + timedelta(days=10)),  # later leave
               (AT - timedelta(days=1), AT + timedelta(hours=2)),  # on leave now
               (AT - timedelta(days=9), AT - timedelta(days=8))]  # over: not read
    await db.executemany("INSERT INTO router.out_of_office (rep_id, starts_at, ends_at) VALUES ($1, $2, $3)",
                         [(away, s, e) for s, e in periods])
    async with db.acquire() as conn:
        states = await RoutingStateRepository(conn).rep_states(AT)
    assert (states[away].out_of_office, states[present].out_of_office) == ((periods[1], periods[0]), ())


async def test_saving_rotations_writes_every_changed_member_and_each_pools_virtual_time(services, db):
    tag = uuid.uuid4().hex[:6]
    reps, pools = [f"rs-{tag}-{i}" for i in range(3)], [f"rs-pool-{tag}-{i}" for i in range(2)]
    await _reps(db, *reps)
    await db.executemany("INSERT INTO router.pools (pool_id, name) VALUES ($1, $1)", [(p,) for p in pools])
    await db.executemany("INSERT INTO router.pool_members (pool_id, rep_id, weight) VALUES ($1, $2, 1)",
                         [(p, r) for p in pools for r in reps])
    async with db.acquire() as conn:
        await RoutingStateRepository(conn).save_rotations(
            [(pools[0], MemberState(reps[0], 1, 2.5)), (pools[0], MemberState(reps[2], 1, 3.0)),
             (pools[1], MemberState(reps[1], 1, 1.5))],
            {pools[0]: 2.0, pools[1]: 1.0})
    members = await db.fetch("SELECT pool_id, rep_id, pass_value FROM router.pool_members WHERE pool_id = ANY($1)"
                             " ORDER BY pool_id, rep_id", pools)
    times = await db.fetch("SELECT pool_id, virtual_time FROM router.pools WHERE pool_id = ANY($1) ORDER BY 1", pools)
    assert [m["pass_value"] for m in members] == [2.5, 0.0, 3.0, 0.0, 1.5, 0.0]
    assert [t["virtual_time"] for t in times] == [2.0, 1.0]
