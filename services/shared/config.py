"""Settings read from `HANDOFF_*` environment variables (and an optional env file)."""

import os
from datetime import timedelta
from typing import Literal, TypeVar

from pydantic import Field, SecretStr
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
    database_url: str = "postgresql://handoff:handoff@127.0.0.1:55432/handoff"
    topic_prefix: str = Field(default="", description="Prepended to every topic and group name")
    topic_partitions: int = 12
    admin_key: SecretStr | None = Field(default=None, description="Bootstrap API key, role admin")
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
    max_body_bytes: int = 1_048_576
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
