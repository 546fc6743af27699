"""Rep alerts in Slack and Teams formats on the real Kafka and PostgreSQL with a controlled clock:
assigned, warning, breach and reassignment, each posted to local receivers that check the shapes."""

import json
import uuid
from datetime import UTC, datetime

from schemas.messages import QualifiedEvent
from schemas.topics import Topic
from services.shared.cloudevents import STRUCTURED_HEADERS, encode
from tests.support.chat_shapes import slack_problems, teams_problems
from tests.support.isolated import isolated_stack
from tests.support.kafka import produce_raw, wait_for
from tests.support.receiver import Receiver
from tests.support.stack import ROOT

MONDAY_9 = datetime(2031, 3, 3, 8, 0, tzinfo=UTC)  # 09:00 in Berlin
REPS = ROOT / "tests" / "data" / "sla-reps.yaml"
STEPS = ("assigned", "sla_warning", "sla_breached", "reassigned")
PUBLIC = "https://handoff.example.com"


def _received(receiver: Receiver, n: int):
    async def enough() -> bool:
        return len(receiver.requests) >= n
    return enough


async def test_slack_and_teams_subscriptions_get_each_step_in_their_format(stack):
    receiver = await Receiver(checks={"/slack": slack_problems, "/teams": teams_problems}).start()
    try:
        async with isolated_stack(stack.settings, "chat", REPS, MONDAY_9) as world, \
                world.router(delivery_allow_http_localhost=True, public_base_url=PUBLIC, delivery_poll_s=0.2) as router:
            for fmt in ("slack", "teams"):
                created = await router.post("/v1/subscriptions", headers=world.auth, json={
                    "url": receiver.url(f"/{fmt}"), "format": fmt,
                    "event_types": [f"handoff.lead.followup:{s}" for s in STEPS]})
                assert created.status_code == 201 and created.json()["format"] == fmt, created.text
            lead = f"chat-{uuid.uuid4().hex[:6]}@example.com"
            event = QualifiedEvent(id=str(uuid.uuid4()), source="tests", data={
                "lead_key": lead, "source": "api", "qualified_at": world.clock(), "reason": "fast_track:demo_request",
                "tier": "hot", "agreement_version": 1})
            await produce_raw(world.bootstrap, world.topic(Topic.QUALIFIED), encode(event), key=lead.encode(),
                              headers=STRUCTURED_HEADERS)
            await wait_for(_received(receiver, 2), timeout=60)
            world.clock.advance(minutes=30)  # two warnings, the breach, the reassignment
            await wait_for(_received(receiver, 2 * 5), timeout=60)

        assert all(r.answer == 204 for r in receiver.requests), [(r.path, r.answer) for r in receiver.requests]
        assert {r.headers["content-type"] for r in receiver.requests} == {"application/json"}
        slack = [json.loads(r.body) for r in receiver.at("/slack")]
        teams = [json.loads(r.body) for r in receiver.at("/teams")]
        # Deliveries due together are sent side by side, so their order is not asserted.
        assert sorted(m["text"].split(":")[0] for m in slack) == sorted([
            "New lead for Ada (rep-ada)", "First touch due soon", "First touch due soon", "First-touch SLA missed",
            "Lead reassigned to Bo (rep-bo)"])
        link = f"{PUBLIC}/v1/leads/{lead}/timeline"
        (assigned,) = [m for m in slack if m["text"].startswith("New lead")]
        section = assigned["blocks"][0]["text"]["text"]
        assert "*Tier:* hot" in section and "Mon 3 Mar 2031 09:30 CET (Europe/Berlin)" in section
        assert link in assigned["blocks"][1]["elements"][0]["text"]
        (moved,) = [c for c in teams if c["title"].startswith("Lead reassigned to Bo (rep-bo)")]
        facts = {f["name"]: f["value"] for f in moved["sections"][0]["facts"]}
        assert (facts["Lead"], facts["Previously"], facts["Why"]) == (lead, "rep-ada", "sla_breached")
        assert facts["First touch due"] == "Mon 3 Mar 2031 10:00 CET (Europe/Berlin)"
        assert moved["potentialAction"][0]["targets"][0]["uri"] == link
    finally:
        await receiver.stop()
