"""Money on CRM outcomes: exact amounts, ISO 4217 currencies, and which outcomes carry them. Pure."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from schemas.events import CrmActivityRecorded
from schemas.money import ISO_4217
from services.router.crm.domain.activities import currency_problems, problems

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _activity(**data) -> CrmActivityRecorded:
    return CrmActivityRecorded(**{"activity_id": "a-1", "lead_key": "ada@example.com", "kind": "status",
                                  "status": "won", "occurred_at": NOW, **data})


def _error_fields(**data) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        _activity(**data)
    return [".".join(str(p) for p in e["loc"]) for e in caught.value.errors()]


def test_a_won_deal_keeps_its_amount_exactly_as_a_decimal():
    activity = _activity(amount="12500.10", currency="USD")
    assert activity.amount == Decimal("12500.10") and activity.currency == "USD"


def test_a_json_number_becomes_the_decimal_it_reads_as_not_its_float():
    assert _activity(amount=0.1, currency="EUR").amount == Decimal("0.1")


def test_the_event_carries_the_amount_as_a_decimal_string():
    assert _activity(amount="99.95", currency="EUR").model_dump(mode="json")["amount"] == "99.95"


@pytest.mark.parametrize("amount", [-1, "NaN", "Infinity", "1.23456", "lots", 10**15])
def test_a_bad_amount_is_refused_naming_the_field(amount):
    assert _error_fields(amount=amount, currency="EUR") == ["amount"]


@pytest.mark.parametrize("currency", ["usd", "US", "EURO", "ABC", "XAU"])
def test_a_currency_outside_iso_4217_is_refused_naming_the_field(currency):
    assert _error_fields(amount=10, currency=currency) == ["currency"]


def test_an_amount_without_its_currency_is_refused_naming_the_currency():
    assert _error_fields(amount=10) == ["currency"]


def test_a_currency_without_an_amount_is_refused_naming_the_amount():
    assert _error_fields(currency="EUR") == ["amount"]


@pytest.mark.parametrize("status", ["converted", "won"])
def test_an_opportunity_and_a_win_may_carry_an_amount(status):
    assert problems(_activity(status=status, amount=5000, currency="EUR"), None, NOW) == []


@pytest.mark.parametrize("status", ["accepted", "lost"])
def test_other_outcomes_carry_no_amount(status):
    [(field, message)] = problems(_activity(status=status, amount=5000, currency="EUR"), None, NOW)
    assert field == "amount" and "converted or won" in message


def test_a_currency_the_deployment_has_a_rate_for_is_known():
    assert currency_problems(_activity(amount=1, currency="USD"), {"EUR", "USD"}) == []


def test_a_currency_without_a_rate_is_unknown_listing_the_known_ones():
    [(field, message)] = currency_problems(_activity(amount=1, currency="GBP"), {"EUR", "USD"})
    assert field == "currency" and "GBP" in message and "['EUR', 'USD']" in message


@given(st.decimals(min_value=0, max_value=Decimal("99999999999999.9999"), places=4, allow_nan=False))
def test_every_amount_in_range_round_trips_through_the_event_exactly(amount):
    event = _activity(amount=amount, currency="EUR")
    assert CrmActivityRecorded.model_validate_json(event.model_dump_json()).amount == amount


def test_the_currency_list_holds_only_three_capital_letters():
    assert all(len(c) == 3 and c.isalpha() and c.isupper() for c in ISO_4217) and "EUR" in ISO_4217
