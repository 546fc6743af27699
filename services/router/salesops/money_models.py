"""Request and response models of the money ops keeps: currency rates and campaign costs."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, Field
from pydantic_core import InitErrorDetails

from schemas.bounds import Strict, problem
from schemas.money import Amount, CurrencyCode
from services.router.salesops.models import Label, Name

# One unit of a currency in the reporting currency; ten decimals keep even a weak currency exact enough.
Rate = Annotated[Decimal, Field(gt=0, max_digits=24, decimal_places=10, allow_inf_nan=False, examples=["1.0842"])]
MAX_RATES = 200  # more than there are currencies


class RatesIn(Strict):
    rates: dict[CurrencyCode, Rate] = Field(
        min_length=1, max_length=MAX_RATES,
        description="Currency -> how many units of the reporting currency one unit is worth; set or replaced")


class RateOut(BaseModel):
    currency: str
    rate: Decimal
    updated_at: datetime
    updated_by: str


class RatesOut(BaseModel):
    reporting_currency: str = Field(description="HANDOFF_REPORTING_CURRENCY: every report's amounts are in it")
    rates: list[RateOut]


class CostIn(Strict):
    """What one campaign cost over one period (dates, both included)."""

    campaign: Name = Field(description="As the engagement events name it")
    period_start: date
    period_end: date
    source: Label | None = Field(default=None, description="The channel it ran on, as leads' sources name it")
    amount: Amount
    currency: CurrencyCode

    def _problems(self) -> list[InitErrorDetails]:
        if self.period_end < self.period_start:
            return [problem(("period_end",), f"is before period_start {self.period_start}", str(self.period_end))]
        return []


class CostOut(CostIn):
    updated_at: datetime
    updated_by: str
