"""Settings read from `HANDOFF_*` environment variables (and an optional env file)."""

import os
from datetime import timedelta
from pathlib import Path
from typing import Literal, Self, TypeVar

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from schemas.topics import Topic


class Settings(BaseSettings):
    """What every Handoff process needs; each service extends it."""

    model_config = SettingsConfigDict(env_prefix="HANDOFF_", extra="ignore")

    kafka_bootstrap: str = "127.0.0.1:19092"
    kafka_linger_ms: int = Field(
        default=0, ge=0,
        description="How long the producer holds a record for others to join its request; sends made while"
                    " a request is in flight are batched anyway")
    # Kafka security, as Strimzi issues it (docs/deploy.md): TLS with the cluster CA, SCRAM users.
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    kafka_sasl_mechanism: Literal["SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN"] = "SCRAM-SHA-512"
    kafka_sasl_username: str | None = None
    kafka_sasl_password: SecretStr | None = None
    kafka_ssl_ca_file: Path | None = Field(
        default=None, description="PEM CA bundle the brokers' certificates are checked against (Strimzi:"
                                  " <cluster>-cluster-ca-cert, ca.crt); unset, the system's CAs")
    kafka_ssl_cert_file: Path | None = Field(default=None, description="Client certificate for mutual TLS")
    kafka_ssl_key_file: Path | None = Field(default=None, description="Its private key")

    @model_validator(mode="after")
    def _kafka_security_is_complete(self) -> Self:
        if self.kafka_security_protocol.startswith("SASL_") and not (
                self.kafka_sasl_username and self.kafka_sasl_password):
            raise ValueError("HANDOFF_KAFKA_SECURITY_PROTOCOL=SASL_* needs HANDOFF_KAFKA_SASL_USERNAME and _PASSWORD")
        if (self.kafka_ssl_cert_file is None) != (self.kafka_ssl_key_file is None):
            raise ValueError("HANDOFF_KAFKA_SSL_CERT_FILE and HANDOFF_KAFKA_SSL_KEY_FILE go together")
        return self

    database_url: str = "postgresql://handoff:handoff@127.0.0.1:55432/handoff"
    topic_prefix: str = Field(default="", description="Prepended to every topic and group name")
    topic_partitions: int = 12
    admin_key: SecretStr | None = Field(default=None, description="Bootstrap API key, role admin")
    secrets_key: SecretStr | None = Field(
        default=None, description="Fernet key(s) sealing secrets at rest (the router's subscription secrets);"
                                  " comma-separated, the first seals, all open (rotation: docs/security.md)")
    db_pool_min: int = 2
    db_pool_max: int = 10
    db_plan_cache_mode: Literal["auto", "force_custom_plan", "force_generic_plan"] = Field(
        default="force_custom_plan",
        description="PostgreSQL plan_cache_mode of the services' connections; custom plans see each batch's"
                    " array sizes and the tables' current size")
    run_consumers: bool = Field(
        default=True,
        description="false: this replica serves HTTP only (an ingest tier); other replicas run the consumers")
    consumer_batch_max: int = 500
    consumer_poll_ms: int = Field(
        default=1000, gt=0,
        description="How long an idle consumer loop waits for records before it looks again; a stop ends"
                    " the wait at once")
    consumer_retries: int = 3
    consumer_gather_ms: int = Field(
        default=250, ge=0,
        description="How long the broker gathers a batch for consumers off the routing path while records flow")
    consumer_linger_ms: int = Field(
        default=10, ge=0,
        description="How long the broker gathers a batch for the routing path's consumers while records flow"
                    " (the first record after a quiet spell is answered at once; 0: never gather)")
    consumer_commit_interval_ms: int = Field(
        default=1000, description="Offsets are committed at most this often while records keep coming")
    outbox_batch_max: int = 1000
    outbox_idle_wait_s: float = 1.0
    # The edge (services/shared/edge.py): caps and authentication before any body is read.
    max_body_bytes: int = Field(
        default=1_048_576, gt=0, description="Largest request body of a route without a cap of its own (and of ingest)")
    max_import_bytes: int = Field(default=8_388_608, gt=0, description="Largest body of the CSV/JSON imports")
    max_header_bytes: int = Field(default=16_384, gt=0, description="Largest total size of a request's headers")
    auth_failure_limit: int = Field(
        default=20, ge=1, description="Failed authentications per address (and per key) within the window, then 429")
    auth_failure_window_s: float = Field(default=60.0, gt=0, description="The window of auth_failure_limit")
    docs_enabled: bool = Field(default=False, description="Serve /docs, /redoc and /openapi.json")
    metrics_enabled: bool = Field(default=False, description="Serve /metrics (Prometheus), unauthenticated")
    kafka_max_message_bytes: int = Field(
        default=1_000_000, gt=0,
        description="Largest record a service produces (the broker's message.max.bytes, 1 MB by default, less"
                    " headroom): an event that would encode larger is refused with 413 before it is sent")
    clock_skew_s: float = Field(
        default=300, ge=0,
        description="How far in the future an occurrence (an engagement's or CRM activity's time) may be")
    log_level: str = "INFO"
    host: str = "127.0.0.1"

    @property
    def clock_skew(self) -> timedelta:
        """How far in the future an occurrence may be."""
        return timedelta(seconds=self.clock_skew_s)

    def topic(self, topic: Topic | str) -> str:
        """The deployed name of a contract topic."""
        return f"{self.topic_prefix}{topic}"

    def group(self, name: str) -> str:
        """The deployed name of a consumer group."""
        return f"{self.topic_prefix}{name}"


SettingsT = TypeVar("SettingsT", bound=Settings)


def load_settings(cls: type[SettingsT]) -> SettingsT:
    """Environment first, then the file named by HANDOFF_ENV_FILE (e.g. deploy/local/dev.env)."""
    env_file = os.environ.get("HANDOFF_ENV_FILE") or None
    return cls(_env_file=env_file)
