"""The NOTIFY-woken loop behind the outbox relay and the agreement watcher survives losing its
listening connection (a database restart) and is woken by NOTIFY again afterwards."""

import asyncio
import uuid

import asyncpg

from services.shared.notified import NotifiedLoop
from tests.support.kafka import wait_for


async def test_a_killed_listener_is_replaced_and_notify_wakes_the_loop_again(stack):
    pool = await asyncpg.create_pool(stack.settings.database_url, min_size=1, max_size=4)
    channel = f"test_{uuid.uuid4().hex[:8]}"
    loop = NotifiedLoop(pool, channel, idle_s=30, name="test loop")  # a long idle poll: only NOTIFY wakes it
    steps = []

    async def step() -> bool:
        steps.append(asyncio.get_running_loop().time())
        return False

    task = asyncio.create_task(loop.run(step))
    try:
        await wait_for(lambda: _at_least(steps, 1))
        async with pool.acquire() as conn:
            # What a restart does to every session: the listener's connection ends.
            await conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                               " WHERE query LIKE '%' || $1 || '%' AND pid <> pg_backend_pid()", channel)
            await conn.execute(f"NOTIFY {channel}")  # lost: nobody listens right now
        await asyncio.sleep(0.3)
        loop.wake()  # one round, as the idle poll would, so the loop sees its dead listener
        await wait_for(lambda: _at_least(steps, 2))
        before = len(steps)
        async with pool.acquire() as conn:
            await conn.execute(f"NOTIFY {channel}")
        assert await wait_for(lambda: _at_least(steps, before + 1), timeout=5)
    finally:
        loop.stop()
        await task
        await pool.close()


async def _at_least(items: list, n: int) -> bool:
    return len(items) >= n
