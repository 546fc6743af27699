"""SQL for what a routing decision needs: rules, accounts, pools (locked) and rep states."""

from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime
from typing import cast

import asyncpg

from services.router.routing.domain.accounts import Account
from services.router.routing.domain.availability import RepState
from services.router.routing.domain.rotation import MemberState
from services.router.routing.domain.routing import Pool
from services.router.routing.domain.rules import RoutingRule, RuleSet
from services.router.routing.domain.skills import SkillNeed
from services.router.sla.domain.business_clock import WorkingHours


def default_rules(default_pool: str) -> RuleSet:
    """Before sales ops stores a rule set: account owners first, then the default pool."""
    return RuleSet(rules=(
        RoutingRule(id="account_owner", kind="account_owner"),
        RoutingRule(id="default_pool", target_pool=default_pool),
    ))


class RoutingStateRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def current_rules(self, default_pool: str) -> tuple[int | None, RuleSet]:
        """The newest rule set and its version (None: the built-in default)."""
        row = await self._conn.fetchrow(
            "SELECT version, rules FROM router.rule_sets ORDER BY version DESC LIMIT 1")
        if row is None:
            return None, default_rules(default_pool)
        return row["version"], RuleSet.model_validate({"rules": row["rules"]})

    async def accounts_for(self, domains: Iterable[str]) -> list[Account]:
        rows = await self._conn.fetch(
            "SELECT a.account_id, a.owner_rep_id, a.key_account, a.name, array_agg(d.domain) AS domains,"
            " (SELECT x.rep_id FROM router.assignments x WHERE x.account_id = a.account_id AND x.status = 'open'"
            "  ORDER BY x.routed_at DESC LIMIT 1) AS worked_by"
            " FROM router.account_domains d JOIN router.accounts a USING (account_id)"
            " WHERE a.account_id IN (SELECT account_id FROM router.account_domains WHERE domain = ANY($1::text[]))"
            " GROUP BY a.account_id",
            list(domains),
        )
        return [Account(r["account_id"], tuple(r["domains"]), r["owner_rep_id"], r["key_account"], r["name"],
                        r["worked_by"])
                for r in rows]

    async def named_accounts(self) -> list[Account]:
        """Every account with its name, for leads that no domain matched (compared in memory with
        rapidfuzz: a scan of the names, fine for the tens of thousands of accounts of one sales team)."""
        rows = await self._conn.fetch(
            "SELECT a.account_id, a.owner_rep_id, a.key_account, a.name,"
            " ARRAY(SELECT d.domain FROM router.account_domains d WHERE d.account_id = a.account_id) AS domains,"
            " (SELECT x.rep_id FROM router.assignments x WHERE x.account_id = a.account_id AND x.status = 'open'"
            "  ORDER BY x.routed_at DESC LIMIT 1) AS worked_by"
            " FROM router.accounts a ORDER BY a.account_id")
        return [Account(r["account_id"], tuple(r["domains"]), r["owner_rep_id"], r["key_account"], r["name"],
                        r["worked_by"])
                for r in rows]

    async def pools(self, pool_ids: Iterable[str], *, lock: bool) -> dict[str, Pool]:
        """The pools with members and rotation state; `lock` holds them for this transaction."""
        ids = sorted(set(pool_ids))  # a fixed lock order: two routers never deadlock
        rows = await self._conn.fetch(
            "SELECT pool_id, respect_working_hours, virtual_time, distribution, skills FROM router.pools"
            f" WHERE pool_id = ANY($1::text[]) ORDER BY pool_id{' FOR UPDATE' if lock else ''}", ids)
        # A statement of its own, after the lock is granted: in the same statement its snapshot would
        # predate the wait, and miss the rotation the router that held the lock has just committed.
        members = await self._conn.fetch(
            "SELECT pool_id, rep_id, weight, pass_value FROM router.pool_members WHERE pool_id = ANY($1::text[])",
            ids)
        by_pool: dict[str, list[MemberState]] = {}
        for m in members:
            by_pool.setdefault(m["pool_id"], []).append(MemberState(m["rep_id"], m["weight"], m["pass_value"]))
        return {r["pool_id"]: Pool(r["pool_id"], r["respect_working_hours"], tuple(by_pool.get(r["pool_id"], ())),
                                   r["virtual_time"], r["distribution"],
                                   tuple(SkillNeed.model_validate(s) for s in r["skills"])) for r in rows}

    async def rep_states(self, at: datetime, full_counts: Collection[str] = ()) -> dict[str, RepState]:
        """Every rep with calendar, leave, and open and today's counts (in the rep's own day), each
        counted up to the rep's cap on it; the reps in `full_counts` (members of least-busy pools)
        have every open lead counted, since that count is what their pool compares."""
        rows = await self._conn.fetch(
            "SELECT r.rep_id, r.active, r.time_zone, r.work_days, r.work_start, r.work_end, r.holidays,"
            " r.max_open, r.max_new_per_day, r.unavailable_since IS NOT NULL AS unavailable, r.skills, r.languages,"
            # The counts only ever meet the caps, so each stops at its cap (and is 0 without one):
            # counting every open lead of a busy rep on every batch grew with the table.
            " (SELECT count(*) FROM (SELECT 1 FROM router.assignments a WHERE a.rep_id = r.rep_id"
            "   AND a.status = 'open' LIMIT CASE WHEN r.rep_id = ANY($2::text[]) THEN NULL"
            "   ELSE coalesce(r.max_open, 0) END) o) AS open_count,"
            " (SELECT count(*) FROM (SELECT 1 FROM router.assignments a WHERE a.rep_id = r.rep_id AND a.routed_at >="
            "   (date_trunc('day', $1::timestamptz AT TIME ZONE r.time_zone) AT TIME ZONE r.time_zone)"
            "   LIMIT coalesce(r.max_new_per_day, 0)) n) AS new_today,"
            " ARRAY(SELECT ARRAY[o.starts_at, o.ends_at] FROM router.out_of_office o"
            "   WHERE o.rep_id = r.rep_id AND o.ends_at > $1 ORDER BY o.starts_at) AS leave"
            " FROM router.reps r", at, list(full_counts))
        return {r["rep_id"]: RepState(
            rep_id=r["rep_id"], active=r["active"], out_of_office=tuple((p[0], p[1]) for p in r["leave"]),
            max_open=r["max_open"], open_count=r["open_count"], max_new_per_day=r["max_new_per_day"],
            new_today=r["new_today"], unavailable=r["unavailable"], skills=r["skills"], languages=r["languages"],
            working_hours=WorkingHours(r["time_zone"], frozenset(r["work_days"]), r["work_start"], r["work_end"],
                                       frozenset(r["holidays"])),
        ) for r in rows}

    async def rep_time_zone(self, rep_id: str) -> str | None:
        return cast(str | None, await self._conn.fetchval(
            "SELECT time_zone FROM router.reps WHERE rep_id = $1", rep_id))

    async def save_rotation(self, pool_id: str, member: MemberState, virtual_time: float) -> None:
        await self.save_rotations([(pool_id, member)], {pool_id: virtual_time})

    async def save_rotations(self, members: Sequence[tuple[str, MemberState]],
                             virtual_times: Mapping[str, float]) -> None:
        """Each changed member's last pass and each pool's virtual time, in one statement."""
        await self._conn.execute(
            "WITH m AS (UPDATE router.pool_members pm SET pass_value = u.pass_value"
            "  FROM unnest($1::text[], $2::text[], $3::float8[]) AS u(pool_id, rep_id, pass_value)"
            "  WHERE pm.pool_id = u.pool_id AND pm.rep_id = u.rep_id)"
            " UPDATE router.pools p SET virtual_time = v.virtual_time"
            " FROM unnest($4::text[], $5::float8[]) AS v(pool_id, virtual_time) WHERE p.pool_id = v.pool_id",
            [p for p, _ in members], [m.rep_id for _, m in members], [m.pass_value for _, m in members],
            list(virtual_times), list(virtual_times.values()))
