"""Kafka clients and topics, made in lifespan (never at import)."""

import asyncio
import logging
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError
from aiokafka.helpers import create_ssl_context

from schemas.topics import Topic, dlq_topic
from services.shared.config import Settings

log = logging.getLogger(__name__)

# ROUTED: the router's outbound delivery reads it back (a DLQ topic is created for each of these).
CONSUMED_TOPICS = (Topic.ENGAGEMENT, Topic.QUALIFIED, Topic.CRM_ACTIVITY, Topic.FOLLOWUP, Topic.ROUTED, Topic.INTENT,
                   Topic.ACCOUNT_QUALIFIED)
# (fetch_min_bytes, fetch_max_wait_ms) of a consumer waiting for records: the broker answers as
# soon as one is there, else after 5 s, so an idle consumer costs it a fetch every 5 s. A longer
# wait delays nothing: aiokafka sends no fetch to a broker while one of its partitions still has
# records buffered, so every partition is in the fetch that waits, and a lost assignment cancels it.
LONG_POLL = (1, 5000)


def security_options(settings: Settings) -> dict[str, Any]:
    """The keyword arguments every aiokafka client of these settings takes to reach the brokers:
    the protocol, SASL (SCRAM) credentials, and an SSL context trusting the configured CA."""
    protocol = settings.kafka_security_protocol
    options: dict[str, Any] = {"security_protocol": protocol}
    if protocol.startswith("SASL_"):
        assert settings.kafka_sasl_password is not None  # the settings refuse SASL without credentials
        options.update(
            sasl_mechanism=settings.kafka_sasl_mechanism,
            # aiokafka names them after PLAIN, and takes them for SCRAM too.
            sasl_plain_username=settings.kafka_sasl_username,
            sasl_plain_password=settings.kafka_sasl_password.get_secret_value(),
        )
    if protocol.endswith("SSL"):
        options["ssl_context"] = create_ssl_context(
            cafile=settings.kafka_ssl_ca_file, certfile=settings.kafka_ssl_cert_file,
            keyfile=settings.kafka_ssl_key_file)
    return options


def make_producer(settings: Settings, **overrides: Any) -> AIOKafkaProducer:
    """The idempotent producer (acks=all), so a 202 or an outbox delete means durable."""
    options = dict(
        **security_options(settings),
        bootstrap_servers=settings.kafka_bootstrap,
        enable_idempotence=True,
        acks="all",
        linger_ms=settings.kafka_linger_ms,
        request_timeout_ms=15000,
        # Headroom over the records we check (kafka_max_message_bytes): the batch and header overhead.
        max_request_size=settings.kafka_max_message_bytes + 65_536,
    )
    options.update(overrides)
    return AIOKafkaProducer(**options)


def make_consumer(settings: Settings, group: str, **overrides: Any) -> AIOKafkaConsumer:
    """A manually committing consumer in `group`; subscribe it with a rebalance listener."""
    options = dict(
        **security_options(settings),
        bootstrap_servers=settings.kafka_bootstrap,
        group_id=settings.group(group),
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_poll_records=settings.consumer_batch_max,
        session_timeout_ms=30000,
        heartbeat_interval_ms=3000,
        max_poll_interval_ms=300000,
        # Starts long-polling; ConsumerLoop has the broker gather batches while records flow
        # (set_fetch_wait).
        fetch_min_bytes=LONG_POLL[0],
        fetch_max_wait_ms=LONG_POLL[1],
        # How long aiokafka's background fetcher sleeps when nothing has happened (default 200 ms):
        # a fetch answered, records taken and a rebalance wake it at once anyway. Five wake-ups a
        # second per idle consumer were a measurable share of an idle service's CPU.
        consumer_timeout_ms=1000,
        # A topic missing at subscribe time is found at the next refresh (default: 5 minutes).
        metadata_max_age_ms=15000,
    )
    options.update(overrides)
    return AIOKafkaConsumer(**options)


def make_admin(settings: Settings) -> AIOKafkaAdminClient:
    """An admin client (topic creation, the CLI's `handoff topics`)."""
    return AIOKafkaAdminClient(**security_options(settings), bootstrap_servers=settings.kafka_bootstrap)


def set_fetch_wait(consumer: AIOKafkaConsumer, min_bytes: int, max_wait_ms: int) -> None:
    """What the broker waits for before it answers the started consumer's next fetches: `min_bytes`
    of records or `max_wait_ms`, whichever comes first.

    aiokafka takes both only as constructor arguments, but its fetcher reads them anew for every
    request it builds, so they are changed there (aiokafka is pinned below 0.15;
    tests/integration/test_consumer_loop.py counts the fetches of both waits)."""
    fetcher = consumer._fetcher
    if not (hasattr(fetcher, "_fetch_min_bytes") and hasattr(fetcher, "_fetch_max_wait_ms")):
        raise RuntimeError("this aiokafka's fetcher has no _fetch_min_bytes / _fetch_max_wait_ms")
    fetcher._fetch_min_bytes, fetcher._fetch_max_wait_ms = min_bytes, max_wait_ms


def all_topic_names(settings: Settings) -> list[str]:
    """Every topic a deployment needs: the contract topics and the dead-letter ones."""
    names = [settings.topic(t) for t in Topic]
    names += [dlq_topic(settings.topic(t)) for t in CONSUMED_TOPICS]
    return names


async def ensure_topics(settings: Settings, timeout_s: float = 60) -> list[str]:
    """Creates missing topics and waits until every partition has a leader; returns those created."""
    admin = make_admin(settings)
    await admin.start()
    try:
        names = all_topic_names(settings)
        existing = set(await admin.list_topics())
        wanted = [n for n in names if n not in existing]
        if wanted:
            new = [NewTopic(n, settings.topic_partitions, 1) for n in wanted]
            try:
                await admin.create_topics(new)
            except TopicAlreadyExistsError:
                log.info("topics created concurrently by another process")
        await _wait_for_leaders(admin, names, timeout_s)
        return wanted
    finally:
        await admin.close()


async def _wait_for_leaders(admin: AIOKafkaAdminClient, names: list[str], timeout_s: float) -> None:
    # A just-started broker answers before new topics have leaders; consumers then see none.
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        described = await admin.describe_topics(names)
        ready = all(t["error_code"] == 0 and t["partitions"]
                    and all(p["leader"] >= 0 for p in t["partitions"]) for t in described)
        if ready:
            return
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"topics without leaders after {timeout_s}s")
        await asyncio.sleep(0.2)
