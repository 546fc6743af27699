"""The key ring's cache (issue #18): unknown keys are remembered apart, so they never flush known ones."""

from services.shared.auth import KeyRing, key_hash


class CountingPool:
    """Stands in for asyncpg's pool: one stored key, and a count of lookups."""

    def __init__(self, key: str) -> None:
        self.known, self.lookups = key_hash(key), 0

    async def fetchrow(self, _sql: str, presented: str) -> dict | None:
        self.lookups += 1
        return {"key_id": "key_1", "role": "ops"} if presented == self.known else None


async def test_a_known_key_is_looked_up_once_within_the_cache_time():
    pool = CountingPool("hk_real")
    ring = KeyRing(None, pool, ttl_s=60)
    assert (await ring.principal("hk_real")).role == "ops"
    await ring.principal("hk_real")
    assert pool.lookups == 1


async def test_a_flood_of_unknown_keys_does_not_evict_a_known_key():
    pool = CountingPool("hk_real")
    ring = KeyRing(None, pool, ttl_s=60)
    await ring.principal("hk_real")
    for n in range(12_000):
        assert await ring.principal(f"junk-{n}") is None
    before = pool.lookups
    assert (await ring.principal("hk_real")).key_id == "key_1"
    assert pool.lookups == before


async def test_an_unknown_key_is_not_looked_up_again_within_the_cache_time():
    pool = CountingPool("hk_real")
    ring = KeyRing(None, pool, ttl_s=60)
    await ring.principal("junk")
    await ring.principal("junk")
    assert pool.lookups == 1


async def test_failed_authentications_throttle_the_address_after_the_limit():
    from services.shared.auth import Throttled
    from services.shared.limiter import FailureLimiter

    ring = KeyRing(None, CountingPool("hk_real"), failures=FailureLimiter(limit=2, window_s=60))
    for n in range(2):
        assert await ring.authenticate(f"junk-{n}", "1.2.3.4") is None
    try:
        await ring.authenticate("hk_real", "1.2.3.4")
    except Throttled as exc:
        assert exc.retry_after_s == 60
    else:
        raise AssertionError("the address was not throttled")
    assert (await ring.authenticate("hk_real", "5.6.7.8")).role == "ops"
