"""Traces across the hops (OpenTelemetry): each hop's span is a child of the trace context the event
carries in the CloudEvents distributed-tracing extension (`traceparent`, `tracestate`), and the events
a hop emits carry its span's context on, so one lead's way from webhook to delivery is one trace.

Spans are made unless OTEL_SDK_DISABLED=true, so the context travels (in the events, on Kafka and in
deliveries); they are exported only when the standard variables ask for it: `OTEL_TRACES_EXPORTER=otlp` or an
`OTEL_EXPORTER_OTLP_ENDPOINT` / `..._TRACES_ENDPOINT` (OTLP over HTTP), `OTEL_SERVICE_NAME`, ...
"""

import os
import sys
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

import orjson
from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter
from opentelemetry.trace import Link, Span, SpanKind, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from schemas.envelope import CloudEvent

E = TypeVar("E", bound=CloudEvent)
_PROPAGATOR = TraceContextTextMapPropagator()
_TRACER = "handoff"


def exporter_from_environment(environ: Mapping[str, str] = os.environ) -> SpanExporter | None:
    """The OTLP/HTTP exporter when the standard variables ask for one, the console exporter for
    `OTEL_TRACES_EXPORTER=console`, else None (the default)."""
    wanted = environ.get("OTEL_TRACES_EXPORTER", "").strip().lower()
    if wanted == "none":
        return None
    if wanted == "console":  # the spec's value for stdout: one JSON line per span in the service's log
        from opentelemetry.sdk.trace.export import ConsoleSpanExporter

        return ConsoleSpanExporter(out=sys.stdout, formatter=lambda span: span.to_json(indent=None) + "\n")
    if wanted != "otlp" and not (environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
                                 or environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")):
        return None
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    return OTLPSpanExporter()  # reads OTEL_EXPORTER_OTLP_* itself


def configure_tracing(service: str, exporter: SpanExporter | None = None) -> TracerProvider | None:
    """Installs this process's tracer provider (once, at start-up: the CLI's `serve`); none with the
    standard OTEL_SDK_DISABLED=true, and then no trace context travels either."""
    if os.environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return None
    name = os.environ.get("OTEL_SERVICE_NAME") or f"handoff-{service}"
    provider = TracerProvider(resource=Resource.create({"service.name": name}))
    exporter = exporter if exporter is not None else exporter_from_environment()
    if exporter is not None:
        provider.add_span_processor(BatchSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    return provider


def tracer() -> trace.Tracer:
    return trace.get_tracer(_TRACER)


def context_of(event: CloudEvent | None = None, traceparent: str | None = None) -> Context | None:
    """The trace context an event (or a `traceparent` header) carries; None when it carries none
    (an invalid one counts as none, as W3C trace context says)."""
    carrier = {"traceparent": traceparent or (event.traceparent if event else None),
               "tracestate": event.tracestate if event else None}
    if not carrier["traceparent"]:
        return None
    found = _PROPAGATOR.extract({k: v for k, v in carrier.items() if v})
    return found if trace.get_current_span(found).get_span_context().is_valid else None


def carried(span: Span) -> dict[str, str]:
    """`span`'s context as the extension's attributes ({} when it records nothing)."""
    carrier: dict[str, str] = {}
    _PROPAGATOR.inject(carrier, trace.set_span_in_context(span))
    return {k: v for k, v in carrier.items() if k in ("traceparent", "tracestate")}


def stamped(event: E, span: Span) -> E:
    """`event` carrying `span`'s trace context on."""
    context = carried(span)
    return event.model_copy(update=context) if context else event


MAX_LINKS = 128  # the SDK's default span link limit: a batch span links this many of its events' traces


def links(events: Iterable[CloudEvent], limit: int = MAX_LINKS) -> list[Link]:
    """Links to the traces of `events` (a batch span belongs to many traces), the first `limit`."""
    out: list[Link] = []
    for event in events:
        if len(out) >= limit:
            break
        context = context_of(event)
        if context is not None:
            out.append(Link(trace.get_current_span(context).get_span_context()))
    return out


@contextmanager
def hop(name: str, parent: CloudEvent | None = None, *, traceparent: str | None = None,
        kind: SpanKind = SpanKind.INTERNAL, attributes: Mapping[str, Any] | None = None,
        current: bool = False) -> Iterator[Span]:
    """A span for one hop of one event's way: a child of the trace the event (or a header) carries,
    else of the current span, else a new trace. Made current only when asked: attaching a context
    costs more than the span (about 75 us against 40 on the ingest path)."""
    span = tracer().start_span(name, context=context_of(parent, traceparent), kind=kind,
                               attributes=attributes)
    try:
        if current:
            with trace.use_span(span, end_on_exit=False):
                yield span
        else:
            yield span
    except BaseException as exc:
        span.set_status(StatusCode.ERROR, repr(exc)[:200])
        raise
    finally:
        span.end()


def caused(name: str, cause: CloudEvent, event: E, **attributes: Any) -> E:
    """`event`, emitted because of `cause`, stamped with a span of its own in `cause`'s trace (the
    step that made it: scoring a lead, routing it, a follow-up)."""
    with hop(name, cause, attributes={"cloudevents.event_id": event.id, "cloudevents.event_type": event.type,
                                      **attributes}) as span:
        return stamped(event, span)


# --- a consumer batch: the events that caused what its handler emits -----------------------------

_CAUSES: ContextVar[Mapping[str, CloudEvent] | None] = ContextVar("handoff_trace_causes", default=None)


@contextmanager
def consuming(topic: str, consumer: str, causes: Mapping[str, CloudEvent]) -> Iterator[Span]:
    """The span of one consumer batch, linked to each event's trace; while it is current, what the
    handler puts in the outbox for a lead continues the trace of that lead's event in the batch
    (`causes`, by record key: every topic is keyed by lead key)."""
    with tracer().start_as_current_span(
            f"handoff.consume {topic}", kind=SpanKind.CONSUMER, links=links(causes.values()),
            attributes={"messaging.system": "kafka", "messaging.destination.name": topic,
                        "messaging.consumer.group.name": consumer,
                        "messaging.batch.message_count": len(causes)}) as span:
        token = _CAUSES.set(causes)
        try:
            yield span
        finally:
            _CAUSES.reset(token)


def continued(key: str, event: E) -> E:
    """`event`, about to be stored for publishing under `key`, stamped with a span in the trace of
    the batch's event for that key (else of the current span: a timer's, a request's)."""
    cause = (_CAUSES.get() or {}).get(key)
    if cause is None:
        with hop(f"handoff.emit {event.type}", attributes={"cloudevents.event_id": event.id}) as span:
            return stamped(event, span)
    return caused(f"handoff.emit {event.type}", cause, event)


def traceparent_in(payload: bytes | str) -> str | None:
    """The `traceparent` of a structured-mode event's JSON, if it has one."""
    try:
        found = orjson.loads(payload).get("traceparent")
    except (orjson.JSONDecodeError, AttributeError):
        return None
    return found if isinstance(found, str) else None
