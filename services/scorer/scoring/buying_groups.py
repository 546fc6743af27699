"""Sales-ready accounts: each scored contact's persona and fit kept per account, and an account
qualified once per agreement version when its buying group crosses the line (domain/accounts.py)."""

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import asyncpg

from schemas.events import AccountQualified
from schemas.messages import AccountQualifiedEvent, EngagementEvent
from services.agreement.active import Versioned
from services.scorer.scoring.domain.accounts import AccountView, account_ready
from services.shared.ids import derived_id

MAX_CONTACTS = 100


@dataclass(frozen=True)
class Member:
    account_key: str
    lead_key: str
    persona: str | None
    fit: float
    disqualified: bool
    scored_at: datetime


@dataclass(frozen=True)
class Group:
    """An account's engaged contacts under one version: the best fit, the personas, the contacts."""

    best_fit: float
    personas: tuple[str, ...]
    contacts: tuple[str, ...]


class BuyingGroupRepository:
    """All of the buying groups' SQL."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def record_members(self, version: int, members: Sequence[Member]) -> None:
        """Each contact's persona and fit under `version`, set-based."""
        if not members:
            return
        await self._conn.execute(
            "INSERT INTO scorer.account_members (account_key, lead_key, agreement_version, persona, fit,"
            " disqualified, scored_at) SELECT a, l, $1, p, f, d, s FROM unnest($2::text[], $3::text[], $4::text[],"
            " $5::float8[], $6::bool[], $7::timestamptz[]) AS m(a, l, p, f, d, s)"
            " ON CONFLICT (account_key, lead_key) DO UPDATE SET agreement_version = $1, persona = excluded.persona,"
            " fit = excluded.fit, disqualified = excluded.disqualified, scored_at = excluded.scored_at",
            version, [m.account_key for m in members], [m.lead_key for m in members], [m.persona for m in members],
            [m.fit for m in members], [m.disqualified for m in members], [m.scored_at for m in members])

    async def groups(self, version: int, accounts: Collection[str]) -> dict[str, Group]:
        """The buying group of each account, its contacts scored under `version` and not disqualified."""
        rows = await self._conn.fetch(
            "SELECT account_key, max(fit), coalesce(array_agg(DISTINCT persona) FILTER (WHERE persona IS NOT NULL),"
            " '{}'), (array_agg(lead_key ORDER BY scored_at DESC, lead_key))[1:$3]"
            " FROM scorer.account_members WHERE account_key = ANY($1::text[]) AND agreement_version = $2"
            " AND NOT disqualified GROUP BY account_key", sorted(accounts), version, MAX_CONTACTS)
        return {r[0]: Group(float(r[1]), tuple(sorted(r[2])), tuple(r[3])) for r in rows}

    async def qualify(self, version: int, account_key: str, at: datetime, event_id: str) -> bool:
        """Marks the account qualified under `version`; False when it was already."""
        return bool(await self._conn.fetchval(
            "INSERT INTO scorer.account_qualifications (account_key, agreement_version, qualified_at, event_id)"
            " VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING true", account_key, version, at, event_id))


class GroupStore(Protocol):
    """Where the buying groups are kept (BuyingGroupRepository)."""

    async def record_members(self, version: int, members: Sequence[Member]) -> None: ...

    async def groups(self, version: int, accounts: Collection[str]) -> dict[str, Group]: ...

    async def qualify(self, version: int, account_key: str, at: datetime, event_id: str) -> bool: ...


async def qualify_accounts(store: GroupStore, active: Versioned, members: Sequence[Member],
                           engagement: Mapping[str, float], triggers: Mapping[str, EngagementEvent],
                           source: str) -> list[AccountQualifiedEvent]:
    """Records the batch's contacts and qualifies each of their accounts that is now sales-ready.

    `engagement` is each account's decayed engagement at its latest contact's scoring time,
    `triggers` the event of that contact."""
    doc, version = active.document, active.version
    tier = doc.buying_group.tier
    await store.record_members(version, members)
    if tier is None or not engagement:
        return []
    out = []
    groups = await store.groups(version, engagement.keys())
    latest = {m.account_key: m for m in sorted(members, key=lambda m: m.scored_at)}
    for account, group in sorted(groups.items()):
        if account not in triggers or not account_ready(doc, AccountView(engagement[account], group.best_fit,
                                                                          group.personas)):
            continue
        trigger, at = triggers[account], latest[account].scored_at
        event_id = derived_id(trigger.dedupe_key, f"account-qualified:{account}:v{version}")
        if await store.qualify(version, account, at, event_id):
            data = AccountQualified(
                account_key=account, qualified_at=at, tier=tier, engagement_score=round(engagement[account], 4),
                fit_score=group.best_fit, personas=group.personas, contacts=group.contacts,
                lead_key=latest[account].lead_key, agreement_version=version)
            out.append(AccountQualifiedEvent(id=event_id, source=source, subject=account, time=at, data=data))
    return out
