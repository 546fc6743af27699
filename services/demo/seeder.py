"""Sends the demo week through the public endpoints of running services and waits until it has landed.

Sales ops sets up reps, pools and rules (router); marketing's tools post a week of engagement
(scorer); the scorer hands leads over and the router routes them at its own clock (now); then the
CRM reports touches, decisions, conversions and wins (router), each step a little after the last.
"""

import asyncio
import random
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, TypeVar, cast
from urllib.parse import quote

import httpx

from services.demo.cast import pools, reps, rules
from services.demo.leads import DemoLead, cloud_events, demo_intent, demo_leads
from services.demo.money import RATES, REPORTING, campaign_costs, deal
from services.demo.outcomes import Plan, plan

EVENTS_PER_POST, ACTIVITIES_PER_POST, PARALLEL = 1000, 500, 16
Say = Callable[[str], None]
T = TypeVar("T")
R = TypeVar("R")


class DemoError(RuntimeError):
    """The services refused a step or did not get there in time."""


def _ok(response: httpx.Response, *expected: int) -> httpx.Response:
    if response.status_code not in (expected or (200,)):
        request = response.request
        raise DemoError(f"{request.method} {request.url.path}: {response.status_code} {response.text[:300]}")
    return response


async def _sales_org(router: httpx.AsyncClient) -> int:
    for rep in reps():
        created = await router.post("/v1/reps", json=rep)
        if created.status_code == 409:  # a second `make demo`: bring the rep back to the demo's shape
            _ok(await router.put(f"/v1/reps/{rep['rep_id']}", json=rep))
        else:
            _ok(created, 201)
    for pool_id, body in pools().items():
        _ok(await router.put(f"/v1/pools/{pool_id}", json=body), 200, 201)
    _ok(await router.put("/v1/routing/rules", json=rules()))
    return len(reps())


async def _post_events(scorer: httpx.AsyncClient, leads: list[DemoLead], tag: str) -> int:
    batch: list[dict[str, Any]] = []
    sent = 0
    for lead in leads + [None]:
        events = cloud_events(lead, tag) if lead else []
        # A lead's events travel in one batch, so the scorer judges its whole history at once.
        if batch and (lead is None or len(batch) + len(events) > EVENTS_PER_POST):
            _ok(await scorer.post("/v1/events", json=batch,
                                  headers={"content-type": "application/cloudevents-batch+json"}), 202)
            sent, batch = sent + len(batch), []
        batch += events
    return sent


async def _poll(check: Callable[[], Awaitable[T | None]], deadline: float) -> T | None:
    """check()'s first result that is not None, polling until the loop's clock passes `deadline`."""
    loop = asyncio.get_running_loop()
    while (found := await check()) is None:
        if loop.time() > deadline:
            return None
        await asyncio.sleep(0.3)
    return found


async def _handover(scorer: httpx.AsyncClient, router: httpx.AsyncClient, lead: DemoLead,
                    deadline: float) -> tuple[str, str | None] | None:
    """('assigned', rep) or ('overflow', None) for a lead the scorer handed over; None for one it kept."""
    key = quote(lead.email, safe="@")

    async def scored() -> Any:  # the score's JSON, or None before there is one
        r = await scorer.get(f"/v1/leads/{key}/score")
        return r.json() if r.status_code == 200 else None

    async def routed() -> tuple[str, str | None] | None:
        r = await router.get(f"/v1/leads/{key}/timeline")
        steps = [e for e in r.json() if e["kind"] in ("assigned", "overflow")] if r.status_code == 200 else []
        return (steps[0]["kind"], steps[0]["rep_id"]) if steps else None

    score = await _poll(scored, deadline)
    if score is None or score["qualified_at"] is None:
        return None
    return await _poll(routed, deadline) or ("pending", None)


async def _money(router: httpx.AsyncClient, today: datetime) -> tuple[str, int]:
    """Ops' money: rates into EUR (when the deployment reports in EUR) and a month of spend per campaign;
    returns the reporting currency and how many cost rows went in."""
    reporting = _ok(await router.get("/v1/currency-rates")).json()["reporting_currency"]
    if reporting == REPORTING:
        _ok(await router.put("/v1/currency-rates", json={"rates": RATES}))
    costs = campaign_costs(today.date(), reporting)
    return reporting, _ok(await router.post("/v1/campaign-costs/import", json=costs)).json()["imported"]


def _priced(status: str, amount: Decimal, currency: str) -> dict[str, str]:
    return {"kind": "status", "status": status, "amount": str(amount), "currency": currency}


