"""Suggestion jobs: a row of scorer.suggestion_jobs, run by `python -m services.cli agreement suggest-job ID`.

The same pattern as the backtest jobs (services/scorer/backtest/jobs.py): the serving scorer stores the
job and starts the process; the process claims the row, beats, writes its step, stores the draft through
the agreements' own repository (a draft like any other, nothing activated) and ends the job `done` with
the report, `refused` with a guard's numbers, or `failed` with the error.
"""

import asyncio
import logging
import os
import socket
import sys
import uuid
from typing import Any

import asyncpg
import yaml

from services.agreement.text import dump_agreement
from services.scorer.agreements.store import AgreementRepository
from services.scorer.suggestions.domain.guards import Refused
from services.scorer.suggestions.run import run_suggestion
from services.scorer.suggestions.store import SuggestionJobRepository, SuggestionJobRow
from services.shared.config import Settings
from services.shared.db import create_pool

log = logging.getLogger(__name__)
HEARTBEAT_S = 10.0
_SUPERVISED: set["asyncio.Task[None]"] = set()


def draft_yaml(document: dict[str, Any], header: str = "") -> str:
    """The draft as YAML, in the document's order, with an optional comment on top."""
    comment = "".join(f"# {line}\n" for line in header.splitlines())
    return comment + yaml.safe_dump(document, sort_keys=False, allow_unicode=True)


def refusal(exc: Refused) -> dict[str, Any]:
    return {"code": exc.code, "message": exc.message, "numbers": dict(exc.numbers)}


async def store_draft(conn: asyncpg.Connection, document: dict[str, Any], who: str, role: str,
                      detail: dict[str, Any]) -> int:
    """Stores the suggestion as a draft through the agreements' repository, with its history line."""
    repo = AgreementRepository(conn)
    version = await repo.create(document["name"], document, "yaml", draft_yaml(document), who)
    await repo.record(version, "created", who, role, {"suggestion": detail})
    return version


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


async def checked(repo: SuggestionJobRepository, job_id: uuid.UUID) -> SuggestionJobRow | None:
    """The job, failed first if it is unfinished and its process is gone."""
    job = await repo.get(job_id)
    if job is None or job.status not in ("queued", "running"):
        return job
    if job.status == "running" and job.pid is not None and job.host == socket.gethostname() and not _alive(job.pid):
        ended = await repo.end(job_id, "failed", {"code": "lost", "message": f"the process (pid {job.pid}) is gone"})
    else:
        ended = await repo.end(job_id, "failed", {"code": "lost", "message": "the process stopped beating"},
                               stale=True)
    return await repo.get(job_id) if ended else job


def job_command(job_id: uuid.UUID) -> list[str]:
    return [sys.executable, "-m", "services.cli", "agreement", "suggest-job", str(job_id)]


async def launch(pool: asyncpg.Pool, job_id: uuid.UUID) -> None:
    """Starts the job's process with this process's environment and watches its exit status."""
    try:
        proc = await asyncio.create_subprocess_exec(*job_command(job_id), env=dict(os.environ),
                                                    stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL)
    except OSError as exc:
        async with pool.acquire() as conn:
            await SuggestionJobRepository(conn).end(job_id, "failed", {"code": "start", "message": str(exc)})
        return

    async def supervise() -> None:
        code = await proc.wait()
        if code not in (0, 3):  # 3: refused, recorded by the job itself
            try:
                async with pool.acquire() as conn:
                    await SuggestionJobRepository(conn).end(
                        job_id, "failed", {"code": "exit", "message": f"the process exited with status {code}"})
            except (asyncpg.PostgresError, OSError, asyncpg.InterfaceError) as exc:
                log.warning("suggestion failure not recorded", extra={"job_id": str(job_id)}, exc_info=exc)

    task = asyncio.create_task(supervise(), name=f"suggestion-{job_id}")
    _SUPERVISED.add(task)
    task.add_done_callback(_SUPERVISED.discard)


async def _beat(pool: asyncpg.Pool, job_id: uuid.UUID) -> None:
    while True:
        await asyncio.sleep(HEARTBEAT_S)
        try:
            async with pool.acquire() as conn:
                await SuggestionJobRepository(conn).heartbeat(job_id)
        except (asyncpg.PostgresError, OSError) as exc:
            log.warning("suggestion heartbeat failed", extra={"job_id": str(job_id)}, exc_info=exc)


async def run_job(settings: Settings, job_id: uuid.UUID) -> int:
    """Claims and runs the job; 0 when done, 3 when refused, 1 when it failed or was not queued."""
    pool = await create_pool(settings.model_copy(update={"db_pool_min": 1, "db_pool_max": 3}))
    try:
        async with pool.acquire() as conn:
            job = await SuggestionJobRepository(conn).claim(job_id, os.getpid(), socket.gethostname())
        if job is None:
            return 1

        async def step(name: str, percent: float) -> None:
            async with pool.acquire() as conn:
                await SuggestionJobRepository(conn).progress(job_id, name, percent)

        beat = asyncio.create_task(_beat(pool, job_id))
        try:
            suggestion, base = await run_suggestion(
                pool, job.since, job.until, per_week=job.params.get("per_week"),
                exclude=job.params.get("exclude", ()), only=job.params.get("attributes", ()), on_step=step)
        except Refused as exc:
            async with pool.acquire() as conn:
                await SuggestionJobRepository(conn).end(job_id, "refused", refusal(exc))
            return 3
        except Exception as exc:
            log.exception("suggestion failed", extra={"job_id": str(job_id)})
            async with pool.acquire() as conn:
                await SuggestionJobRepository(conn).end(job_id, "failed", {"code": "error",
                                                                           "message": f"{type(exc).__name__}: {exc}"})
            return 1
        finally:
            beat.cancel()
        document = dump_agreement(suggestion.document)
        async with pool.acquire() as conn, conn.transaction():
            version = await store_draft(conn, document, job.requested_by, str(job.params.get("role", "ops")),
                                        {"job_id": str(job_id), "from_version": base})
            await SuggestionJobRepository(conn).finish(job_id, version, {**suggestion.report, "from_version": base})
        return 0
    finally:
        await pool.close()
