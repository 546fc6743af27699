"""The suggestion job through the running scorer: 202, poll, a stored draft awaiting both sign-offs; and
the guards' 422s."""

import httpx
import pytest

from tests.integration.test_suggestions import PER_WEEK, SINCE, UNTIL, WORLD
from tests.support.agreements import role_key
from tests.support.kafka import wait_for
from tests.support.planted_db import seed_planted

WINDOW = {"since": SINCE.isoformat(), "until": UNTIL.isoformat()}


@pytest.fixture(scope="module")
async def ops(services, db):
    await seed_planted(db, WORLD)  # the same world as the integration test: a no-op if it is there
    return await role_key(services, "ops")


@pytest.fixture(scope="module")
async def suggested(services, ops):
    """A suggestion job started, polled until it ended: (the 202 response, the job)."""
    async with httpx.AsyncClient(base_url=services.scorer_url) as client:
        started = await client.post("/v1/agreements/suggestions", json={**WINDOW, "per_week": PER_WEEK}, headers=ops)
        assert started.status_code == 202, started.text

        async def finished():
            job = (await client.get(f"/v1/agreements/suggestions/{started.json()['job_id']}", headers=ops)).json()
            return job if job["status"] not in ("queued", "running") else None

        job = await wait_for(finished, timeout=90)
    assert job is not None, "the suggestion job did not finish"
    return started, job


async def test_starting_a_suggestion_answers_202_with_the_job_to_poll(suggested):
    started, _ = suggested
    assert started.json()["status"] == "queued"
    assert started.headers["location"] == f"/v1/agreements/suggestions/{started.json()['job_id']}"


async def test_a_suggestion_job_stores_a_draft_that_awaits_both_sign_offs(services, ops, suggested):
    _, job = suggested
    assert job["status"] == "done", job
    async with httpx.AsyncClient(base_url=services.scorer_url) as client:
        draft = (await client.get(f"/v1/agreements/{job['draft_version']}", headers=ops)).json()
    assert draft["status"] == "draft"
    assert draft["missing_approvals"] == ["marketing", "sales"]
    assert {"industry_fintech", "employees_50_1000"} <= {r["id"] for r in draft["document"]["fit"]["rules"]}
    assert job["report"]["holdout_quality"]["model"]["roc_auc"] > 0.65


async def test_a_leads_score_shows_the_suggestion_models_top_factors_beside_the_rules(services, ops, suggested):
    _, job = suggested
    lead = next(w for w in WORLD if w.attributes["industry"] == "fintech" and 50 <= w.attributes["employees"] < 1000
                and "Student" not in w.attributes["title"])
    async with httpx.AsyncClient(base_url=services.scorer_url) as client:
        score = (await client.get(f"/v1/leads/{lead.key}/score", headers=ops)).json()
    assert score["suggestion"]["job_id"] == job["job_id"]
    assert {"industry_fintech", "employees_50_1000"} <= {f["id"] for f in score["suggestion"]["factors"]}


async def test_too_few_outcomes_is_a_422_naming_the_numbers(services, ops):
    async with httpx.AsyncClient(base_url=services.scorer_url) as client:
        response = await client.post("/v1/agreements/suggestions", headers=ops,
                                     json={"since": "2018-01-01T00:00:00+00:00", "until": "2018-02-01T00:00:00+00:00"})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "too_few_outcomes"
    assert {"field": "needed", "message": "200"} in error["fields"]
    assert {"field": "found", "message": "0"} in error["fields"]


async def test_learning_from_the_rep_is_a_422_for_leakage(services, ops):
    async with httpx.AsyncClient(base_url=services.scorer_url) as client:
        response = await client.post("/v1/agreements/suggestions", headers=ops,
                                     json={**WINDOW, "attributes": ["industry", "rep"]})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "leakage"
    assert "rep is set after the handoff" in response.json()["error"]["message"]


async def test_only_ops_may_start_a_suggestion(services):
    marketing = await role_key(services, "marketing")
    async with httpx.AsyncClient(base_url=services.scorer_url) as client:
        response = await client.post("/v1/agreements/suggestions", json=WINDOW, headers=marketing)
    assert response.status_code == 403


async def test_the_drafts_history_names_the_suggestion_that_made_it(services, ops, suggested):
    _, job = suggested
    async with httpx.AsyncClient(base_url=services.scorer_url) as client:
        history = (await client.get(f"/v1/agreements/{job['draft_version']}/history", headers=ops)).json()
    assert [(h["action"], h["detail"]["suggestion"]["job_id"]) for h in history] == [("created", job["job_id"])]
