"""SQL of CRM connectors: their mappings and delivery subscription, reps' CRM owners, leads' CRM records."""

from collections.abc import Sequence
from typing import cast

import asyncpg
import orjson

from services.router.connectors.domain.mappings import Mappings


def subscription_id(connector: str) -> str:
    """The delivery subscription a connector sends through: its log and replays are the subscription's."""
    return f"crm-{connector}"


class ConnectorRepository:
    def __init__(self, conn: asyncpg.Connection | asyncpg.Pool) -> None:
        self._conn = conn

    async def save(self, connector: str, mappings: Mappings, url: str, event_types: Sequence[str],
                   active: bool) -> None:
        """Stores the mappings and the connector's subscription (no signing secret: it signs nothing)."""
        await self._conn.execute(
            "INSERT INTO router.connectors (connector, mappings) VALUES ($1, $2::jsonb)"
            " ON CONFLICT (connector) DO UPDATE SET mappings = excluded.mappings, updated_at = now()",
            connector, orjson.dumps(mappings.model_dump()).decode())
        await self._conn.execute(
            "INSERT INTO router.subscriptions (subscription_id, url, event_types, description, active, secret,"
            " connector) VALUES ($1, $2, $3, $4, $5, '', $6) ON CONFLICT (subscription_id) DO UPDATE SET"
            " url = excluded.url, event_types = excluded.event_types, active = excluded.active,"
            " connector = excluded.connector, updated_at = now()",
            subscription_id(connector), url, list(event_types), f"CRM connector: {connector}", active, connector)

    async def mappings(self, connector: str) -> Mappings | None:
        raw = await self._conn.fetchval("SELECT mappings FROM router.connectors WHERE connector = $1", connector)
        return Mappings.model_validate(orjson.loads(raw)) if raw is not None else None

    async def active(self, connector: str) -> bool:
        return bool(await self._conn.fetchval(
            "SELECT active FROM router.subscriptions WHERE subscription_id = $1", subscription_id(connector)))

    async def replace_owners(self, connector: str, owners: Sequence[tuple[str, str]]) -> int:
        """Makes `owners` ((rep_id, owner_id) pairs) the connector's whole mapping, in one statement each."""
        await self._conn.execute("DELETE FROM router.crm_owners WHERE connector = $1", connector)
        await self._conn.execute(
            "INSERT INTO router.crm_owners (connector, rep_id, owner_id)"
            " SELECT $1, r, o FROM unnest($2::text[], $3::text[]) AS t(r, o)",
            connector, [r for r, _ in owners], [o for _, o in owners])
        return len(owners)

    async def owners(self, connector: str) -> list[tuple[str, str]]:
        rows = await self._conn.fetch(
            "SELECT rep_id, owner_id FROM router.crm_owners WHERE connector = $1 ORDER BY rep_id", connector)
        return [(r["rep_id"], r["owner_id"]) for r in rows]

    async def owner_of(self, connector: str, rep_id: str) -> str | None:
        return cast(str | None, await self._conn.fetchval(
            "SELECT owner_id FROM router.crm_owners WHERE connector = $1 AND rep_id = $2", connector, rep_id))

    async def rep_of(self, connector: str, owner_id: str) -> str | None:
        return cast(str | None, await self._conn.fetchval(
            "SELECT rep_id FROM router.crm_owners WHERE connector = $1 AND owner_id = $2", connector, owner_id))

    async def link(self, connector: str, lead_key: str, external_id: str) -> None:
        """Remembers the CRM record the lead is (inbound events name only that)."""
        await self._conn.execute(
            "INSERT INTO router.crm_links (connector, lead_key, external_id) VALUES ($1, $2, $3)"
            " ON CONFLICT (connector, lead_key) DO UPDATE SET external_id = excluded.external_id, updated_at = now()",
            connector, lead_key, external_id)

    async def leads_of(self, connector: str, external_ids: Sequence[str]) -> dict[str, str]:
        """external id -> lead key, for the records Handoff has set an owner on."""
        rows = await self._conn.fetch(
            "SELECT external_id, lead_key FROM router.crm_links WHERE connector = $1"
            " AND external_id = ANY($2::text[])", connector, list(external_ids))
        return {r["external_id"]: r["lead_key"] for r in rows}

    async def current_rep(self, lead_key: str) -> str | None:
        """The rep of the lead's latest assignment (to tell our own owner write from a CRM user's)."""
        return cast(str | None, await self._conn.fetchval(
            "SELECT rep_id FROM router.assignments WHERE lead_key = $1 ORDER BY routed_at DESC, attempt DESC"
            " LIMIT 1", lead_key))

    async def known_reps(self, rep_ids: Sequence[str]) -> set[str]:
        rows = await self._conn.fetch("SELECT rep_id FROM router.reps WHERE rep_id = ANY($1::text[])", list(rep_ids))
        return {r["rep_id"] for r in rows}
