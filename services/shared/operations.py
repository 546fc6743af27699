"""`handoff status`: what the person on call looks at first, gathered from the services, the broker
and the database (each part reported as unreachable rather than failing the whole report)."""

import asyncio
from collections.abc import Sequence
from typing import Any

import asyncpg
import httpx
from aiokafka import TopicPartition

from schemas.topics import Topic
from services.shared.config import Settings
from services.shared.dlq import dlq_depths
from services.shared.kafka import make_admin, make_consumer


def local_url(host: str, port: int) -> str:
    """Where to ask a service listening on `host`:`port` from this machine."""
    return f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}"  # everywhere: ask locally


async def _readiness(client: httpx.AsyncClient, url: str) -> dict[str, Any]:
    try:
        answer = await client.get(f"{url}/readyz")
    except httpx.HTTPError as exc:
        return {"url": url, "ready": False, "detail": f"unreachable ({type(exc).__name__})"}
    body = answer.json() if answer.headers.get("content-type", "").startswith("application/json") else {}
    failing = sorted(k for k, v in (body.get("checks") or {}).items() if v not in (True, "ok"))
    ready = answer.status_code == 200
    return {"url": url, "ready": ready,
            "detail": "ok" if ready else f"{answer.status_code}: {', '.join(failing) or 'not ready'}"}


async def consumer_lag(settings: Settings, groups: Sequence[tuple[str, Topic]]) -> list[dict[str, Any]]:
    """Per (group, topic): the records between the group's committed offsets and the topic's end;
    None while the group has committed nothing."""
    admin = make_admin(settings)
    reader = make_consumer(settings, "status", group_id=None)
    await admin.start()
    await reader.start()
    try:
        out = []
        for group, topic in groups:
            name = settings.topic(topic)
            [described] = await admin.describe_topics([name])
            partitions = [TopicPartition(name, p["partition"]) for p in described.get("partitions") or ()]
            ends = await reader.end_offsets(partitions) if partitions else {}
            committed = {tp: meta.offset for tp, meta in
                         (await admin.list_consumer_group_offsets(settings.group(group))).items()
                         if tp.topic == name and meta.offset >= 0}
            lag = sum(ends[tp] - committed.get(tp, 0) for tp in partitions) if committed else None
            out.append({"group": settings.group(group), "topic": name, "lag": lag})
        return out
    finally:
        await reader.stop()
        await admin.close()


async def _database(settings: Settings) -> dict[str, Any]:
    conn = await asyncpg.connect(settings.database_url, timeout=5)
    try:
        outboxes = {f"{schema}.outbox": int(await conn.fetchval(f"SELECT count(*) FROM {schema}.outbox"))
                    for schema in ("scorer", "router")}
        active = await conn.fetchrow("SELECT version, name FROM scorer.agreements WHERE status = 'active'"
                                     " ORDER BY version DESC LIMIT 1")
        overflow = int(await conn.fetchval("SELECT count(*) FROM router.overflow WHERE resolved_at IS NULL"))
        return {"outboxes": outboxes, "open_overflow": overflow,
                "agreement": {"version": active["version"], "name": active["name"]} if active else None}
    finally:
        await conn.close()


async def gather_status(settings: Settings, urls: dict[str, str], groups: Sequence[tuple[str, Topic]],
                        ) -> dict[str, Any]:
    """Readiness of the services at `urls` (by name), lag of `groups`, dead-letter and outbox depths, the agreement in
    force and the open overflow; `healthy` when both are ready and the broker and the database
    answered (dead letters stay until retention drops them, so their depth is reported, not judged)."""
    async with httpx.AsyncClient(timeout=5) as client:
        ready = await asyncio.gather(*(_readiness(client, url) for url in urls.values()))
    report: dict[str, Any] = {"services": dict(zip(urls, ready, strict=True))}
    try:
        report["consumer_groups"] = await consumer_lag(settings, groups)
        depths = await dlq_depths(settings, [settings.topic(t) for t in Topic])
        report["dead_letters"] = {f"{t}.dlq": n for t, n in depths.items()}
    except Exception as exc:  # noqa: BLE001 - the report says the broker is unreachable instead
        report["consumer_groups"], report["dead_letters"] = [], {"kafka": None}
        report["errors"] = [f"kafka: {exc!r}"]
    try:
        report.update(await _database(settings))
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        report.update({"outboxes": {"postgresql": None}, "agreement": None, "open_overflow": None})
        report.setdefault("errors", []).append(f"postgresql: {exc!r}")
    report["healthy"] = all(s["ready"] for s in report["services"].values()) and "errors" not in report
    return report
