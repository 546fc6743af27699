"""What the CRM connector tests share: quick delivery retries against a local CRM, and a lead that asks
for a demo at the world's clock (so it is routed at once)."""

import orjson

from tests.support.events import engagement, unique_email

# Retries in fractions of a second, to a CRM on localhost.
QUICK_DELIVERY = {"delivery_allow_http_localhost": True, "delivery_backoff_base_s": 0.2,
                  "delivery_backoff_cap_s": 0.5, "delivery_poll_s": 0.2, "delivery_timeout_s": 3.0}


async def route_demo_request(world, scorer, tag: str) -> str:
    """Posts a demo request of a new lead through the scorer; returns its e-mail (the lead key)."""
    email = unique_email(tag).lower()
    event = engagement(email, "demo_request", occurred_at=world.clock().isoformat())
    response = await scorer.post("/v1/events", content=orjson.dumps(event),
                                 headers={**world.auth, "content-type": "application/cloudevents+json"})
    assert response.status_code == 202, response.text
    return email
