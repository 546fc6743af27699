"""The ports scoring's handlers take: where engagement and lifecycle are written, and what scoring reads."""

from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from schemas.messages import EngagementEvent
from services.scorer.scoring.domain.intent import Signal
from services.scorer.scoring.domain.lifecycle import LeadStage
from services.scorer.scoring.scores import AccountChange, AccountRow, LeadRow, QualificationMark, ScoreRow, TouchRow
from services.scorer.scoring.store import Recorded
from services.shared.outbox import OutboxMessage


class LeadStore(Protocol):
    """Where engagement events, the leads' lifecycle stages and the events to publish are stored
    (ScorerRepository)."""

    async def record_engagements(self, events: Sequence[EngagementEvent], keys: Mapping[str, str]) -> Recorded: ...

    async def stages(self, keys: Sequence[str]) -> dict[str, LeadStage]: ...

    async def save_stages(self, stages: Sequence[LeadStage]) -> None: ...

    async def add_outbox(self, messages: Sequence[OutboxMessage]) -> None: ...


class ScoreStore(Protocol):
    """Identities, lead profiles, touch history, account sums and scores (ScoresRepository)."""

    async def known_identities(self, pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]: ...

    async def link_identity(self, source: str, external_id: str, lead_key: str) -> str | None: ...

    async def merge_lead(self, old_key: str, new_key: str) -> bool: ...

    async def leads(self, keys: Sequence[str]) -> dict[str, LeadRow]: ...

    async def history(self, since: Mapping[str, datetime | None]) -> dict[str, list[TouchRow]]: ...

    async def accounts(self, keys: Collection[str]) -> dict[str, AccountRow]: ...

    async def contacts(self, account_key: str) -> dict[str, LeadRow]: ...

    async def change_accounts(self, version: int, half_life_days: float | None,
                              changes: Sequence[AccountChange]) -> None: ...

    async def save_states(self, version: int,
                          states: Mapping[str, tuple[dict[str, Any], datetime | None]]) -> None: ...

    async def save_scores(self, scores: Sequence[ScoreRow], marks: Sequence[QualificationMark] = ()) -> None: ...

    async def intent_signals(self, accounts: Collection[str]) -> dict[str, list[Signal]]: ...
