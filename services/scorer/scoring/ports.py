"""The ports scoring's handlers take: where engagement and lifecycle are written, and what scoring reads."""

from collections.abc import Iterable, Mapping, Sequence
from datetime import timedelta
from typing import Protocol

from schemas.messages import EngagementEvent
from services.scorer.scoring.domain.lifecycle import LeadStage
from services.scorer.scoring.scores import LeadRow, QualificationMark, ScoreRow, TouchRow
from services.shared.outbox import OutboxMessage


class LeadStore(Protocol):
    """Where engagement events, the leads' lifecycle stages and the events to publish are stored
    (ScorerRepository)."""

    async def record_engagements(self, events: Sequence[EngagementEvent], keys: Mapping[str, str]) -> None: ...

    async def stages(self, keys: Sequence[str]) -> dict[str, LeadStage]: ...

    async def save_stages(self, stages: Sequence[LeadStage]) -> None: ...

    async def add_outbox(self, messages: Sequence[OutboxMessage]) -> None: ...


class ScoreStore(Protocol):
    """Identities, lead profiles, touch history, account sums and scores (ScoresRepository)."""

    async def known_identities(self, pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]: ...

    async def link_identity(self, source: str, external_id: str, lead_key: str) -> str | None: ...

    async def merge_lead(self, old_key: str, new_key: str) -> bool: ...

    async def leads(self, keys: Sequence[str]) -> dict[str, LeadRow]: ...

    async def touches(self, keys: Sequence[str], horizon: timedelta) -> dict[str, list[TouchRow]]: ...

    async def account_engagement(self, accounts: dict[str, str]) -> dict[str, float]: ...

    async def save_scores(self, scores: Sequence[ScoreRow], marks: Sequence[QualificationMark] = ()) -> None: ...