async def _crm(router: httpx.AsyncClient, plans: list[Plan], reps_of: dict[str, str], tag: str,
               deals: dict[str, tuple[Decimal, Decimal, str]]) -> None:
    # Each phase gives a plan's step as activity fields, or a falsy value when the plan has none.
    # An opportunity carries the deal's amount, a win the amount it closed at.
    phases: tuple[Callable[[Plan], Any], ...] = (
        lambda p: p.touch and {"kind": p.touch},
        lambda p: p.decision and {"kind": "status", "status": p.decision, "reason": p.reason},
        lambda p: p.converted and _priced("converted", deals[p.lead_key][0], deals[p.lead_key][2]),
        lambda p: p.closed and ({"kind": "status", "status": p.closed} if p.closed == "lost"
                                else _priced("won", deals[p.lead_key][1], deals[p.lead_key][2])),
    )
    for n, phase in enumerate(phases):
        at = datetime.now(UTC).isoformat()  # each phase a little later than the one before
        items = [{"activity_id": f"demo-{tag}-{p.lead_key}-{n}", "lead_key": p.lead_key,
                  "rep_id": reps_of[p.lead_key], "occurred_at": at, **step}
                 for p in plans if (step := phase(p))]
        for i in range(0, len(items), ACTIVITIES_PER_POST):
            _ok(await router.post("/v1/crm/activities", json=items[i:i + ACTIVITIES_PER_POST]), 202)


async def _applied(router: httpx.AsyncClient, p: Plan, deadline: float) -> bool:
    async def done() -> bool | None:
        r = await router.get(f"/v1/leads/{quote(p.lead_key, safe='@')}/timeline")
        return True if sum(e["kind"].startswith("crm_") for e in r.json()) >= p.steps() else None
    return bool(await _poll(done, deadline))


async def _each(items: Iterable[T], work: Callable[[T], Awaitable[R]]) -> list[R]:
    gate = asyncio.Semaphore(PARALLEL)

    async def one(item: T) -> R:
        async with gate:
            return await work(item)
    return await asyncio.gather(*(one(i) for i in items))


# Enough handed-over leads for a suggestion's minimum of known outcomes (about 250 of 1,200).
DEMO_LEADS = 1200


async def seed_demo(scorer_url: str, router_url: str, key: str, *, leads: int = DEMO_LEADS, seed: int | None = None,
                    timeout_s: float = 120, say: Say = print) -> Counter[str]:
    """Seeds the demo week; returns what it did, counted."""
    headers, tag = {"Authorization": f"Bearer {key}"}, uuid.uuid4().hex[:6]
    rng, deadline = random.Random(seed), asyncio.get_running_loop().time() + timeout_s
    done: Counter[str] = Counter()
    async with httpx.AsyncClient(base_url=scorer_url, headers=headers, timeout=60) as scorer, \
            httpx.AsyncClient(base_url=router_url, headers=headers, timeout=60) as router:
        active = await scorer.get("/v1/agreements/active")
        if active.status_code == 404:
            raise DemoError("no active agreement: `make run` installs the example one")
        reasons = _ok(active).json()["document"]["rejection_reasons"]
        done["reps"] = await _sales_org(router)
        say(f"sales ops: {done['reps'] - 1} reps and their head of sales, {len(pools())} pools, routing rules stored")
        reporting, done["costs"] = await _money(router, datetime.now(UTC))
        say(f"ops: rates into {reporting} and {done['costs']} campaign cost rows (this month and the last)")
        people = demo_leads(rng, datetime.now(UTC), leads, tag)
        intent = demo_intent(rng, people, datetime.now(UTC))
        if intent:
            done["intent"] = _ok(await scorer.post("/v1/intent", content=intent, params={"provider": "bombora"},
                                                   headers={"content-type": "text/csv"}), 202).json()["accepted"]
        say(f"intent: {done['intent']} signals from a provider's export for the week's companies")
        done["events"] = await _post_events(scorer, people, tag)
        say(f"marketing: {done['events']} engagement events of {leads} leads over the past week;"
            " waiting for the handoff")
        handed = dict(zip((p.email for p in people),
                          await _each(people, lambda p: _handover(scorer, router, p, deadline))))
        done.update(Counter(kind for kind, _ in filter(None, handed.values())), leads=leads)
        # An assignment always names its rep (router.assignments.rep_id is NOT NULL).
        reps_of = {k: cast(str, v[1]) for k, v in handed.items() if v and v[0] == "assigned"}
        by_email = {p.email: p for p in people}
        plans = [plan(rng, k, rep, by_email[k].campaign, reasons, by_email[k].attributes) for k, rep in reps_of.items()]
        say(f"handoff: {done['assigned']} leads routed, {done['overflow']} in overflow; the CRM reports back")
        deals = {k: deal(k, by_email[k].attributes, reporting) for k in reps_of}
        await _crm(router, plans, reps_of, tag, deals)
        landed = await _each([p for p in plans if p.steps()], lambda p: _applied(router, p, deadline))
        done["late"] = landed.count(False)
        done.update(touched=sum(bool(p.touch) for p in plans), untouched=sum(not p.touch for p in plans),
                    accepted=sum(p.decision == "accepted" for p in plans),
                    rejected=sum(p.decision == "rejected" for p in plans), converted=sum(p.converted for p in plans),
                    won=sum(p.closed == "won" for p in plans), lost=sum(p.closed == "lost" for p in plans))
    return done
