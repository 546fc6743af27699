"""Fixtures for the real stack: a fresh test database, topics of this run, running services.

Tests that touch Kafka or PostgreSQL fail (never skip) when the stack is not there:
run them with `make test`, which starts it.
"""

import os
import uuid
from dataclasses import dataclass

import asyncpg
import pytest

from schemas.topics import Topic
from services.cli.agreement import bootstrap_agreement
from services.cli.setup import run_migrations, seed_reps
from services.shared.config import Settings, load_settings
from services.shared.db import init_connection
from services.shared.kafka import ensure_topics
from tests.support.isolated import drop_topics
from tests.support.kafka import end_offsets
from tests.support.stack import (
    ROOT,
    TEST_ADMIN_KEY,
    recreate_database,
    start_service,
    wait_ready,
    with_database,
)

# Its own database per suite run; HANDOFF_TEST_DB lets two suites share one machine.
TEST_DB = os.environ.get("HANDOFF_TEST_DB", "handoff_test")


@dataclass
class Stack:
    settings: Settings  # test database, this run's topic prefix, the test admin key

    @property
    def bootstrap(self) -> str:
        return self.settings.kafka_bootstrap

    def topic(self, name) -> str:
        return self.settings.topic(name)


@dataclass
class Services:
    scorer_url: str
    router_url: str
    auth: dict[str, str]
    logs: tuple = ()  # the processes' log files (scorer, router)


def _env_for(settings: Settings) -> dict[str, str]:
    return {
        "HANDOFF_DATABASE_URL": settings.database_url,
        "HANDOFF_KAFKA_BOOTSTRAP": settings.kafka_bootstrap,
        "HANDOFF_TOPIC_PREFIX": settings.topic_prefix,
        "HANDOFF_ADMIN_KEY": TEST_ADMIN_KEY,
        "HANDOFF_OUTBOX_IDLE_WAIT_S": "0.5",
        "HANDOFF_LOG_LEVEL": "INFO",
        "HANDOFF_ACCOUNT_HEAT_EVERY_S": "2",  # the dashboard's heating-up list, soon after a test's events
        # The session's services take many wrong keys on purpose (the role matrix); the limiter's own
        # tests start services with the real limit (tests/e2e/test_edge.py).
        "HANDOFF_AUTH_FAILURE_LIMIT": "1000000",
    }


@pytest.fixture(scope="session")
async def stack() -> Stack:
    """A fresh database (migrated) and fresh topics for this test run."""
    base = load_settings(Settings)
    try:
        conn = await asyncpg.connect(base.database_url, timeout=5)
        await conn.close()
    except (OSError, asyncpg.PostgresError) as exc:
        pytest.fail(f"PostgreSQL not reachable at {base.database_url} ({exc}); run `make test`")
    await recreate_database(base.database_url, TEST_DB)
    db_url = with_database(base.database_url, TEST_DB)
    await run_migrations(db_url)
    settings = base.model_copy(update={
        "database_url": db_url,
        "topic_prefix": f"test-{uuid.uuid4().hex[:8]}.",
        "admin_key": TEST_ADMIN_KEY,
    })
    try:
        await ensure_topics(settings)
    except Exception as exc:
        pytest.fail(f"Kafka not reachable at {settings.kafka_bootstrap} ({exc!r}); run `make test`")
    yield Stack(settings)
    await drop_topics(settings)


@pytest.fixture(scope="session")
async def db(stack: Stack) -> asyncpg.Pool:
    pool = await asyncpg.create_pool(stack.settings.database_url, min_size=1, max_size=4, init=init_connection)
    yield pool
    await pool.close()


@pytest.fixture
async def start_extra(stack: Stack):
    """Starts more service processes on the test database and topics; stops them after the test."""
    started = []

    async def start(name: str, **env: str):
        proc = start_service(name, {**_env_for(stack.settings), **env}, ROOT / ".run" / "test-logs")
        started.append(proc)
        await wait_ready(proc)
        return proc

    yield start
    for proc in started:
        proc.terminate()


@pytest.fixture(scope="session")
async def services(stack: Stack) -> Services:
    """Scorer and router as real processes (`handoff serve`) on the test database and topics."""
    await seed_reps(stack.settings.database_url, ROOT / "tests" / "data" / "one-rep.yaml")
    await bootstrap_agreement(stack.settings.database_url, ROOT / "deploy" / "agreements" / "example.yaml")
    env = _env_for(stack.settings)
    log_dir = ROOT / ".run" / "test-logs"
    procs = [start_service("scorer", env, log_dir), start_service("router", env, log_dir)]
    try:
        for proc in procs:
            await wait_ready(proc)
        yield Services(procs[0].url, procs[1].url, {"Authorization": f"Bearer {TEST_ADMIN_KEY}"},
                       tuple(p.log_path for p in procs))
    finally:
        for proc in procs:
            proc.terminate()


@pytest.fixture
async def untouched_topic(stack):
    """Asserts after the test that the engagement topic did not grow."""
    topic = stack.topic(Topic.ENGAGEMENT)
    before = await end_offsets(stack.bootstrap, topic)
    yield
    assert await end_offsets(stack.bootstrap, topic) == before
