"""GET /v1/sla/commitments on the running router under the example agreement (Europe/Berlin weeks).

Each test owns its weeks in 2021; the example agreement commits 120 sales-ready leads a week and a
minimum acceptance rate of 0.6.
"""

from datetime import UTC, date, datetime

import httpx
import pytest

from tests.support.agreements import example_document
from tests.support.assignments import add_assignment, add_overflow, add_rep, tag

COMMITMENTS = example_document()["commitments"]


@pytest.fixture
async def router(services):
    async with httpx.AsyncClient(base_url=services.router_url, headers=services.auth) as client:
        yield client


async def _report(router, since: str, until: str) -> dict:
    response = await router.get("/v1/sla/commitments", params={"since": since, "until": until})
    assert response.status_code == 200, response.text
    return response.json()


async def test_sales_ready_leads_are_counted_once_per_qualification_in_berlin_weeks(router, db):
    rep = await add_rep(db, f"cm-{tag()}")
    first = await add_assignment(db, rep, datetime(2021, 6, 7, 10, tzinfo=UTC))
    qid = await db.fetchval("SELECT qualification_id FROM router.assignments WHERE assignment_id = $1", first)
    await add_assignment(db, rep, datetime(2021, 6, 8, 10, tzinfo=UTC), qualification_id=qid, attempt=2)
    await add_overflow(db, f"{qid}#attempt3", datetime(2021, 6, 9, 10, tzinfo=UTC))  # a reassignment nobody took
    await add_overflow(db, f"ov-{rep}", datetime(2021, 6, 10, 10, tzinfo=UTC))  # nobody could take it at all
    # Sunday 23:30 UTC is Monday 00:30 in Berlin: the second week.
    await add_assignment(db, rep, datetime(2021, 6, 13, 22, 30, tzinfo=UTC))

    body = await _report(router, "2021-06-06T22:00:00Z", "2021-06-20T22:00:00Z")

    assert [(w["week_start"], w["sales_ready"]) for w in body["weeks"]] == [("2021-06-07", 2), ("2021-06-14", 1)]
    assert body["sales_ready_total"] == 3 and body["time_zone"] == "Europe/Berlin"
    assert {(w["commitment"], w["met"], w["complete"]) for w in body["weeks"]} == {
        (COMMITMENTS["sales_ready_per_week"], False, True)}


async def test_the_acceptance_rate_uses_each_qualifications_first_decision(router, db):
    rep = await add_rep(db, f"cm-{tag()}")

    def at(day: int) -> datetime:
        return datetime(2021, 7, day, 10, tzinfo=UTC)

    await add_assignment(db, rep, at(5), outcome="accepted", outcome_at=at(6))
    await add_assignment(db, rep, at(5), outcome="won", outcome_at=at(7))  # won implies accepted
    await add_assignment(db, rep, at(5), outcome="rejected", outcome_reason="no budget", outcome_at=at(6))
    rejected_first = await add_assignment(db, rep, at(5), outcome="rejected", outcome_reason="no budget",
                                          outcome_at=at(6))
    qid = await db.fetchval("SELECT qualification_id FROM router.assignments WHERE assignment_id = $1",
                            rejected_first)
    await add_assignment(db, rep, at(6), qualification_id=qid, attempt=2, outcome="accepted", outcome_at=at(7))
    await add_assignment(db, rep, at(5))  # undecided
    await add_assignment(db, rep, at(1), outcome="accepted", outcome_at=datetime(2021, 6, 30, tzinfo=UTC))

    body = await _report(router, "2021-07-04T22:00:00Z", "2021-07-11T22:00:00Z")

    assert body["acceptance"] == {"accepted": 2, "rejected": 2, "rate": 0.5,
                                  "minimum": COMMITMENTS["min_acceptance_rate"], "met": False}


async def test_rejection_reasons_are_counted_by_source_and_campaign(router, db):
    rep = await add_rep(db, f"cm-{tag()}")
    at, decided = datetime(2021, 8, 2, 10, tzinfo=UTC), datetime(2021, 8, 3, 10, tzinfo=UTC)
    for _ in range(2):
        await add_assignment(db, rep, at, outcome="rejected", outcome_reason="no budget", outcome_at=decided,
                             source="webinar", campaign="spring")
    await add_assignment(db, rep, at, outcome="rejected", outcome_reason="no budget", outcome_at=decided,
                         source="ads")
    await add_assignment(db, rep, at, outcome="rejected", outcome_reason="just because", outcome_at=decided,
                         source="ads")

    body = await _report(router, "2021-08-01T22:00:00Z", "2021-08-08T22:00:00Z")

    assert body["rejection_reasons"] == [
        {"reason": "no budget", "source": "webinar", "campaign": "spring", "count": 2, "listed": True},
        {"reason": "just because", "source": "ads", "campaign": None, "count": 1, "listed": False},
        {"reason": "no budget", "source": "ads", "campaign": None, "count": 1, "listed": True},
    ]


async def test_nothing_decided_gives_a_null_rate_and_met(router):
    body = await _report(router, "2001-01-01T00:00:00Z", "2001-01-08T00:00:00Z")
    assert (body["acceptance"]["rate"], body["acceptance"]["met"], body["acceptance"]["accepted"]) == (None, None, 0)


async def test_by_default_the_report_covers_the_current_berlin_week_and_the_three_before(router):
    body = (await router.get("/v1/sla/commitments")).json()
    mondays = [date.fromisoformat(w["week_start"]) for w in body["weeks"]]
    assert len(mondays) == 4 and all(m.weekday() == 0 for m in mondays)
    assert [w["complete"] for w in body["weeks"]] == [True, True, True, False]
    assert body["agreement_version"] is not None


async def test_an_until_without_offset_is_422_naming_until(router):
    response = await router.get("/v1/sla/commitments", params={"until": "2021-08-01T00:00:00"})
    assert response.status_code == 422
    assert [f["field"] for f in response.json()["error"]["fields"]] == ["until"]


async def test_a_window_longer_than_ten_years_is_422_naming_since(router):
    response = await router.get("/v1/sla/commitments", params={"since": "2001-01-01T00:00:00Z",
                                                               "until": "2021-01-01T00:00:00Z"})
    assert response.status_code == 422
    assert [f["field"] for f in response.json()["error"]["fields"]] == ["since"]
