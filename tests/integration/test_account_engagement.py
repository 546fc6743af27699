"""The scorer's account sums on the real database: the engagement of a lead's other contacts."""

import uuid
from datetime import UTC, datetime

from services.scorer.scoring.scores import ScoresRepository


async def _lead(db, key: str, account: str | None, engagement: float | None) -> None:
    at = datetime(2031, 1, 1, tzinfo=UTC)
    await db.execute("INSERT INTO scorer.leads (lead_key, email, source, first_seen_at, last_engaged_at,"
                     " account_key) VALUES ($1, $1, 'test', $2, $2, $3)", key, at, account)
    if engagement is not None:
        await db.execute("INSERT INTO scorer.lead_scores (lead_key, agreement_version, fit, engagement,"
                         " account_engagement, sales_ready, explanation, mismatches, scored_at)"
                         " VALUES ($1, 1, 0, $2, 0, false, '[]', '[]', $3)", key, engagement, at)


async def test_a_leads_account_sum_is_its_other_contacts_engagement(services, db):
    tag = uuid.uuid4().hex[:8]
    acme, solo = f"acme-{tag}.example", f"solo-{tag}.example"
    ada, bob, cyd, dan = (f"{n}-{tag}@{acme}" for n in ("ada", "bob", "cyd", "dan"))
    eve = f"eve-{tag}@{solo}"
    await _lead(db, ada, acme, 10.0)
    await _lead(db, bob, acme, 5.5)
    await _lead(db, cyd, acme, None)  # a contact not scored yet adds nothing
    await _lead(db, dan, None, 100.0)  # no account: nobody's colleague
    await _lead(db, eve, solo, 7.0)
    async with db.acquire() as conn:
        sums = await ScoresRepository(conn).account_engagement({ada: acme, bob: acme, cyd: acme, eve: solo})
    assert sums == {ada: 5.5, bob: 10.0, cyd: 15.5, eve: 0.0}
