"""A stack of its own for tests that move the clock: a separate database and topic prefix on the
same real Kafka and PostgreSQL, with the services run in-process (their lifespan, httpx ASGI).

The session's running services use real time on the shared test database; a test that jumps its
clock ahead would fire their timers (or they its), so clock-moving tests get their own world.
"""

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import asyncpg
import httpx
from aiokafka.admin import AIOKafkaAdminClient
from fastapi import FastAPI

from services.cli.agreement import bootstrap_agreement
from services.cli.setup import run_migrations, seed_reps
from services.router.bootstrap import create_app as create_router
from services.router.config import RouterSettings
from services.scorer.bootstrap import create_app as create_scorer
from services.scorer.config import ScorerSettings
from services.shared.config import Settings
from services.shared.db import init_connection
from services.shared.kafka import all_topic_names, ensure_topics
from tests.support.stack import ROOT, TEST_ADMIN_KEY, recreate_database, start_service, wait_ready, with_database

EXAMPLE_AGREEMENT = ROOT / "deploy" / "agreements" / "example.yaml"


class ManualClock:
    """A clock that moves only when told to."""

    def __init__(self, start: datetime) -> None:
        self.at = start

    def __call__(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> datetime:
        self.at += timedelta(**delta)
        return self.at


@dataclass
class Isolated:
    settings: Settings
    clock: ManualClock
    auth = {"Authorization": f"Bearer {TEST_ADMIN_KEY}"}

    def topic(self, name) -> str:
        return self.settings.topic(name)

    @property
    def bootstrap(self) -> str:
        return self.settings.kafka_bootstrap

    def service_settings(self, kind: type[Settings], **overrides) -> Settings:
        return kind(**{**self.settings.model_dump(), **overrides})

    @asynccontextmanager
    async def db(self) -> AsyncIterator[asyncpg.Connection]:
        conn = await asyncpg.connect(self.settings.database_url)
        await init_connection(conn)
        try:
            yield conn
        finally:
            await conn.close()

    @asynccontextmanager
    async def router(self, **overrides) -> AsyncIterator[httpx.AsyncClient]:
        """A router app on this world's clock; its timers look every 0.1 s, its metrics every 0.2 s."""
        settings = self.service_settings(RouterSettings, **{"sla_tick_s": 0.1, "outbox_idle_wait_s": 0.2,
                                                            "sla_metrics_refresh_s": 0.2, **overrides})
        async with serving(create_router(settings, clock=self.clock)) as client:
            yield client

    @asynccontextmanager
    async def scorer(self, **overrides) -> AsyncIterator[httpx.AsyncClient]:
        settings = self.service_settings(ScorerSettings, outbox_idle_wait_s=0.2, **overrides)
        async with serving(create_scorer(settings, clock=self.clock)) as client:
            yield client


@asynccontextmanager
async def serving(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """Runs the app's lifespan (consumers, relay, timers) and talks to it over ASGI."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://in-process") as client:
            client.app = app
            yield client


@asynccontextmanager
async def isolated_stack(base: Settings, name: str, reps: Path, start: datetime,
                         agreement: Path = EXAMPLE_AGREEMENT) -> AsyncIterator[Isolated]:
    """A migrated database `<base db>_<name>` with `reps` and `agreement`, and topics of its own."""
    db_name = f"{base.database_url.rpartition('/')[2]}_{name}"
    await recreate_database(base.database_url, db_name)
    db_url = with_database(base.database_url, db_name)
    await run_migrations(db_url)
    await seed_reps(db_url, reps)
    await bootstrap_agreement(db_url, agreement)
    settings = base.model_copy(update={"database_url": db_url, "topic_prefix": f"{name}-{uuid.uuid4().hex[:8]}."})
    await ensure_topics(settings)
    try:
        yield Isolated(settings, ManualClock(start))
    finally:
        await drop_topics(settings)


@asynccontextmanager
async def isolated_services(base: Settings, name: str, env: dict[str, str], start: datetime,
                            reps: Path = ROOT / "tests" / "data" / "one-rep.yaml") -> AsyncIterator[Isolated]:
    """`isolated_stack` with a scorer and a router process of its own (`handoff serve`), started with
    `env` over the world's settings; their URLs on the world as `scorer_url` and `router_url`."""
    async with isolated_stack(base, name, reps, start) as iso:
        full = {"HANDOFF_DATABASE_URL": iso.settings.database_url, "HANDOFF_KAFKA_BOOTSTRAP": iso.bootstrap,
                "HANDOFF_TOPIC_PREFIX": iso.settings.topic_prefix, "HANDOFF_ADMIN_KEY": TEST_ADMIN_KEY,
                "HANDOFF_OUTBOX_IDLE_WAIT_S": "0.5", **env}
        procs = [start_service(service, full, ROOT / ".run" / "test-logs") for service in ("scorer", "router")]
        try:
            for proc in procs:
                await wait_ready(proc)
            iso.scorer_url, iso.router_url = procs[0].url, procs[1].url
            yield iso
        finally:
            for proc in procs:
                proc.terminate()


async def drop_topics(settings: Settings) -> None:
    """Deletes every topic of the settings' prefix (the contract topics and their DLQs)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    await admin.start()
    try:
        await admin.delete_topics(all_topic_names(settings))
    finally:
        await admin.close()
