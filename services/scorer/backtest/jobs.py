"""Backtest jobs: one row in scorer.backtest_jobs per request, run by an OS process of its own.

The scorer that takes the request stores the job (`queued`) and starts
`python -m services.cli agreement backtest-job <id>` with its own environment; that process claims the
row (`running`, with its pid and host), beats every few seconds, writes its progress every
PROGRESS_EVERY events and ends with the report (`done`) or the error (`failed`). The serving process
only waits for the child's exit status. A job whose process is gone is `failed` when noticed: by the
scorer that started it (a non-zero exit), by a read on the same host (its pid is gone), or by any read
once its heartbeat is a minute old (the host, or the scorer that was to start it, went away).
"""

import asyncio
import logging
import os
import socket
import sys
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

import asyncpg

from services.agreement.document import AgreementDocument
from services.scorer.backtest.run import run_backtest
from services.shared.config import Settings
from services.shared.db import create_pool

log = logging.getLogger(__name__)

MAX_UNFINISHED = 2  # jobs queued or running at once, over all scorers; more is 429
HEARTBEAT_S = 10.0
STALE_AFTER = timedelta(minutes=1)  # a job without a heartbeat this long has lost its process
PROGRESS_EVERY = 20_000  # events between progress writes
JobStatus = Literal["queued", "running", "done", "failed"]
_UNFINISHED = ("queued", "running")
_COLUMNS = ("job_id, status, draft_version, since, until, requested_by, pid, host, events_done, events_total,"
            " report, error, created_at, started_at, heartbeat_at, finished_at")


@dataclass(frozen=True)
class JobRow:
    job_id: uuid.UUID
    status: JobStatus
    draft_version: int
    since: datetime
    until: datetime
    requested_by: str
    pid: int | None
    host: str | None
    events_done: int
    events_total: int | None
    report: dict[str, Any] | None
    error: str | None
    created_at: datetime
    started_at: datetime | None
    heartbeat_at: datetime
    finished_at: datetime | None

    @property
    def percent(self) -> float | None:
        if self.status == "done":
            return 100.0
        if not self.events_total:
            return None
        return round(100.0 * self.events_done / self.events_total, 1)


@dataclass(frozen=True)
class JobSpec:
    """What the job process needs: the draft as it was asked for, and the window."""

    job_id: uuid.UUID
    document: dict[str, Any]
    draft_version: int
    since: datetime
    until: datetime


class JobRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def unfinished(self) -> int:
        """Jobs queued or running whose process still beats; call inside a transaction after `lock`."""
        return int(await self._conn.fetchval(
            "SELECT count(*) FROM scorer.backtest_jobs WHERE status = ANY($1::text[])"
            " AND heartbeat_at > now() - $2::interval", list(_UNFINISHED), STALE_AFTER))

    async def lock(self) -> None:
        """Serializes job creation (the limit is counted, then a row added) for this transaction."""
        await self._conn.execute("SELECT pg_advisory_xact_lock(hashtext('scorer.backtest_jobs'))")

    async def create(self, draft_version: int, document: dict[str, Any], since: datetime, until: datetime,
                     requested_by: str) -> JobRow:
        row = await self._conn.fetchrow(
            "INSERT INTO scorer.backtest_jobs (job_id, draft_version, document, since, until, requested_by)"
            f" VALUES ($1, $2, $3, $4, $5, $6) RETURNING {_COLUMNS}",
            uuid.uuid4(), draft_version, document, since, until, requested_by)
        return JobRow(*row)

    async def get(self, job_id: uuid.UUID) -> JobRow | None:
        row = await self._conn.fetchrow(f"SELECT {_COLUMNS} FROM scorer.backtest_jobs WHERE job_id = $1", job_id)
        return JobRow(*row) if row else None

    async def claim(self, job_id: uuid.UUID, pid: int, host: str) -> JobSpec | None:
        """Marks a queued job running in this process; None if it is not queued (any more)."""
        row = await self._conn.fetchrow(
            "UPDATE scorer.backtest_jobs SET status = 'running', pid = $2, host = $3, started_at = now(),"
            " heartbeat_at = now() WHERE job_id = $1 AND status = 'queued'"
            " RETURNING job_id, document, draft_version, since, until", job_id, pid, host)
        return JobSpec(*row) if row else None

    async def heartbeat(self, job_id: uuid.UUID) -> None:
        await self._conn.execute(
            "UPDATE scorer.backtest_jobs SET heartbeat_at = now() WHERE job_id = $1 AND status = 'running'", job_id)

    async def progress(self, job_id: uuid.UUID, done: int, total: int | None = None) -> None:
        await self._conn.execute(
            "UPDATE scorer.backtest_jobs SET events_done = $2, events_total = coalesce($3, events_total),"
            " heartbeat_at = now() WHERE job_id = $1 AND status = 'running'", job_id, done, total)

    async def finish(self, job_id: uuid.UUID, report: dict[str, Any]) -> None:
        await self._conn.execute(
            "UPDATE scorer.backtest_jobs SET status = 'done', report = $2, events_done = $3,"
            " finished_at = now(), heartbeat_at = now() WHERE job_id = $1 AND status = 'running'",
            job_id, report, int(report.get("events_replayed", 0)))

    async def fail(self, job_id: uuid.UUID, error: str, *, stale: bool = False) -> bool:
        """Marks an unfinished job failed (with `stale`, only if its heartbeat is old); whether it did."""
        result = await self._conn.execute(
            "UPDATE scorer.backtest_jobs SET status = 'failed', error = $2, finished_at = now()"
            " WHERE job_id = $1 AND status = ANY($3::text[]) AND (NOT $4 OR heartbeat_at <= now() - $5::interval)",
            job_id, error[:2000], list(_UNFINISHED), stale, STALE_AFTER)
        return str(result) != "UPDATE 0"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process has that pid now; the heartbeat decides
    return True


