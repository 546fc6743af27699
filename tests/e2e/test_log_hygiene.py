"""What the running services write to their logs: no full email addresses, no secrets."""

import uuid

import httpx

from schemas.messages import CrmActivityEvent
from schemas.topics import Topic
from services.shared.cloudevents import STRUCTURED_HEADERS, encode
from tests.support.kafka import produce_raw, wait_for
from tests.support.stack import TEST_ADMIN_KEY


async def test_an_email_quoted_in_an_error_is_logged_masked(stack, services):
    email = f"secret-person-{uuid.uuid4().hex[:8]}@hygiene.example.com"
    event = CrmActivityEvent(id=str(uuid.uuid4()), source="crm-direct", data={
        "activity_id": f"hyg-{uuid.uuid4().hex}", "lead_key": email, "kind": "call",
        "occurred_at": "2026-01-05T10:00:00Z"})
    # An activity for a lead nobody routed: the router rejects it and says why in its log.
    await produce_raw(stack.bootstrap, stack.topic(Topic.CRM_ACTIVITY), encode(event), key=email.encode(),
                      headers=STRUCTURED_HEADERS)
    router_log = services.logs[1]

    async def masked_line_written():
        return "s***@hygiene.example.com" in router_log.read_text(errors="replace")
    assert await wait_for(masked_line_written)
    assert email not in router_log.read_text(errors="replace")


async def test_the_admin_key_never_reaches_the_logs(stack, services):
    async with httpx.AsyncClient() as client:
        await client.get(f"{services.router_url}/v1/reps", headers=services.auth)
        await client.get(f"{services.scorer_url}/v1/agreements", headers=services.auth)
    for log in services.logs:
        assert TEST_ADMIN_KEY not in log.read_text(errors="replace")
