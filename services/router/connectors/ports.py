"""The ports the inbound readers take: what Handoff knows of CRM records and owners, and a CRM record read."""

from collections.abc import Sequence
from typing import Any, Protocol


class Links(Protocol):
    async def leads_of(self, connector: str, external_ids: Sequence[str]) -> dict[str, str]: ...

    async def rep_of(self, connector: str, owner_id: str) -> str | None: ...

    async def current_rep(self, lead_key: str) -> str | None: ...


class RecordReader(Protocol):
    async def read(self, path: str, properties: list[str], associations: str | None = None) -> dict[str, Any]: ...


class Owners(Protocol):
    """What an outbound attempt looks up: the rep's CRM user, and who holds the lead now."""

    async def owner_of(self, connector: str, rep_id: str) -> str | None: ...

    async def current_rep(self, lead_key: str) -> str | None: ...
