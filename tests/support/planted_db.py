"""The planted world seeded straight into the tables the scorer reads (and the router's outcomes, which
backtests read): fast, no Kafka."""

from datetime import timedelta

import asyncpg

from tests.support.planted import PlantedLead


async def seed_planted(pool: asyncpg.Pool, world: list[PlantedLead]) -> None:
    """Each lead: a profile with its outcome as lifecycle, one trial_started at first sight, a stored score,
    and the router's outcome row."""
    leads = [(w.key, w.email, "planted", "won" if w.won else "lost", w.attributes, w.seen_at, w.seen_at,
              w.seen_at + timedelta(minutes=1)) for w in world]
    events = [(f"planted#{w.key}", w.key, "planted", "trial_started", None, w.seen_at, {}) for w in world]
    scores = [(w.key, 40.0, w.seen_at) for w in world]
    outcomes = [(w.key, "won" if w.won else "lost", w.seen_at + timedelta(days=20)) for w in world]
    async with pool.acquire() as conn, conn.transaction():
        await conn.executemany(
            "INSERT INTO scorer.leads (lead_key, email, source, lifecycle, attributes, first_seen_at, last_engaged_at,"
            " qualified_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING", leads)
        await conn.executemany(
            "INSERT INTO scorer.engagement_events (event_key, lead_key, source, activity, campaign, occurred_at,"
            " payload) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING", events)
        await conn.executemany(
            "INSERT INTO scorer.lead_scores (lead_key, agreement_version, fit, engagement, account_engagement,"
            " sales_ready, explanation, scored_at) VALUES ($1, 0, 0, $2, 0, false, '[]', $3) ON CONFLICT DO NOTHING",
            scores)
        await conn.executemany(
            "INSERT INTO router.lead_outcomes (lead_key, status, occurred_at) VALUES ($1, $2, $3)"
            " ON CONFLICT DO NOTHING", outcomes)
