"""Generates `schemas/json/*.schema.json` and `schemas/asyncapi.yaml` from the models."""

import json
from pathlib import Path
from typing import Any

import yaml

from schemas.envelope import CloudEvent
from schemas.messages import (
    AccountQualifiedEvent,
    CrmActivityEvent,
    EngagementEvent,
    FollowupEvent,
    IntentEvent,
    QualifiedEvent,
    ReviewEvent,
    RoutedEvent,
)
from schemas.topics import Topic, dlq_topic

SCHEMA_DIR = Path(__file__).parent
EVENTS_BY_TOPIC = {
    Topic.ENGAGEMENT: EngagementEvent,
    Topic.QUALIFIED: QualifiedEvent,
    Topic.ROUTED: RoutedEvent,
    Topic.CRM_ACTIVITY: CrmActivityEvent,
    Topic.FOLLOWUP: FollowupEvent,
    Topic.INTENT: IntentEvent,
    Topic.ACCOUNT_QUALIFIED: AccountQualifiedEvent,
}
# Who writes and who reads each topic, for the AsyncAPI document.
ROLES = {
    Topic.ENGAGEMENT: ("scorer HTTP ingest, integrators", "scorer"),
    Topic.QUALIFIED: ("scorer", "router"),
    Topic.ROUTED: ("router", "CRM integrations"),
    Topic.CRM_ACTIVITY: ("router HTTP ingest, CRM integrations", "router"),
    Topic.FOLLOWUP: ("router", "ops, marketing, CRM, dashboards"),
    Topic.INTENT: ("scorer HTTP ingest (JSON, CSV), intent providers", "scorer"),
    Topic.ACCOUNT_QUALIFIED: ("scorer", "router"),
}
CONSUMED = (Topic.ENGAGEMENT, Topic.QUALIFIED, Topic.CRM_ACTIVITY, Topic.INTENT, Topic.ACCOUNT_QUALIFIED)


def _schema_file_name(event_type: str) -> str:
    return f"{event_type}.schema.json"


def json_schemas() -> dict[str, dict[str, Any]]:
    """File name -> JSON Schema, for the envelope and each typed event."""
    out = {"cloudevent.schema.json": CloudEvent.model_json_schema(mode="serialization")}
    for model in (*EVENTS_BY_TOPIC.values(), ReviewEvent):  # the review goes to subscriptions, on no topic
        event_type = model.model_fields["type"].default
        out[_schema_file_name(event_type)] = model.model_json_schema(mode="serialization")
    return out


def asyncapi() -> dict[str, Any]:
    """An AsyncAPI 3.0 document naming every topic, its message and its key."""
    channels: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for topic, model in EVENTS_BY_TOPIC.items():
        event_type = model.model_fields["type"].default
        name = event_type.replace(".", "_")
        writer, reader = ROLES[topic]
        messages[name] = {
            "name": event_type,
            "contentType": "application/cloudevents+json",
            "payload": {"$ref": f"./json/{_schema_file_name(event_type)}"},
            "bindings": {"kafka": {"key": {"type": "string", "description": "The lead key"}}},
        }
        channels[name] = {
            "address": topic.value,
            "description": f"Written by {writer}; read by {reader}. 12 partitions, keyed by lead key.",
            "messages": {name: {"$ref": f"#/components/messages/{name}"}},
        }
        if topic in CONSUMED:
            channels[f"{name}_dlq"] = {
                "address": dlq_topic(topic.value),
                "description": "Records that could not be processed; headers name the original "
                "topic, partition, offset and the error.",
            }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Handoff events",
            "version": "1.0.0",
            "description": "Every record is a CloudEvents 1.0 event in structured mode; binary "
            "mode (ce_* headers) is accepted on input.",
        },
        "defaultContentType": "application/cloudevents+json",
        "channels": channels,
        "components": {"messages": messages},
    }


def rendered() -> dict[Path, str]:
    """Path -> exact file text of every generated file."""
    files = {
        SCHEMA_DIR / "json" / name: json.dumps(schema, indent=2, sort_keys=True) + "\n"
        for name, schema in json_schemas().items()
    }
    files[SCHEMA_DIR / "asyncapi.yaml"] = yaml.safe_dump(asyncapi(), sort_keys=False, width=100)
    return files


def write_all() -> list[Path]:
    """Writes the generated files and returns their paths."""
    files = rendered()
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return list(files)
