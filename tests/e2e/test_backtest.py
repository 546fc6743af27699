"""A backtest over seeded history gives the numbers computed by hand; its job API and the CLI."""

import asyncio
import os
import socket
import subprocess
import sys
import uuid

import httpx
import orjson

from tests.support.agreements import EXAMPLE, example_document, role_key
from tests.support.events import FITTING, engagement, unique_email
from tests.support.kafka import wait_for
from tests.support.stack import ROOT

WINDOW = {"since": "2020-01-01T00:00:00+00:00", "until": "2020-02-01T00:00:00+00:00"}


async def run_backtest(client: httpx.AsyncClient, version: int, params: dict, headers: dict) -> dict:
    """Starts the backtest job and polls it until it is done; its report."""
    started = await client.post(f"/v1/agreements/{version}/backtest", params=params, headers=headers)
    assert started.status_code == 202, started.text
    job = started.json()
    assert started.headers["location"] == f"/v1/backtests/{job['job_id']}"

    async def finished():
        job = (await client.get(f"/v1/backtests/{started.json()['job_id']}", headers=headers)).json()
        return job if job["status"] in ("done", "failed") else None

    job = await wait_for(finished, timeout=60)
    assert job is not None, "the backtest job did not finish"
    assert job["status"] == "done", job["error"]
    return job["report"]


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
        report = await run_backtest(client, version, WINDOW, ops)

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


async def test_a_job_answers_at_once_and_reports_its_progress(services):
    ops = await role_key(services, "ops")
    async with httpx.AsyncClient(base_url=services.scorer_url) as client:
        version = (await client.get("/v1/agreements/active", headers=ops)).json()["version"]
        started = await client.post(f"/v1/agreements/{version}/backtest", params={"since": "7d"}, headers=ops)
        assert started.status_code == 202, started.text
        job = started.json()
        assert (job["status"], job["draft_version"], job["report"]) == ("queued", version, None)
        assert job["progress"]["events_done"] == 0

        async def finished():
            body = (await client.get(f"/v1/backtests/{job['job_id']}", headers=ops)).json()
            return body if body["status"] in ("done", "failed") else None

        done = await wait_for(finished, timeout=60)
    assert done is not None and done["status"] == "done", done
    progress = done["progress"]
    assert progress["percent"] == 100.0
    assert progress["events_done"] == progress["events_total"] == done["report"]["events_replayed"]
    assert done["report"]["newly_qualified"] == done["report"]["no_longer_qualified"] == []  # itself vs itself
    assert done["started_at"] is not None and done["finished_at"] is not None


async def test_an_unknown_job_is_not_found(services):
    async with httpx.AsyncClient(base_url=services.scorer_url) as client:
        response = await client.get(f"/v1/backtests/{uuid.uuid4()}", headers=services.auth)
    assert response.status_code == 404


async def test_a_window_that_ends_before_it_starts_is_refused(services):
    async with httpx.AsyncClient(base_url=services.scorer_url) as client:
        response = await client.post("/v1/agreements/1/backtest", headers=services.auth,
                                     params={"since": WINDOW["until"], "until": WINDOW["since"]})
    assert response.status_code == 422


async def _job(db, status: str, **columns) -> uuid.UUID:
    job_id = uuid.uuid4()
    version = await db.fetchval("SELECT min(version) FROM scorer.agreements")
    names = ", ".join(columns)
    values = ", ".join(f"${i}" for i in range(4, 4 + len(columns)))
    await db.execute(
        "INSERT INTO scorer.backtest_jobs (job_id, status, draft_version, document, since, until, requested_by"
        f"{', ' + names if columns else ''}) SELECT $1, $2, $3, document, now() - interval '1 day', now(), 'tests'"
        f"{', ' + values if columns else ''} FROM scorer.agreements WHERE version = $3",
        job_id, status, version, *columns.values())
    return job_id


async def test_a_running_job_whose_process_is_gone_is_failed_when_read(services, db):
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # its pid names no process now
    job_id = await _job(db, "running", pid=gone.pid, host=socket.gethostname())
    async with httpx.AsyncClient(base_url=services.scorer_url) as client:
        job = (await client.get(f"/v1/backtests/{job_id}", headers=services.auth)).json()
    assert job["status"] == "failed"
    assert f"pid {gone.pid}" in job["error"]


async def test_a_job_without_a_heartbeat_for_a_minute_is_failed_when_read(services, db):
    job_id = await _job(db, "queued")
    await db.execute("UPDATE scorer.backtest_jobs SET heartbeat_at = now() - interval '2 minutes'"
                     " WHERE job_id = $1", job_id)
    async with httpx.AsyncClient(base_url=services.scorer_url) as client:
        job = (await client.get(f"/v1/backtests/{job_id}", headers=services.auth)).json()
    assert (job["status"], job["error"]) == ("failed", "the backtest process stopped beating")
