"""The services' connection pool on the real database: how its statements are planned."""

import uuid

from services.shared.db import create_pool


async def test_service_connections_plan_each_execution_for_its_arguments(stack):
    pool = await create_pool(stack.settings)
    try:
        async with pool.acquire() as conn:
            first = await conn.fetchval("SHOW plan_cache_mode")
        async with pool.acquire() as conn:  # released once: the pool's RESET ALL has run in between
            again = await conn.fetchval("SHOW plan_cache_mode")
    finally:
        await pool.close()
    assert (first, again) == ("force_custom_plan", "force_custom_plan")


async def test_a_join_first_run_on_an_empty_table_uses_the_index_once_the_table_has_grown(stack):
    # The scorer's and router's tables start empty and grow faster than autovacuum analyzes them;
    # a plan cached for the empty table would scan all of it on every batch.
    schema = f"plans_{uuid.uuid4().hex[:8]}"
    pool = await create_pool(stack.settings.model_copy(update={"db_pool_min": 1, "db_pool_max": 1}))
    try:
        async with pool.acquire() as conn:
            await conn.execute(f"CREATE SCHEMA {schema};"
                               f" CREATE TABLE {schema}.leads (key text PRIMARY KEY, account text, n int);"
                               f" CREATE INDEX ON {schema}.leads (account)")
            # the shape of the scorer's account sums: batch arrays joined to the table
            await conn.execute(f"PREPARE sums(text[], text[]) AS SELECT p.k, sum(l.n)"
                               f" FROM unnest($1, $2) AS p(k, account)"
                               f" LEFT JOIN {schema}.leads l ON l.account = p.account AND l.key <> p.k GROUP BY p.k")
            for _ in range(10):  # past the five executions after which PostgreSQL may cache a generic plan
                await conn.fetch("EXECUTE sums('{a}', '{b}')")
            await conn.execute(f"INSERT INTO {schema}.leads SELECT 'k' || i, 'a' || i, i"
                               f" FROM generate_series(1, 20000) i")
            plan = await conn.fetchval("EXPLAIN (FORMAT JSON) EXECUTE sums('{k1}', '{a1}')")
            await conn.execute(f"DEALLOCATE sums; DROP SCHEMA {schema} CASCADE")
    finally:
        await pool.close()
    assert "Seq Scan" not in str(plan)


async def test_a_transaction_left_open_is_rolled_back_when_its_connection_returns_to_the_pool(stack):
    schema = f"reset_{uuid.uuid4().hex[:8]}"
    pool = await create_pool(stack.settings.model_copy(update={"db_pool_min": 1, "db_pool_max": 1}))
    try:
        async with pool.acquire() as conn:
            await conn.execute(f"CREATE SCHEMA {schema}; CREATE TABLE {schema}.t (n int)")
        async with pool.acquire() as conn:
            await conn.execute(f"BEGIN; INSERT INTO {schema}.t VALUES (1)")  # never committed
        async with pool.acquire() as conn:  # the pool's one connection again
            state = (conn.is_in_transaction(), await conn.fetchval(f"SELECT count(*) FROM {schema}.t"))
            await conn.execute(f"DROP SCHEMA {schema} CASCADE")
    finally:
        await pool.close()
    assert state == (False, 0)
