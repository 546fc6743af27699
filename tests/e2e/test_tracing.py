"""One lead's way is one trace: the W3C trace context a client sends travels as the CloudEvents
`traceparent` extension through every hop (engagement, qualified, routed, follow-up, the delivery),
and each service exports its spans over OTLP/HTTP to a local collector when OTEL_* says so."""

import uuid
from datetime import UTC, datetime

import httpx
import orjson
import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from schemas.topics import Topic
from tests.support.events import engagement, unique_email
from tests.support.isolated import isolated_services
from tests.support.kafka import read_until, wait_for
from tests.support.receiver import Receiver
from tests.support.stack import TEST_ADMIN_KEY

AUTH = {"Authorization": f"Bearer {TEST_ADMIN_KEY}"}
TRACE_ID = uuid.uuid4().hex
CLIENT_SPAN = uuid.uuid4().hex[:16]
CLIENT_TRACEPARENT = f"00-{TRACE_ID}-{CLIENT_SPAN}-01"


@pytest.fixture(scope="module")
async def collector():
    server = await Receiver().start()  # answers 204 to the exports, keeps every body
    yield server
    await server.stop()


@pytest.fixture(scope="module")
async def world(stack, collector):
    """Scorer and router of their own, exporting spans to `collector`, delivering to localhost."""
    env = {"HANDOFF_DELIVERY_ALLOW_HTTP_LOCALHOST": "true", "HANDOFF_DELIVERY_POLL_S": "0.2",
           "OTEL_EXPORTER_OTLP_ENDPOINT": collector.url(""), "OTEL_BSP_SCHEDULE_DELAY": "200"}
    async with isolated_services(stack.settings, "tracing", env, datetime.now(UTC)) as iso:
        yield iso


@pytest.fixture(scope="module")
async def traced_lead(world):
    """One lead's demo request, posted with the client's trace context, delivered to a receiver."""
    receiver = await Receiver().start()
    async with httpx.AsyncClient(base_url=world.router_url, headers=AUTH) as router:
        sub = await router.post("/v1/subscriptions", json={"url": receiver.url("/crm"),
                                                           "event_types": ["handoff.lead.routed"]})
        assert sub.status_code == 201, sub.text
    email = unique_email("traced").lower()
    async with httpx.AsyncClient() as client:
        posted = await client.post(f"{world.scorer_url}/v1/events",
                                   content=orjson.dumps(engagement(email, "demo_request")),
                                   headers={**AUTH, "content-type": "application/cloudevents+json",
                                            "traceparent": CLIENT_TRACEPARENT})
    assert posted.status_code == 202, posted.text
    await wait_for(lambda: _async(bool(receiver.at("/crm"))), timeout=30)
    yield email, receiver
    await receiver.stop()


async def _async(value):
    return value


def _trace_id(traceparent: str) -> str:
    return traceparent.split("-")[1]


async def _record(world, topic: Topic, email: str, status: str | None = None) -> dict:
    def mine(rs):
        events = [orjson.loads(r.value) for r in rs if r.key == email.encode()]
        return [e for e in events if status is None or e["data"]["status"] == status]

    return mine(await read_until(world.bootstrap, world.settings.topic(topic), mine))[0]


@pytest.mark.parametrize(("topic", "status"), [(Topic.ENGAGEMENT, None), (Topic.QUALIFIED, None),
                                               (Topic.ROUTED, None), (Topic.FOLLOWUP, "assigned")])
async def test_every_event_of_the_leads_way_carries_the_clients_trace(world, traced_lead, topic, status):
    email, _ = traced_lead
    event = await _record(world, topic, email, status)
    assert _trace_id(event["traceparent"]) == TRACE_ID
    assert event["traceparent"].split("-")[2] != CLIENT_SPAN  # each hop's own span


async def test_the_delivery_carries_the_trace_in_its_body_and_its_headers(traced_lead):
    _, receiver = traced_lead
    [delivery] = receiver.at("/crm")
    assert _trace_id(orjson.loads(delivery.body)["traceparent"]) == TRACE_ID
    assert _trace_id(delivery.headers["traceparent"]) == TRACE_ID


def _spans(collector) -> list:
    spans = []
    for export in collector.at("/v1/traces"):
        request = ExportTraceServiceRequest.FromString(export.raw)
        for resource in request.resource_spans:
            service = next(a.value.string_value for a in resource.resource.attributes if a.key == "service.name")
            spans += [(service, s) for scope in resource.scope_spans for s in scope.spans]
    return spans


async def test_both_services_export_one_connected_trace_over_otlp(world, traced_lead, collector):
    def in_trace():
        return [(svc, s) for svc, s in _spans(collector) if s.trace_id.hex() == TRACE_ID]

    wanted = {("handoff-scorer", "handoff.ingest"), ("handoff-scorer", "handoff.emit handoff.lead.qualified"),
              ("handoff-router", "handoff.emit handoff.lead.routed"), ("handoff-router", "handoff.deliver")}
    await wait_for(lambda: _async(wanted <= {(svc, s.name) for svc, s in in_trace()}), timeout=30)
    spans = in_trace()
    ids = {s.span_id for _, s in spans} | {bytes.fromhex(CLIENT_SPAN)}
    assert all(s.parent_span_id in ids for _, s in spans), "every span's parent is in the same trace"
    ingest = next(s for svc, s in spans if s.name == "handoff.ingest")
    assert ingest.parent_span_id == bytes.fromhex(CLIENT_SPAN)


async def test_a_batch_span_links_the_traces_of_its_events(world, traced_lead, collector):
    await wait_for(lambda: _async(any(s.name.startswith("handoff.consume") and s.links
                                      for _, s in _spans(collector))), timeout=30)
    consume = [s for _, s in _spans(collector) if s.name.startswith("handoff.consume")]
    assert any(link.trace_id.hex() == TRACE_ID for s in consume for link in s.links)
