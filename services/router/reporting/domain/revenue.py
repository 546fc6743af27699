"""Revenue by group: the counts and sums the database gives, turned into rates, costs and a ranking. Pure.

Every amount is a Decimal in the reporting currency, summed exactly and rounded once, to cents, here.
A group with fewer than `min_sales_ready` sales-ready leads is flagged too few to judge: a handful of
leads swings each of its rates, so the ranking shows it but nobody should cut or double a channel on it.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_EVEN, Decimal

from services.router.reporting.domain.funnel import safe_cell

GROUPS = ("source", "campaign", "segment", "rep")
COSTED_GROUPS = ("source", "campaign")  # costs are imported per campaign, with the source it ran on
MIN_SALES_READY = 10
RANKED_BY = "won amount, then pipeline amount, then sales-ready leads (most first), then the group's name"
CENTS = Decimal("0.01")
CSV_COLUMNS = ("group_by", "group", "total", "rank", "too_few_to_judge", "leads", "sales_ready", "routed",
               "opportunities", "pipeline_amount", "won", "won_amount", "win_rate_pct", "average_deal", "cost",
               "cost_per_sales_ready", "cost_per_won", "return_on_spend", "unconverted_amounts")


@dataclass(frozen=True)
class RevenueTally:
    """What the database counts and sums for one group (or the totals)."""

    group: str | None
    leads: int
    sales_ready: int
    routed: int
    opportunities: int
    pipeline_amount: Decimal  # every opportunity's deal value, open, won or lost
    won: int
    won_amount: Decimal
    priced_won: int  # won deals that carry an amount (the average deal's divisor)
    cost: Decimal | None  # None: costs do not split by this grouping
    unconverted_amounts: int = 0  # amounts left out: their currency has no rate


@dataclass(frozen=True)
class RevenueFigures:
    group: str | None
    leads: int
    sales_ready: int
    routed: int
    opportunities: int
    pipeline_amount: Decimal
    won: int
    won_amount: Decimal
    win_rate_pct: float | None  # won of opportunities
    average_deal: Decimal | None  # won amount over the won deals with an amount
    cost: Decimal | None
    cost_per_sales_ready: Decimal | None
    cost_per_won: Decimal | None
    return_on_spend: Decimal | None  # won amount per unit of cost
    unconverted_amounts: int
    too_few_to_judge: bool
    rank: int | None = None  # 1 = the best; None for the totals


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENTS, rounding=ROUND_HALF_EVEN)


def _per(amount: Decimal | None, count: int) -> Decimal | None:
    return None if amount is None or count == 0 else cents(amount / count)


def figures(tally: RevenueTally, min_sales_ready: int = MIN_SALES_READY) -> RevenueFigures:
    """The group's rates and ratios; a ratio over nothing is None, never 0 or infinity."""
    cost = None if tally.cost is None else cents(tally.cost)
    return RevenueFigures(
        group=tally.group, leads=tally.leads, sales_ready=tally.sales_ready, routed=tally.routed,
        opportunities=tally.opportunities, pipeline_amount=cents(tally.pipeline_amount), won=tally.won,
        won_amount=cents(tally.won_amount),
        win_rate_pct=round(100 * tally.won / tally.opportunities, 1) if tally.opportunities else None,
        average_deal=_per(tally.won_amount, tally.priced_won), cost=cost,
        cost_per_sales_ready=_per(tally.cost, tally.sales_ready), cost_per_won=_per(tally.cost, tally.won),
        return_on_spend=None if not tally.cost else cents(tally.won_amount / tally.cost),
        unconverted_amounts=tally.unconverted_amounts, too_few_to_judge=tally.sales_ready < min_sales_ready)


def _order(f: RevenueFigures) -> tuple[Decimal, Decimal, int, bool, str]:
    return -f.won_amount, -f.pipeline_amount, -f.sales_ready, f.group is None, f.group or ""


def ranked(groups: Iterable[RevenueFigures]) -> list[RevenueFigures]:
    """The groups best first (RANKED_BY), each with its rank."""
    return [replace(f, rank=i) for i, f in enumerate(sorted(groups, key=_order), start=1)]


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def csv_rows(group_by: str, groups: Sequence[RevenueFigures], totals: RevenueFigures) -> list[list[str]]:
    """One row per group, best first, the totals last (the header first)."""
    rows = [list(CSV_COLUMNS)]
    for f, total in [*((g, False) for g in groups), (totals, True)]:
        rows.append([group_by, safe_cell(f.group), _cell(total), *(_cell(getattr(f, c)) for c in CSV_COLUMNS[3:])])
    return rows
