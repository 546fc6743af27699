"""SQL of outbound subscriptions. The signing secret leaves this module only on creation and to sign."""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import asyncpg

from services.router.deliveries.models import SubscriptionIn, SubscriptionOut

_COLUMNS = ("subscription_id, url, event_types, description, active, format, connector, created_at, updated_at,"
            " secret_rotated_at, CASE WHEN previous_secret_expires_at > now() THEN previous_secret_expires_at END"
            " AS previous_secret_expires_at")
_EDITABLE = ("url", "event_types", "description", "active", "format")


def _out(row: asyncpg.Record) -> SubscriptionOut:
    return SubscriptionOut(**dict(row))


class SubscriptionRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def create(self, subscription_id: str, body: SubscriptionIn, secret: str) -> SubscriptionOut:
        row = await self._conn.fetchrow(
            "INSERT INTO router.subscriptions (subscription_id, url, event_types, description, active, secret, format)"
            f" VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {_COLUMNS}",
            subscription_id, body.url, body.event_types, body.description, body.active, secret, body.format)
        return _out(row)

    async def all(self, active: bool | None = None) -> list[SubscriptionOut]:
        rows = await self._conn.fetch(
            f"SELECT {_COLUMNS} FROM router.subscriptions WHERE ($1::bool IS NULL OR active = $1)"
            " ORDER BY created_at, subscription_id", active)
        return [_out(r) for r in rows]

    async def get(self, subscription_id: str) -> SubscriptionOut | None:
        row = await self._conn.fetchrow(
            f"SELECT {_COLUMNS} FROM router.subscriptions WHERE subscription_id = $1", subscription_id)
        return _out(row) if row else None

    async def update(self, subscription_id: str, changes: dict[str, Any]) -> SubscriptionOut | None:
        """Sets the given editable fields; None when there is no such subscription."""
        names = [n for n in _EDITABLE if n in changes]
        sets = "".join(f", {n} = ${i}" for i, n in enumerate(names, start=2))  # names are ours, never input
        row = await self._conn.fetchrow(
            f"UPDATE router.subscriptions SET updated_at = now(){sets} WHERE subscription_id = $1"
            f" RETURNING {_COLUMNS}", subscription_id, *(changes[n] for n in names))
        return _out(row) if row else None

    async def delete(self, subscription_id: str) -> SubscriptionOut | None:
        """Removes it with its delivery log; pending deliveries are dropped."""
        row = await self._conn.fetchrow(
            f"DELETE FROM router.subscriptions WHERE subscription_id = $1 RETURNING {_COLUMNS}", subscription_id)
        return _out(row) if row else None

    async def rotate(self, subscription_id: str, sealed_secret: str, reseal: Callable[[str], str], now: datetime,
                     overlap: timedelta) -> SubscriptionOut | None:
        """Puts the new (sealed) secret in place; the one it replaces signs beside it until `now + overlap`
        (none with no overlap). None when there is no such webhook subscription."""
        async with self._conn.transaction():
            # A CRM connector's row signs nothing (its credentials are settings): no secret to rotate.
            current = await self._conn.fetchval(
                "SELECT secret FROM router.subscriptions WHERE subscription_id = $1 AND connector IS NULL"
                " FOR UPDATE", subscription_id)
            if current is None:
                return None
            previous, expires = (reseal(current), now + overlap) if overlap > timedelta(0) else (None, None)
            row = await self._conn.fetchrow(
                "UPDATE router.subscriptions SET secret = $2, previous_secret = $3, previous_secret_expires_at = $4,"
                f" secret_rotated_at = $5, updated_at = $5 WHERE subscription_id = $1 RETURNING {_COLUMNS}",
                subscription_id, sealed_secret, previous, expires, now)
        return _out(row)

    async def end_overlap(self, subscription_id: str) -> SubscriptionOut | None:
        """The previous secret stops signing now; None when there is no such subscription."""
        row = await self._conn.fetchrow(
            "UPDATE router.subscriptions SET previous_secret = NULL, previous_secret_expires_at = NULL,"
            f" updated_at = now() WHERE subscription_id = $1 RETURNING {_COLUMNS}", subscription_id)
        return _out(row) if row else None

    async def active_filters(self) -> list[tuple[str, list[str], str]]:
        """(subscription_id, event_types, format) of every active subscription, for the fan-out."""
        rows = await self._conn.fetch("SELECT subscription_id, event_types, format FROM router.subscriptions"
                                      " WHERE active ORDER BY subscription_id")
        return [(r["subscription_id"], list(r["event_types"]), r["format"]) for r in rows]

    async def alert_facts(self, assignment_ids: list[str], rep_ids: list[str]
                          ) -> tuple[dict[str, datetime | None], dict[str, tuple[str, str]]]:
        """Each assignment's first-touch due time, and each rep's (name, time zone), for chat alerts."""
        due = await self._conn.fetch("SELECT assignment_id, first_touch_due_at FROM router.assignments"
                                     " WHERE assignment_id = ANY($1::text[])", assignment_ids)
        reps = await self._conn.fetch("SELECT rep_id, name, time_zone FROM router.reps WHERE rep_id = ANY($1::text[])",
                                      rep_ids)
        return ({r["assignment_id"]: r["first_touch_due_at"] for r in due},
                {r["rep_id"]: (r["name"], r["time_zone"]) for r in reps})
