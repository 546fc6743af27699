"""The connector API: a CRM connector set up (its mappings, paused or not), its owner mapping imported."""

import csv
import io
from typing import Annotated, Any

import asyncpg
from fastapi import APIRouter, Depends, Path, Request
from pydantic import TypeAdapter

from services.router.config import RouterSettings, RouterSettingsDep
from services.router.connectors.domain.mappings import DEFAULTS, Connector
from services.router.connectors.domain.notes import CONNECTOR_EVENTS
from services.router.connectors.models import ConnectorIn, ConnectorOut, OwnerIn, OwnersOut
from services.router.connectors.store import ConnectorRepository, subscription_id
from services.router.connectors.wiring_http import api_base, credentials_set
from services.shared.auth import require_role
from services.shared.body import media_type, parse_json, read_limited, validate_items
from services.shared.deps import PoolDep
from services.shared.edge import edge
from services.shared.errors import ApiError, FieldError, error_responses

ConnectorName = Annotated[Connector, Path(description="`hubspot` or `salesforce`")]
_OWNERS = TypeAdapter(OwnerIn)
MAX_OWNERS = 10_000


async def _out(conn: asyncpg.Connection, connector: Connector, settings: RouterSettings) -> ConnectorOut:
    repo = ConnectorRepository(conn)
    mappings = await repo.mappings(connector)
    if mappings is None:
        raise ApiError(404, "not_found", f"connector {connector!r} is not set up: PUT /v1/connectors/{connector}")
    return ConnectorOut(connector=connector, active=await repo.active(connector),
                        credentials_set=credentials_set(settings, connector),
                        subscription_id=subscription_id(connector), event_types=CONNECTOR_EVENTS,
                        owners=len(await repo.owners(connector)), mappings=mappings)


async def _owner_rows(request: Request, limit: int) -> list[OwnerIn]:
    """The owner mapping from text/csv (header `rep_id,owner_id`) or a JSON array; 422 naming each bad row."""
    raw = await read_limited(request, limit)
    if media_type(request) == "text/csv":
        try:
            rows: Any = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
        except (UnicodeDecodeError, csv.Error) as exc:
            raise ApiError(400, "malformed", f"not UTF-8 CSV: {exc}") from exc
    elif media_type(request) == "application/json":
        rows = parse_json(raw)
        if not isinstance(rows, list):
            raise ApiError(400, "malformed", "send a JSON array of {rep_id, owner_id}")
    else:
        raise ApiError(415, "unsupported_media_type", "send text/csv or application/json")
    return validate_items(_OWNERS, rows, True, MAX_OWNERS, "owner")


def _repeats(owners: list[OwnerIn]) -> list[FieldError]:
    errors, seen = [], {"rep_id": set[str](), "owner_id": set[str]()}
    for index, owner in enumerate(owners):
        for name in ("rep_id", "owner_id"):
            value = getattr(owner, name)
            if value in seen[name]:
                errors.append(FieldError(field=f"[{index}].{name}", message=f"{value!r} is mapped twice"))
            seen[name].add(value)
    return errors


def connectors_router() -> APIRouter:
    router = APIRouter(tags=["crm connectors"])
    ops = [Depends(require_role("ops"))]

    @router.put("/v1/connectors/{connector}", response_model=ConnectorOut, dependencies=ops,
                responses=error_responses(401, 403, 422))
    async def put_connector(connector: ConnectorName, body: ConnectorIn, db: PoolDep,
                            settings: RouterSettingsDep) -> ConnectorOut:
        """Sets a connector up (or changes its mappings, or pauses it): routed leads then set their owner in the CRM."""
        async with db.acquire() as conn, conn.transaction():
            await ConnectorRepository(conn).save(connector, body.mappings or DEFAULTS[connector],
                                                 api_base(settings, connector), CONNECTOR_EVENTS, body.active)
            return await _out(conn, connector, settings)

    @router.get("/v1/connectors/{connector}", response_model=ConnectorOut, dependencies=ops,
                responses=error_responses(401, 403, 404))
    async def get_connector(connector: ConnectorName, db: PoolDep, settings: RouterSettingsDep) -> ConnectorOut:
        """A connector's mappings, whether its credentials are set, and how many reps have a CRM owner."""
        async with db.acquire() as conn:
            return await _out(conn, connector, settings)

    @router.put("/v1/connectors/{connector}/owners", response_model=OwnersOut, dependencies=ops,
                responses=error_responses(400, 401, 403, 404, 413, 415, 422), openapi_extra=edge("key", body="imports"))
    async def put_owners(connector: ConnectorName, request: Request, db: PoolDep,
                         settings: RouterSettingsDep) -> OwnersOut:
        """Replaces which CRM user each rep is, from text/csv (`rep_id,owner_id`) or a JSON array."""
        owners = await _owner_rows(request, settings.max_import_bytes)
        if errors := _repeats(owners):
            raise ApiError(422, "invalid", "each rep and each CRM owner is mapped once", errors)
        async with db.acquire() as conn, conn.transaction():
            repo = ConnectorRepository(conn)
            known = await repo.known_reps([o.rep_id for o in owners])
            unknown = [FieldError(field=f"[{i}].rep_id", message=f"no rep {o.rep_id!r}")
                       for i, o in enumerate(owners) if o.rep_id not in known]
            if unknown:
                raise ApiError(404, "not_found", "unknown rep", unknown)
            await repo.replace_owners(connector, [(o.rep_id, o.owner_id) for o in owners])
        return OwnersOut(connector=connector, owners=owners)

    @router.get("/v1/connectors/{connector}/owners", response_model=OwnersOut, dependencies=ops,
                responses=error_responses(401, 403))
    async def get_owners(connector: ConnectorName, db: PoolDep) -> OwnersOut:
        """Which CRM user each rep is."""
        pairs = await ConnectorRepository(db).owners(connector)
        return OwnersOut(connector=connector, owners=[OwnerIn(rep_id=r, owner_id=o) for r, o in pairs])

    return router

