"""Currency rates and campaign costs, kept by ops: the inputs of the revenue report."""

from collections.abc import Collection, Sequence
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import ValidationError

from services.router.config import RouterSettingsDep
from services.router.salesops.importing import CsvLayout, ImportCheck, Row, read_rows
from services.router.salesops.models import ImportResult
from services.router.salesops.money_models import CostIn, CostOut, RatesIn, RatesOut
from services.router.salesops.money_store import MoneyRepository
from services.shared.auth import READERS, Principal, require_role
from services.shared.deps import PoolDep
from services.shared.documents import off_the_loop
from services.shared.edge import edge
from services.shared.errors import ApiError, FieldError, error_responses, field_errors

Writer = Annotated[Principal, Depends(require_role("ops"))]
Partial = Annotated[bool, Query(description="Import the valid rows and return the rejected ones")]
COST_CSV = CsvLayout(columns=("campaign", "period_start", "period_end", "source", "amount", "currency"),
                     key="campaign", nullable=frozenset({"source"}))


def _unconvertible(check: ImportCheck[CostIn], known: Collection[str]) -> None:
    """Rejects costs in a currency the deployment has no rate for."""
    for row, cost in list(check.good):
        if cost.currency not in known:
            check.reject(row, [("currency", f"no rate for {cost.currency!r}; known currencies: {sorted(known)}")])
    bad = {id(row) for row, _ in check.bad}
    check.good = [(row, cost) for row, cost in check.good if id(row) not in bad]


def _overlapping(check: ImportCheck[CostIn], stored: Sequence[CostOut]) -> None:
    """Rejects a period that shares a day with another of the same campaign (stored or earlier in the
    import): spend counted twice would halve every return. The same start replaces the stored row."""
    taken: dict[str, list[CostIn]] = {}
    for kept in stored:
        taken.setdefault(kept.campaign, []).append(kept)
    good: list[tuple[Row, CostIn]] = []
    for row, cost in check.good:
        periods = taken.setdefault(cost.campaign, [])
        clash = next((p for p in periods if p.period_start <= cost.period_end and cost.period_start <= p.period_end
                      and not (isinstance(p, CostOut) and p.period_start == cost.period_start)), None)
        if clash is not None:
            check.reject(row, [("period_start", f"overlaps {clash.period_start}..{clash.period_end} of campaign"
                                                f" {cost.campaign!r}")])
            continue
        periods[:] = [p for p in periods if p.period_start != cost.period_start] + [cost]
        good.append((row, cost))
    check.good = good


def check_costs(rows: Sequence[Row]) -> ImportCheck[CostIn]:
    """Each row validated on its own; a (campaign, period_start) given twice is refused the second time."""
    check: ImportCheck[CostIn] = ImportCheck("campaign", total=len(rows))
    seen: set[tuple[str, object]] = set()
    for row in rows:
        if row.problems or not isinstance(row.values, dict):
            check.reject(row, list(row.problems) or [("", "expected an object")])
            continue
        try:
            cost = CostIn.model_validate(row.values)
        except ValidationError as exc:
            check.reject(row, [(f.field.replace("(body)", ""), f.message) for f in field_errors(exc)])
            continue
        if (cost.campaign, cost.period_start) in seen:
            check.reject(row, [("period_start", f"{cost.campaign!r} from {cost.period_start} appears more than once"
                                                " in this import")])
        else:
            seen.add((cost.campaign, cost.period_start))
            check.good.append((row, cost))
    return check


def money_router() -> APIRouter:
    router = APIRouter(tags=["money"], responses=error_responses(401, 403))

    @router.get("/v1/currency-rates", response_model=RatesOut, dependencies=[Depends(READERS)])
    async def get_rates(db: PoolDep, settings: RouterSettingsDep) -> RatesOut:
        """The reporting currency and every rate into it."""
        async with db.acquire() as conn:
            return RatesOut(reporting_currency=settings.reporting_currency, rates=await MoneyRepository(conn).rates())

    @router.put("/v1/currency-rates", response_model=RatesOut, responses=error_responses(422))
    async def put_rates(body: RatesIn, who: Writer, db: PoolDep, settings: RouterSettingsDep) -> RatesOut:
        """Sets or replaces the given rates (units of the reporting currency per unit); the others stay."""
        if settings.reporting_currency in body.rates:
            raise ApiError(422, "invalid", "the reporting currency needs no rate", [FieldError(
                field=f"rates.{settings.reporting_currency}", message="is the reporting currency: its rate is 1")])
        async with db.acquire() as conn, conn.transaction():
            repo = MoneyRepository(conn)
            await repo.set_rates(body.rates, who.key_id)
            return RatesOut(reporting_currency=settings.reporting_currency, rates=await repo.rates())

    @router.get("/v1/campaign-costs", response_model=list[CostOut], dependencies=[Depends(READERS)])
    async def list_costs(db: PoolDep) -> list[CostOut]:
        """Every imported cost by campaign and period."""
        async with db.acquire() as conn:
            return await MoneyRepository(conn).costs()

    @router.post("/v1/campaign-costs/import", response_model=ImportResult,
                 responses=error_responses(400, 413, 415, 422), openapi_extra=edge("key", body="imports"))
    async def import_costs(request: Request, who: Writer, db: PoolDep, settings: RouterSettingsDep,
                           partial: Partial = False) -> ImportResult:
        """Sets spend per campaign and period from text/csv or a JSON array; all or nothing unless ?partial=true.

        A row for a stored (campaign, period_start) replaces it; periods of one campaign may not overlap."""
        rows = await read_rows(request, settings.max_import_bytes, COST_CSV)
        async with db.acquire() as conn, conn.transaction():
            repo = MoneyRepository(conn)
            check = await off_the_loop(check_costs, rows)
            _unconvertible(check, {settings.reporting_currency, *(r.currency for r in await repo.rates())})
            _overlapping(check, await repo.costs(sorted({c.campaign for _, c in check.good}), lock=True))
            costs = check.accepted(partial)
            if costs:
                await repo.write_costs(costs, who.key_id)
        return ImportResult(imported=len(costs), rejected=check.rejected)

    return router
