"""Reading what a settled run left in PostgreSQL and on the topics, and waiting for it to settle."""

import asyncio
import logging
import time

import asyncpg

from chaos.checks import Observed
from chaos.fleet import Fleet
from chaos.kafka_io import GroupLag, group_lags, read_topic
from schemas.topics import Topic, dlq_topic
from services.router.config import CHANGES_GROUP, CRM_GROUP, DELIVERY_GROUP, QUALIFIED_GROUP
from services.scorer.config import CONSUMER_GROUP, FOLLOWUP_GROUP
from services.shared.config import Settings
from services.shared.kafka import CONSUMED_TOPICS

log = logging.getLogger(__name__)

# Every consumer group of the two services, with the topic it reads.
GROUPS = {CONSUMER_GROUP: Topic.ENGAGEMENT, FOLLOWUP_GROUP: Topic.FOLLOWUP, QUALIFIED_GROUP: Topic.QUALIFIED,
          CRM_GROUP: Topic.CRM_ACTIVITY, CHANGES_GROUP: Topic.ENGAGEMENT, f"{DELIVERY_GROUP}-routed": Topic.ROUTED,
          f"{DELIVERY_GROUP}-followup": Topic.FOLLOWUP}
OUTBOX_ROWS = "SELECT (SELECT count(*) FROM scorer.outbox) + (SELECT count(*) FROM router.outbox)"


def groups(settings: Settings) -> dict[str, str]:
    return {settings.group(g): settings.topic(t) for g, t in GROUPS.items()}


async def _outbox(database_url: str) -> int:
    conn = await asyncpg.connect(database_url, timeout=5)
    try:
        return await conn.fetchval(OUTBOX_ROWS)
    finally:
        await conn.close()


async def settle(settings: Settings, fleet: Fleet, timeout_s: float) -> float:
    """Waits until every group has consumed everything and nothing waits in an outbox, twice in a row
    a second apart (a relay may be about to publish); returns the seconds it took."""
    began, calm = time.monotonic(), 0
    while True:
        try:
            lags = await group_lags(settings.kafka_bootstrap, groups(settings))
            quiet = not any(g.lag for g in lags) and await _outbox(settings.database_url) == 0
        except Exception as exc:  # a broker or database that is coming back
            log.info("not settled yet", extra={"error": repr(exc)})
            quiet = False
        calm = calm + 1 if quiet and not fleet.exited() else 0
        if calm >= 2:
            return time.monotonic() - began
        if time.monotonic() - began > timeout_s:
            raise TimeoutError(f"not settled after {timeout_s:.0f}s")
        await asyncio.sleep(1)


async def observe(settings: Settings, fleet: Fleet) -> Observed:
    """Everything the checks need, read after the run settled."""
    conn = await asyncpg.connect(settings.database_url)
    try:
        events = await conn.fetch("SELECT event_key, lead_key FROM scorer.engagement_events")
        applied = await conn.fetchval("SELECT count(*) FROM scorer.inbox WHERE consumer = $1", CONSUMER_GROUP)
        scores = await conn.fetch("SELECT lead_key, fit, engagement, account_engagement, sales_ready, tier, reason,"
                                  " disqualified FROM scorer.lead_scores")
        lifecycles = await conn.fetch("SELECT lead_key, lifecycle FROM scorer.leads")
        assignments = await conn.fetch(
            "SELECT qualification_id, assignment_id FROM router.assignments WHERE attempt = 1")
        overflow = await conn.fetch("SELECT qualification_id FROM router.overflow")
        activities = await conn.fetch("SELECT activity_id FROM router.crm_activities")
        outbox = await conn.fetchval(OUTBOX_ROWS)
    finally:
        await conn.close()
    first: dict[str, list[str]] = {}
    for r in assignments:
        first.setdefault(r["qualification_id"], []).append(r["assignment_id"])
    bootstrap = settings.kafka_bootstrap
    dead = {dlq_topic(settings.topic(t)): await read_topic(bootstrap, dlq_topic(settings.topic(t)))
            for t in CONSUMED_TOPICS}
    lags: list[GroupLag] = await group_lags(bootstrap, groups(settings))
    return Observed(
        stored_events={r["event_key"]: r["lead_key"] for r in events}, applied=applied,
        scores={r["lead_key"]: dict(r) for r in scores}, lifecycles={r["lead_key"]: r["lifecycle"] for r in lifecycles},
        first_assignments=first, overflow={r["qualification_id"] for r in overflow},
        crm_activities={r["activity_id"] for r in activities}, outbox=outbox,
        qualified=await read_topic(bootstrap, settings.topic(Topic.QUALIFIED)),
        routed=await read_topic(bootstrap, settings.topic(Topic.ROUTED)),
        followup=await read_topic(bootstrap, settings.topic(Topic.FOLLOWUP)),
        dead_letters=dead, engagement_topic=settings.topic(Topic.ENGAGEMENT), lags=lags, exited=fleet.exited())
