"""A backtest over seeded history gives the numbers computed by hand."""

import asyncio
import os
import sys

import httpx
import orjson

from tests.support.agreements import EXAMPLE, example_document, role_key
from tests.support.events import FITTING, engagement, unique_email
from tests.support.kafka import wait_for
from tests.support.stack import ROOT

WINDOW = {"since": "2020-01-01T00:00:00+00:00", "until": "2020-02-01T00:00:00+00:00"}


def _at(day: int, hour: int = 10, minute: int = 0) -> str:
    return f"2020-01-{day:02d}T{hour:02d}:{minute:02d}:00+00:00"


async def test_a_backtest_on_seeded_history_matches_the_hand_computed_report(services, db):
    leads = {name: unique_email(name) for name in ("demo", "pricing", "student", "opener", "trial")}
    history = [
        engagement(leads["demo"], "demo_request", occurred_at=_at(10), campaign="spring"),
        engagement(leads["pricing"], "page_view", source="mautic", url="https://a.example/pricing",
                   occurred_at=_at(11)),
        engagement(leads["pricing"], "page_view", source="mautic", url="https://a.example/pricing",
                   occurred_at=_at(11, 11)),
        engagement(leads["student"], "demo_request", occurred_at=_at(12),
                   attributes={**FITTING, "title": "Student"}),
        engagement(leads["opener"], "email_open", occurred_at=_at(13)),
        engagement(leads["trial"], "trial_started", occurred_at=_at(14)),
    ]
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{services.scorer_url}/v1/events", content=orjson.dumps(history),
                                     headers={**services.auth,
                                              "content-type": "application/cloudevents-batch+json"})
        assert response.status_code == 202

    async def stored():
        n = await db.fetchval("SELECT count(*) FROM scorer.engagement_events WHERE lead_key = ANY($1)",
                              list(leads.values()))
        return n == len(history)

    await wait_for(stored)
    await db.execute("INSERT INTO router.lead_outcomes (lead_key, status, reason, occurred_at) VALUES"
                     " ($1, 'won', NULL, now()), ($2, 'rejected', 'no budget', now())",
                     leads["demo"], leads["trial"])
    # The draft: a pricing page view is worth 50 (cap 100), so one view makes a fitting lead warm.
    draft = example_document()
    for rule in draft["engagement"]["rules"]:
        if rule["id"] == "pricing_page":
            rule["points"], rule["cap"]["points"] = 50, 100
    ops = await role_key(services, "ops")
    async with httpx.AsyncClient(base_url=services.scorer_url) as client:
        version = (await client.post("/v1/agreements", json=draft, headers=ops)).json()["version"]
        report = (await client.post(f"/v1/agreements/{version}/backtest", params=WINDOW, headers=ops)).json()

    # Only this test's leads have events in January 2020.
    assert report["leads_replayed"] == 5
    # Draft: demo (fast track hot), pricing (50 >= warm's 40 at its first view), trial (fast track warm).
    assert report["draft"]["sales_ready"] == 3
    assert report["draft"]["by_tier"] == {"hot": 1, "warm": 2}
    assert report["draft"]["by_source"] == {"api": 2, "mautic": 1}
    assert report["draft"]["by_campaign"] == {"spring": 1, "(none)": 2}
    # Active example: pricing reaches only 10 + 10 (decayed by an hour) < 40; student and opener never.
    assert report["active"]["sales_ready"] == 2
    assert report["newly_qualified"] == [leads["pricing"]]
    assert report["no_longer_qualified"] == []
    assert report["draft"]["outcomes"] == {"known": 2, "by_status": {"won": 1, "rejected": 1},
                                           "rejection_reasons": {"no budget": 1}}


async def test_the_cli_backtest_prints_the_comparison(stack, services):
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "services.cli", "agreement", "backtest", str(EXAMPLE), "--since", "30d",
        cwd=ROOT, env={**os.environ, "HANDOFF_DATABASE_URL": stack.settings.database_url},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, out.decode()
    assert "sales-ready" in out.decode()
    assert '"newly_qualified": []' in out.decode()  # the example against itself changes nothing
