"""The demo's money: deal sizes by company size in the lead's local currency, rates into EUR, and a
month of spend per campaign (a podcast among them that brings no lead at all). Pure.

Amounts come from a generator seeded by the lead's key, so they never move the week's other draws.
"""

import random
from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

REPORTING = "EUR"  # the example deployment's reporting currency (HANDOFF_REPORTING_CURRENCY's default)
# One unit in EUR, as ops would set them (PUT /v1/currency-rates).
RATES = {"USD": "0.92", "GBP": "1.17", "JPY": "0.0061", "AUD": "0.60", "CAD": "0.68", "SGD": "0.69"}
CURRENCY_OF = {"US": "USD", "IN": "USD", "BR": "USD", "ZA": "USD", "GB": "GBP", "JP": "JPY", "AU": "AUD",
               "CA": "CAD", "SG": "SGD"}  # the rest of the demo's countries buy in EUR
# (fewest employees, deal size range in EUR)
DEAL_BANDS = ((1000, (40_000, 150_000)), (50, (12_000, 48_000)), (0, (4_000, 12_000)))
# campaign -> (the source it runs on, spend per month, currency)
MONTHLY_SPEND: dict[str, tuple[str, int, str]] = {
    "benchmark-report-2026": ("hubspot", 18_000, "EUR"),
    "webinar-routing-101": ("hubspot", 6_000, "EUR"),
    "pricing-retargeting": ("linkedin-ads", 24_000, "USD"),
    "g2-comparison": ("g2", 9_000, "USD"),
    "partner-referrals": ("partner-portal", 4_000, "EUR"),
    "trial-nurture": ("product", 3_000, "EUR"),
    "podcast-revenue-talks": ("podcast", 12_000, "EUR"),  # is a podcast worth it? no lead comes from it
}


def _rounded(value: float, currency: str) -> Decimal:
    step = 10_000 if currency == "JPY" else 100
    return Decimal(max(step, round(value / step) * step))


def deal(lead_key: str, attributes: Mapping[str, Any], reporting: str = REPORTING) -> tuple[Decimal, Decimal, str]:
    """(the opportunity's amount, the amount it is won at, currency) for a lead; in `reporting` when the
    deployment reports in another currency than the demo's rates are for."""
    rng = random.Random(f"deal:{lead_key}")
    employees = attributes.get("employees")
    size = employees if isinstance(employees, int) else 0
    low, high = next(band for least, band in DEAL_BANDS if size >= least)
    in_eur = rng.uniform(low, high)
    currency = CURRENCY_OF.get(str(attributes.get("country")), "EUR") if reporting == REPORTING else reporting
    rate = float(RATES[currency]) if currency in RATES and reporting == REPORTING else 1.0
    negotiated = rng.uniform(0.85, 1.1)  # the win rarely lands on the opportunity's first figure
    return _rounded(in_eur / rate, currency), _rounded(in_eur * negotiated / rate, currency), currency


def _month(day: date) -> tuple[date, date]:
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)


def campaign_costs(today: date, reporting: str = REPORTING) -> list[dict[str, Any]]:
    """Each campaign's spend for this month and the one before (so the week is covered), as import rows."""
    this_month = _month(today)
    months = (_month(this_month[0] - timedelta(days=1)), this_month)
    rows = []
    for campaign, (source, monthly, currency) in MONTHLY_SPEND.items():
        priced_in = currency if reporting == REPORTING else reporting
        for start, end in months:
            rows.append({"campaign": campaign, "period_start": start.isoformat(), "period_end": end.isoformat(),
                         "source": source, "amount": str(monthly), "currency": priced_in})
    return rows
