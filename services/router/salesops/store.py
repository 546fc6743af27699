"""SQL of the sales-ops model: reps and their time off, pools, accounts, rule sets, the audit log.

Writes take a list and run one statement per table (jsonb_to_recordset / unnest), so an import of
a thousand reps costs the same few round trips as one PUT. Every replace bumps `version`.
"""

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any, cast

import asyncpg

from services.router.salesops.models import AccountFields, AccountOut, PoolIn, PoolOut, RepFields, RepOut

_REP_COLUMNS = ("rep_id", "name", "email", "team", "manager_id", "time_zone", "active", "work_days",
                "work_start", "work_end", "holidays", "max_open", "max_new_per_day", "skills", "languages")
_REP_TYPES = ("text", "text", "text", "text", "text", "text", "boolean", "smallint[]", "time", "time",
              "date[]", "integer", "integer", "jsonb", "jsonb")
_REP_SELECT = (
    "SELECT r.*, coalesce((SELECT jsonb_agg(jsonb_build_object('starts_at', o.starts_at,"
    " 'ends_at', o.ends_at) ORDER BY o.starts_at) FROM router.out_of_office o"
    " WHERE o.rep_id = r.rep_id), '[]') AS out_of_office FROM router.reps r"
)
_POOL_SELECT = (
    "SELECT p.*, coalesce((SELECT jsonb_agg(jsonb_build_object('rep_id', m.rep_id, 'weight', m.weight,"
    " 'pass_value', m.pass_value) ORDER BY m.rep_id) FROM router.pool_members m"
    " WHERE m.pool_id = p.pool_id), '[]') AS members FROM router.pools p"
)
_ACCOUNT_SELECT = (
    "SELECT a.*, coalesce((SELECT array_agg(d.domain ORDER BY d.domain) FROM router.account_domains d"
    " WHERE d.account_id = a.account_id), '{}') AS domains FROM router.accounts a"
)


def _upsert(table: str, key: str, columns: Sequence[str], types: Sequence[str], replace: bool) -> str:
    """INSERT ... SELECT FROM jsonb_to_recordset($1); replacing bumps the version. Names are ours, never input."""
    names = ", ".join(columns)
    record = ", ".join(f"{c} {t}" for c, t in zip(columns, types))
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c != key)
    action = (f"DO UPDATE SET {updates}, version = {table}.version + 1, updated_at = now()"
              if replace else "DO NOTHING")
    return (f"INSERT INTO {table} ({names}) SELECT {names} FROM jsonb_to_recordset($1::jsonb) AS t({record})"
            f" ON CONFLICT ({key}) {action} RETURNING {key}, (xmax = 0) AS created")


_UPSERT_REPS = _upsert("router.reps", "rep_id", _REP_COLUMNS, _REP_TYPES, replace=True)
_INSERT_REPS = _upsert("router.reps", "rep_id", _REP_COLUMNS, _REP_TYPES, replace=False)
_UPSERT_ACCOUNTS = _upsert("router.accounts", "account_id", ("account_id", "name", "owner_rep_id", "key_account"),
                           ("text", "text", "text", "boolean"), replace=True)


def _rep(record: asyncpg.Record) -> RepOut:
    r = dict(record)
    return RepOut(
        **{k: r[k] for k in ("rep_id", "name", "email", "team", "manager_id", "time_zone", "active",
                             "out_of_office", "skills", "languages",
                             "unavailable_since", "unavailable_reason", "version", "created_at",
                             "updated_at")},
        working_hours={"days": r["work_days"], "start": r["work_start"], "end": r["work_end"],
                       "holidays": r["holidays"]},
        capacity={"max_open": r["max_open"], "max_new_per_day": r["max_new_per_day"]},
    )


def _rep_row(rep: RepFields) -> dict[str, Any]:
    hours = rep.working_hours.model_dump(mode="json")
    return {**rep.model_dump(mode="json", include={"rep_id", "name", "email", "team", "manager_id",
                                                   "time_zone", "active", "skills", "languages"}),
            "work_days": hours["days"], "work_start": hours["start"], "work_end": hours["end"],
            "holidays": hours["holidays"], **rep.capacity.model_dump()}


class SalesOpsRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    # Reps
    async def reps(self, ids: Collection[str] | None = None, *, lock: bool = False,
                   active: bool | None = None) -> list[RepOut]:
        """Reps by id (all when None), ordered by id; `lock` holds them until the transaction ends."""
        rows = await self._conn.fetch(
            f"{_REP_SELECT} WHERE ($1::text[] IS NULL OR r.rep_id = ANY($1)) AND ($2::bool IS NULL"
            f" OR r.active = $2) ORDER BY r.rep_id{' FOR UPDATE OF r' if lock else ''}",
            None if ids is None else list(ids), active,
        )
        return [_rep(r) for r in rows]

    async def existing_rep_ids(self, ids: Collection[str] | None = None) -> set[str]:
        """Which of `ids` are reps (every rep id when None)."""
        rows = await self._conn.fetch("SELECT rep_id FROM router.reps WHERE $1::text[] IS NULL"
                                      " OR rep_id = ANY($1)", None if ids is None else list(ids))
        return {r["rep_id"] for r in rows}

    async def write_reps(self, reps: Sequence[RepFields], *, replace: bool = True) -> set[str]:
        """Creates (or replaces) reps with their out-of-office periods; returns the ids written."""
        sql = _UPSERT_REPS if replace else _INSERT_REPS
        written = {r["rep_id"] for r in await self._conn.fetch(sql, [_rep_row(r) for r in reps])}
        await self._conn.execute("DELETE FROM router.out_of_office WHERE rep_id = ANY($1::text[])", list(written))
        await self._conn.execute(
            "INSERT INTO router.out_of_office (rep_id, starts_at, ends_at) SELECT * FROM"
            " jsonb_to_recordset($1::jsonb) AS t(rep_id text, starts_at timestamptz, ends_at timestamptz)",
            [{"rep_id": r.rep_id, **p.model_dump(mode="json")}
             for r in reps if r.rep_id in written for p in r.out_of_office],
        )
        return written

    async def clear_unavailable(self, rep_id: str, at: datetime) -> bool:
        """Makes a rep set unavailable by the SLA clock available again; misses before `at` count no
        more. False when the rep was not unavailable."""
        row = await self._conn.fetchrow(
            "UPDATE router.reps SET unavailable_since = NULL, unavailable_reason = NULL, misses_counted_from = $2,"
            " version = version + 1, updated_at = now() WHERE rep_id = $1 AND unavailable_since IS NOT NULL"
            " RETURNING rep_id", rep_id, at)
        return row is not None

    async def deactivate_rep(self, rep_id: str) -> None:
        await self._conn.execute("UPDATE router.reps SET active = false, version = version + 1,"
                                 " updated_at = now() WHERE rep_id = $1 AND active", rep_id)

    # Pools
    async def pools(self, pool_id: str | None = None) -> list[PoolOut]:
        rows = await self._conn.fetch(f"{_POOL_SELECT} WHERE $1::text IS NULL OR p.pool_id = $1"
                                      " ORDER BY p.pool_id", pool_id)
        return [PoolOut(**dict(r)) for r in rows]

    async def put_pool(self, pool_id: str, pool: PoolIn) -> bool:
        """Creates or replaces a pool; kept members keep their pass, new ones join at the virtual time."""
        # The upsert locks the pool row, which is what orders routing decisions on this pool.
        row = await self._conn.fetchrow(
            "INSERT INTO router.pools (pool_id, name, respect_working_hours, distribution, unavailable_after_misses,"
            " skills) VALUES ($1, $2, $3, $4, $5, $6)"
            " ON CONFLICT (pool_id) DO UPDATE SET name = excluded.name, respect_working_hours ="
            " excluded.respect_working_hours, distribution = excluded.distribution,"
            " unavailable_after_misses = excluded.unavailable_after_misses, skills = excluded.skills,"
            " version = router.pools.version + 1, updated_at = now()"
            " RETURNING virtual_time, (xmax = 0) AS created",
            pool_id, pool.name, pool.respect_working_hours, pool.distribution, pool.unavailable_after_misses,
            [s.model_dump(exclude_defaults=True) for s in pool.skills],
        )
        ids, weights = list(pool.members), list(pool.members.values())
        await self._conn.execute("DELETE FROM router.pool_members WHERE pool_id = $1"
                                 " AND rep_id <> ALL($2::text[])", pool_id, ids)
        await self._conn.execute(
            "INSERT INTO router.pool_members (pool_id, rep_id, weight, pass_value)"
            " SELECT $1, r, w, $4 FROM unnest($2::text[], $3::int[]) AS t(r, w)"
            " ON CONFLICT (pool_id, rep_id) DO UPDATE SET weight = excluded.weight",
            pool_id, ids, weights, row["virtual_time"],
        )
        return cast(bool, row["created"])

    async def pool_member_counts(self) -> dict[str, int]:
        """Every pool with its number of active members (inactive ones can take no lead)."""
        rows = await self._conn.fetch(
            "SELECT p.pool_id, count(r.rep_id) FILTER (WHERE r.active) AS n FROM router.pools p"
            " LEFT JOIN router.pool_members m USING (pool_id) LEFT JOIN router.reps r USING (rep_id)"
            " GROUP BY p.pool_id")
        return {r["pool_id"]: r["n"] for r in rows}

    # Accounts
    async def accounts(self, ids: Collection[str] | None = None, *, lock: bool = False) -> list[AccountOut]:
        rows = await self._conn.fetch(
            f"{_ACCOUNT_SELECT} WHERE $1::text[] IS NULL OR a.account_id = ANY($1)"
            f" ORDER BY a.account_id{' FOR UPDATE OF a' if lock else ''}", None if ids is None else list(ids))
        return [AccountOut(**dict(r)) for r in rows]

    async def domain_owners(self, domains: Collection[str]) -> dict[str, str]:
        rows = await self._conn.fetch("SELECT domain, account_id FROM router.account_domains"
                                      " WHERE domain = ANY($1::text[])", list(domains))
        return {r["domain"]: r["account_id"] for r in rows}

    async def write_accounts(self, accounts: Sequence[AccountFields]) -> set[str]:
        """Creates or replaces accounts and their domains; returns the ids that were new."""
        rows = await self._conn.fetch(_UPSERT_ACCOUNTS, [a.model_dump(exclude={"domains"}) for a in accounts])
        ids = [a.account_id for a in accounts]
        await self._conn.execute("DELETE FROM router.account_domains WHERE account_id = ANY($1::text[])", ids)
        await self._conn.execute(
            "INSERT INTO router.account_domains (domain, account_id) SELECT * FROM unnest($1::text[], $2::text[])",
            [d for a in accounts for d in a.domains], [a.account_id for a in accounts for _ in a.domains])
        return {r["account_id"] for r in rows if r["created"]}

    # Rule sets
    async def add_rule_set(self, rules: list[dict[str, Any]], key_id: str) -> asyncpg.Record:
        return await self._conn.fetchrow("INSERT INTO router.rule_sets (rules, created_by) VALUES ($1, $2)"
                                         " RETURNING version, rules, created_by, created_at", rules, key_id)

    async def newest_rule_set(self) -> asyncpg.Record | None:
        return await self._conn.fetchrow("SELECT version, rules, created_by, created_at FROM router.rule_sets"
                                         " ORDER BY version DESC LIMIT 1")

    # Audit
    async def audit(self, entity: str, action: str, key_id: str,
                    snapshots: Sequence[tuple[str, int, dict[str, Any]]]) -> None:
        """One audit row per (entity id, version, snapshot after the change)."""
        await self._conn.execute(
            "INSERT INTO router.audit_log (entity, entity_id, version, action, key_id, after)"
            " SELECT $1, e, v, $2, $3, a FROM unnest($4::text[], $5::int[], $6::jsonb[]) AS t(e, v, a)",
            entity, action, key_id, [s[0] for s in snapshots], [s[1] for s in snapshots],
            [s[2] for s in snapshots],
        )

    async def audit_entries(self, entity: str | None, entity_id: str | None, limit: int) -> list[asyncpg.Record]:
        """Newest first; filters only on what is given, so the (entity, entity_id, id) index serves."""
        where, args = [], []
        for column, value in (("entity", entity), ("entity_id", entity_id)):
            if value is not None:
                args.append(value)
                where.append(f"{column} = ${len(args)}")
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        return cast(list[asyncpg.Record], await self._conn.fetch(
            f"SELECT id, entity, entity_id, version, action, key_id, at, after FROM router.audit_log{clause}"
            f" ORDER BY id DESC LIMIT ${len(args) + 1}", *args, limit))
