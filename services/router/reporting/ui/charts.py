"""The dashboard's small trend charts: one series per chart over the weeks, with the agreement's line. Pure.

Inline SVG drawn by the template from these coordinates; no script, no build step, no CDN.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from services.router.reporting.ui.format import count, money, rate

WIDTH, HEIGHT, PAD = 240, 64, 6


@dataclass(frozen=True)
class Point:
    week: str  # the Monday, ISO
    value: Any  # as the API gives it (None: nothing to show that week)
    text: str  # as the page writes it
    x: float
    y: float | None


@dataclass(frozen=True)
class TrendChart:
    name: str
    title: str
    points: list[Point]
    target: Any  # the agreement's line, as the API gives it; None without one
    target_text: str
    target_y: float | None
    last_text: str  # the latest week's figure, written large


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def _chart(name: str, title: str, weeks: Sequence[Any], field: str, write: Callable[[Any], str],
           target: Any = None) -> TrendChart:
    values = [getattr(w, field) for w in weeks]
    top = max([v for v in (_number(x) for x in [*values, target]) if v is not None] + [0.0]) or 1.0
    step = (WIDTH - 2 * PAD) / max(len(weeks) - 1, 1)

    def y(value: Any) -> float | None:
        number = _number(value)
        return None if number is None else round(HEIGHT - PAD - (HEIGHT - 2 * PAD) * number / top, 1)

    points = [Point(w.week_start.isoformat(), v, write(v), round(PAD + i * step, 1), y(v))
              for i, (w, v) in enumerate(zip(weeks, values))]
    return TrendChart(name, title, points, target, write(target) if target is not None else "", y(target),
                      points[-1].text if points else write(None))


def trend_charts(weeks: Sequence[Any]) -> list[TrendChart]:
    """Sales-ready against the commitment, acceptance against its minimum, SLA on time, pipeline, won."""
    first = weeks[0] if weeks else None
    return [
        _chart("sales_ready", "sales-ready per week", weeks, "sales_ready", _count, first and first.commitment),
        _chart("acceptance_rate", "acceptance rate", weeks, "acceptance_rate", rate,
               first and first.min_acceptance_rate),
        _chart("on_time_share", "first touch on time", weeks, "on_time_share", rate),
        _chart("pipeline_amount", "pipeline opened", weeks, "pipeline_amount", _money),
        _chart("won_amount", "won", weeks, "won_amount", _money),
    ]


def _count(value: Any) -> str:
    return "–" if value is None else count(int(value))


def _money(value: Any) -> str:
    return money(None if value is None else Decimal(value))


def polyline(chart: TrendChart) -> str:
    """The SVG points of the weeks that have a value."""
    return " ".join(f"{p.x},{p.y}" for p in chart.points if p.y is not None)
