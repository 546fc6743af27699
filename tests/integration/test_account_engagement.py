"""Account engagement on the real database: per-account forward-decayed sums, moved by each event's delta."""

import uuid
from datetime import UTC, datetime, timedelta

from schemas.messages import EngagementEvent
from services.agreement.active import Versioned
from services.agreement.document import AgreementDocument
from services.scorer.scoring import handlers
from services.scorer.scoring.scores import AccountChange, ScoresRepository
from services.scorer.scoring.store import ScorerRepository
from tests.support.agreements import example_document

DAY_US = 86_400_000_000
T0 = datetime(2031, 1, 6, 9, 0, tzinfo=UTC)


def _example(version: int) -> Versioned:
    return Versioned(version, AgreementDocument.model_validate(example_document()))


def _page_view(email: str, at: datetime, n: int) -> EngagementEvent:
    return EngagementEvent(id=f"{email}-{n}", source="tests", data={
        "source": "api", "activity": "webinar_attended", "email": email, "occurred_at": at,
        "attributes": {"company": "Acme", "employees": 20}})


async def _score(db, events, version: int = 101):
    ctx = handlers.ScoringContext(qualified_topic="q", source="tests", agreement=lambda: _example(version))
    async with db.acquire() as conn, conn.transaction():
        await handlers.engagement_recorded(ScorerRepository(conn), ScoresRepository(conn), events, ctx)


async def test_deltas_at_different_landmarks_add_up_at_the_rows_landmark(services, db):
    key = f"acme-{uuid.uuid4().hex[:8]}.example"
    async with db.acquire() as conn:
        repo = ScoresRepository(conn)
        await repo.change_accounts(7, 30, [AccountChange(key, 0, 10.0)])
        await repo.change_accounts(7, 30, [AccountChange(key, 30 * DAY_US, 4.0)])  # one half-life later
        row = (await repo.accounts([key]))[key]
    assert (row.agreement_version, row.landmark_us) == (7, 0)
    assert abs(row.total - (10.0 + 4.0 * 2)) < 1e-9  # 4 at L+h is 8 at L


async def test_a_replaced_account_takes_the_new_sum_and_version(services, db):
    key = f"acme-{uuid.uuid4().hex[:8]}.example"
    async with db.acquire() as conn:
        repo = ScoresRepository(conn)
        await repo.change_accounts(7, 30, [AccountChange(key, 0, 10.0)])
        await repo.change_accounts(8, 30, [AccountChange(key, 5, 3.0, replace=True)])
        row = (await repo.accounts([key]))[key]
    assert (row.agreement_version, row.landmark_us, row.total) == (8, 5, 3.0)


async def test_an_unknown_account_has_no_state_and_no_contacts(services, db):
    key = f"none-{uuid.uuid4().hex[:8]}.example"
    async with db.acquire() as conn:
        row = (await ScoresRepository(conn).accounts([key]))[key]
    assert (row.agreement_version, row.total, row.contacts) == (None, 0.0, 0)


async def test_a_colleagues_engagement_counts_decayed_to_the_event_time(services, db):
    company = f"acme-{uuid.uuid4().hex[:8]}.com"
    ada, bob = f"ada@{company}", f"bob@{company}"
    await _score(db, [_page_view(ada, T0, 1)])
    await _score(db, [_page_view(bob, T0 + timedelta(days=30), 1)])  # one half-life after Ada's
    ada_score = await db.fetchrow("SELECT engagement FROM scorer.lead_scores WHERE lead_key = $1", ada)
    bob_score = await db.fetchrow("SELECT account_engagement FROM scorer.lead_scores WHERE lead_key = $1", bob)
    assert abs(bob_score["account_engagement"] - 0.5 * ada_score["engagement"] / 2) < 1e-3  # weight 0.5, halved


async def test_an_account_stored_before_sums_were_kept_is_summed_afresh_once(services, db):
    company = f"acme-{uuid.uuid4().hex[:8]}.com"
    ada, bob = f"ada@{company}", f"bob@{company}"
    await _score(db, [_page_view(ada, T0, 1)])
    await db.execute("DELETE FROM scorer.account_states WHERE account_key = $1", company)
    await db.execute("UPDATE scorer.leads SET score_state = NULL WHERE lead_key = $1", ada)
    await _score(db, [_page_view(bob, T0, 1)])
    bob_score = await db.fetchrow("SELECT account_engagement FROM scorer.lead_scores WHERE lead_key = $1", bob)
    assert bob_score["account_engagement"] > 0
    assert await db.fetchval("SELECT score_state IS NOT NULL FROM scorer.leads WHERE lead_key = $1", ada)


async def test_a_new_version_sums_the_account_afresh_under_it(services, db):
    company = f"acme-{uuid.uuid4().hex[:8]}.com"
    ada, bob = f"ada@{company}", f"bob@{company}"
    await _score(db, [_page_view(ada, T0, 1)], version=201)
    await _score(db, [_page_view(bob, T0, 1)], version=202)
    assert await db.fetchval("SELECT agreement_version FROM scorer.account_states WHERE account_key = $1",
                             company) == 202
    assert await db.fetchval("SELECT score_state_version FROM scorer.leads WHERE lead_key = $1", ada) == 202
