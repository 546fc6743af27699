"""The split funnel: stages, halves, conversions and the CSV layout. Pure.

Marketing's half ends at sales-ready, the handoff is the routing, sales' half runs from the first
touch to the win. Each stage is a subset of the one before (a status report is a touch, a won lead
was converted, a converted lead was accepted), so a conversion is never above 100 %.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from services.router.reporting.domain.windows import percent

MARKETING, HANDOFF, SALES = "marketing", "handoff", "sales"
# (stage, half) in funnel order.
STAGES: tuple[tuple[str, str], ...] = (
    ("engaged", MARKETING), ("sales_ready", MARKETING), ("routed", HANDOFF),
    ("touched", SALES), ("accepted", SALES), ("converted", SALES), ("won", SALES),
)
STAGE_NAMES = tuple(name for name, _ in STAGES)
GROUPS = ("source", "campaign", "segment")
FORMATS = ("json", "csv")
# Company size bands over attributes.employees, as the example agreement's fit rules cut them:
# (label, lowest included, highest excluded or None). A missing or non-numeric value is UNKNOWN.
SEGMENT_BANDS: tuple[tuple[str, int, int | None], ...] = (
    ("small", 0, 50), ("mid_market", 50, 1000), ("enterprise", 1000, None))
UNKNOWN_SEGMENT = "unknown"
CSV_COLUMNS = ("group_by", "group", "total", "stage", "half", "count", "conversion_pct", "median_minutes_in_stage")
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class StageFigure:
    stage: str
    half: str
    count: int
    conversion_pct: float | None  # of the stage before; None for the first stage or an empty one before
    median_minutes_in_stage: float | None  # until the next stage, over the leads that reached it


def _minutes(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def stage_figures(counts: Mapping[str, int], medians: Mapping[str, float | None]) -> list[StageFigure]:
    """Each stage with its count, its conversion from the stage before and its median time (minutes)."""
    out, before = [], None
    for stage, half in STAGES:
        count = counts.get(stage, 0)
        out.append(StageFigure(stage, half, count, None if before is None else percent(count, before),
                               _minutes(medians.get(stage))))
        before = count
    return out


def safe_cell(value: object) -> str:
    """A CSV cell a spreadsheet shows as text: group names come from integrators, not from us."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


class StageRow(Protocol):
    """What a CSV row reads of a stage: a StageFigure, or the API's model made from one."""

    @property
    def stage(self) -> str: ...
    @property
    def half(self) -> str: ...
    @property
    def count(self) -> int: ...
    @property
    def conversion_pct(self) -> float | None: ...
    @property
    def median_minutes_in_stage(self) -> float | None: ...


def csv_rows(group_by: str, groups: Iterable[tuple[str | None, bool, Sequence[StageRow]]]) -> list[list[str]]:
    """One row per group and stage (the header first); `groups` is (group, is_total, stages)."""
    rows = [list(CSV_COLUMNS)]
    for group, total, stages in groups:
        for s in stages:
            rows.append([group_by, safe_cell(group), "true" if total else "false", s.stage, s.half, str(s.count),
                         *("" if v is None else str(v) for v in (s.conversion_pct, s.median_minutes_in_stage))])
    return rows
