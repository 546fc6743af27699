"""The accounts heating up on the real database: ranked by the rise of decayed account engagement (its
contacts' and its intent's), with the personas covered; one replica refreshes the snapshot at a time."""

import uuid
from datetime import UTC, datetime, timedelta

from services.agreement.active import Versioned
from services.agreement.document import AgreementDocument
from services.scorer.scoring.account_heat import WEEK, AccountHeatJob, heating_accounts
from services.scorer.scoring.domain.accounts import engagement_rise
from services.scorer.scoring.domain.intent import Signal
from services.scorer.scoring.domain.scoring import Touch
from tests.support.agreements import example_document

END = datetime(2033, 3, 14, tzinfo=UTC)  # a week of its own: no other test's events fall in it
START = END - WEEK
VERSION = 9_001
DOC = AgreementDocument.model_validate(example_document())


def _account() -> str:
    return f"heat-{uuid.uuid4().hex[:8]}.example"


async def _contact(conn, account: str, name: str, events: list[tuple[str, datetime]], persona: str | None) -> None:
    lead = f"{name}@{account}"
    await conn.execute(
        "INSERT INTO scorer.leads (lead_key, email, source, first_seen_at, last_engaged_at, account_key)"
        " VALUES ($1, $1, 'tests', $2, $3, $4)", lead, events[0][1], events[-1][1], account)
    await conn.executemany(
        "INSERT INTO scorer.engagement_events (event_key, lead_key, source, activity, occurred_at, payload)"
        " VALUES ($1, $2, 'tests', $3, $4, '{}')",
        [(f"{lead}#{i}", lead, kind, at) for i, (kind, at) in enumerate(events)])
    await conn.execute(
        "INSERT INTO scorer.account_members (account_key, lead_key, agreement_version, persona, fit, scored_at)"
        " VALUES ($1, $2, $3, $4, 80, $5)", account, lead, VERSION, persona, events[-1][1])


async def _signal(conn, account: str, n: int, strength: float, at: datetime) -> None:
    await conn.execute(
        "INSERT INTO scorer.intent_signals (signal_key, account_key, topic, strength, provider, observed_at)"
        " VALUES ($1, $2, 'CRM software', $3, 'tests', $4)", f"{account}#{n}", account, strength, at)


async def test_accounts_are_ranked_by_their_rise_counting_contacts_and_intent(db):
    warm, intent_only, cooling = _account(), _account(), _account()
    async with db.acquire() as conn:
        tr = conn.transaction()
        await tr.start()
        try:
            await _contact(conn, warm, "vp", [("trial_started", END - timedelta(days=2))], "decision_maker")
            await _contact(conn, warm, "eng", [("webinar_attended", END - timedelta(days=1))], "technical_evaluator")
            await _signal(conn, intent_only, 1, 85, END - timedelta(days=3))
            await _contact(conn, cooling, "cfo", [("trial_started", START - timedelta(days=3))], "decision_maker")
            heating = await heating_accounts(conn, DOC, VERSION, START, END, 10)
        finally:
            await tr.rollback()
    ranked = [h.account_key for h in heating]
    assert ranked == [warm, intent_only]  # the cooling account lost engagement over the week: not listed
    expected = engagement_rise(DOC, {
        "vp": [Touch("1", "trial_started", END - timedelta(days=2))],
        "eng": [Touch("2", "webinar_attended", END - timedelta(days=1))]}, START, END)
    assert (heating[0].engagement, heating[0].rise) == expected
    assert (heating[0].contacts, heating[0].personas) == (2, ("decision_maker", "technical_evaluator"))
    assert (heating[1].contacts, heating[1].personas) == (0, ())
    assert heating[1].rise == engagement_rise(DOC, {}, START, END, [Signal("s", "CRM software", 85,
                                                                           END - timedelta(days=3))])[1] > 0


async def test_only_the_top_rises_are_kept(db):
    accounts = [_account() for _ in range(3)]
    async with db.acquire() as conn:
        tr = conn.transaction()
        await tr.start()
        try:
            for n, account in enumerate(accounts):  # 1, 2 and 3 signals: three sizes of rise
                for i in range(n + 1):
                    await _signal(conn, account, i, 90, END - timedelta(hours=i + 1))
            heating = await heating_accounts(conn, DOC, VERSION, START, END, 2)
        finally:
            await tr.rollback()
    assert [h.account_key for h in heating] == accounts[::-1][:2]


async def test_a_refresh_is_skipped_while_another_replica_holds_it(db):
    job = AccountHeatJob(db, lambda: Versioned(VERSION, DOC), lambda: END, every_s=60)
    async with db.acquire() as conn, conn.transaction():
        assert await conn.fetchval("SELECT pg_try_advisory_xact_lock(hashtext('scorer.account_heat'))")
        assert await job.refresh(END) is None


async def test_a_refresh_stores_the_weeks_snapshot_for_the_dashboard(db):
    job = AccountHeatJob(db, lambda: Versioned(VERSION, DOC), lambda: END, every_s=60)
    account = _account()
    async with db.acquire() as conn:
        await _signal(conn, account, 1, 95, END - timedelta(hours=1))
        # Held for the session, the lock keeps the running scorer's own refresh (every 2 s in the
        # tests) off the snapshot until it is read; the job's transaction lock is the same session's.
        await conn.execute("SELECT pg_advisory_lock(hashtext('scorer.account_heat'))")
        try:
            rows = await job.refresh_on(conn, END)
            stored = await conn.fetchrow("SELECT since, until, agreement_version, accounts FROM scorer.account_heat")
        finally:
            await conn.execute("SELECT pg_advisory_unlock(hashtext('scorer.account_heat'))")
            await conn.execute("DELETE FROM scorer.intent_signals WHERE account_key = $1", account)
    assert rows is not None and rows[0].account_key == account
    assert (stored["since"], stored["until"], stored["agreement_version"]) == (START, END, VERSION)
    assert stored["accounts"] == [{"account_key": account, "rise": rows[0].rise, "engagement": rows[0].engagement,
                                   "contacts": 0, "personas": []}]
