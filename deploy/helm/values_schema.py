"""Writes the settings sections of deploy/helm/handoff/values.schema.json from the pydantic settings.

Run `.venv/bin/python deploy/helm/values_schema.py` after adding or changing a setting;
tests/deploy/test_helm_chart.py fails while the file and the settings disagree.
The rest of the schema (the chart's own structure) is written by hand in the same file.
"""

import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from services.router.config import RouterSettings  # noqa: E402
from services.scorer.config import ScorerSettings  # noqa: E402
from services.shared.config import Settings  # noqa: E402

SCHEMA_FILE = ROOT / "deploy" / "helm" / "handoff" / "values.schema.json"

# Settings the chart sets from values of its own (connections, secrets, files, the tier), not from
# a `config` section: the setting, and the value (or the template) that sets it.
CHART_MANAGED: dict[str, str] = {
    "kafka_bootstrap": "kafka.bootstrapServers",
    "kafka_security_protocol": "kafka.securityProtocol",
    "kafka_sasl_mechanism": "kafka.sasl.mechanism",
    "kafka_sasl_username": "kafka.sasl.username",
    "kafka_sasl_password": "kafka.sasl.passwordSecret",
    "kafka_ssl_ca_file": "kafka.tls.caSecret (mounted)",
    "kafka_ssl_cert_file": "kafka.tls.clientSecret (mounted)",
    "kafka_ssl_key_file": "kafka.tls.clientSecret (mounted)",
    "database_url": "database.urlSecret",
    "topic_prefix": "kafka.topicPrefix",
    "topic_partitions": "kafka.partitions",
    "admin_key": "secrets.adminKey",
    "run_consumers": "the tier: false on ingest",
    "host": "always 0.0.0.0",
    "port": "scorer.port / router.port",
    "mautic_secret": "secrets.mauticSecret",
    "hubspot_client_secret": "secrets.hubspotClientSecret",
    "hubspot_token": "secrets.hubspotToken",
    "salesforce_client_secret": "secrets.salesforceClientSecret",
    "salesforce_private_key": "secrets.salesforcePrivateKey",
    "salesforce_outbound_token": "secrets.salesforceOutboundToken",
    "segment_secret": "secrets.segmentSecret",
    "webhook_secret": "secrets.webhookSecret",
    "secrets_key": "secrets.secretsKey",
    "review_slack_webhook_url": "secrets.reviewSlackWebhook",
    "integration_mappings": "integrationMappings (a ConfigMap, mounted)",
}
_DROP = {"title", "format", "writeOnly"}


def section_fields(cls: type[Settings], base: type[Settings] | None) -> list[str]:
    """The settings of `cls` (less those of `base`) that a `config` section carries."""
    inherited = set(base.model_fields) if base else set()
    return [name for name in cls.model_fields if name not in inherited and name not in CHART_MANAGED]


def _clean(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _clean(v) for k, v in node.items() if k not in _DROP}
    if isinstance(node, list):
        return [_clean(v) for v in node]
    return node


def section_schema(cls: type[Settings], names: list[str]) -> dict[str, Any]:
    """An object of the given settings, each of its pydantic type or null (the service's default)."""
    properties = cls.model_json_schema()["properties"]
    out: dict[str, Any] = {}
    for name in names:
        field = _clean(properties[name])
        if not any(alt.get("type") == "null" for alt in field.get("anyOf", [])):
            default, description = field.pop("default", None), field.pop("description", None)
            field = {"anyOf": [field, {"type": "null"}]}
            if description:
                field["description"] = description
            if default is not None:
                field["default"] = default
        out[name] = field
    return {"type": "object", "additionalProperties": False, "properties": out}


def sections() -> dict[str, dict[str, Any]]:
    """The four settings sections: every process, the scorer (its ingest tier too), the router."""
    shared = section_fields(Settings, None)
    scorer = section_schema(ScorerSettings, shared + section_fields(ScorerSettings, Settings))
    return {
        "config": section_schema(Settings, shared),
        "scorer.config": scorer,
        "ingest.config": scorer,
        "router.config": section_schema(RouterSettings, shared + section_fields(RouterSettings, Settings)),
    }


def schema_with_sections(schema: dict[str, Any]) -> dict[str, Any]:
    """`schema` with its settings sections replaced by the generated ones."""
    for path, section in sections().items():
        node = schema
        for part in path.split(".")[:-1]:
            node = node["properties"][part]
        node["properties"][path.split(".")[-1]] = section
    return schema


if __name__ == "__main__":
    updated = schema_with_sections(json.loads(SCHEMA_FILE.read_text()))
    SCHEMA_FILE.write_text(json.dumps(updated, indent=2) + "\n")
    print(f"wrote {SCHEMA_FILE.relative_to(ROOT)}")