async def checked(repo: JobRepository, job_id: uuid.UUID) -> JobRow | None:
    """The job, failed first if it is unfinished and its process is gone."""
    job = await repo.get(job_id)
    if job is None or job.status not in _UNFINISHED:
        return job
    gone = job.status == "running" and job.pid is not None and job.host == socket.gethostname() \
        and not _alive(job.pid)
    if gone:
        failed = await repo.fail(job_id, f"the backtest process (pid {job.pid}) is gone")
    else:
        failed = await repo.fail(job_id, "the backtest process stopped beating", stale=True)
    return await repo.get(job_id) if failed else job


# --- in the serving scorer: start the process, wait for its exit status ---

_SUPERVISED: set["asyncio.Task[None]"] = set()  # referenced until done (asyncio keeps only weak ones)


def job_command(job_id: uuid.UUID) -> list[str]:
    return [sys.executable, "-m", "services.cli", "agreement", "backtest-job", str(job_id)]


async def launch(pool: asyncpg.Pool, job_id: uuid.UUID) -> None:
    """Starts the job's process with this process's environment; its log goes where ours goes."""
    try:
        proc = await asyncio.create_subprocess_exec(
            *job_command(job_id), env=dict(os.environ),
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL)
    except OSError as exc:
        log.error("backtest process did not start", extra={"job_id": str(job_id)}, exc_info=exc)
        async with pool.acquire() as conn:
            await JobRepository(conn).fail(job_id, f"the backtest process did not start: {exc}")
        return
    task = asyncio.create_task(_supervise(pool, job_id, proc), name=f"backtest-{job_id}")
    _SUPERVISED.add(task)
    task.add_done_callback(_SUPERVISED.discard)


async def _supervise(pool: asyncpg.Pool, job_id: uuid.UUID, proc: asyncio.subprocess.Process) -> None:
    code = await proc.wait()
    if code == 0:
        return
    try:
        async with pool.acquire() as conn:
            if await JobRepository(conn).fail(job_id, f"the backtest process exited with status {code}"):
                log.warning("backtest process failed", extra={"job_id": str(job_id), "status": code})
    except (asyncpg.PostgresError, OSError, asyncpg.InterfaceError) as exc:  # shutting down: a read notices
        log.warning("backtest failure not recorded", extra={"job_id": str(job_id)}, exc_info=exc)


# --- in the job's own process ---

async def _beat(pool: asyncpg.Pool, job_id: uuid.UUID) -> None:
    while True:
        await asyncio.sleep(HEARTBEAT_S)
        try:
            async with pool.acquire() as conn:
                await JobRepository(conn).heartbeat(job_id)
        except (asyncpg.PostgresError, OSError) as exc:
            log.warning("backtest heartbeat failed", extra={"job_id": str(job_id)}, exc_info=exc)


async def run_job(settings: Settings, job_id: uuid.UUID) -> bool:
    """Claims the job, runs the backtest, writes progress and the report or the error; True when done."""
    pool = await create_pool(settings.model_copy(update={"db_pool_min": 1, "db_pool_max": 3}))
    try:
        async with pool.acquire() as conn:
            spec = await JobRepository(conn).claim(job_id, os.getpid(), socket.gethostname())
        if spec is None:
            log.warning("backtest job not queued; nothing to run", extra={"job_id": str(job_id)})
            return False
        written = 0

        async def total(n: int) -> None:
            async with pool.acquire() as conn:
                await JobRepository(conn).progress(job_id, 0, n)

        async def progress(done: int) -> None:
            nonlocal written
            if done - written >= PROGRESS_EVERY:
                written = done
                async with pool.acquire() as conn:
                    await JobRepository(conn).progress(job_id, done)

        beat = asyncio.create_task(_beat(pool, job_id))
        try:
            report = await run_backtest(pool, AgreementDocument.model_validate(spec.document), spec.since,
                                        until=spec.until, draft_version=spec.draft_version,
                                        on_total=total, on_progress=progress)
        except Exception as exc:
            log.exception("backtest failed", extra={"job_id": str(job_id)})
            async with pool.acquire() as conn:
                await JobRepository(conn).fail(job_id, f"{type(exc).__name__}: {exc}")
            return False
        finally:
            beat.cancel()
        async with pool.acquire() as conn:
            await JobRepository(conn).finish(job_id, report)
        log.info("backtest done", extra={"job_id": str(job_id), "events": report["events_replayed"]})
        return True
    finally:
        await pool.close()
