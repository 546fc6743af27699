"""Trace context through the hops, with an in-memory exporter: what is a child of what, and when
spans are exported."""

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from schemas.envelope import CloudEvent
from services.shared import tracing

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT = "00f067aa0ba902b7"


@pytest.fixture
def spans(monkeypatch) -> InMemorySpanExporter:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    monkeypatch.setattr(tracing, "tracer", lambda: provider.get_tracer("handoff"))  # not the process's global
    return exporter


def event(traceparent: str | None = None, id: str = "e1") -> CloudEvent:
    return CloudEvent(id=id, source="tests", type="handoff.lead.qualified", traceparent=traceparent)


def test_no_exporter_unless_the_environment_asks_for_one():
    assert tracing.exporter_from_environment({}) is None
    assert tracing.exporter_from_environment({"OTEL_TRACES_EXPORTER": "none",
                                              "OTEL_EXPORTER_OTLP_ENDPOINT": "http://x:4318"}) is None


@pytest.mark.parametrize("environ", [{"OTEL_TRACES_EXPORTER": "otlp"},
                                     {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"},
                                     {"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://collector:4318/v1/traces"}])
def test_the_standard_variables_turn_the_otlp_exporter_on(environ):
    assert type(tracing.exporter_from_environment(environ)).__name__ == "OTLPSpanExporter"


def test_the_console_exporter_writes_one_json_line_per_span(capsys):
    import json

    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor

    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(tracing.exporter_from_environment(
        {"OTEL_TRACES_EXPORTER": "console"})))
    with provider.get_tracer("handoff").start_as_current_span("handoff.ingest"):
        pass
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 and json.loads(lines[0])["name"] == "handoff.ingest"


def test_an_unusable_traceparent_counts_as_none():
    assert tracing.context_of(event("not-a-traceparent")) is None
    assert tracing.context_of(event()) is None


def test_an_event_caused_by_another_continues_its_trace_with_a_span_of_its_own(spans):
    cause = event(f"00-{TRACE}-{PARENT}-01")
    made = tracing.caused("handoff.emit handoff.lead.routed", cause, event(id="e2"))
    [span] = spans.get_finished_spans()
    assert made.traceparent == f"00-{TRACE}-{span.context.span_id:016x}-01"
    assert span.parent is not None and f"{span.parent.span_id:016x}" == PARENT


def test_what_a_batch_emits_for_a_lead_continues_that_leads_event(spans):
    ada, bob = event(f"00-{TRACE}-{PARENT}-01", "a"), event(f"00-{'1' * 32}-{'2' * 16}-01", "b")
    with tracing.consuming("topic", "group", {"ada": ada, "bob": bob}):
        for_ada = tracing.continued("ada", event(id="out-a"))
        for_bob = tracing.continued("bob", event(id="out-b"))
    assert for_ada.traceparent.split("-")[1] == TRACE
    assert for_bob.traceparent.split("-")[1] == "1" * 32


def test_the_batch_span_links_every_events_trace(spans):
    with tracing.consuming("topic", "group", {"ada": event(f"00-{TRACE}-{PARENT}-01")}):
        pass
    [batch] = spans.get_finished_spans()
    assert [f"{link.context.trace_id:032x}" for link in batch.links] == [TRACE]


def test_what_is_emitted_without_a_cause_continues_the_current_span(spans):
    with tracing.hop("timer", current=True):
        made = tracing.continued("nobody", event(id="out"))
    timer = next(s for s in spans.get_finished_spans() if s.name == "timer")
    assert made.traceparent.split("-")[1] == f"{timer.context.trace_id:032x}"


def test_the_traceparent_of_a_structured_event_is_read_from_its_json():
    assert tracing.traceparent_in(b'{"id": "1", "traceparent": "00-ab-cd-01"}') == "00-ab-cd-01"
    assert tracing.traceparent_in("[1, 2]") is None
    assert tracing.traceparent_in(b"{not json") is None
