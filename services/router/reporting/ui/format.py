"""How the dashboard writes numbers and lays out the funnel chart. Pure.

The browser test formats the API's numbers with these same functions and compares the text.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

NONE = "–"
CHART_WIDTH, LABEL_WIDTH, BAR_AREA, ROW_HEIGHT, ROW_GAP, HANDOFF_GAP = 820, 130, 360, 38, 8, 16


def count(n: int) -> str:
    return f"{n:,}"


def pct(value: float | None) -> str:
    """A percentage as the API gives it (one decimal), or a dash when there is none."""
    return NONE if value is None else f"{value:.1f}%"


def rate(value: float | None) -> str:
    """A 0..1 ratio as a percentage with one decimal."""
    return NONE if value is None else pct(round(100 * value, 1))


def duration(minutes: float | None) -> str:
    """Minutes in the unit a person reads best: seconds, minutes, hours or days."""
    if minutes is None:
        return NONE
    if minutes < 1:
        return f"{minutes * 60:.0f} s"
    if minutes < 90:
        return f"{minutes:.0f} min"
    if minutes < 48 * 60:
        return f"{minutes / 60:.1f} h"
    return f"{minutes / 1440:.1f} d"


def stage_label(stage: str) -> str:
    return stage.replace("_", "-")


@dataclass(frozen=True)
class Bar:
    stage: Any  # the FunnelStage it draws
    x: float
    y: float
    width: float


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    handoff_top: float  # the band around the routing step
    handoff_bottom: float
    height: float


def funnel_chart(stages: Sequence[Any]) -> Chart:
    """Centered bars, widths relative to the largest stage, with room around the handoff row."""
    top = max((s.count for s in stages), default=0) or 1
    bars, y, band = [], 0.0, [0.0, 0.0]
    for s in stages:
        if s.half == "handoff":
            y += HANDOFF_GAP
            band[0] = y - ROW_GAP / 2
        width = max(2.0, BAR_AREA * s.count / top)
        bars.append(Bar(s, LABEL_WIDTH + (BAR_AREA - width) / 2, y, width))
        y += ROW_HEIGHT + ROW_GAP
        if s.half == "handoff":
            band[1] = y - ROW_GAP / 2
            y += HANDOFF_GAP
    return Chart(bars, band[0], band[1], y)


@dataclass(frozen=True)
class CampaignRejections:
    campaign: str | None
    total: int
    reasons: list[tuple[str | None, int, bool | None]]  # (reason, count, listed in the agreement)


def rejections_by_campaign(counts: Iterable[Any]) -> list[CampaignRejections]:
    """The commitments report's rejection counts summed over sources, per campaign, most rejected first."""
    by_campaign: dict[str | None, dict[str | None, list[Any]]] = {}  # reason -> [count, listed]
    for r in counts:
        entry = by_campaign.setdefault(r.campaign, {}).setdefault(r.reason, [0, r.listed])
        entry[0] += r.count
    out = [CampaignRejections(c, sum(n for n, _ in reasons.values()),
                              sorted(((reason, n, listed) for reason, (n, listed) in reasons.items()),
                                     key=lambda x: (-x[1], x[0] or "")))
           for c, reasons in by_campaign.items()]
    return sorted(out, key=lambda c: (-c.total, c.campaign is None, c.campaign or ""))


def points(value: float) -> str:
    """Score points, as the scorer rounds them for people: one decimal."""
    return f"{value:,.1f}"


def money(value: Decimal | None) -> str:
    """An amount in the reporting currency, to cents, with thousands separators."""
    return NONE if value is None else f"{value:,.2f}"


def times(value: Decimal | None) -> str:
    """A return on spend: won per unit of cost."""
    return NONE if value is None else f"{value:.2f}×"
