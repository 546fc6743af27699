"""Loading reps and pools from a file (`handoff seed`) through the same versioned, audited writes as the API."""

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import asyncpg

from services.router.salesops.models import PoolIn, RepIn
from services.router.salesops.store import SalesOpsRepository

SEED_KEY_ID = "cli-seed"  # who the audit log names for a seeded change


class Versioned(Protocol):
    """A stored sales-ops entity (rep, pool, account, rule set) as the API returns it."""

    version: int

    def model_dump(self, *, mode: str) -> dict[str, Any]: ...


def snapshots(items: Sequence[Versioned], key: str) -> list[tuple[str, int, dict[str, Any]]]:
    """Audit snapshots: (entity id, version, the entity after the change)."""
    return [(getattr(i, key), i.version, i.model_dump(mode="json")) for i in items]


def seed_document(doc: Mapping[str, Any]) -> tuple[list[RepIn], dict[str, PoolIn]]:
    """The reps and pools of a seed file, validated as the API validates them (ValidationError if not)."""
    reps = [RepIn.model_validate(rep) for rep in doc.get("reps") or []]
    pools = {p["pool_id"]: PoolIn.model_validate({k: v for k, v in p.items() if k != "pool_id"})
             for p in doc.get("pools") or []}
    return reps, pools


async def seed(conn: asyncpg.Connection, reps: Sequence[RepIn], pools: Mapping[str, PoolIn]) -> int:
    """Creates or replaces the reps, then the pools, each change versioned and audited; returns how many reps.
    Managers need not be reps (an escalation may go to anyone), so they are not checked here."""
    repo = SalesOpsRepository(conn)
    written = await repo.write_reps(reps)
    await repo.audit("rep", "imported", SEED_KEY_ID, snapshots(await repo.reps(written), "rep_id"))
    for pool_id, pool in pools.items():
        await repo.put_pool(pool_id, pool)
        await repo.audit("pool", "imported", SEED_KEY_ID, snapshots(await repo.pools(pool_id), "pool_id"))
    return len(written)
